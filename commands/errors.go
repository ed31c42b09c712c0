package commands

import "errors"

// ErrIdempotencyKeyReused: a request carried an Idempotency-Key that the
// same user already used for a different request (another operation,
// session or body). Answering it with the first request's result would
// hide that the second was never carried out.
var ErrIdempotencyKeyReused = errors.New("commands: idempotency key used for another request")
