package natsconn_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// A huge nats-auth.json is refused with a clear message, not read whole.
func TestReadEmbeddedIsBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	huge := `{"pad":"` + strings.Repeat("x", 1<<20) + `"}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, natsconn.EmbeddedFile), []byte(huge), 0o600))
	_, err := natsconn.ReadEmbedded(dir)
	require.ErrorContains(t, err, "more than 65536 bytes")
}
