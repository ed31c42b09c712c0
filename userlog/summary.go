package userlog

import (
	"fmt"
	"strings"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
)

// Summary tells in one line what an event did to its user, for history;
// empty for a type this binary does not know.
func Summary(e *eventstore.RecordedEvent) string {
	d, _, err := Decode(e)
	if err != nil {
		return ""
	}
	switch e.Type {
	case TypeUserAdded:
		s := fmt.Sprintf("added as %q, roles %s, features %s", d.UserName, roles(d.Roles), list(d.Features))
		if d.Disabled {
			s += ", disabled"
		}
		return s
	case TypeUserPasswordSet:
		return "password set"
	case TypeUserDisabled:
		return "disabled"
	case TypeUserEnabled:
		return "enabled"
	case TypeUserRolesSet:
		return "roles set to " + roles(d.Roles)
	case TypeUserFeaturesSet:
		return "features set to " + list(d.Features)
	}
	return ""
}

func roles(rs []users.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return list(s)
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
