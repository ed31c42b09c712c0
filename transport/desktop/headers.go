package desktop

import "net/http"

// ContentSecurityPolicy is sent with every answer of the pages: scripts,
// styles and connections from this origin only, never inline (an injected
// <script> or onerror= attribute does not run), no framing, and no <base>
// or form posting elsewhere. 'self' in connect-src covers the same
// origin's ws: and wss: (CSP level 3), which CometD's websocket uses.
//
// worker-src adds blob: to script-src's 'self' for one worker: the CometD
// client runs its timers (connect timeouts, reconnect backoff) in a worker
// it makes from a blob, so that a desktop in a background tab, whose own
// timers the browser slows to once a minute, still reconnects at once.
// Only a script already running in the page can make a blob URL, so this
// lets no injected markup run.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// setSecurityHeaders sets what every answer carries, a 404 or a redirect
// included.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// frame-ancestors' older spelling, for browsers without CSP 2.
	h.Set("X-Frame-Options", "DENY")
	// A window this page opens, or that opened it, gets no handle on it.
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Other sites may not embed these files (a <script src> of the
	// vendored client from elsewhere reads nothing private, but nothing
	// needs it either).
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}
