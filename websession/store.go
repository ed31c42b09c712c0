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
// for concurrent use, and by several processes at once.
type Store struct {
	db  *sql.DB
	cfg Config
}

// New returns a store on db, the database the users directory is on,
// migrated (00009_web_sessions).
func New(db *sql.DB, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Store{db: db, cfg: cfg}, nil
}

// The SQL numbers its parameters in order of first use, which both
// PostgreSQL and SQLite bind positionally. Times are Unix milliseconds.
const (
	// revoked is true of a session whose user changed since it was
	// issued: disabled, a new password, any change.
	revoked = `user_version <> COALESCE((SELECT version FROM users WHERE users.id = web_sessions.user_id), -1)`
	sweep   = `DELETE FROM web_sessions WHERE expires_at <= $1 OR ` + revoked
)

// Issue starts a session for u, whose users row was at userVersion when
// its credentials were verified, and returns it with its token, the
// cookie's value. Past Config.PerUser, u's oldest session ends; past
// Config.Max in all, expired sessions are swept, and if none was it
// fails with ErrFull, having written nothing.
func (s *Store) Issue(ctx context.Context, u users.User, userVersion int64) (Session, string, error) {
	now := s.cfg.Now()
	token := newToken()
	sess := Session{UserID: u.ID, CSRFToken: newToken(), CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.Idle), EndsAt: now.Add(s.cfg.MaxAge)}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.makeRoom(ctx, tx, u.ID, userVersion, now); err != nil {
		return Session{}, "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO web_sessions
		(id_hash, user_id, csrf_token, user_version, created_at, seen_at, expires_at, ends_at)
		VALUES ($1, $2, $3, $4, $5, $5, $6, $7)`,
		hash(token), u.ID, sess.CSRFToken, userVersion, millis(now), millis(sess.ExpiresAt), millis(sess.EndsAt))
	if err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Session{}, "", fmt.Errorf("websession: issue: %w", err)
	}
	return sess, token, nil
}

// makeRoom makes room for one more session of user in tx: first it takes
// the issuer's row, so that issues in every process count one after
// another and the bounds hold.
func (s *Store) makeRoom(ctx context.Context, tx *sql.Tx, user string, userVersion int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE web_session_issuer SET issued = issued + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("websession: issue: %w", err)
	}
	// The user's expired and revoked sessions, then the oldest past the
	// bound, the new one included.
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND (expires_at <= $2 OR user_version < $3)`,
		user, millis(now), userVersion); err != nil {
		return fmt.Errorf("websession: issue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND id_hash NOT IN
		(SELECT id_hash FROM web_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2)`,
		user, s.cfg.PerUser-1); err != nil {
		return fmt.Errorf("websession: issue: %w", err)
	}
	n, err := count(ctx, tx)
	if err != nil || n < s.cfg.Max {
		return err
	}
	if _, err := tx.ExecContext(ctx, sweep, millis(now)); err != nil {
		return fmt.Errorf("websession: issue: %w", err)
	}
	if n, err = count(ctx, tx); err != nil || n < s.cfg.Max {
		return err
	}
	return ErrFull
}

func count(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("websession: issue: %w", err)
	}
	return n, nil
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
	err := s.db.QueryRowContext(ctx, `SELECT w.user_id, w.csrf_token, w.user_version, w.created_at, w.seen_at, w.expires_at, w.ends_at,
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
		// Dead for good: gone now rather than at the next sweep, and
		// out of its user's count.
		if _, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, id); err != nil {
			return Session{}, users.User{}, fmt.Errorf("websession: lookup: %w", err)
		}
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

// End ends the session of token, if there is one.
func (s *Store) End(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, hash(token)); err != nil {
		return fmt.Errorf("websession: end: %w", err)
	}
	return nil
}

// Sweep deletes the expired and revoked sessions and tells how many.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, sweep, millis(s.cfg.Now()))
	if err != nil {
		return 0, fmt.Errorf("websession: sweep: %w", err)
	}
	return res.RowsAffected()
}

func millis(t time.Time) int64      { return t.UnixMilli() }
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
