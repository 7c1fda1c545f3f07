//go:build !race

package ipv4

const raceEnabled = false
