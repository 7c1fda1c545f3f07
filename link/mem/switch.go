package mem

import (
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// Switch joins any number of ports. A KindEthernet switch learns each
// port's source MAC addresses and forwards a frame to the port that owns its
// destination, flooding broadcast, multicast and unknown destinations to
// every other port (as a Linux bridge without VLANs or STP); a frame whose
// destination was learned on its own ingress port is dropped. A KindIP
// switch is a hub: every packet goes to every other port and the stacks
// filter by address. A packet is never sent back to its sender; the
// original goes to one receiver and a clone to each other.
type Switch struct {
	nw   *Network
	kind link.Kind

	mu    sync.RWMutex
	ports []*Endpoint            // guarded by mu
	fdb   map[wire.MAC]*Endpoint // guarded by mu; learned source addresses

	dropped atomic.Uint64 // frames for a destination on their own ingress port
}

// NewSwitch returns a switch of the given kind (link.KindEthernet or
// link.KindIP) on n (a fresh network when n is nil); it panics on any other
// kind.
func NewSwitch(n *Network, kind link.Kind) *Switch {
	if n == nil {
		n = NewNetwork()
	}
	return &Switch{nw: n, kind: checkKind(kind), fdb: make(map[wire.MAC]*Endpoint)}
}

// Network returns the network the switch's ports count on.
func (s *Switch) Network() *Network { return s.nw }

// NewPort adds a port. opts.Kind is ignored (the port has the switch's
// kind) and opts.MAC names an Ethernet port (taken from the network when
// nil). The port leaves the switch when it is closed.
func (s *Switch) NewPort(opts Options) *Endpoint {
	e := newEndpoint(s.nw, s.kind, &opts, macFor(s.nw, opts.MAC), 0)
	e.out, e.sw = s, s
	s.mu.Lock()
	s.ports = append(s.ports, e)
	s.mu.Unlock()
	return e
}

// Ports reports how many ports are attached.
func (s *Switch) Ports() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ports)
}

// Dropped reports how many frames were dropped because their destination
// was learned on the port they came from.
func (s *Switch) Dropped() uint64 { return s.dropped.Load() }

func (s *Switch) remove(e *Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.ports {
		if p == e {
			s.ports = append(s.ports[:i], s.ports[i+1:]...)
			break
		}
	}
	for m, p := range s.fdb {
		if p == e {
			delete(s.fdb, m)
		}
	}
}

func (s *Switch) forward(from *Endpoint, b *pkt.Buffer) {
	if s.kind == link.KindEthernet {
		f := b.Bytes() // at least a header: WriteBatch checked it
		src, dst := wire.MAC(f[6:12]), wire.MAC(f[0:6])
		s.learn(from, src)
		if !dst.IsMulticast() {
			s.mu.RLock()
			to := s.fdb[dst]
			s.mu.RUnlock()
			if to == from {
				s.dropped.Add(1)
				b.Release()
				return
			}
			if to != nil {
				to.receive(b)
				return
			}
		}
	}
	s.flood(from, b)
}

// learn records that src lives behind port from.
func (s *Switch) learn(from *Endpoint, src wire.MAC) {
	if src.IsMulticast() || src.IsZero() {
		return
	}
	s.mu.RLock()
	known := s.fdb[src] == from
	s.mu.RUnlock()
	if known {
		return
	}
	s.mu.Lock()
	if !from.closed.Load() {
		s.fdb[src] = from
	}
	s.mu.Unlock()
}

// flood sends b to every port but from: clones to all receivers but the
// last, which gets b itself.
func (s *Switch) flood(from *Endpoint, b *pkt.Buffer) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var last *Endpoint
	for _, p := range s.ports {
		if p == from {
			continue
		}
		if last != nil {
			last.receive(b.Clone())
		}
		last = p
	}
	if last == nil {
		b.Release()
		return
	}
	last.receive(b)
}
