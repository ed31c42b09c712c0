package websession

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fbsession/fbsession/users"
)

// Store keeps the sessions in the database of the users directory. Safe
// for concurrent use, and by several processes at once. What it holds
// itself are the limits of this process (issues per user, unknown
// cookies per address); the sessions are all in the database.
type Store struct {
	db, read *sql.DB
	cfg      Config
	issues   *issueLimit
	unknown  *users.FailureLimit
	metrics  metrics
}

// New returns a store on db, the database the users directory is on,
// migrated (00009_web_sessions, 00010_web_session_count).
func New(db *sql.DB, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	read := cfg.Reader
	if read == nil {
		read = db
	}
	return &Store{db: db, read: read, cfg: cfg, issues: newIssueLimit(cfg),
		unknown: users.NewFailureLimit(cfg.UnknownPerAddress, cfg.Now), metrics: newMetrics(cfg.Registerer)}, nil
}

// The SQL numbers its parameters in order of first use, which both
// PostgreSQL and SQLite bind positionally. Times are Unix milliseconds.
const (
	// revoked is true of a session whose user changed since it was
	// issued: disabled, a new password, any change.
	revoked = `user_version <> COALESCE((SELECT version FROM users WHERE users.id = web_sessions.user_id), -1)`
	sweep   = `DELETE FROM web_sessions WHERE expires_at <= $1 OR ` + revoked
	// lockIssuer takes the issuer's row: every insert and delete of
	// sessions is made under it, in every process, so that the bounds
	// hold and the row's count of the sessions stays true.
	lockIssuer = `UPDATE web_session_issuer SET issued = issued WHERE id = 1`
)

// Issue starts a session for u, whose users row was at userVersion when
// its credentials were verified, and returns it with its token, the
// cookie's value. Past Config.PerUser, u's least recently seen session
// ends; past Config.Max in all, expired sessions are swept, and if none
// was it fails with ErrFull, having written nothing. Past
// Config.IssueRate for u, it fails with a *ThrottledError, having read
// nothing.
func (s *Store) Issue(ctx context.Context, u users.User, userVersion int64) (Session, string, error) {
	now := s.cfg.Now()
	if wait := s.issues.wait(u.ID, now); wait > 0 {
		s.metrics.throttled.WithLabelValues("issue").Inc()
		return Session{}, "", &ThrottledError{RetryAfter: wait}
	}
	token := newToken()
	sess := Session{UserID: u.ID, CSRFToken: newToken(), CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.Idle), EndsAt: now.Add(s.cfg.MaxAge)}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	held, err := s.makeRoom(ctx, tx, u.ID, userVersion, now)
	if err != nil {
		return Session{}, "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO web_sessions
		(id_hash, user_id, csrf_token, user_version, created_at, seen_at, expires_at, ends_at)
		VALUES ($1, $2, $3, $4, $5, $5, $6, $7)`,
		hash(token), u.ID, sess.CSRFToken, userVersion, millis(now), millis(sess.ExpiresAt), millis(sess.EndsAt))
	if err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE web_session_issuer SET issued = issued + 1, sessions = $1 WHERE id = 1`, held+1); err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	return sess, token, nil
}

// makeRoom makes room for one more session of user in tx, and tells how
// many sessions are held then. First it takes the issuer's row, so that
// issues in every process count one after another, from the row's count
// rather than the table's.
func (s *Store) makeRoom(ctx context.Context, tx *sql.Tx, user string, userVersion int64, now time.Time) (int64, error) {
	var held int64
	if err := tx.QueryRowContext(ctx, lockIssuer+` RETURNING sessions`).Scan(&held); err != nil {
		return 0, fmt.Errorf("websession: issue: %w", err)
	}
	// The user's expired and revoked sessions, then the least recently
	// seen past the bound, the new one included.
	n, err := exec(ctx, tx, `DELETE FROM web_sessions WHERE user_id = $1 AND (expires_at <= $2 OR user_version < $3)`,
		user, millis(now), userVersion)
	if err != nil {
		return 0, fmt.Errorf("websession: issue: %w", err)
	}
	held -= n
	n, err = exec(ctx, tx, `DELETE FROM web_sessions WHERE user_id = $1 AND id_hash NOT IN
		(SELECT id_hash FROM web_sessions WHERE user_id = $1 ORDER BY seen_at DESC, created_at DESC, id_hash DESC LIMIT $2)`,
		user, s.cfg.PerUser-1)
	if err != nil {
		return 0, fmt.Errorf("websession: issue: %w", err)
	}
	if held -= n; held < int64(s.cfg.Max) {
		return held, nil
	}
	if n, err = exec(ctx, tx, sweep, millis(now)); err != nil {
		return 0, fmt.Errorf("websession: issue: %w", err)
	}
	if held -= n; held < int64(s.cfg.Max) {
		return held, nil
	}
	return 0, ErrFull
}

