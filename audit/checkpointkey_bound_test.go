package audit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
)

// A key file far larger than any key is refused, not read whole.
func TestKeyFilesAreBounded(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "huge.pem")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("A", 1<<20)), 0o600))
	_, err := audit.LoadPublicKey(path)
	require.ErrorContains(t, err, "more than 65536 bytes")
	_, err = audit.LoadCheckpointKey(path)
	require.ErrorContains(t, err, "more than 65536 bytes")
}
