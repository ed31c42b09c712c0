//go:build !unix

package backend

// lockDataDir does nothing where flock(2) does not exist: running two
// fbsessiond on one data directory is then up to the operator.
func lockDataDir(string) (func(), error) { return func() {}, nil }
