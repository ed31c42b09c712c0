package gws

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// operationBody is the body of an operation on a session: its
// operationName and the parameters of every operation, each operation
// reading its own. Parameters of other operations are ignored, as unknown
// fields are.
type operationBody struct {
	OperationName *string         `json:"operationName"`
	QueueName     *string         `json:"queueName"`
	Nickname      *string         `json:"nickname"`
	Text          *string         `json:"text"`
	TargetURI     *string         `json:"targetUri"`
	UserData      json.RawMessage `json:"userData"`
	Keys          []string        `json:"keys"`
	AgentID       *string         `json:"agentId"`
}

// Operation is a decoded operation body: POST /me/facebooksessions/{id}
// for an agent, POST /facebooksessions/{id} for the integration side.
type Operation struct {
	// Name is the operationName as sent.
	Name string
	body operationBody
}

// DecodeOperation reads an operation body. A body that is no JSON object,
// or has a parameter of the wrong type, is an ErrInvalidBody; a body
// without operationName an ErrMissingParameter.
func DecodeOperation(body []byte) (Operation, error) {
	var b operationBody
	if err := DecodeObject(body, &b); err != nil {
		return Operation{}, err
	}
	if b.OperationName == nil {
		return Operation{}, missing("operationName")
	}
	if string(b.UserData) == "null" {
		b.UserData = nil
	}
	return Operation{Name: *b.OperationName, body: b}, nil
}

// AgentCommand is the agent operation the body names, sent by the user
// by; userName is Accept's nickname when the body gives none. An
// operationName that is no agent operation is an ErrInvalidBody naming
// those there are; a required parameter left out (or null) an
// ErrMissingParameter. The aggregate judges the parameters' values.
func (o Operation) AgentCommand(by, userName string) (fb.Command, error) {
	b := o.body
	switch o.Name {
	case fb.OperationAccept:
		nickname := DefaultNickname(userName, by)
		if b.Nickname != nil {
			nickname = *b.Nickname
		}
		return fb.Accept{By: by, Nickname: nickname}, nil
	case fb.OperationReject:
		return fb.Reject{By: by}, nil
	case fb.OperationSendMessage:
		if b.Text == nil {
			return nil, missing("text")
		}
		return fb.SendMessage{By: by, Text: *b.Text}, nil
	case fb.OperationStartTyping:
		return fb.StartTyping{By: by}, nil
	case fb.OperationStopTyping:
		return fb.StopTyping{By: by}, nil
	case fb.OperationTransfer:
		return transfer(by, b)
	case fb.OperationComplete:
		return fb.Complete{By: by, QueueName: b.QueueName}, nil
	case fb.OperationLeave:
		return fb.Leave{By: by}, nil
	case fb.OperationInFocus:
		return fb.InFocus{By: by}, nil
	case fb.OperationUpdateUserData:
		if b.UserData == nil {
			return nil, missing("userData")
		}
		return fb.UpdateUserData{By: by, UserData: b.UserData}, nil
	case fb.OperationDeleteUserData:
		if b.Keys == nil {
			return nil, missing("keys")
		}
		return fb.DeleteUserData{By: by, Keys: b.Keys}, nil
	}
	return nil, unsupported(o.Name, fb.AgentOperations())
}

// IntegrationCommand is the integration side's operation the body names.
func (o Operation) IntegrationCommand() (fb.Command, error) {
	b := o.body
	switch o.Name {
	case fb.OperationCustomerMessage:
		if b.Text == nil {
			return nil, missing("text")
		}
		cmd := fb.CustomerMessage{Text: *b.Text}
		if b.Nickname != nil {
			if *b.Nickname == "" {
				return nil, fmt.Errorf("%w: nickname must not be empty; leave it out for the customer's", fb.ErrInvalid)
			}
			cmd.Nickname = *b.Nickname
		}
		return cmd, nil
	case fb.OperationCustomerLeft:
		return fb.CustomerLeft{}, nil
	case fb.OperationRoute:
		if b.AgentID == nil || *b.AgentID == "" {
			return nil, missing("agentId")
		}
		return fb.Route{AgentID: *b.AgentID}, nil
	case fb.OperationWithdraw:
		if b.AgentID != nil {
			if *b.AgentID == "" {
				return nil, fmt.Errorf("%w: agentId must not be empty; leave it out to withdraw from whoever has the session", fb.ErrInvalid)
			}
			return fb.Withdraw{AgentID: *b.AgentID}, nil
		}
		return fb.Withdraw{}, nil
	}
	return nil, unsupported(o.Name, fb.IntegrationOperations())
}

// transfer reads Transfer's target: targetUri, a user's uri, or
// queueName, exactly one of them.
func transfer(by string, b operationBody) (fb.Command, error) {
	switch {
	case b.TargetURI == nil && b.QueueName == nil:
		return nil, fmt.Errorf("%w: targetUri or queueName is required", ErrMissingParameter)
	case b.TargetURI != nil && b.QueueName != nil:
		return nil, fmt.Errorf("%w: give targetUri or queueName, not both", fb.ErrInvalid)
	case b.QueueName != nil:
		return fb.Transfer{By: by, QueueName: b.QueueName}, nil
	}
	agent, err := UserOfURI(*b.TargetURI)
	if err != nil {
		return nil, err
	}
	return fb.Transfer{By: by, TargetAgent: agent}, nil
}

// usersPath is how a user's uri ends, before the user's id.
const usersPath = "/api/v2/users/"

// UserOfURI is the id of the user whose uri is uri: any base, then
// /api/v2/users/{id} with a valid id, and no query or fragment. Anything
// else is an fb.ErrInvalid.
func UserOfURI(uri string) (string, error) {
	bad := fmt.Errorf("%w: targetUri must be a user's uri, ending in %s{id}", fb.ErrInvalid, usersPath)
	if len(uri) > fb.MaxURILength {
		return "", bad
	}
	u, err := url.Parse(uri)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", bad
	}
	i := strings.LastIndex(u.Path, usersPath)
	if i < 0 {
		return "", bad
	}
	id := u.Path[i+len(usersPath):]
	if !fb.ValidID(id) {
		return "", bad
	}
	return id, nil
}

func missing(parameter string) error {
	return fmt.Errorf("%w: %s is required", ErrMissingParameter, parameter)
}

func unsupported(name string, supported []string) error {
	return fmt.Errorf("%w: operationName %q is not supported; supported: %s",
		ErrInvalidBody, truncate(name, 64), strings.Join(supported, ", "))
}

// DefaultNickname is how an agent who accepts without a nickname appears:
// their user name, less what a nickname may not hold (hidden characters,
// more than fb.MaxNicknameLength characters), or their id when nothing is
// left. A user name is freer than a nickname, and an Accept that sent
// none must not fail on it.
func DefaultNickname(userName, userID string) string {
	var b strings.Builder
	n := 0
	for _, r := range userName {
		if n == fb.MaxNicknameLength {
			break
		}
		if r == utf8.RuneError || fb.IsHidden(r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	if strings.TrimSpace(b.String()) == "" {
		return userID
	}
	return b.String()
}
