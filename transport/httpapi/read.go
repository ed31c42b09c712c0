package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/gws"
	"github.com/fbsession/fbsession/users"
)

// getMine is GET /me/facebooksessions/{id}: the caller's own session.
func (a *API) getMine(c echo.Context) error {
	return a.getSession(c, false)
}

// get is GET /facebooksessions/{id}, the resource's uri: for its agent and
// for supervisors.
func (a *API) get(c echo.Context) error {
	return a.getSession(c, user(c).Has(users.RoleSupervisor))
}

func (a *API) getSession(c echo.Context, anyAgent bool) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	s, err := a.cfg.Sessions.Get(c.Request().Context(), id)
	if errors.Is(err, fb.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if !anyAgent && s.AgentID != user(c).ID {
		return errNotFound
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode      int          `json:"statusCode"`
		Facebooksession gws.Resource `json:"facebooksession"`
	}{codeOK, gws.ResourceOf(s, a.cfg.BaseURL)})
}

// listMine is GET /me/facebooksessions: the caller's sessions that are not
// Completed, as uris, or as resources with ?fields=*, a page at a time
// (?limit, ?after; nextAfter names the next page's after).
func (a *API) listMine(c echo.Context) error {
	fields := c.QueryParam("fields")
	if fields != "" && fields != "*" {
		return badRequest(codeValidation, "fields supports only *")
	}
	page, err := listPage(c)
	if err != nil {
		return err
	}
	sessions, more, err := a.cfg.Sessions.Active(c.Request().Context(), user(c).ID, page)
	if err != nil {
		return err
	}
	var next string
	if more {
		next = sessions[len(sessions)-1].ID
	}
	resources := make([]gws.Resource, len(sessions))
	for i, s := range sessions {
		resources[i] = gws.ResourceOf(s, a.cfg.BaseURL)
	}
	if fields == "*" {
		return c.JSON(http.StatusOK, struct {
			StatusCode       int            `json:"statusCode"`
			Facebooksessions []gws.Resource `json:"facebooksessions"`
			NextAfter        string         `json:"nextAfter,omitempty"`
		}{codeOK, resources, next})
	}
	uris := make([]string, len(resources))
	for i, r := range resources {
		uris[i] = r.URI
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode int      `json:"statusCode"`
		URIs       []string `json:"uris"`
		NextAfter  string   `json:"nextAfter,omitempty"`
	}{codeOK, uris, next})
}

// listPage reads a list's ?limit (1 to sessionview.MaxPage, the most when
// absent) and ?after (the id the page starts after).
func listPage(c echo.Context) (sessionview.Page, error) {
	var p sessionview.Page
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > sessionview.MaxPage {
			return p, badRequest(codeValidation, "limit must be an integer from 1 to %d", sessionview.MaxPage)
		}
		p.Limit = n
	}
	if after := c.QueryParam("after"); after != "" {
		if !fb.ValidID(after) {
			return p, badRequest(codeValidation, "after must be a facebooksession id")
		}
		p.After = after
	}
	return p, nil
}

// me is GET /me.
func (a *API) me(c echo.Context) error {
	u := user(c)
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	features := u.Features
	if features == nil {
		features = []string{}
	}
	return c.JSON(http.StatusOK, map[string]any{
		"statusCode": codeOK,
		"user": map[string]any{
			"id": u.ID, "userName": u.UserName, "roles": roles, "features": features,
		},
	})
}
