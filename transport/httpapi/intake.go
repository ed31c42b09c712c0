package httpapi

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

// intake is POST /facebooksessions: the integration side hands a session
// to an agent, or places it in a queue for the router.
func (a *API) intake(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	cmd, err := gws.ParseIntake(body, a.cfg.NewID)
	if err != nil {
		return err
	}
	start, err := a.withQueue(c.Request().Context(), cmd)
	if err != nil {
		return err
	}
	cmd = start.(fb.Start)
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	res, err := a.cfg.Commands.Start(c.Request().Context(), commands.Request{
		Actor:          user(c).ID,
		RequestID:      c.Response().Header().Get(echo.HeaderXRequestID),
		IdempotencyKey: key,
	}, cmd)
	if err != nil {
		return err
	}
	uri := gws.URI(a.cfg.BaseURL, res.State.ID)
	c.Response().Header().Set(echo.HeaderLocation, uri)
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	return c.JSON(status, struct {
		StatusCode int    `json:"statusCode"`
		URI        string `json:"uri"`
	}{codeOK, uri})
}
