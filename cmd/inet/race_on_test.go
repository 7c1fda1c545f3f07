//go:build race

package main

// raceEnabled: the race detector slows the stack several times; the bulk
// tests move less under it.
const raceEnabled = true
