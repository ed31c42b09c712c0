package natsconn

import (
	"errors"
	"net/url"
	"strings"
)

// Masked replaces a secret in what is logged.
const Masked = "xxxxx"

// Redact returns url (or a comma-separated list of them, as NATS_URL
// allows) with its secrets masked: user:xxxxx@host, and xxxxx@host for a
// token, which NATS takes from a lone name before the @. It works on
// malformed URLs too, since those are the ones that end up in errors.
func Redact(url string) string {
	parts := strings.Split(url, ",")
	for i, p := range parts {
		info, start, ok := userinfo(p)
		if !ok {
			continue
		}
		masked := Masked
		if name, _, hasPassword := strings.Cut(info, ":"); hasPassword {
			masked = name + ":" + Masked
		}
		parts[i] = p[:start] + masked + p[start+len(info):]
	}
	return strings.Join(parts, ",")
}

// userinfo finds the text between "scheme://" (optional) and the last @
// of the authority, and where it starts in u.
func userinfo(u string) (info string, start int, ok bool) {
	if i := strings.Index(u, "://"); i >= 0 {
		start = i + 3
	}
	authority := u[start:]
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority = authority[:i]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return "", 0, false
	}
	return authority[:at], start, true
}

// secrets are the passwords and tokens of url, as written and as
// percent-decoded, to scrub from messages that may quote them.
func secrets(u string) []string {
	var out []string
	for _, p := range strings.Split(u, ",") {
		info, _, ok := userinfo(p)
		if !ok {
			continue
		}
		secret := info
		if _, pass, hasPassword := strings.Cut(info, ":"); hasPassword {
			secret = pass
		}
		if secret == "" {
			continue
		}
		out = append(out, secret)
		if dec, err := url.PathUnescape(secret); err == nil && dec != secret {
			out = append(out, dec)
		}
	}
	return out
}

// hasUserinfo tells whether any URL of the list carries credentials.
func hasUserinfo(u string) bool {
	for _, p := range strings.Split(u, ",") {
		if _, _, ok := userinfo(p); ok {
			return true
		}
	}
	return false
}

// redactedError is an error whose message has a URL's secrets masked;
// errors.Is and errors.As still see the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError returns err with the secrets of u masked in its message,
// for errors that may quote the URL (url.Parse's do, whole).
func RedactError(err error, u string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = strings.ReplaceAll(msg, ue.URL, Redact(ue.URL))
	}
	for _, s := range secrets(u) {
		msg = strings.ReplaceAll(msg, s, Masked)
	}
	return &redactedError{msg: msg, err: err}
}
