package websession_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

const password = "correct horse"

// bundle is a store on a fresh database of one driver, with a clock that
// moves only when told.
type bundle struct {
	store *websession.Store
	dir   *users.Directory
	db    *sql.DB
	clock *storetest.Clock
	cfg   websession.Config
}

// forEachStore runs f on a store of each driver; cfg's clock is the
// test's.
func forEachStore(t *testing.T, cfg websession.Config, f func(t *testing.T, b *bundle)) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, sb *storetest.Backend) {
		b := &bundle{dir: sb.Users, db: sb.DB, clock: storetest.NewClock(t0), cfg: cfg}
		b.cfg.Now = b.clock.Now
		// SQLite's lookups read through its query-only readers: a write
		// there fails.
		b.cfg.Reader = sb.ReadDB
		b.store = b.newStore(t)
		f(t, b)
	})
}

// newStore is another store on the same database: a restart, or another
// process.
func (b *bundle) newStore(t *testing.T) *websession.Store {
	t.Helper()
	s, err := websession.New(b.db, b.cfg)
	require.NoError(t, err)
	return s
}

// user adds an agent and returns it with the version of its row.
func (b *bundle) user(t *testing.T, id string) (users.User, int64) {
	t.Helper()
	u := users.User{ID: id, UserName: "user-" + id, Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}}
	require.NoError(t, b.dir.Add(context.Background(), u, password))
	return u, b.version(t, id)
}

func (b *bundle) version(t *testing.T, id string) int64 {
	t.Helper()
	var v int64
	require.NoError(t, b.db.QueryRow(`SELECT version FROM users WHERE id = $1`, id).Scan(&v))
	return v
}

func (b *bundle) issue(t *testing.T, u users.User, v int64) string {
	t.Helper()
	_, token, err := b.store.Issue(context.Background(), u, v)
	require.NoError(t, err)
	return token
}

func (b *bundle) alive(t *testing.T, token string) bool {
	t.Helper()
	_, _, err := b.store.Lookup(context.Background(), token)
	if err != nil {
		require.ErrorIs(t, err, websession.ErrNotFound)
	}
	return err == nil
}

// rows are the stored sessions' id hashes, and how many there are.
func (b *bundle) rows(t *testing.T) []string {
	t.Helper()
	rows, err := b.db.Query(`SELECT id_hash FROM web_sessions ORDER BY id_hash`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h []byte
		require.NoError(t, rows.Scan(&h))
		out = append(out, fmt.Sprintf("%x", h))
	}
	require.NoError(t, rows.Err())
	return out
}

// stored is a session's row: when it was last seen and its idle
// deadline.
func (b *bundle) stored(t *testing.T, csrf string) (seen, expires time.Time) {
	t.Helper()
	var s, e int64
	require.NoError(t, b.db.QueryRow(`SELECT seen_at, expires_at FROM web_sessions WHERE csrf_token = $1`, csrf).Scan(&s, &e))
	return time.UnixMilli(s).UTC(), time.UnixMilli(e).UTC()
}

func TestIssueAndLookup(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		u, v := b.user(t, "a1")
		sess, token, err := b.store.Issue(ctx, u, v)
		require.NoError(t, err)
		require.Len(t, token, 43, "32 random bytes, base64url")
		require.Len(t, sess.CSRFToken, 43)
		require.NotEqual(t, token, sess.CSRFToken)
		require.Equal(t, "a1", sess.UserID)
		require.True(t, sess.ExpiresAt.Equal(t0.Add(websession.DefaultIdle)))
		require.True(t, sess.EndsAt.Equal(t0.Add(websession.DefaultMaxAge)))

		got, gotUser, err := b.store.Lookup(ctx, token)
		require.NoError(t, err)
		require.Equal(t, u, gotUser, "the user as the users row has it")
		require.Equal(t, sess.CSRFToken, got.CSRFToken)
		require.True(t, got.CSRFMatches(sess.CSRFToken))
		require.False(t, got.CSRFMatches(""))
		require.False(t, got.CSRFMatches(token))

		// The token is stored as its hash only.
		var n int
		require.NoError(t, b.db.QueryRow(`SELECT count(*) FROM web_sessions WHERE csrf_token = $1 OR user_id = $1 OR CAST(id_hash AS TEXT) = $1`, token).Scan(&n))
		require.Zero(t, n)
		require.Len(t, b.rows(t), 1)

		for _, bad := range []string{"", "x", token[:42], token + "A", "!" + token[1:], sess.CSRFToken} {
			_, _, err := b.store.Lookup(ctx, bad)
			require.ErrorIs(t, err, websession.ErrNotFound, "%q", bad)
		}

		// A restart, or another process: a new store finds it.
		_, again, err := b.newStore(t).Lookup(ctx, token)
		require.NoError(t, err)
		require.Equal(t, u, again)

		require.NoError(t, b.store.End(ctx, token))
		require.False(t, b.alive(t, token))
		require.NoError(t, b.store.End(ctx, token), "ending twice is no error")
		require.NoError(t, b.store.End(ctx, "not a token"))
		require.Empty(t, b.rows(t))
	})
}