// exec runs a statement and tells how many rows it changed.
func exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// LookupFrom is Lookup for a request from client, an IP address: unless
// client presented too many cookies naming no session of late (Config.
// UnknownPerAddress), when it fails with a *ThrottledError without a
// query.
func (s *Store) LookupFrom(ctx context.Context, client, token string) (Session, users.User, error) {
	if wait := s.unknown.Wait(client); wait > 0 {
		s.metrics.throttled.WithLabelValues("lookup").Inc()
		return Session{}, users.User{}, &ThrottledError{RetryAfter: wait}
	}
	sess, u, err := s.Lookup(ctx, token)
	if errors.Is(err, ErrNotFound) {
		s.metrics.unknown.Inc()
		s.unknown.Fail(client)
	}
	return sess, u, err
}

// Lookup returns the session of token and its user as the users row
// has it now, or ErrNotFound. Its use is written at most once a minute.
// Any other error is the database's: the caller must not let the request
// through.
func (s *Store) Lookup(ctx context.Context, token string) (Session, users.User, error) {
	if !wellFormed(token) {
		return Session{}, users.User{}, ErrNotFound
	}
	id := hash(token)
	var (
		sess                              Session
		sessionVersion, userVersion       int64
		created, seen, expires, ends      int64
		userID, userName, roles, features string
		disabled                          bool
	)
	err := s.read.QueryRowContext(ctx, `SELECT w.user_id, w.csrf_token, w.user_version, w.created_at, w.seen_at, w.expires_at, w.ends_at,
			u.user_name, u.roles, u.features, u.disabled, u.version
		FROM web_sessions w JOIN users u ON u.id = w.user_id WHERE w.id_hash = $1`, id).
		Scan(&userID, &sess.CSRFToken, &sessionVersion, &created, &seen, &expires, &ends,
			&userName, &roles, &features, &disabled, &userVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, users.User{}, ErrNotFound
	}
	if err != nil {
		return Session{}, users.User{}, fmt.Errorf("websession: lookup: %w", err)
	}
	now := s.cfg.Now()
	if millis(now) >= expires || disabled || userVersion != sessionVersion {
		// Dead for good. Left for the sweep, or its user's next issue,
		// to delete under the issuer's lock: a lookup writes nothing
		// but a session's use.
		return Session{}, users.User{}, ErrNotFound
	}
	sess.UserID, sess.CreatedAt, sess.ExpiresAt, sess.EndsAt = userID, fromMillis(created), fromMillis(expires), fromMillis(ends)
	if now.Sub(fromMillis(seen)) >= refreshEvery {
		sess.ExpiresAt = minTime(now.Add(s.cfg.Idle), sess.EndsAt)
		// Only while the row is still the one read: a session ended
		// meanwhile stays ended.
		if _, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET seen_at = $1, expires_at = $2 WHERE id_hash = $3`,
			millis(now), millis(sess.ExpiresAt), id); err != nil {
			return Session{}, users.User{}, fmt.Errorf("websession: lookup: %w", err)
		}
	}
	return sess, users.FromRow(userID, userName, roles, features, disabled), nil
}

// End ends the session of token, if there is one. Only a session found
// takes the issuer's lock.
func (s *Store) End(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	id := hash(token)
	var one int
	err := s.read.QueryRowContext(ctx, `SELECT 1 FROM web_sessions WHERE id_hash = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("websession: end: %w", err)
	}
	return s.underLock(ctx, "end", func(tx *sql.Tx) error {
		n, err := exec(ctx, tx, `DELETE FROM web_sessions WHERE id_hash = $1`, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE web_session_issuer SET sessions = sessions - $1 WHERE id = 1`, n)
		return err
	})
}

// Sweep deletes the expired and revoked sessions and tells how many. It
// counts the sessions held afresh too: whatever deleted rows behind the
// store's back (an operator) is counted right again.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	var n int64
	err := s.underLock(ctx, "sweep", func(tx *sql.Tx) error {
		var err error
		if n, err = exec(ctx, tx, sweep, millis(s.cfg.Now())); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE web_session_issuer SET sessions = (SELECT count(*) FROM web_sessions) WHERE id = 1`)
		return err
	})
	return n, err
}

// underLock runs f in a transaction holding the issuer's row.
func (s *Store) underLock(ctx context.Context, what string, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("websession: %s: %w", what, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, lockIssuer); err != nil {
		return fmt.Errorf("websession: %s: %w", what, err)
	}
	if err := f(tx); err != nil {
		return fmt.Errorf("websession: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("websession: %s: %w", what, err)
	}
	return nil
}

func millis(t time.Time) int64      { return t.UnixMilli() }
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
