// Package systemtest holds the whole-binary tests of fbsession: they
// build fbsessiond and fbsessionctl, run several fbsessiond and NATS
// servers as processes on PostgreSQL, cut their databases and networks,
// SIGKILL and SIGTERM them under load, and check what clients were told
// against the log and the notification stream. They need PostgreSQL
// (TEST_DATABASE_URL) and, for the cluster test, nats-server; the
// package has no code of its own beyond this comment.
package systemtest
