// Package users is the directory of the API's users: who they are, their
// roles and features, and their password hashes (bcrypt). It works on the
// same database as the event store, through database/sql, with SQL that
// PostgreSQL and SQLite both accept.
package users

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/fbsession/fbsession/domain/facebooksession"
)

// Role is what a user is allowed to do.
type Role string

const (
	RoleAgent       Role = "agent"
	RoleSupervisor  Role = "supervisor"
	RoleIntegration Role = "integration"
)

// FeatureMultimedia is the GWS feature the facebooksession API requires.
const FeatureMultimedia = "api-multimedia"

// FeatureSupervisorAgentControl is the GWS feature a supervisor needs to
// set an agent's channels Ready or NotReady.
const FeatureSupervisorAgentControl = "api-supervisor-agent-control"

// Features are every feature a user may have.
func Features() []string { return []string{FeatureMultimedia, FeatureSupervisorAgentControl} }

// Sentinel errors.
var (
	ErrNotFound      = errors.New("users: no such user")
	ErrAlreadyExists = errors.New("users: user id or name taken")
	ErrInvalid       = errors.New("users: invalid user")
	// ErrBadCredentials covers unknown names, wrong passwords and disabled
	// users alike, so that a caller learns nothing about which.
	ErrBadCredentials = errors.New("users: bad credentials")
)

// User is a user of the API.
type User struct {
	// ID is also the NATS subject token of the user's notifications.
	ID       string
	UserName string
	Roles    []Role
	Features []string
	Disabled bool
}

// Has tells whether the user has the role.
func (u User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// HasFeature tells whether the user has the feature.
func (u User) HasFeature(f string) bool { return slices.Contains(u.Features, f) }

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	switch {
	case !facebooksession.ValidID(u.ID):
		return fmt.Errorf("%w: id must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, facebooksession.MaxIDLength)
	case u.UserName == "" || len(u.UserName) > 255 || !utf8.ValidString(u.UserName):
		return fmt.Errorf("%w: user name must be 1-255 bytes of UTF-8", ErrInvalid)
	}
	for _, c := range u.UserName {
		if c == ':' || c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: user name must not contain ':' or control characters (HTTP Basic)", ErrInvalid)
		}
	}
	if len(u.Roles) == 0 {
		// A new user without a role is refused every operation: adding
		// one is a mistake, and would leave a login that only answers 403.
		// Taking every role from an existing user (SetRoles) is a
		// deliberate revocation, and allowed.
		return fmt.Errorf("%w: a user needs a role: agent, supervisor or integration", ErrInvalid)
	}
	if err := validRoles(u.Roles); err != nil {
		return err
	}
	return validFeatures(u.Features)
}

func validRoles(roles []Role) error {
	for _, r := range roles {
		if r != RoleAgent && r != RoleSupervisor && r != RoleIntegration {
			return fmt.Errorf("%w: unknown role %q", ErrInvalid, r)
		}
	}
	return nil
}

func validFeatures(features []string) error {
	for _, f := range features {
		if !slices.Contains(Features(), f) {
			return fmt.Errorf("%w: unknown feature %q", ErrInvalid, f)
		}
	}
	return nil
}
