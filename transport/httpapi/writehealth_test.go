package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// A store whose disk is full still answers pings, but takes no writes:
// /readyz says so until a write succeeds. The store is SQLite on a tmpfs
// of a few MiB, really filled.
func TestReadyzReportsAFullStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "tiny")
	require.NoError(t, os.Mkdir(dir, 0o700))
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	s, err := sqlite.Open(ctx, filepath.Join(dir, "events.db"), sqlite.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	require.NoError(t, err)
	dir2 := users.NewDirectory(s.DB(), bcrypt.MinCost, sqlite.IsUniqueViolation)
	for _, u := range testUsers[:4] {
		require.NoError(t, dir2.Add(ctx, u, password))
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(s, commands.WithAgents(dir2)), Sessions: sessionview.NewReader(s),
		Auth:  users.NewAuthenticator(dir2, users.AuthenticatorConfig{}),
		Ready: map[string]func(context.Context) error{"store": s.Ping},
	}))
	t.Cleanup(srv.Close)
	get := func(path string) (int, string) {
		res, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(raw)
	}
	n := 0
	intake := func() int {
		n++
		body := fmt.Sprintf(`{"id":"s%d","agentId":"a1","userData":{"pad":"%s"}}`, n, strings.Repeat("x", 8<<10))
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v2/facebooksessions", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("router", password)
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusCreated, intake())
	status, body := get("/readyz")
	require.Equal(t, http.StatusOK, status, body)

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	require.NoError(t, err)
	chunk := bytes.Repeat([]byte{'f'}, 32<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "%v", err)
			break
		}
	}
	require.NoError(t, f.Close())
	status = http.StatusCreated
	for range 100 {
		if status = intake(); status != http.StatusCreated {
			break
		}
	}
	require.Equal(t, http.StatusServiceUnavailable, status)
	status, body = get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, status, body)
	require.JSONEq(t, `{"store":"ok","store_writes":"unavailable","status":"unavailable"}`, body)

	require.NoError(t, os.Remove(filler))
	require.Equal(t, http.StatusCreated, intake())
	status, body = get("/readyz")
	require.Equal(t, http.StatusOK, status, body)
}
