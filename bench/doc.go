// Package bench measures inet against gVisor's netstack and the Linux
// kernel, side by side in one process and one run, so that results can be
// quoted as ratios (see README.md): TCP bulk throughput and a 1 KB round
// trip over an in-memory link, UDP datagrams per second, TCP connection
// setup rate, memory per idle established connection, and allocations per
// operation on the data path.
//
// It is a module of its own so that the inet module does not depend on
// gVisor; the main module's `go test ./...` does not enter it.
package bench
