// Package audit answers what happened to a session, who did it and when,
// and whether the record is intact: histories, states as of a time or
// version, verification of the hash chains and of the read model, rebuilds
// of the read model, replays of notifications and exports of the log.
// fbsessionctl's audit commands are thin shells over it.
package audit
