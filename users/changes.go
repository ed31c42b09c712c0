package users

import (
	"context"
	"errors"
	"fmt"
)

// ChangeKind names what a Change did to a user.
type ChangeKind string

const (
	ChangeAdded    ChangeKind = "added"
	ChangePassword ChangeKind = "password"
	ChangeDisabled ChangeKind = "disabled"
	ChangeEnabled  ChangeKind = "enabled"
	ChangeRoles    ChangeKind = "roles"
	ChangeFeatures ChangeKind = "features"
)

// Change is a change to the directory as its log records it: who made it
// and what it set, never a password nor its hash.
type Change struct {
	Kind   ChangeKind
	UserID string
	// Actor is who made the change (WithActor), empty when unknown.
	Actor string
	// User is the user as added (ChangeAdded).
	User User
	// Roles and Features are what ChangeRoles and ChangeFeatures set.
	Roles    []Role
	Features []string
}

// ChangeLog records directory changes, durably, before they are made: a
// directory that has one makes no change it failed to record.
type ChangeLog interface {
	Record(ctx context.Context, c Change) error
}

// ErrChangeNotMade: the change was recorded but the directory's write
// then failed, so the log holds a change the directory lacks. The safe
// side of the two: never a change without its record.
var ErrChangeNotMade = errors.New("users: change recorded, but not made")

type actorKey struct{}

// WithActor names, for the changes made with ctx, who makes them.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// actor is who WithActor named, or "".
func actor(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}

// DirectoryOption configures NewDirectory.
type DirectoryOption func(*Directory)

// RecordTo makes the directory record every change to log first, and
// make none that it could not record.
func RecordTo(log ChangeLog) DirectoryOption { return func(d *Directory) { d.log = log } }

// change records c, when the directory has a log, then makes it with
// write. A failure to record makes nothing.
func (d *Directory) change(ctx context.Context, c Change, write func() error) error {
	if d.log == nil {
		return write()
	}
	c.Actor = actor(ctx)
	if err := d.log.Record(ctx, c); err != nil {
		return fmt.Errorf("users: %s %s not made, it could not be recorded: %w", c.Kind, c.UserID, err)
	}
	if err := write(); err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrChangeNotMade, c.Kind, c.UserID, err)
	}
	return nil
}

// exists fails with ErrNotFound unless the user is there: checked before a
// change is recorded, so that none is recorded for nobody. Users are
// never deleted, so it still holds when the change is made.
func (d *Directory) exists(ctx context.Context, id string) error {
	_, err := d.Get(ctx, id)
	return err
}
