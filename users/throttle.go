package users

import (
	"errors"
	"fmt"
	"time"
)

// ErrThrottled: too many failed attempts for a user name or a client
// address; the caller should wait before trying again.
var ErrThrottled = errors.New("users: too many failed attempts")

// ThrottledError says how long to wait. It matches ErrThrottled.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %s", ErrThrottled, e.RetryAfter.Round(time.Second))
}

func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }
