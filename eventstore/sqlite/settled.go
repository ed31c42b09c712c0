package sqlite

import "context"

// SettledHead implements eventstore.Scanner. One writer commits appends in
// position order, so the head is always settled.
func (s *Store) SettledHead(ctx context.Context) (int64, error) { return s.Head(ctx) }
