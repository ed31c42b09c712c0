// Package commands carries out facebooksession commands against the event
// store: load the stream, fold it, decide, append with optimistic
// concurrency, and on a conflict decide again against the new state.
//
// The session's view (its read model) is written by the same atomic append,
// so that a GET right after a successful command sees its effect.
package commands
