// Package version tells which build a binary is, from what the Go
// toolchain stamped into it: the module version, the VCS revision and
// time, and whether the tree had uncommitted changes.
package version

import (
	"runtime/debug"
	"strings"
)

// String is this binary's version, e.g.
// "v1.4.0 (431489e1a2b3 2026-12-06T08:00:00Z) go1.26.8", or
// "(devel) (431489e1a2b3 2026-12-06T08:00:00Z, modified) go1.26.8" for a
// build of a tree with uncommitted changes.
func String() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (built without module support)"
	}
	return Of(info)
}

// Of is the version that info describes.
func Of(info *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var vcs []string
	if rev := settings["vcs.revision"]; rev != "" {
		vcs = append(vcs, rev[:min(len(rev), 12)])
	}
	if t := settings["vcs.time"]; t != "" {
		vcs = append(vcs, t)
	}
	if len(vcs) > 0 {
		v += " (" + strings.Join(vcs, " ")
		if settings["vcs.modified"] == "true" {
			v += ", modified"
		}
		v += ")"
	}
	return v + " " + info.GoVersion
}
