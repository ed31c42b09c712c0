package audit

import "github.com/fbsession/fbsession/eventstore"

// Log is what the whole-log audits (Verify, Rebuild) need of a store: the
// streams, scans through all of them, and the views kept beside them.
type Log interface {
	eventstore.Store
	eventstore.Scanner
	eventstore.Views
}
