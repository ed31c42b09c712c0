package httpapi

import (
	"context"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// withQueue is cmd with the queueName it carries, if any, resolved to the
// queue's name (ResolveQueue): the log and the router know a queue by
// one name, and an unknown queue is refused before anything is read or
// appended. A malformed name is left to the command side, which answers
// as for any bad field; other commands pass untouched, unvalidated here,
// so that a SendMessage's text is judged once, by the command side.
func (a *API) withQueue(ctx context.Context, cmd fb.Command) (fb.Command, error) {
	resolve := func(name *string) (*string, error) {
		if name == nil || fb.ValidateQueueName(*name) != nil {
			return name, nil
		}
		resolved, err := a.ResolveQueue(ctx, *name)
		return &resolved, err
	}
	var err error
	switch c := cmd.(type) {
	case fb.Complete:
		c.QueueName, err = resolve(c.QueueName)
		return c, err
	case fb.Transfer:
		c.QueueName, err = resolve(c.QueueName)
		return c, err
	case fb.Start:
		if c.QueueName != "" {
			name, err := resolve(&c.QueueName)
			c.QueueName = *name
			return c, err
		}
		return c, nil
	}
	return cmd, nil
}
