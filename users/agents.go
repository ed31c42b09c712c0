package users

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotAgent: the user a session is to be handed to is unknown, disabled,
// not an agent, or lacks the feature the facebooksession API needs.
var ErrNotAgent = errors.New("users: no enabled agent with the api-multimedia feature")

// ErrUnavailable: the directory could not be read.
var ErrUnavailable = errors.New("users: directory unavailable")

// RequireAgent returns nil when id names an enabled agent with the
// api-multimedia feature, the only user a session may be handed to: one
// who could not accept, see or complete it would leave it stuck. Otherwise ErrNotAgent, or ErrUnavailable when the directory
// cannot tell.
func (d *Directory) RequireAgent(ctx context.Context, id string) error {
	u, err := d.Get(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && (u.Disabled || !u.Has(RoleAgent) || !u.HasFeature(FeatureMultimedia)):
		return fmt.Errorf("%w: %s", ErrNotAgent, id)
	case err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
