package facebooksession

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Limits of the intake and Complete inputs. Ids double as NATS subject tokens
// and URL path segments, hence the narrow alphabet.
const (
	MaxIDLength        = 64
	MaxQueueNameLength = 255
	MaxCommentLength   = 4096
	MaxDateLength      = 64
	MaxParticipants    = 100
	// MaxUserDataBytes and MaxUserDataKeys bound what one intake keeps in
	// memory and in every event that carries it: GWS user data is a few
	// dozen short pairs (the seed has 40 in 2 KiB).
	MaxUserDataBytes = 16 << 10
	MaxUserDataKeys  = 256
	DefaultType      = "Inbound"
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

// ValidateQueueName checks a queueName: 1 to 255 printable characters,
// dots included, as real queue names have them. Queue names are never
// subject tokens, so NATS wildcards in them are harmless.
func ValidateQueueName(q string) error {
	switch {
	case q == "":
		return fmt.Errorf("%w: queueName must not be empty", ErrInvalid)
	case utf8.RuneCountInString(q) > MaxQueueNameLength:
		return fmt.Errorf("%w: queueName is longer than %d characters", ErrInvalid, MaxQueueNameLength)
	case !printable(q):
		return fmt.Errorf("%w: queueName must be UTF-8 without control or format characters", ErrInvalid)
	}
	return nil
}

// Limits of the session's life (docs/API.md, section 6).
const (
	// MaxTextLength is the longest message, in characters, as in the API.
	MaxTextLength = 4096
	// MaxNicknameLength bounds a participant's nickname.
	MaxNicknameLength = 64
	// MaxLogBytes bounds what the events of one session's life carry of
	// its clients' text (messages, nicknames, user data changes): past
	// it, as past MaxActivity, only what ends or hands back the session is
	// accepted. With MaxActivity it bounds a session's log in bytes.
	MaxLogBytes = 4 << 20
	// MaxHandovers bounds the routings of a session past MaxActivity:
	// handing back stays possible, a loop of Route, Accept and Leave does
	// not go on for ever.
	MaxHandovers = 100
	// MaxActivity bounds the events of one session's life (messages,
	// typing indicators, handovers, user data changes...), so that no
	// client grows a stream, and every fold of it, without end: a long
	// Facebook conversation is a few hundred messages. At most 4,096
	// characters a message, a stream then stays under about 80 MB.
	MaxActivity = 5_000
	// MaxSuggestedQueues bounds the suggestedQueueUris of intake.
	MaxSuggestedQueues = 32
	// MaxURILength bounds a uri given in a request.
	MaxURILength = 1024
)

// ValidateText checks a message's text: 1 to MaxTextLength characters of
// UTF-8, with line breaks and tabs but no other hidden characters.
func ValidateText(t string) error {
	switch {
	case t == "":
		return fmt.Errorf("%w: text must not be empty", ErrInvalid)
	case !utf8.ValidString(t):
		return fmt.Errorf("%w: text must be UTF-8", ErrInvalid)
	case utf8.RuneCountInString(t) > MaxTextLength:
		return fmt.Errorf("%w: text is longer than %d characters", ErrInvalid, MaxTextLength)
	}
	for _, r := range t {
		if r != '\n' && r != '\r' && r != '\t' && IsHidden(r) {
			return fmt.Errorf("%w: text must not contain control or format characters other than line breaks and tabs", ErrInvalid)
		}
	}
	return nil
}

// ValidateNickname checks a nickname: 1 to MaxNicknameLength printable
// characters.
func ValidateNickname(n string) error {
	if n == "" || !printableWithin(n, MaxNicknameLength) {
		return fmt.Errorf("%w: nickname must be 1-%d printable characters", ErrInvalid, MaxNicknameLength)
	}
	return nil
}

func validateStart(cmd Start) error {
	switch {
	case !ValidID(cmd.SessionID):
		return fmt.Errorf("%w: id must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, MaxIDLength)
	case cmd.QueueName != "" && cmd.AgentID != "":
		return fmt.Errorf("%w: give agentId or queueName, not both", ErrInvalid)
	case cmd.QueueName != "" && cmd.Status != StatusNone:
		return fmt.Errorf("%w: state is for a session handed to an agent, not one placed in a queue", ErrInvalid)
	case cmd.QueueName == "" && !ValidID(cmd.AgentID):
		return fmt.Errorf("%w: agentId must be 1-%d characters of [A-Za-z0-9_-], or give queueName", ErrInvalid, MaxIDLength)
	case cmd.FacebooksessionType != "" && !printableWithin(cmd.FacebooksessionType, MaxIDLength):
		return fmt.Errorf("%w: facebooksessionType must be printable and at most %d characters", ErrInvalid, MaxIDLength)
	case !printableWithin(cmd.ReceivedDate, MaxDateLength):
		return fmt.Errorf("%w: receivedDate must be printable and at most %d characters", ErrInvalid, MaxDateLength)
	case !utf8.ValidString(cmd.Comment) || len(cmd.Comment) > MaxCommentLength:
		return fmt.Errorf("%w: comment must be UTF-8 of at most %d bytes", ErrInvalid, MaxCommentLength)
	case len(cmd.Participants) > MaxParticipants:
		return fmt.Errorf("%w: at most %d participants", ErrInvalid, MaxParticipants)
	case cmd.Status != StatusNone && cmd.Status != StatusInvited && cmd.Status != StatusChatting:
		return fmt.Errorf("%w: state must be %s or %s", ErrInvalid, StatusInvited, StatusChatting)
	case len(cmd.SuggestedQueueURIs) > MaxSuggestedQueues:
		return fmt.Errorf("%w: at most %d suggestedQueueUris", ErrInvalid, MaxSuggestedQueues)
	}
	if cmd.QueueName != "" {
		if err := ValidateQueueName(cmd.QueueName); err != nil {
			return err
		}
	}
	for _, u := range cmd.SuggestedQueueURIs {
		if u == "" || !printableWithin(u, MaxURILength) {
			return fmt.Errorf("%w: suggestedQueueUris must be 1-%d printable characters each", ErrInvalid, MaxURILength)
		}
	}
	if err := validateParticipants(cmd.Participants); err != nil {
		return err
	}
	return validateUserData(cmd.UserData)
}

// validateParticipants bounds what intake copies into the session, and
// every notification and transcript after it shows: a nickname as Accept
// takes one, the other fields as printable ids.
func validateParticipants(ps []Participant) error {
	for i, p := range ps {
		if err := ValidateNickname(p.Nickname); err != nil {
			return fmt.Errorf("%w: participants[%d].nickname must be 1-%d printable characters", ErrInvalid, i, MaxNicknameLength)
		}
		for _, f := range [...]struct{ name, value string }{
			{"type", p.Type}, {"id", p.ID}, {"visibility", p.Visibility}, {"participantId", p.ParticipantID},
		} {
			if !printableWithin(f.value, MaxIDLength) {
				return fmt.Errorf("%w: participants[%d].%s must be printable and at most %d characters", ErrInvalid, i, f.name, MaxIDLength)
			}
		}
		if p.Type == "" {
			return fmt.Errorf("%w: participants[%d].type is required", ErrInvalid, i)
		}
	}
	return nil
}

// validateUserData accepts a JSON object of at most MaxUserDataKeys
// distinct keys and MaxUserDataBytes whose values are strings, finite
// numbers, booleans or null, as GWS user data is a flat key-value list. It
// is stored and served as sent, so whatever another JSON reader could take
// differently (a repeated key, an unpaired surrogate, a number no float
// holds) is refused.
func validateUserData(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	if len(raw) > MaxUserDataBytes {
		return fmt.Errorf("%w: userData must be at most %d bytes", ErrInvalid, MaxUserDataBytes)
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return fmt.Errorf("%w: userData must be a JSON object", ErrInvalid)
	}
	for keys := 0; dec.PeekKind() != '}'; keys++ {
		tok, err := dec.ReadToken()
		if err != nil {
			return userDataSyntax(err)
		}
		name := tok.String() // the token is only valid until the next read
		if keys == MaxUserDataKeys {
			return fmt.Errorf("%w: userData must have at most %d keys", ErrInvalid, MaxUserDataKeys)
		}
		val, err := dec.ReadToken()
		if err != nil {
			return userDataSyntax(err)
		}
		switch val.Kind() {
		case '"', 't', 'f', 'n':
		case '0':
			if _, err := strconv.ParseFloat(val.String(), 64); err != nil {
				return fmt.Errorf("%w: userData.%s is a number out of range", ErrInvalid, name)
			}
		default:
			return fmt.Errorf("%w: userData.%s must be a string, number, boolean or null", ErrInvalid, name)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return userDataSyntax(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: userData must be one JSON object", ErrInvalid)
	}
	return nil
}

// userDataSyntax names what jsontext found: a repeated key, invalid UTF-8
// or an unpaired surrogate, or broken JSON.
func userDataSyntax(err error) error {
	if errors.Is(err, jsontext.ErrDuplicateName) {
		return fmt.Errorf("%w: userData has a repeated key", ErrInvalid)
	}
	return fmt.Errorf("%w: userData must be a JSON object of valid UTF-8 (%v)", ErrInvalid, err)
}

func printableWithin(s string, max int) bool {
	return utf8.RuneCountInString(s) <= max && printable(s)
}

// printable refuses invalid UTF-8 and every IsHidden character.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if IsHidden(r) {
			return false
		}
	}
	return true
}

// IsHidden tells whether r does something to a display instead of
// showing: C0/C1 controls (Cc), format characters (Cf: bidi overrides such
// as U+202E, zero-width joiners), and the line and paragraph separators
// (Zl, Zp), which make a name display as something it is not. Validation
// refuses them; fbsessionctl escapes them in what was stored before.
func IsHidden(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}
