package httpapi

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/gws"
)

// intake is POST /facebooksessions: the routing side hands a session to an
// agent.
func (a *API) intake(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	cmd, err := gws.ParseIntake(body, a.cfg.NewID)
	if err != nil {
		return err
	}
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
