package facebooksession

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the intake and Complete inputs. Ids double as NATS subject tokens
// and URL path segments, hence the narrow alphabet.
const (
	MaxIDLength        = 64
	MaxQueueNameLength = 255
	MaxCommentLength   = 4096
	MaxDateLength      = 64
	MaxParticipants    = 100
	DefaultType        = "Inbound"
)

// ValidID tells whether s is a valid session or user id:
// 1–64 characters of [A-Za-z0-9_-].
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidateQueueName checks a Complete's queueName.
func ValidateQueueName(q string) error {
	switch {
	case q == "":
		return fmt.Errorf("%w: queueName must not be empty", ErrInvalid)
	case utf8.RuneCountInString(q) > MaxQueueNameLength:
		return fmt.Errorf("%w: queueName is longer than %d characters", ErrInvalid, MaxQueueNameLength)
	case !printable(q):
		return fmt.Errorf("%w: queueName must be UTF-8 without control characters", ErrInvalid)
	case strings.ContainsAny(q, "*>."):
		// Queue names are not subject tokens today, but they are names
		// routing systems may build subjects and keys from.
		return fmt.Errorf("%w: queueName must not contain NATS wildcards or dots (*, >, .)", ErrInvalid)
	}
	return nil
}

func validateStart(cmd Start) error {
	switch {
	case !ValidID(cmd.SessionID):
		return fmt.Errorf("%w: id must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, MaxIDLength)
	case !ValidID(cmd.AgentID):
		return fmt.Errorf("%w: agentId must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, MaxIDLength)
	case cmd.FacebooksessionType != "" && !printableWithin(cmd.FacebooksessionType, MaxIDLength):
		return fmt.Errorf("%w: facebooksessionType must be printable and at most %d characters", ErrInvalid, MaxIDLength)
	case !printableWithin(cmd.ReceivedDate, MaxDateLength):
		return fmt.Errorf("%w: receivedDate must be printable and at most %d characters", ErrInvalid, MaxDateLength)
	case !utf8.ValidString(cmd.Comment) || len(cmd.Comment) > MaxCommentLength:
		return fmt.Errorf("%w: comment must be UTF-8 of at most %d bytes", ErrInvalid, MaxCommentLength)
	case len(cmd.Participants) > MaxParticipants:
		return fmt.Errorf("%w: at most %d participants", ErrInvalid, MaxParticipants)
	}
	return validateUserData(cmd.UserData)
}

// validateUserData accepts a JSON object whose values are strings, numbers,
// booleans or null, as GWS user data is a flat key-value list.
func validateUserData(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return fmt.Errorf("%w: userData must be a JSON object", ErrInvalid)
	}
	for k, v := range m {
		switch v.(type) {
		case string, json.Number, bool, nil:
		default:
			return fmt.Errorf("%w: userData.%s must be a string, number, boolean or null", ErrInvalid, k)
		}
	}
	return nil
}

func printableWithin(s string, max int) bool {
	return utf8.RuneCountInString(s) <= max && printable(s)
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
