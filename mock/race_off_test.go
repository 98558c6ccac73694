//go:build !race

package mock_test

// raceDetector says the tests run under -race (race_on_test.go).
const raceDetector = false
