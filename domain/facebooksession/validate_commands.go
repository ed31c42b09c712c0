package facebooksession

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// MaxDeleteKeys bounds the keys of one DeleteUserData.
const MaxDeleteKeys = MaxUserDataKeys

// Validate checks a command's input on its own, before any state is
// consulted: a bad request gets the same answer whatever the session.
func Validate(cmd Command) error {
	switch cmd := cmd.(type) {
	case Start:
		return validateStart(cmd)
	case Complete:
		if cmd.QueueName != nil {
			return ValidateQueueName(*cmd.QueueName)
		}
	case Accept:
		return ValidateNickname(cmd.Nickname)
	case SendMessage:
		return ValidateText(cmd.Text)
	case PageMessage:
		if !ValidID(cmd.PageID) || cmd.Mid == "" || len(cmd.Mid) > 512 {
			return fmt.Errorf("%w: a Page message needs the Page's id and the echo's mid", ErrInvalid)
		}
		return ValidateText(cmd.Text)
	case RelayOutcome:
		if len(cmd.Reason) > 1024 || len(cmd.MessageID) > 512 {
			return fmt.Errorf("%w: an outcome's reason and message id are at most 1024 and 512 bytes", ErrInvalid)
		}
	case CustomerMessage:
		if cmd.Nickname != "" {
			if err := ValidateNickname(cmd.Nickname); err != nil {
				return err
			}
		}
		return ValidateText(cmd.Text)
	case Transfer:
		switch {
		case cmd.QueueName != nil && cmd.TargetAgent != "":
			return fmt.Errorf("%w: give targetUri or queueName, not both", ErrInvalid)
		case cmd.QueueName != nil:
			return ValidateQueueName(*cmd.QueueName)
		case !ValidID(cmd.TargetAgent):
			return fmt.Errorf("%w: targetUri must name a user", ErrInvalid)
		case cmd.TargetAgent == cmd.By:
			return fmt.Errorf("%w: targetUri names the session's own agent", ErrInvalid)
		}
	case UpdateUserData:
		if len(cmd.UserData) == 0 {
			return fmt.Errorf("%w: userData must be a JSON object", ErrInvalid)
		}
		return validateUserData(cmd.UserData)
	case DeleteUserData:
		return validateKeys(cmd.Keys)
	case Withdraw:
		if cmd.AgentID != "" && !ValidID(cmd.AgentID) {
			return fmt.Errorf("%w: agentId must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, MaxIDLength)
		}
	case Route:
		if !ValidID(cmd.AgentID) {
			return fmt.Errorf("%w: agentId must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, MaxIDLength)
		}
		if cmd.Decision != nil && len(cmd.Decision.Candidates) > MaxCandidates {
			return fmt.Errorf("%w: a routing decision records at most %d candidates", ErrInvalid, MaxCandidates)
		}
	case TimeOut:
		switch {
		case !ValidID(cmd.AgentID):
			return fmt.Errorf("%w: agentId must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalid, MaxIDLength)
		case cmd.Offer < 1:
			return fmt.Errorf("%w: offer must be 1 or more", ErrInvalid)
		}
	}
	return nil
}

func validateKeys(keys []string) error {
	if len(keys) == 0 || len(keys) > MaxDeleteKeys {
		return fmt.Errorf("%w: keys must list 1-%d user data keys", ErrInvalid, MaxDeleteKeys)
	}
	for _, k := range keys {
		if k == "" || !utf8.ValidString(k) || len(k) > MaxUserDataBytes {
			return fmt.Errorf("%w: keys must be non-empty UTF-8 strings", ErrInvalid)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(keys)))) != len(keys) {
		return fmt.Errorf("%w: keys has a repeated key", ErrInvalid)
	}
	return nil
}

// resultingUserData checks the user data a change would leave against the
// limits intake holds it to.
func resultingUserData(merged []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	if err := validateUserData(merged); err != nil {
		return nil, fmt.Errorf("the merged userData: %w", err)
	}
	return merged, nil
}
