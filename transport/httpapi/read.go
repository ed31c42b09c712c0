package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/jsonsplice"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/users"
)

// getMine is GET /me/facebooksessions/{id}: the caller's own session,
// only while it is theirs (a session transferred, rejected or left is no
// longer).
func (a *API) getMine(c echo.Context) error {
	return a.getSession(c, false)
}

// get is GET /facebooksessions/{id}, the resource's uri: for its agent,
// supervisors and the integration side.
func (a *API) get(c echo.Context) error {
	return a.getSession(c, readsAny(user(c)))
}

// readsAny tells whether u reads every session, not only their own:
// supervisors, and the integration side, which is told of every change of
// every session anyway.
func readsAny(u users.User) bool {
	return u.Has(users.RoleSupervisor) || u.Has(users.RoleIntegration)
}

func (a *API) getSession(c echo.Context, anyAgent bool) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	fields, err := gws.ParseFields(c.QueryParam("fields"))
	if err != nil {
		return err
	}
	s, err := a.readable(c, id, anyAgent)
	if err != nil {
		return err
	}
	resource, err := gws.ResourceOf(s, a.cfg.BaseURL).Encode(fields)
	if err != nil {
		return err
	}
	return resourceJSON(c, struct {
		StatusCode      int             `json:"statusCode"`
		Facebooksession json.RawMessage `json:"facebooksession"`
	}{codeOK, json.RawMessage(jsonsplice.Placeholder)}, "facebooksession", resource)
}

// resourceJSON answers 200 with body, whose member key holds null, and
// the resources' bytes spliced in its place: encoding/json would scan
// them again, user data included (gws.Resource.Encode).
func resourceJSON(c echo.Context, body any, key string, resources []byte) error {
	marshaled, err := json.Marshal(body)
	if err != nil {
		return err
	}
	spliced, err := jsonsplice.Splice(marshaled, key, resources)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, spliced)
}

// readable is the session id if the caller may read it: its current agent,
// or anyone when anyAgent. Anyone else is told it does not exist.
func (a *API) readable(c echo.Context, id string, anyAgent bool) (fb.State, error) {
	s, err := a.cfg.Sessions.Get(c.Request().Context(), id)
	if errors.Is(err, fb.ErrNotFound) {
		return fb.State{}, errNotFound
	}
	if err != nil {
		return fb.State{}, err
	}
	if !anyAgent && (s.AgentID == "" || s.AgentID != user(c).ID) {
		return fb.State{}, errNotFound
	}
	return s, nil
}

// listMine is GET /me/facebooksessions (and the 2015 spelling
// /me/facebooksession): the caller's sessions that are not Completed, as
// uris, or as resources with ?fields (* for whole ones), a page at a time
// (?limit, ?after; nextAfter names the next page's after).
func (a *API) listMine(c echo.Context) error {
	raw := c.QueryParam("fields")
	fields, err := gws.ParseFields(raw)
	if err != nil {
		return err
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
	if raw != "" {
		list := []byte{'['}
		for i, s := range sessions {
			resource, err := gws.ResourceOf(s, a.cfg.BaseURL).Encode(fields)
			if err != nil {
				return err
			}
			if i > 0 {
				list = append(list, ',')
			}
			list = append(list, resource...)
		}
		return resourceJSON(c, struct {
			StatusCode       int             `json:"statusCode"`
			Facebooksessions json.RawMessage `json:"facebooksessions"`
			NextAfter        string          `json:"nextAfter,omitempty"`
		}{codeOK, json.RawMessage(jsonsplice.Placeholder), next}, "facebooksessions", append(list, ']'))
	}
	uris := make([]string, len(sessions))
	for i, s := range sessions {
		uris[i] = gws.URI(a.cfg.BaseURL, s.ID)
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode int      `json:"statusCode"`
		URIs       []string `json:"uris"`
		NextAfter  string   `json:"nextAfter,omitempty"`
	}{codeOK, uris, next})
}

// transcript is GET /facebooksessions/{id}/messages: the session's
// messages, for its current agent, supervisors and the integration side,
// a page at a time (?after, the index the page starts after; ?limit;
// nextAfter names the next page's after).
func (a *API) transcript(c echo.Context) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	page, err := transcriptPage(c)
	if err != nil {
		return err
	}
	s, err := a.readable(c, id, readsAny(user(c)))
	if err != nil {
		return err
	}
	if a.cfg.Transcripts == nil {
		return errors.New("httpapi: no transcript reader configured")
	}
	said, more, err := a.cfg.Transcripts.Read(c.Request().Context(), id, page)
	if err != nil {
		return err
	}
	messages := gws.TranscriptOf(said, s.ReadUpTo, s.DeliveredUpTo)
	body := struct {
		StatusCode int           `json:"statusCode"`
		Messages   []gws.Message `json:"messages"`
		NextAfter  *int          `json:"nextAfter,omitempty"`
	}{StatusCode: codeOK, Messages: messages}
	if more {
		body.NextAfter = &said[len(said)-1].Index
	}
	return c.JSON(http.StatusOK, body)
}

// transcriptPage reads a transcript's ?after (a message index, 0 for the
// start) and ?limit (1 to sessionview.MaxTranscriptPage, the most when
// absent).
func transcriptPage(c echo.Context) (sessionview.TranscriptPage, error) {
	var p sessionview.TranscriptPage
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > sessionview.MaxTranscriptPage {
			return p, badRequest(codeValidation, "limit must be an integer from 1 to %d", sessionview.MaxTranscriptPage)
		}
		p.Limit = n
	}
	if raw := c.QueryParam("after"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > fb.MaxActivity {
			return p, badRequest(codeValidation, "after must be a message index from 0 to %d", fb.MaxActivity)
		}
		p.After = n
	}
	return p, nil
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
