package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength guards against trivially guessable passwords; there is
// no default password anywhere.
const MinPasswordLength = 8

// Directory stores users. Safe for concurrent use.
type Directory struct {
	db *sql.DB
	// cost is bcrypt's work factor.
	cost int
	// dummies are hashes to compare against for unknown names, by cost.
	dummyMu sync.Mutex
	dummies map[int][]byte
	// storedCost is the highest cost among the stored hashes as read at
	// storedCostAt: an unknown name must not cost a scan of the table.
	storedCost   int
	storedCostAt time.Time
	// compare is bcrypt's comparison; tests count its calls.
	compare func(hash, password []byte) error
	// isUnique tells whether err is a unique-key violation, which each
	// database driver reports its own way.
	isUnique func(error) bool
	// log, when set, records each change before it is made (RecordTo).
	log ChangeLog
}

// NewDirectory returns a directory on db. isUnique recognises the driver's
// unique-violation error; cost is bcrypt's (bcrypt.DefaultCost when 0).
func NewDirectory(db *sql.DB, cost int, isUnique func(error) bool, opts ...DirectoryOption) *Directory {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	d := &Directory{db: db, cost: cost, isUnique: isUnique, compare: bcrypt.CompareHashAndPassword}
	for _, o := range opts {
		o(d)
	}
	return d
}

// The SQL numbers its parameters in order of first use, which both
// PostgreSQL and SQLite bind positionally.
const (
	userColumns = `id, user_name, password_hash, roles, features, disabled`
	nextVersion = `(SELECT COALESCE(MAX(version), 0) + 1 FROM users)`
)

// Add stores a new user with a password.
func (d *Directory) Add(ctx context.Context, u User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	hash, err := d.hash(password)
	if err != nil {
		return err
	}
	if err := d.free(ctx, u); err != nil {
		return err
	}
	return d.change(ctx, Change{Kind: ChangeAdded, UserID: u.ID, User: u}, func() error {
		_, err := d.db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, version)
			VALUES ($1, $2, $3, $4, $5, $6, `+nextVersion+`)`,
			u.ID, u.UserName, hash, join(u.Roles), strings.Join(u.Features, " "), u.Disabled)
		if err != nil && d.isUnique(err) {
			return fmt.Errorf("%w: %s", ErrAlreadyExists, u.ID)
		}
		return err
	})
}

// free fails with ErrAlreadyExists when u's id or name is taken: checked
// before the addition is recorded, so that none is recorded in vain but
// for a race with another addition.
func (d *Directory) free(ctx context.Context, u User) error {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = $1 OR user_name = $2`, u.ID, u.UserName).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %s", ErrAlreadyExists, u.ID)
	}
	return nil
}

// SetPassword replaces a user's password.
func (d *Directory) SetPassword(ctx context.Context, id, password string) error {
	hash, err := d.hash(password)
	if err != nil {
		return err
	}
	return d.update(ctx, Change{Kind: ChangePassword, UserID: id}, `password_hash`, hash)
}

// SetDisabled disables or re-enables a user.
func (d *Directory) SetDisabled(ctx context.Context, id string, disabled bool) error {
	kind := ChangeEnabled
	if disabled {
		kind = ChangeDisabled
	}
	return d.update(ctx, Change{Kind: kind, UserID: id}, `disabled`, disabled)
}

// SetRoles replaces a user's roles.
func (d *Directory) SetRoles(ctx context.Context, id string, roles []Role) error {
	if err := validRoles(roles); err != nil {
		return err
	}
	return d.update(ctx, Change{Kind: ChangeRoles, UserID: id, Roles: roles}, `roles`, join(roles))
}

// ValidAccess checks roles and features as SetRoles and SetFeatures do,
// so that a caller setting both changes neither when either is bad.
func ValidAccess(roles []Role, features []string) error {
	if err := validRoles(roles); err != nil {
		return err
	}
	return validFeatures(features)
}

// SetFeatures replaces a user's features.
func (d *Directory) SetFeatures(ctx context.Context, id string, features []string) error {
	if err := validFeatures(features); err != nil {
		return err
	}
	return d.update(ctx, Change{Kind: ChangeFeatures, UserID: id, Features: features}, `features`, strings.Join(features, " "))
}

// update records c, then sets column of c's user to value.
func (d *Directory) update(ctx context.Context, c Change, column string, value any) error {
	if err := d.exists(ctx, c.UserID); err != nil {
		return err
	}
	return d.change(ctx, c, func() error { return d.set(ctx, c.UserID, column, value) })
}

