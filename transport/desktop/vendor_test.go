package desktop_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

const pinned = "../../tools/desktop"

// The vendored CometD client is exactly the pinned npm package's ES
// modules and license (tools/desktop/vendor.sh), and the same version as
// the one the CometD tests run in Node. It needs tools/desktop's
// node_modules (npm ci there, as .ci/run does).
func TestVendoredCometD(t *testing.T) {
	t.Parallel()
	version := func(lock string) string {
		b, err := os.ReadFile(lock)
		require.NoError(t, err)
		var l struct {
			Packages map[string]struct{ Version string } `json:"packages"`
		}
		require.NoError(t, json.Unmarshal(b, &l), lock)
		return l.Packages["node_modules/cometd"].Version
	}
	v := version(filepath.Join(pinned, "package-lock.json"))
	require.NotEmpty(t, v)
	require.Equal(t, version("../cometd/testdata/client/package-lock.json"), v,
		"the pages' CometD client and the tests' are the same version")

	pkg := filepath.Join(pinned, "node_modules", "cometd")
	if _, err := os.Stat(pkg); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run npm ci in tools/desktop", pkg)
		}
		t.Skipf("%s is missing: run npm ci in tools/desktop", pkg)
	}
	b, err := os.ReadFile(filepath.Join(pkg, "package.json"))
	require.NoError(t, err)
	var p struct{ Version string }
	require.NoError(t, json.Unmarshal(b, &p))
	require.Equal(t, v, p.Version, "node_modules is the locked version: npm ci in tools/desktop")

	want, err := filepath.Glob(filepath.Join(pkg, "*.js"))
	require.NoError(t, err)
	want = append(want, filepath.Join(pkg, "LICENSE"))
	var names []string
	for _, f := range want {
		names = append(names, filepath.Base(f))
		npm, err := os.ReadFile(f)
		require.NoError(t, err)
		ours, err := os.ReadFile(filepath.Join("static", "lib", "cometd", filepath.Base(f)))
		require.NoError(t, err, "run tools/desktop/vendor.sh")
		require.Equal(t, string(npm), string(ours), "%s differs from the npm package: run tools/desktop/vendor.sh", filepath.Base(f))
	}
	entries, err := os.ReadDir(filepath.Join("static", "lib", "cometd"))
	require.NoError(t, err)
	var have []string
	for _, e := range entries {
		have = append(have, e.Name())
	}
	sort.Strings(names)
	sort.Strings(have)
	require.Equal(t, names, have, "the vendored files are the package's")
}
