// Package desktop serves the two browser pages of fbsession on the API's
// port: the agent's desktop at /desktop/ and the supervisor's overview at
// /supervisor/. They are static files embedded in the binary (vanilla ES
// modules, no build step), with the official CometD JavaScript client
// vendored from npm under lib/cometd (tools/desktop/vendor.sh; its
// license kept beside it).
//
// The pages talk to the REST API and to CometD with the session cookie
// that GET /api/v2/me issues to a Basic sign-in, and send its CSRF token
// with every change. Every answer carries a Content-Security-Policy that
// allows no inline script or style, nosniff and no framing
// (docs/DESKTOP.md).
package desktop
