// Package websession keeps browser sessions: the cookie a desktop page
// gets by logging in once with Basic credentials (GET /api/v2/me), which
// the REST API and CometD then accept instead, with a CSRF token that a
// page of another site cannot read (docs/API.md §14).
//
// Sessions are stored, not signed: in the table web_sessions of the
// store's database, PostgreSQL or SQLite, through database/sql with SQL
// both accept. A stored session is ended at once, in every process, by a
// logout, by any change of its user (each is bound to the version of the
// users row it was issued on) and by its idle and absolute deadlines;
// and their number is bounded per user and in all, which a signed cookie
// allows none of. The cookie's value is never stored: only its SHA-256,
// so a reader of the table cannot present one.
//
// The sessions are all in the database: another process, or this one
// after a restart, finds every one. What a Store holds itself are the
// limits of its process: issues per user (Config.IssueRate) and cookies
// naming no session per client address (Config.UnknownPerAddress).
//
// Every insert and delete of a session is made under the lock of one
// row, web_session_issuer, which also counts the sessions held: an issue
// reads that count, never the table's. A lookup only reads (through
// Config.Reader when set), and writes a session's use at most once a
// minute; a session found dead is left for the sweep.
package websession
