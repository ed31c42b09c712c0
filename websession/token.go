package websession

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// tokenBytes is the randomness of a cookie's value and of a CSRF token.
const tokenBytes = 32

// tokenLength is a token's length, base64url without padding.
var tokenLength = base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken is 32 random bytes, base64url: 43 characters.
func newToken() string {
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// wellFormed tells whether token could be one newToken made: anything
// else is refused without a query.
func wellFormed(token string) bool {
	if len(token) != tokenLength {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil
}

// hash is what a token is stored as.
func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
