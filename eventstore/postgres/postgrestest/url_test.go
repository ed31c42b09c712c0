package postgrestest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// recorder is a testing.TB that records a Fatalf or a Skipf instead of
// ending the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

// Without TEST_DATABASE_URL the PostgreSQL tests fail, since `go test`
// shows no skips; they skip only when asked to, and never under CI.
func TestURLFailsUnlessToldToSkip(t *testing.T) {
	for _, tc := range []struct {
		url, ci     string
		fatal, skip bool
	}{
		{url: "", fatal: true},
		{url: "", ci: "true", fatal: true},
		{url: "skip", skip: true},
		{url: "skip", ci: "true", fatal: true},
		{url: "postgres://db/x"},
	} {
		t.Setenv(postgrestest.EnvURL, tc.url)
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		got := postgrestest.URL(r)
		require.Equal(t, tc.fatal, r.fatal != "", "%+v: %q", tc, r.fatal)
		require.Equal(t, tc.skip, r.skip != "", "%+v: %q", tc, r.skip)
		if !tc.fatal && !tc.skip {
			require.Equal(t, tc.url, got)
		}
	}
}
