package eventstore

// Cursor is a place in the global feed: the feed is ordered by Commit, then
// Position, and a reader resumes after the last Cursor it processed.
//
// Why not Position alone: on PostgreSQL a position is drawn before its
// transaction commits, so position 11 can become visible before position 10.
// A reader that checkpoints "position > 11" would then skip 10 forever. The
// postgres driver sets Commit to the appending transaction's id and only
// returns events of transactions older than every transaction still running,
// so nothing can later appear before a returned Cursor. On stores that
// serialise appends Commit simply counts appends.
type Cursor struct {
	Commit   uint64
	Position int64
}

// Start is the cursor before the first event.
var Start = Cursor{}

// Before tells whether c sorts before o in the feed.
func (c Cursor) Before(o Cursor) bool {
	if c.Commit != o.Commit {
		return c.Commit < o.Commit
	}
	return c.Position < o.Position
}
