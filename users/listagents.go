package users

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ListAgents returns the users with role agent, enabled or not, by user
// name (byte order), at most limit of them; more tells that there are
// others past them. The roles column is a space-separated list, matched
// whole-word so that no other role's name can contain "agent".
func (d *Directory) ListAgents(ctx context.Context, limit int) (list []User, more bool, err error) {
	if limit <= 0 {
		return nil, false, fmt.Errorf("users: ListAgents needs a positive limit, not %d", limit)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE ' ' || roles || ' ' LIKE $1 ORDER BY user_name, id LIMIT $2`, "% "+string(RoleAgent)+" %", limit+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		u, _, err := scan(rows)
		if err != nil {
			return nil, false, err
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(list) > limit {
		list, more = list[:limit], true
	}
	// The database's collation may not be byte order (PostgreSQL's
	// locale's): the page is put in one order whatever the store.
	slices.SortStableFunc(list, func(x, y User) int { return strings.Compare(x.UserName, y.UserName) })
	return list, more, nil
}