func (d *Directory) set(ctx context.Context, id, column string, value any) error {
	res, err := d.db.ExecContext(ctx, `UPDATE users SET `+column+` = $1, version = `+nextVersion+` WHERE id = $2`, value, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}

// Get returns a user by id.
func (d *Directory) Get(ctx context.Context, id string) (User, error) {
	u, _, err := d.scanOne(d.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, err
}

// List returns every user in id order.
func (d *Directory) List(ctx context.Context) ([]User, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, _, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Verify checks a user name and password, at bcrypt's cost.
func (d *Directory) Verify(ctx context.Context, userName, password string) (User, error) {
	v, err := d.verify(ctx, userName, password)
	if err == nil && v.outcome != verified {
		err = ErrBadCredentials
	}
	return v.user, err
}

// outcome is why a verification failed, for the authenticator's metrics and
// throttling; callers outside the package only ever see ErrBadCredentials.
type outcome int

const (
	verified outcome = iota
	unknownUser
	badPassword
	disabledUser
)

// verification is what verify found: the user and the version of its row
// when verified.
type verification struct {
	user    User
	version int64
	outcome outcome
}

func (d *Directory) verify(ctx context.Context, userName, password string) (verification, error) {
	var (
		v    verification
		hash string
	)
	err := scanInto(d.db.QueryRowContext(ctx, `SELECT `+userColumns+`, version FROM users WHERE user_name = $1`, userName), &v.user, &hash, &v.version)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend what the slowest known user does, so that timing does
		// not tell which names exist.
		_ = d.compare(d.dummyHash(ctx), []byte(password))
		return verification{outcome: unknownUser}, nil
	}
	if err != nil {
		return verification{}, err
	}
	switch {
	case d.compare([]byte(hash), []byte(password)) != nil:
		return verification{outcome: badPassword}, nil
	case v.user.Disabled:
		return verification{outcome: disabledUser}, nil
	}
	d.rehash(ctx, v.user.ID, hash, password)
	return v, nil
}

// rehash stores the password again at the current cost when its hash has
// another: a user hashed at another cost answers in another time than an
// unknown name, which tells that the name exists. The password, hence the
// version, is unchanged, so no cache need drop it. Best effort: a failure
// leaves the old hash, to be replaced at the next login.
func (d *Directory) rehash(ctx context.Context, id, hash, password string) {
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost == d.cost {
		return
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), d.cost)
	if err != nil {
		return
	}
	// Only if the hash is still the one checked: a new password set
	// meanwhile wins.
	_, _ = d.db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, string(h), id, hash)
}

// Version grows whenever any user changes.
func (d *Directory) Version(ctx context.Context) (int64, error) {
	var v int64
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM users`).Scan(&v)
	return v, err
}

// changedSince returns the version of each user row at version since or
// above. Each change gives the changed row the next version, so this is
// the users changed since a reader saw since. The row at since itself is
// included because two concurrent changes may get the same version and
// commit apart.
func (d *Directory) changedSince(ctx context.Context, since int64) (map[string]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, version FROM users WHERE version >= $1`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			id string
			v  int64
		)
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

func (d *Directory) hash(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", fmt.Errorf("%w: password must be at least %d bytes", ErrInvalid, MinPasswordLength)
	}
	if len(password) > 72 {
		return "", fmt.Errorf("%w: password must be at most 72 bytes (bcrypt)", ErrInvalid)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), d.cost)
	d.dummyMu.Lock()
	d.storedCostAt = time.Time{} // a stored cost may change: read it again
	d.dummyMu.Unlock()
	return string(h), err
}

// dummyHash is the hash an unknown name is compared against, at the
// highest of the configured cost and every stored hash's. Users hashed at
// a higher cost than the service's stay so when the service may not
// rehash them (docs/ROLES.md); a dummy at the lower cost would answer an
// unknown name several times faster than theirs, telling in one try that
// a name exists.
func (d *Directory) dummyHash(ctx context.Context) []byte {
	d.dummyMu.Lock()
	defer d.dummyMu.Unlock()
	if now := time.Now(); now.Sub(d.storedCostAt) > storedCostAge {
		d.storedCost, d.storedCostAt = d.highestStoredCost(ctx), now
	}
	cost := max(d.cost, d.storedCost)
	if h, ok := d.dummies[cost]; ok {
		return h
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), cost)
	if d.dummies == nil {
		d.dummies = map[int][]byte{}
	}
	d.dummies[cost] = h
	return h
}

// storedCostAge is how long the highest stored cost is trusted: a user
// hashed at a higher cost by another process is covered within it.
const storedCostAge = time.Minute

// highestStoredCost is the highest bcrypt cost among the stored hashes
// ("$2a$13$..." has 13 in characters 5 and 6, always two digits), or 0.
func (d *Directory) highestStoredCost(ctx context.Context) int {
	var c sql.NullString
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(SUBSTR(password_hash, 5, 2)) FROM users`).Scan(&c); err != nil {
		return 0
	}
	cost, err := strconv.Atoi(c.String)
	if err != nil {
		return 0
	}
	return cost
}

func (d *Directory) scanOne(row *sql.Row) (User, string, error) {
	u, hash, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", ErrNotFound
	}
	return u, hash, err
}

func scan(row interface{ Scan(...any) error }) (User, string, error) {
	var (
		u    User
		hash string
	)
	err := scanInto(row, &u, &hash)
	return u, hash, err
}

// scanInto reads userColumns, then extra.
func scanInto(row interface{ Scan(...any) error }, u *User, hash *string, extra ...any) error {
	var roles, features string
	if err := row.Scan(append([]any{&u.ID, &u.UserName, hash, &roles, &features, &u.Disabled}, extra...)...); err != nil {
		return err
	}
	*u = FromRow(u.ID, u.UserName, roles, features, u.Disabled)
	return nil
}

// FromRow is the user of a users row's columns as stored (roles and
// features space-separated), for the packages that read the row in
// queries of their own (websession joins it to check a session).
func FromRow(id, userName, roles, features string, disabled bool) User {
	u := User{ID: id, UserName: userName, Disabled: disabled, Features: strings.Fields(features)}
	for _, r := range strings.Fields(roles) {
		u.Roles = append(u.Roles, Role(r))
	}
	return u
}

func join(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, " ")
}
