package httpapi

import (
	"io"
	"net/http"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

// operate is POST /me/facebooksessions/{id}: an agent's operation on one
// of their sessions.
func (a *API) operate(c echo.Context) error {
	u := user(c)
	return a.runOperation(c, func(op gws.Operation) (fb.Command, error) {
		return op.AgentCommand(u.ID, u.UserName)
	})
}

// operateIntegration is POST /facebooksessions/{id}: the integration
// side's operation on any session.
func (a *API) operateIntegration(c echo.Context) error {
	return a.runOperation(c, gws.Operation.IntegrationCommand)
}

// runOperation reads the session id and the body, makes the command with
// command, and runs it. Every check of the request comes before the
// session is looked at, so a bad request gets the same answer whatever
// the session.
func (a *API) runOperation(c echo.Context, command func(gws.Operation) (fb.Command, error)) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	op, err := gws.DecodeOperation(body)
	if err != nil {
		return err
	}
	setOperation(c, op.Name)
	cmd, err := command(op)
	if err != nil {
		return err
	}
	if cmd, err = a.withQueue(c.Request().Context(), cmd); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	res, err := a.cfg.Commands.Operate(c.Request().Context(), commands.Request{
		Actor:          user(c).ID,
		RequestID:      c.Response().Header().Get(echo.HeaderXRequestID),
		IdempotencyKey: key,
	}, id, cmd)
	if err != nil {
		return handedToNoAgent(cmd, err)
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode  int   `json:"statusCode"`
		ReferenceID int64 `json:"referenceId"`
	}{codeOK, res.ReferenceID})
}

// sessionID is the :id path parameter, which must be a valid id: ids are
// NATS subject tokens, so wildcards and dots never get that far.
func sessionID(c echo.Context) (string, error) {
	id := c.Param("id")
	if !fb.ValidID(id) {
		return "", badRequest(codeValidation, "The id must be 1-%d characters of [A-Za-z0-9_-]", fb.MaxIDLength)
	}
	return id, nil
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

func idempotencyKey(c echo.Context) (string, error) {
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > MaxIdempotencyKey {
		return "", badRequest(codeValidation, "Idempotency-Key must be at most %d characters", MaxIdempotencyKey)
	}
	for _, r := range key {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return "", badRequest(codeValidation, "Idempotency-Key must be printable ASCII")
		}
	}
	return key, nil
}