// A session lives Idle unused; its use is written at most once a minute,
// and moves the idle deadline on.
func TestIdleExpiryAndRefresh(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{Idle: 10 * time.Minute}, func(t *testing.T, b *bundle) {
		u, v := b.user(t, "a1")
		sess, token, err := b.store.Issue(context.Background(), u, v)
		require.NoError(t, err)

		b.clock.Advance(30 * time.Second)
		require.True(t, b.alive(t, token))
		seen, expires := b.stored(t, sess.CSRFToken)
		require.Equal(t, t0, seen, "used within a minute of the last write: not written")
		require.Equal(t, t0.Add(10*time.Minute), expires)

		b.clock.Advance(30 * time.Second)
		require.True(t, b.alive(t, token))
		seen, expires = b.stored(t, sess.CSRFToken)
		require.Equal(t, t0.Add(time.Minute), seen, "a minute on: written")
		require.Equal(t, t0.Add(11*time.Minute), expires)
		b.clock.Advance(59 * time.Second)
		require.True(t, b.alive(t, token))
		seen, _ = b.stored(t, sess.CSRFToken)
		require.Equal(t, t0.Add(time.Minute), seen, "within a minute of the last write again")

		// Unused until its idle deadline, 10 minutes after the last
		// write: gone, and deleted by the sweep (a lookup writes only a
		// session's use).
		b.clock.Advance(11*time.Minute - time.Minute - 59*time.Second)
		require.False(t, b.alive(t, token))
		require.Len(t, b.rows(t), 1)
		_, err = b.store.Sweep(context.Background())
		require.NoError(t, err)
		require.Empty(t, b.rows(t))
	})
}

// Used or not, a session ends MaxAge after it was issued.
func TestAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{Idle: 30 * time.Minute, MaxAge: time.Hour}, func(t *testing.T, b *bundle) {
		u, v := b.user(t, "a1")
		sess, token, err := b.store.Issue(context.Background(), u, v)
		require.NoError(t, err)
		for range 2 {
			b.clock.Advance(20 * time.Minute)
			require.True(t, b.alive(t, token))
		}
		_, expires := b.stored(t, sess.CSRFToken)
		require.Equal(t, t0.Add(time.Hour), expires, "the idle deadline never passes the absolute one")
		b.clock.Advance(20 * time.Minute)
		require.False(t, b.alive(t, token))
	})
}

// Issuing past PerUser ends that user's least recently seen session,
// and no one else's: a client logging in again and again ends the
// sessions it left, not the browser in use.
func TestPerUserBound(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{PerUser: 3}, func(t *testing.T, b *bundle) {
		a1, v1 := b.user(t, "a1")
		a2, v2 := b.user(t, "a2")
		other := b.issue(t, a2, v2)
		inUse := b.issue(t, a1, v1)
		var tokens []string
		for range 2 {
			b.clock.Advance(time.Second)
			tokens = append(tokens, b.issue(t, a1, v1))
		}
		// The first is the oldest, but in use (seen a minute on).
		b.clock.Advance(time.Minute)
		require.True(t, b.alive(t, inUse))
		for range 2 {
			b.clock.Advance(time.Second)
			tokens = append(tokens, b.issue(t, a1, v1))
		}
		require.True(t, b.alive(t, inUse), "the most recently seen stays")
		require.False(t, b.alive(t, tokens[0]), "the least recently seen ended")
		require.False(t, b.alive(t, tokens[1]))
		require.True(t, b.alive(t, tokens[2]))
		require.True(t, b.alive(t, tokens[3]))
		require.True(t, b.alive(t, other))
		require.Len(t, b.rows(t), 4)
		b.requireCounted(t)

		// Seen as recently, the oldest created goes first.
		a3, v3 := b.user(t, "a3")
		first := b.issue(t, a3, v3)
		b.clock.Advance(time.Second)
		second := b.issue(t, a3, v3)
		b.clock.Advance(time.Minute)
		require.True(t, b.alive(t, first))
		require.True(t, b.alive(t, second))
		b.issue(t, a3, v3) // seen as it is issued: as the first two
		b.issue(t, a3, v3)
		require.False(t, b.alive(t, first))
		require.True(t, b.alive(t, second))
	})
}

