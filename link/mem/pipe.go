package mem

import (
	"fmt"

	"github.com/seed96fbdc48/inet/link"
)

// Pipe returns the two ends of a point-to-point link on n (a fresh network
// when n is nil): what one end writes, the other receives. opts.Kind chooses
// between an IP link (a TUN-like wire) and an Ethernet cable; opts.MAC and
// opts.PeerMAC name the ends of the latter. Pipe panics on any other kind.
func Pipe(n *Network, opts Options) (a, b *Endpoint) {
	if n == nil {
		n = NewNetwork()
	}
	kind := checkKind(opts.Kind)
	macA, macB := macFor(n, opts.MAC), macFor(n, opts.PeerMAC)
	a = newEndpoint(n, kind, &opts, macA, 0)
	b = newEndpoint(n, kind, &opts, macB, 1)
	a.out, b.out = peer{b}, peer{a}
	return a, b
}

func checkKind(k link.Kind) link.Kind {
	if k != link.KindIP && k != link.KindEthernet {
		panic(fmt.Sprintf("mem: a link of kind %v: want ip or ether", k))
	}
	return k
}

// Loop returns an endpoint on n (a fresh network when n is nil) whose
// written packets come back to its own dispatcher through its inbound
// queue, with KindLoopback metadata (PacketHost, FlagLoopedBack and
// FlagChecksumOK; Mark and Priority kept). It is the machinery behind
// package loopback, which sets Linux's loopback MTU and capabilities;
// opts.Kind and the MAC fields are ignored.
func Loop(n *Network, opts Options) *Endpoint {
	if n == nil {
		n = NewNetwork()
	}
	e := newEndpoint(n, link.KindLoopback, &opts, [6]byte{}, 0)
	e.out = peer{e}
	return e
}
