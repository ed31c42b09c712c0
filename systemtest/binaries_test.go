package systemtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// longTests tells whether to run the long variants (FBSESSION_LONG_TESTS=1).
func longTests() bool { return os.Getenv("FBSESSION_LONG_TESTS") != "" }

// binaries are fbsessiond and fbsessionctl built for one test.
type binaries struct{ daemon, ctl string }

// buildBinaries builds fbsessiond and fbsessionctl from this tree into
// a directory of t's.
func buildBinaries(t *testing.T) binaries {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "../cmd/fbsessiond", "../cmd/fbsessionctl").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return binaries{daemon: filepath.Join(dir, "fbsessiond"), ctl: filepath.Join(dir, "fbsessionctl")}
}
