//go:build race

package ipv4

// raceEnabled: the race detector makes sync.Pool drop some of what is put
// back, so allocation budgets are not checked under it.
const raceEnabled = true
