package mem

import (
	"fmt"
	"net"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/wire"
)

// Defaults for zero Options fields.
const (
	DefaultMTU      = 1500
	DefaultQueueLen = 1000 // Linux's default txqueuelen for Ethernet devices
)

// Options configure the endpoints Pipe, Switch.NewPort and Loop make. The
// zero value is an IP link with MTU 1500.
type Options struct {
	// Kind is link.KindIP (the default) or link.KindEthernet. NewPort
	// ignores it and uses the switch's kind; Loop uses link.KindLoopback.
	Kind link.Kind
	// MTU is the largest IP packet the link carries; 0 means DefaultMTU.
	MTU int
	// MAC is the Ethernet address of the endpoint (of a pipe's first end).
	// When nil, a locally administered address is taken from the Network
	// (02:00:00:00:00:01, :02, ... in creation order).
	MAC net.HardwareAddr
	// PeerMAC is the address of a pipe's second end; nil as for MAC.
	PeerMAC net.HardwareAddr
	// ChecksumOffload advertises link.CapChecksumOffload and marks
	// delivered packets pkt.FlagChecksumOK. Off by default, so a stack
	// verifies checksums as it would on a real link.
	ChecksumOffload bool
	// QueueLen bounds each inbound queue; 0 means DefaultQueueLen.
	QueueLen int
	// Clock times Delay verdicts; nil means clock.Real.
	Clock clock.Clock
	// Impair, when set, makes the impairment of packets each endpoint
	// writes. It is called once per endpoint: side 0 for a pipe's first
	// end, a port or a loop, side 1 for a pipe's second end, so that a
	// seeded generator gives each direction its own stream (see
	// Random.Impair). Endpoint.SetImpairment changes it later.
	Impair func(side int) Impairment
}

func (o *Options) mtu() int {
	if o.MTU <= 0 {
		return DefaultMTU
	}
	return o.MTU
}

func (o *Options) queueLen() int {
	if o.QueueLen <= 0 {
		return DefaultQueueLen
	}
	return o.QueueLen
}

func (o *Options) clock() clock.Clock {
	if o.Clock == nil {
		return clock.Real{}
	}
	return o.Clock
}

// macFor returns mac as a wire.MAC, or a fresh one from the network.
func macFor(n *Network, mac net.HardwareAddr) wire.MAC {
	if mac == nil {
		mac = n.newMAC()
	}
	m, ok := wire.MACFrom(mac)
	if !ok {
		panic(fmt.Sprintf("mem: MAC address %v is not 6 bytes long", mac))
	}
	return m
}
