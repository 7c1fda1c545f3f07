// Package link defines how a stack meets the links it owns: a batch-oriented
// Endpoint that carries whole IP packets (a TUN device, an IP-only pipe, the
// loopback) or whole Ethernet frames (a veth through AF_PACKET, an in-memory
// switch), and the Dispatcher the stack hands it for inbound batches.
//
// Implementations live in the subpackages: tun, packet, mem, loopback, and
// pcap (a capture tap that wraps any endpoint).
package link

import (
	"net"

	"github.com/seed96fbdc48/inet/pkt"
)

// Kind says what an endpoint's packets begin with.
type Kind uint8

const (
	// KindIP endpoints carry bare IPv4 packets (TUN with IFF_NO_PI, pipes).
	KindIP Kind = iota
	// KindEthernet endpoints carry Ethernet II frames.
	KindEthernet
	// KindLoopback endpoints carry bare IP packets back to the same stack.
	KindLoopback
)

func (k Kind) String() string {
	switch k {
	case KindIP:
		return "ip"
	case KindEthernet:
		return "ether"
	case KindLoopback:
		return "loopback"
	}
	return "unknown"
}

// Capabilities are optional features of an endpoint.
type Capabilities uint32

const (
	// CapChecksumOffload: the link never corrupts data (memory, loopback),
	// so received transport checksums need not be verified.
	CapChecksumOffload Capabilities = 1 << iota
	// CapVnetHdr: packets carry a virtio_net_hdr (GSO/GRO); reserved for
	// the offload issue.
	CapVnetHdr
)

// Endpoint is one link. Inbound packets reach the stack through the
// Dispatcher passed to Attach, in batches, on a goroutine the endpoint owns
// (one reader per link, as Linux's softirq processes one queue). Outbound
// packets are written in batches on the caller's goroutine.
type Endpoint interface {
	// Kind tells whether packets are IP packets or Ethernet frames.
	Kind() Kind
	// MTU is the largest IP packet the link carries (without link header).
	MTU() int
	// HardwareAddr is the endpoint's MAC address for KindEthernet, else nil.
	HardwareAddr() net.HardwareAddr
	// Capabilities reports optional features.
	Capabilities() Capabilities
	// Attach starts delivery of inbound packets to d. It is called once.
	Attach(d Dispatcher) error
	// WriteBatch sends the packets, each starting with its link header
	// (an Ethernet header for KindEthernet, nothing otherwise). The
	// endpoint takes ownership of every buffer, whether or not it was
	// sent, and returns how many were sent; an error says why the rest
	// were not.
	WriteBatch(pkts []*pkt.Buffer) (int, error)
	// Close stops delivery and releases the link. Attach's dispatcher
	// receives nothing after Close returns.
	Close() error
}

// Dispatcher receives inbound packets.
type Dispatcher interface {
	// DeliverBatch hands the packets to the stack, which takes ownership
	// of every buffer. The slice itself stays the endpoint's and may be
	// reused once DeliverBatch returns.
	DeliverBatch(pkts []*pkt.Buffer)
}

// Named is implemented by endpoints that correspond to an interface of the
// host (a TUN device, a veth); the stack uses the name for its own
// interface unless told otherwise.
type Named interface {
	Name() string
}

// MaxBatch is the most packets an endpoint delivers or writes in one batch.
const MaxBatch = 64
