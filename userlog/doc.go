// Package userlog is the user directory's changes as events in the log:
// one stream per user, "user-<id>", whose events say who added the user,
// and who changed its roles, features, status or password, and when (the
// password and its hash are never in them). They are hash-chained and
// checkpointed like every stream; Recorder appends them for a
// users.Directory (users.RecordTo).
package userlog
