package users

import (
	"context"
	"database/sql"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Compares records the bcrypt comparisons a directory runs.
type Compares struct {
	mu    sync.Mutex
	costs []int
	// Hold, when set, is waited on inside each comparison.
	Hold chan struct{}
}

// Costs returns the cost of each hash compared so far.
func (c *Compares) Costs() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.costs...)
}

// RecordCompares makes d record its comparisons in c. Call before use.
func RecordCompares(d *Directory, c *Compares) {
	d.compare = func(hash, password []byte) error {
		cost, _ := bcrypt.Cost(hash)
		c.mu.Lock()
		c.costs = append(c.costs, cost)
		hold := c.Hold
		c.mu.Unlock()
		if hold != nil {
			<-hold
		}
		return bcrypt.CompareHashAndPassword(hash, password)
	}
}

// WithCost returns a directory on d's database hashing at cost.
func WithCost(d *Directory, cost int) *Directory {
	return &Directory{db: d.db, cost: cost, isUnique: d.isUnique, compare: d.compare}
}

// DB returns d's database, to change rows behind its back.
func DB(d *Directory) *sql.DB { return d.db }

// PasswordHash returns a user's stored hash.
func PasswordHash(ctx context.Context, d *Directory, id string) (string, error) {
	var h string
	err := d.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&h)
	return h, err
}

// BackoffKeys returns how many names and addresses a holds failures for.
func BackoffKeys(a *Authenticator) (names, addrs int) {
	return a.names.size(), a.addrs.size()
}

// OnJoin makes a call f once an attempt waits on a check. Call before use.
func OnJoin(a *Authenticator, f func()) { a.joined = f }
