package ctl_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
)

// help runs fbsessionctl with args and returns what it printed.
func help(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &out, In: strings.NewReader("")}
	cmd := c.Command()
	cmd.SetArgs(args)
	require.NoError(t, cmd.Execute(), out.String())
	return out.String()
}

// Each command lists the settings it uses, and no others.
func TestHelpShowsTheFlagsACommandUses(t *testing.T) {
	t.Parallel()
	store := []string{"--database-url", "--data-dir", "--log-level"}
	nats := []string{"--nats-url", "--nats-listen", "--nats-creds", "--nats-user", "--subject-prefix", "--data-dir"}
	daemon := []string{"--http-addr", "--cached-sessions", "--cache-bytes", "--stream-retention", "--duplicate-window",
		"--request-timeout", "--pprof-addr", "--checkpoint-interval", "--checkpoint-retention", "--checkpoint-key"}
	for _, tc := range []struct {
		args      []string
		shows     []string
		hidesMore []string
	}{
		{[]string{"--help"}, nil, append(append([]string{"--bcrypt-cost", "--stream", "--public-url"}, store...), nats...)},
		// users add hashes the password: --bcrypt-cost.
		{[]string{"users", "add", "--help"}, append([]string{"--bcrypt-cost", "--name", "--password-stdin"}, store...), append([]string{"--nats-url", "--stream", "--public-url"}, nats[1:5]...)},
		{[]string{"users", "passwd", "--help"}, append([]string{"--bcrypt-cost"}, store...), []string{"--nats-url"}},
		{[]string{"users", "list", "--help"}, store, []string{"--bcrypt-cost", "--nats-url", "--public-url"}},
		{[]string{"sessions", "get", "--help"}, append([]string{"--public-url"}, store...), []string{"--bcrypt-cost", "--nats-url"}},
		{[]string{"history", "--help"}, store, []string{"--bcrypt-cost", "--nats-url", "--public-url"}},
		{[]string{"export", "--help"}, store, []string{"--bcrypt-cost", "--nats-url"}},
		{[]string{"migrate", "--help"}, append([]string{"--service-role"}, store...), []string{"--bcrypt-cost", "--nats-url"}},
		{[]string{"watch", "--help"}, append([]string{"--since", "--all", "--session", "--stream", "--integration", "--brief"}, nats...), []string{"--database-url", "--bcrypt-cost", "--log-level", "--public-url"}},
		{[]string{"replay", "--help"}, append(append([]string{"--public-url"}, store...), nats...), []string{"--bcrypt-cost", "--stream"}},
		{[]string{"checkpoint", "create", "--help"}, append(append([]string{"--key", "--checkpoint-stream"}, store...), nats...), []string{"--bcrypt-cost"}},
		{[]string{"checkpoint", "keygen", "--help"}, []string{"--key"}, append(append([]string{}, store...), nats...)},
	} {
		out := help(t, tc.args...)
		require.Contains(t, out, "Examples:\n", tc.args)
		for _, f := range tc.shows {
			require.Contains(t, out, f+" ", tc.args)
		}
		for _, f := range append(tc.hidesMore, daemon...) {
			require.NotContains(t, out, f+" ", tc.args)
		}
	}
}

// Every command has an example; cobra's own (help, completion) aside.
func TestEveryCommandHasAnExample(t *testing.T) {
	t.Parallel()
	c := &ctl.CLI{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, In: strings.NewReader("")}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		require.NotEmpty(t, cmd.Example, cmd.CommandPath())
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(c.Command())
}

// A hidden setting is still accepted: scripts that pass the same
// settings to every store command keep working.
func TestStoreCommandsAcceptBcryptCost(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := help(t, "users", "list", "--data-dir", dir, "--bcrypt-cost", "4", "--log-level", "error")
	require.Contains(t, out, "ID")
}

// cobra's completion command prints the scripts the README documents.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	require.Contains(t, help(t, "completion", "bash"), "complete -o default -F __start_fbsessionctl fbsessionctl")
	require.Contains(t, help(t, "completion", "zsh"), "#compdef fbsessionctl")
	require.Contains(t, help(t, "completion", "fish"), "complete -c fbsessionctl")
	// Flags complete per command: watch's, not a store command's.
	out := help(t, "__complete", "watch", "--s")
	require.Contains(t, out, "--since")
	require.Contains(t, out, "--session")
	require.NotContains(t, out, "--service-role")
}

// The bash script completes in bash, with bash-completion (Debian's
// package), through the binary's hidden __complete command.
func TestBashCompletes(t *testing.T) {
	t.Parallel()
	const lib = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(lib); err != nil {
		t.Skip("bash-completion is not installed")
	}
	bin := filepath.Join(t.TempDir(), "fbsessionctl")
	build := exec.Command("go", "build", "-o", bin, "github.com/fbsession/fbsession/cmd/fbsessionctl")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	script := `source ` + lib + `; source <(fbsessionctl completion bash)
complete_line() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$1"; COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); __start_fbsessionctl 2>/dev/null; echo "${COMPREPLY[*]}"; }
complete_line "fbsessionctl us"
complete_line "fbsessionctl watch --se"
complete_line "fbsessionctl users add --bc"`
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "users\n--session\n--bcrypt-cost\n", string(out))
}
