package messenger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// SignatureHeader is the header Meta signs a delivery's raw body in.
const SignatureHeader = "X-Hub-Signature-256"

// Signature errors. None of them says anything of the secret.
var (
	ErrNoSecret         = errors.New("messenger: no app secret configured")
	ErrMissingSignature = errors.New("messenger: no X-Hub-Signature-256")
	ErrBadSignature     = errors.New("messenger: X-Hub-Signature-256 does not match the body")
)

// Sign is the X-Hub-Signature-256 value of body under secret, as Meta
// sends it: "sha256=" and the hex HMAC-SHA256.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks header, the X-Hub-Signature-256 value, against the raw
// body, in constant time. Without a secret nothing verifies.
func Verify(secret, body []byte, header string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if header == "" {
		return ErrMissingSignature
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}
