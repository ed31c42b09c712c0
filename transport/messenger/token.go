package messenger

import "crypto/subtle"

// equalToken compares the verify token in constant time.
func equalToken(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
