// Package sqlite is the embedded event store: one file, pure Go
// (modernc.org/sqlite, no cgo), for running fbsession with nothing
// installed.
//
// # Dialect limits
//
//   - One writer. Appends go through a single connection and BEGIN IMMEDIATE
//     takes the file's write lock before the head is read, so appends are
//     serialised across goroutines and processes. Positions are therefore
//     assigned in commit order and no late commit can happen; Commit counts
//     appends.
//   - WAL journal with synchronous=FULL: a returned append survives a power
//     loss. Readers use their own connections and never wait for the writer.
//   - Another process's appends (fbsessionctl on the same file) are seen by
//     polling PRAGMA data_version every Config.PollInterval.
package sqlite