// Past Max in all, expired sessions are swept first; if none is, the
// issue fails with ErrFull and writes nothing.
func TestTotalBound(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{Max: 3, Idle: 10 * time.Minute}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		var us []users.User
		var vs []int64
		for _, id := range []string{"a1", "a2", "a3", "a4"} {
			u, v := b.user(t, id)
			us, vs = append(us, u), append(vs, v)
		}
		old := b.issue(t, us[0], vs[0])
		b.clock.Advance(5 * time.Minute)
		b.issue(t, us[1], vs[1])
		b.issue(t, us[2], vs[2])
		before := b.rows(t)
		_, _, err := b.store.Issue(ctx, us[3], vs[3])
		require.ErrorIs(t, err, websession.ErrFull)
		require.Equal(t, before, b.rows(t), "nothing written")

		// The first expires: swept to make room.
		b.clock.Advance(5 * time.Minute)
		fourth := b.issue(t, us[3], vs[3])
		require.True(t, b.alive(t, fourth))
		require.False(t, b.alive(t, old))
		require.Len(t, b.rows(t), 3)

		// Full of live sessions, a user's own expired one is no room,
		// and stays until swept.
		_, _, err = b.store.Issue(ctx, us[0], vs[0])
		require.ErrorIs(t, err, websession.ErrFull)
		require.Len(t, b.rows(t), 3)
		b.requireCounted(t)
	})
}

// Concurrent issues, in several stores (processes), keep both bounds.
func TestBoundsUnderConcurrency(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{PerUser: 2, Max: 5}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		stores := []*websession.Store{b.store, b.newStore(t)}
		a1, v1 := b.user(t, "a1")
		var others []users.User
		var versions []int64
		for i := range 8 {
			u, v := b.user(t, fmt.Sprintf("u%d", i))
			others, versions = append(others, u), append(versions, v)
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			full  int
			other error
		)
		for i := range 8 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, _, err := stores[i%2].Issue(ctx, a1, v1); err != nil {
					mu.Lock()
					other = err
					mu.Unlock()
				}
			}()
			go func() {
				defer wg.Done()
				_, _, err := stores[i%2].Issue(ctx, others[i], versions[i])
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
				case err == websession.ErrFull:
					full++
				default:
					other = err
				}
			}()
		}
		wg.Wait()
		require.NoError(t, other)
		require.Len(t, b.rows(t), 5, "never more than Max")
		b.requireCounted(t)
		var mine int
		require.NoError(t, b.db.QueryRow(`SELECT count(*) FROM web_sessions WHERE user_id = 'a1'`).Scan(&mine))
		require.LessOrEqual(t, mine, 2, "never more than PerUser")
		require.Equal(t, 8-(5-mine), full)
	})
}

// Any change of the user ends their sessions at once: a new password,
// disabling, a change of roles. Other users' changes do not.
func TestUserChangeEndsSessions(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		a1, v1 := b.user(t, "a1")
		a2, v2 := b.user(t, "a2")
		other := b.issue(t, a2, v2)
		for _, change := range []func() error{
			func() error { return b.dir.SetPassword(ctx, "a1", "battery staple") },
			func() error { return b.dir.SetDisabled(ctx, "a1", true) },
			func() error { return b.dir.SetRoles(ctx, "a1", []users.Role{users.RoleAgent, users.RoleSupervisor}) },
			func() error { return b.dir.SetFeatures(ctx, "a1", nil) },
		} {
			token := b.issue(t, a1, v1)
			require.True(t, b.alive(t, token))
			require.NoError(t, change())
			require.False(t, b.alive(t, token))
			require.NoError(t, b.dir.SetDisabled(ctx, "a1", false))
			v1 = b.version(t, "a1")
		}
		require.True(t, b.alive(t, other))

		// Issued on a version already stale (the user changed between the
		// check of the credentials and the issue): dead from the start.
		token := b.issue(t, a1, v1-1)
		require.False(t, b.alive(t, token))

		// Disabled: the session issued on the disabling's version is no
		// better.
		require.NoError(t, b.dir.SetDisabled(ctx, "a1", true))
		token = b.issue(t, a1, b.version(t, "a1"))
		require.False(t, b.alive(t, token))
	})
}

// Sweep deletes the expired and the revoked, and keeps the live.
func TestSweep(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{Idle: 10 * time.Minute}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		a1, v1 := b.user(t, "a1")
		a2, v2 := b.user(t, "a2")
		a3, v3 := b.user(t, "a3")
		b.issue(t, a1, v1)
		b.clock.Advance(5 * time.Minute)
		b.issue(t, a2, v2)
		live := b.issue(t, a3, v3)
		require.NoError(t, b.dir.SetPassword(ctx, "a2", "battery staple"))
		b.clock.Advance(5 * time.Minute)
		n, err := b.store.Sweep(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		require.Len(t, b.rows(t), 1)
		require.True(t, b.alive(t, live))
	})
}

