package projections_test

import (
	"testing"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
)

// newSQLiteStore is a store of the test's own on the embedded driver.
func newSQLiteStore(t testing.TB) eventstore.Driver {
	t.Helper()
	return storetest.SQLite(t, storetest.Options{}).Store
}
