package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// messengerPath is Meta's webhook (transport/messenger.Path).
const messengerPath = "/webhooks/messenger"

// mountMessenger serves the Messenger webhook, with the API's deadline
// but not its authentication: Meta signs instead.
func mountMessenger(e *echo.Echo, h http.Handler, timeout, maxRead time.Duration) {
	if h == nil {
		return
	}
	serve := echo.WrapHandler(h)
	e.GET(messengerPath, serve)
	e.POST(messengerPath, serve, deadline(timeout, maxRead))
}
