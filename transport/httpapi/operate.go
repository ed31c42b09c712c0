package httpapi

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// operationBody is the body of POST /me/facebooksessions/{id}.
type operationBody struct {
	OperationName *string `json:"operationName"`
	QueueName     *string `json:"queueName"`
}

// supportedOperations are the operationNames this service accepts.
var supportedOperations = []string{fb.OperationComplete}

// operate runs the operation a POST on a session names; Complete is the only
// one.
func (a *API) operate(c echo.Context) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	var body operationBody
	if err := decodeObject(c, &body); err != nil {
		return err
	}
	if body.OperationName != nil {
		setOperation(c, *body.OperationName)
	}
	switch {
	case body.OperationName == nil:
		return badRequest(codeMissingParameter, "operationName is required")
	case *body.OperationName != fb.OperationComplete:
		return badRequest(codeValidation, "operationName %q is not supported; supported: %s",
			truncate(*body.OperationName, 64), strings.Join(supportedOperations, ", "))
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	res, err := a.cfg.Commands.Complete(c.Request().Context(), commands.Request{
		Actor:          user(c).ID,
		RequestID:      c.Response().Header().Get(echo.HeaderXRequestID),
		IdempotencyKey: key,
	}, id, fb.Complete{QueueName: body.QueueName})
	if err != nil {
		return err
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
