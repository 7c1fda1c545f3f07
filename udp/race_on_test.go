//go:build race

package udp_test

// raceEnabled: the race detector makes sync.Pool drop a quarter of what is
// put back, so allocation budgets are checked only without it.
const raceEnabled = true
