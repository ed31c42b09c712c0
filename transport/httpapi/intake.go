package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/users"
)

// intakeBody is the body of POST /facebooksessions.
type intakeBody struct {
	ID                  *string          `json:"id"`
	AgentID             *string          `json:"agentId"`
	FacebooksessionType *string          `json:"facebooksessionType"`
	Comment             *string          `json:"comment"`
	ReceivedDate        *string          `json:"receivedDate"`
	UserData            json.RawMessage  `json:"userData"`
	Participants        []fb.Participant `json:"participants"`
}

// intake is POST /facebooksessions: the routing side hands a session to an
// agent.
func (a *API) intake(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	cmd, err := ParseIntake(body, a.cfg.NewID)
	if err != nil {
		return err
	}
	if err := CheckAgent(c.Request().Context(), a.cfg.Users, cmd.AgentID); err != nil {
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
	uri := res.State.Resource(a.cfg.BaseURL).URI
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

// ParseIntake reads an intake body (SPEC section 2) into a Start command,
// giving it an id from newID when the body has none. The aggregate
// validates the fields' values.
func ParseIntake(body []byte, newID func() string) (fb.Start, error) {
	var b intakeBody
	if err := decodeBytes(body, &b); err != nil {
		return fb.Start{}, err
	}
	if b.AgentID == nil || *b.AgentID == "" {
		return fb.Start{}, badRequest(codeMissingParameter, "agentId is required")
	}
	if string(b.UserData) == "null" {
		b.UserData = nil
	}
	cmd := fb.Start{AgentID: *b.AgentID, UserData: b.UserData, Participants: b.Participants}
	if b.ID != nil {
		cmd.SessionID = *b.ID
	} else {
		cmd.SessionID = newID()
	}
	if b.FacebooksessionType != nil {
		cmd.FacebooksessionType = *b.FacebooksessionType
	}
	if b.Comment != nil {
		cmd.Comment = *b.Comment
	}
	if b.ReceivedDate != nil {
		cmd.ReceivedDate = *b.ReceivedDate
	}
	return cmd, nil
}

// CheckAgent refuses to hand a session to anyone but an enabled agent: a
// session nobody can see or complete would be lost work.
func CheckAgent(ctx context.Context, dir *users.Directory, agentID string) error {
	if !fb.ValidID(agentID) {
		return nil // the aggregate rejects the id itself
	}
	agent, err := dir.Get(ctx, agentID)
	if errors.Is(err, users.ErrNotFound) || err == nil && (agent.Disabled || !agent.Has(users.RoleAgent)) {
		return badRequest(codeValidation, "agentId names no enabled agent")
	}
	if err != nil {
		return directoryError(err)
	}
	return nil
}
