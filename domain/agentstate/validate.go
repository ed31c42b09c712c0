package agentstate

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// MaxReasonCodeLength bounds a NotReady's reasonCode, in characters.
const MaxReasonCodeLength = 64

// MaxChannels bounds the channels a StartContactCenterSession names, so
// that a request cannot make an event of any size; repeats count.
const MaxChannels = 16

// Validate judges a command alone, before any state is read.
func Validate(cmd Command) error {
	switch c := cmd.(type) {
	case StartSession:
		if len(c.Channels) == 0 {
			return fmt.Errorf("%w: channels must name at least one channel", ErrInvalid)
		}
		if len(c.Channels) > MaxChannels {
			return fmt.Errorf("%w: channels must name at most %d channels", ErrInvalid, MaxChannels)
		}
		for _, ch := range c.Channels {
			if !slices.Contains(Channels(), ch) {
				return fmt.Errorf("%w: channel %q is not supported; supported: %s", ErrInvalid, truncate(ch, 64), ChannelFacebookSession)
			}
		}
	case SetReady:
		return validChannel(c.Channel)
	case SetNotReady:
		if err := validChannel(c.Channel); err != nil {
			return err
		}
		return validReasonCode(c.ReasonCode)
	case SetCapacity:
		return validCapacity(c)
	}
	return nil
}

// validChannel refuses a channel this service does not have: the path of
// a resource that does not exist.
func validChannel(name string) error {
	if !slices.Contains(Channels(), name) {
		return fmt.Errorf("%w: %s", ErrUnknownChannel, truncate(name, 64))
	}
	return nil
}

// validReasonCode allows no reason (""), or 1-64 printable characters:
// it is shown on desktops and in the log, where hidden characters would
// mislead.
func validReasonCode(code string) error {
	if code == "" {
		return nil
	}
	if !utf8.ValidString(code) || utf8.RuneCountInString(code) > MaxReasonCodeLength {
		return fmt.Errorf("%w: reasonCode must be 1-%d characters", ErrInvalid, MaxReasonCodeLength)
	}
	for _, r := range code {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: reasonCode must be printable characters", ErrInvalid)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
