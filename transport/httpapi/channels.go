package httpapi

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/users"
)

// startOrEndSession is POST /me: StartContactCenterSession or
// EndContactCenterSession, for the caller's own channels.
func (a *API) startOrEndSession(c echo.Context) error {
	u := user(c)
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	cmd, err := gws.DecodeMeOperation(body, as.Sender{Agent: u.ID, By: u.ID})
	if err != nil {
		return err
	}
	if _, ending := cmd.(as.EndSession); ending && a.cfg.WebSessions != nil {
		// Made with the cookie, it ends the browser session too, once
		// the contact center session has ended.
		return a.runAgentCommand(c, cmd, a.endWebSession)
	}
	return a.runAgentCommand(c, cmd)
}

// myChannels is GET /me/channels: the caller's channels and their state.
func (a *API) myChannels(c echo.Context) error {
	s, err := a.cfg.Agents.Channels(c.Request().Context(), user(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode int           `json:"statusCode"`
		Channels   []gws.Channel `json:"channels"`
	}{codeOK, gws.Channels(s)})
}

// setMyChannel is POST /me/channels/{channel}: Ready or NotReady.
func (a *API) setMyChannel(c echo.Context) error {
	u := user(c)
	return a.setChannel(c, as.Sender{Agent: u.ID, By: u.ID})
}

// controlChannel is POST /users/{id}/channels/{channel}: a supervisor's
// Ready or NotReady for an agent.
func (a *API) controlChannel(c echo.Context) error {
	agent, err := sessionID(c)
	if err != nil {
		return err
	}
	return a.setChannel(c, as.Sender{Agent: agent, By: user(c).ID, Supervisor: true})
}

// setChannel reads the body of an operation on the path's channel and
// runs it for sender; the channel is judged with the command.
func (a *API) setChannel(c echo.Context, sender as.Sender) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	cmd, err := gws.DecodeChannelOperation(body, sender, c.Param("channel"))
	if err != nil {
		return err
	}
	return a.runAgentCommand(c, cmd)
}

// runAgentCommand runs cmd with the request's Idempotency-Key and answers
// with its referenceId; done, when given, runs once cmd succeeded, before
// the answer.
func (a *API) runAgentCommand(c echo.Context, cmd as.Command, done ...func(echo.Context)) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	out, err := a.cfg.Agents.Execute(c.Request().Context(), commands.Request{
		Actor:          user(c).ID,
		RequestID:      c.Response().Header().Get(echo.HeaderXRequestID),
		IdempotencyKey: key,
	}, cmd)
	if err != nil {
		return err
	}
	for _, f := range done {
		f(c)
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode  int   `json:"statusCode"`
		ReferenceID int64 `json:"referenceId"`
	}{codeOK, out.ReferenceID})
}

// requireAgentControl lets through supervisors with the feature that
// controls agents' states; the role is asked first, as GWS does.
func (a *API) requireAgentControl(next echo.HandlerFunc) echo.HandlerFunc {
	return a.requireRole(users.RoleSupervisor)(func(c echo.Context) error {
		if !user(c).HasFeature(users.FeatureSupervisorAgentControl) {
			return errNoAgentControl
		}
		return next(c)
	})
}
