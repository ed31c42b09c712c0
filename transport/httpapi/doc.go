// Package httpapi is the GWS-compatible REST API of fbsession on Echo:
// the Complete operation, reads of sessions and users, and intake.
//
// Handlers turn requests into commands and return errors; errors.go alone
// turns every error into the GWS envelope {"statusCode", "statusMessage"}
// and an HTTP status.
package httpapi
