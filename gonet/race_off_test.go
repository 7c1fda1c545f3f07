//go:build !race

package gonet_test

const raceEnabled = false
