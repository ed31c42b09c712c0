package version_test

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/version"
)

func TestOf(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "431489e1a2b3c4d5e6f708192a3b4c5d6e7f8091"},
		{Key: "vcs.time", Value: "2026-12-06T08:00:00Z"},
		{Key: "vcs.modified", Value: "false"},
	}}
	require.Equal(t, "v1.4.0 (431489e1a2b3 2026-12-06T08:00:00Z) go1.26.8", version.Of(info))
	info.Settings[2].Value = "true"
	info.Main.Version = "(devel)"
	require.Equal(t, "(devel) (431489e1a2b3 2026-12-06T08:00:00Z, modified) go1.26.8", version.Of(info))
	require.Equal(t, "(devel) go1.26.8", version.Of(&debug.BuildInfo{GoVersion: "go1.26.8"}))
}
