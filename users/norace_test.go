//go:build !race

package users_test

const raceDetector = false
