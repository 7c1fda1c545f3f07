//go:build !linux

package packet

import (
	"errors"
	"net"
	"runtime"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
)

var errUnsupported = errors.New("packet: AF_PACKET sockets are supported on Linux only, not " + runtime.GOOS)

// Endpoint is an AF_PACKET endpoint; on this system it cannot be opened.
type Endpoint struct{}

var (
	_ link.Endpoint = (*Endpoint)(nil)
	_ link.Named    = (*Endpoint)(nil)
)

// Open fails: AF_PACKET is Linux-only.
func Open(name string, opts Options) (*Endpoint, error) { return nil, errUnsupported }

// Kind returns link.KindEthernet.
func (*Endpoint) Kind() link.Kind { return link.KindEthernet }

// MTU returns 0.
func (*Endpoint) MTU() int { return 0 }

// HardwareAddr returns nil.
func (*Endpoint) HardwareAddr() net.HardwareAddr { return nil }

// Capabilities returns 0.
func (*Endpoint) Capabilities() link.Capabilities { return 0 }

// Name returns "".
func (*Endpoint) Name() string { return "" }

// Attach fails.
func (*Endpoint) Attach(link.Dispatcher) error { return errUnsupported }

// WriteBatch releases the packets and fails.
func (*Endpoint) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	for _, b := range pkts {
		b.Release()
	}
	return 0, errUnsupported
}

// Close does nothing.
func (*Endpoint) Close() error { return nil }

// Stats returns zeros.
func (*Endpoint) Stats() Stats { return Stats{} }

// Err returns nil.
func (*Endpoint) Err() error { return nil }
