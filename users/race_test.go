//go:build race

package users_test

// raceDetector: the race detector slows bcrypt tenfold, so timings are
// not asserted under it.
const raceDetector = true
