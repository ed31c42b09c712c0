// Package sessionview owns the read model of facebooksessions: the document
// each session's view holds, how it is listed, and how it is read back.
//
// The view is written by the same atomic append as the events that change
// the session (commands), so a read right after a response already shows
// it; it can also be computed from the log alone (Of), which is how audits
// rebuild and verify it. Nothing else encodes or decodes the document.
package sessionview