// The issuer's row counts the sessions held through issues, ends,
// evictions and sweeps, so that an issue never counts the table.
func TestRunningCount(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{PerUser: 2, Idle: 10 * time.Minute}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		a1, v1 := b.user(t, "a1")
		a2, v2 := b.user(t, "a2")
		b.requireCounted(t)
		first := b.issue(t, a1, v1)
		b.clock.Advance(time.Second)
		b.issue(t, a1, v1)
		b.clock.Advance(time.Second)
		b.issue(t, a1, v1) // evicts the first
		b.requireCounted(t)
		ended := b.issue(t, a2, v2)
		require.NoError(t, b.store.End(ctx, ended))
		require.NoError(t, b.store.End(ctx, ended), "twice: nothing more")
		require.NoError(t, b.store.End(ctx, first), "evicted already")
		b.requireCounted(t)
		b.issue(t, a2, v2)
		b.clock.Advance(11 * time.Minute)
		b.issue(t, a2, v2) // deletes a2's expired one
		b.requireCounted(t)
		n, err := b.store.Sweep(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 2, n, "a1's two")
		b.requireCounted(t)

		// Rows deleted behind the store's back: the sweep counts again.
		_, err = b.db.Exec(`DELETE FROM web_sessions`)
		require.NoError(t, err)
		_, err = b.store.Sweep(ctx)
		require.NoError(t, err)
		b.requireCounted(t)
	})
}

// A user issued sessions faster than IssueRate is refused with how long
// to wait, having written nothing; other users are not.
func TestIssueRate(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{IssueRate: 1, IssueBurst: 3}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		a1, v1 := b.user(t, "a1")
		a2, v2 := b.user(t, "a2")
		for range 3 {
			b.issue(t, a1, v1)
		}
		_, _, err := b.store.Issue(ctx, a1, v1)
		require.ErrorIs(t, err, websession.ErrThrottled)
		var te *websession.ThrottledError
		require.ErrorAs(t, err, &te)
		require.Equal(t, time.Second, te.RetryAfter)
		require.Len(t, b.rows(t), 3)
		b.issue(t, a2, v2)
		b.clock.Advance(time.Second)
		b.issue(t, a1, v1)
		b.requireCounted(t)
	})
}

// Cookies naming no session count against the address presenting them:
// past the free ones it waits, without a query, whatever the cookie;
// other addresses do not.
func TestUnknownCookiesPerAddress(t *testing.T) {
	t.Parallel()
	forEachStore(t, websession.Config{UnknownPerAddress: users.BackoffConfig{Free: 3, Base: time.Second, Max: time.Minute}}, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		u, v := b.user(t, "a1")
		token := b.issue(t, u, v)
		for i := range 3 {
			_, _, err := b.store.LookupFrom(ctx, "192.0.2.1", fmt.Sprintf("%043d", i))
			require.ErrorIs(t, err, websession.ErrNotFound)
		}
		_, _, err := b.store.LookupFrom(ctx, "192.0.2.1", token)
		var te *websession.ThrottledError
		require.ErrorAs(t, err, &te, "even a live session's cookie waits")
		require.Equal(t, time.Second, te.RetryAfter)
		_, got, err := b.store.LookupFrom(ctx, "192.0.2.2", token)
		require.NoError(t, err)
		require.Equal(t, "a1", got.ID)
		b.clock.Advance(time.Second)
		_, _, err = b.store.LookupFrom(ctx, "192.0.2.1", token)
		require.NoError(t, err)
	})
}

// requireCounted checks the issuer's count against the table.
func (b *bundle) requireCounted(t *testing.T) {
	t.Helper()
	var counted int64
	require.NoError(t, b.db.QueryRow(`SELECT sessions FROM web_session_issuer WHERE id = 1`).Scan(&counted))
	require.EqualValues(t, len(b.rows(t)), counted)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []websession.Config{
		{Idle: 30 * time.Second},
		{Idle: 2 * time.Hour, MaxAge: time.Hour},
		{PerUser: -1},
		{Max: -1},
		{IssueRate: -1},
		{IssueBurst: -1},
	} {
		_, err := websession.New(nil, cfg)
		require.Error(t, err, "%+v", cfg)
	}
	_, err := websession.New(nil, websession.Config{})
	require.NoError(t, err)
}
