package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/users"
)

// The bounds of the supervisors' views (docs/API.md §15): a page each,
// with "more" telling that there are others past it.
const (
	maxAgentsListed   = 10000
	maxSessionsListed = 1000
	// maxHeldListed bounds the sessions shown per agent: an agent holds
	// at most their capacity, but transfers may give them more.
	maxHeldListed = as.MaxCapacity
)

// Supervision is what the supervisors' views read.
type Supervision struct {
	// Agents lists the agents (users.Directory); nil lists none.
	Agents AgentLister
	// Board is the router's picture, folded from the log in every
	// process (projections/router); nil shows no channel states and no
	// sessions.
	Board SupervisorBoard
}

// AgentLister lists the users with role agent by name, at most limit;
// more tells that there are others.
type AgentLister interface {
	ListAgents(ctx context.Context, limit int) (list []users.User, more bool, err error)
}

// SupervisorBoard is the router's picture as supervisors see it; it must
// answer at once, from memory.
type SupervisorBoard interface {
	// Agents are the views of the agents ids names, in that order, with
	// at most perAgent sessions each.
	Agents(ids []string, perAgent int) []routing.AgentView
	// Sessions are the limit oldest live sessions and how many are live.
	Sessions(limit int) ([]routing.Live, int)
}

// supervisorRoutes are the supervisors' read views: GET /agents, and GET
// /facebooksessions (the live sessions), which the integration side may
// read too.
func (a *API) supervisorRoutes(api func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc)) {
	api(http.MethodGet, "/agents", a.listAgents, a.requireRole(users.RoleSupervisor))
	api(http.MethodGet, "/facebooksessions", a.listLive, a.requireAnyRole(users.RoleSupervisor, users.RoleIntegration))
}

// agentJSON is an agent of GET /agents.
type agentJSON struct {
	ID               string        `json:"id"`
	UserName         string        `json:"userName"`
	Enabled          bool          `json:"enabled"`
	Capacity         int           `json:"capacity"`
	Channels         []gws.Channel `json:"channels"`
	FacebookSessions []heldJSON    `json:"facebooksessions"`
}

// heldJSON is a session an agent holds.
type heldJSON struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	QueueName string    `json:"queueName,omitempty"`
	Since     time.Time `json:"since"`
}

// liveJSON is a session of GET /facebooksessions.
type liveJSON struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	QueueName string    `json:"queueName,omitempty"`
	AgentID   string    `json:"agentId,omitempty"`
	Since     time.Time `json:"since"`
}

// listAgents is GET /agents: every agent by name, with their channels'
// state and the sessions they hold, as the router's picture has them.
func (a *API) listAgents(c echo.Context) error {
	var (
		list []users.User
		more bool
	)
	if a.cfg.Supervision.Agents != nil {
		var err error
		list, more, err = a.cfg.Supervision.Agents.ListAgents(c.Request().Context(), maxAgentsListed)
		if err != nil {
			return fmt.Errorf("%w: listing the agents: %w", users.ErrUnavailable, err)
		}
	}
	ids := make([]string, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	views := make([]routing.AgentView, len(list))
	if a.cfg.Supervision.Board != nil {
		views = a.cfg.Supervision.Board.Agents(ids, maxHeldListed)
	}
	agents := make([]agentJSON, len(list))
	for i, u := range list {
		v := views[i]
		if a.cfg.Supervision.Board == nil {
			v.Capacity = as.DefaultCapacity
		}
		held := make([]heldJSON, len(v.Sessions))
		for j, s := range v.Sessions {
			held[j] = heldJSON{ID: s.ID, State: s.State, QueueName: s.Queue, Since: s.Since.UTC()}
		}
		agents[i] = agentJSON{ID: u.ID, UserName: u.UserName, Enabled: !u.Disabled, Capacity: v.Capacity,
			Channels: gws.Channels(v.State), FacebookSessions: held}
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode int         `json:"statusCode"`
		Agents     []agentJSON `json:"agents"`
		More       bool        `json:"more"`
	}{codeOK, agents, more})
}

// listLive is GET /facebooksessions: the live sessions, oldest first.
func (a *API) listLive(c echo.Context) error {
	var (
		live  []routing.Live
		total int
	)
	if a.cfg.Supervision.Board != nil {
		live, total = a.cfg.Supervision.Board.Sessions(maxSessionsListed)
	}
	out := make([]liveJSON, len(live))
	for i, s := range live {
		out[i] = liveJSON{ID: s.ID, State: s.State, QueueName: s.Queue, AgentID: s.AgentID, Since: s.Since.UTC()}
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode       int        `json:"statusCode"`
		FacebookSessions []liveJSON `json:"facebooksessions"`
		More             bool       `json:"more"`
	}{codeOK, out, total > len(live)})
}

// requireAnyRole lets through users with one of roles.
func (a *API) requireAnyRole(roles ...users.Role) echo.MiddlewareFunc {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	denied := &apiError{http.StatusForbidden, codeForbidden, "This operation needs the " + strings.Join(names, " or ") + " role"}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !hasAny(user(c), roles) {
				return denied
			}
			return next(c)
		}
	}
}

// requireFeatureUnlessAny requires the api-multimedia feature of users
// who have none of roles: the integration side and supervisors read any
// session without it.
func (a *API) requireFeatureUnlessAny(roles ...users.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		withFeature := a.requireFeature(next)
		return func(c echo.Context) error {
			if hasAny(user(c), roles) {
				return next(c)
			}
			return withFeature(c)
		}
	}
}

func hasAny(u users.User, roles []users.Role) bool {
	for _, r := range roles {
		if u.Has(r) {
			return true
		}
	}
	return false
}
