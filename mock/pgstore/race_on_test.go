//go:build race

package pgstore_test

// raceDetector says the tests run under -race, which drops pooled buffers
// (sync.Pool), so code allocates more than it does in production.
const raceDetector = true
