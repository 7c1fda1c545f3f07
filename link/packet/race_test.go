//go:build race

package packet_test

// The race detector makes sync.Pool drop a quarter of what is put back, so
// allocation budgets are only checked without it.
const raceEnabled = true
