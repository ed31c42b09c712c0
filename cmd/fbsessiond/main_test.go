package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/version"
)

// --version prints the build and starts nothing.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	cmd := command(&out, io.Discard)
	cmd.SetArgs([]string{"--version"})
	require.NoError(t, cmd.ExecuteContext(context.Background()))
	require.Equal(t, "fbsessiond version "+version.String()+"\n", out.String())
}
