// Package testnet builds small in-memory networks of stacks for tests: hosts
// and routers on mem switches and pipes, a Probe that plays a raw peer on a
// link (sending hand-built packets and capturing what the stack answers),
// and helpers to wait for a quiet network instead of sleeping.
package testnet

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/stack"
)

// Net is a set of stacks on one mem.Network.
type Net struct {
	T     testing.TB
	NW    *mem.Network
	Clock clock.Clock
	seed  uint64
}

// New returns an empty network whose stacks use clk (nil: the real clock).
func New(t testing.TB, clk clock.Clock) *Net {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Net{T: t, NW: mem.NewNetwork(), Clock: clk}
}

// Stack returns a new stack on the network, closed when the test ends.
func (n *Net) Stack() *inet.Stack {
	n.seed++
	s := inet.New(inet.Options{Clock: n.Clock, Seed: n.seed, Network: n.NW})
	n.T.Cleanup(func() { _ = s.Close() })
	return s
}

// Attach connects s to ep and configures the addresses (CIDR strings).
func (n *Net) Attach(s *inet.Stack, ep link.Endpoint, name string, cidrs ...string) *stack.Interface {
	n.T.Helper()
	nic, err := s.AddInterface(ep, stack.InterfaceOptions{Name: name})
	if err != nil {
		n.T.Fatalf("AddInterface %s: %v", name, err)
	}
	for _, c := range cidrs {
		if err := s.AddAddress(nic.Index(), netip.MustParsePrefix(c)); err != nil {
			n.T.Fatalf("AddAddress %s %s: %v", name, c, err)
		}
	}
	return nic
}

// Switch returns a new switch of the given kind on the network.
func (n *Net) Switch(kind link.Kind) *mem.Switch { return mem.NewSwitch(n.NW, kind) }

// Idle waits (at most 10 s) until no packet is in flight.
func (n *Net) Idle() {
	n.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.NW.WaitIdle(ctx); err != nil {
		n.T.Fatalf("network never went idle: %v", err)
	}
}

// Advance moves a manual clock forward and waits for the network to settle,
// repeatedly, so that packets sent by timers are delivered before it
// returns. It fails the test on a real clock.
func (n *Net) Advance(d time.Duration) {
	n.T.Helper()
	m, ok := n.Clock.(*clock.Manual)
	if !ok {
		n.T.Fatal("Advance needs a manual clock")
	}
	n.Idle()
	m.Advance(d)
	n.Idle()
}

// Probe is a raw peer on a link: it records every packet the stack sends
// it and can send packets of its own.
type Probe struct {
	EP *mem.Endpoint
	mu sync.Mutex
	in [][]byte // guarded by mu
}

// NewProbe returns the two ends of a pipe of the given kind: one for the
// stack under test, and a probe holding the other.
func (n *Net) NewProbe(kind link.Kind) (stackEnd *mem.Endpoint, p *Probe) {
	a, b := mem.Pipe(n.NW, mem.Options{Kind: kind})
	p = &Probe{EP: b}
	if err := b.Attach(p); err != nil {
		n.T.Fatal(err)
	}
	n.T.Cleanup(func() { _ = b.Close() })
	return a, p
}

// DeliverBatch records packets (link.Dispatcher).
func (p *Probe) DeliverBatch(pkts []*pkt.Buffer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range pkts {
		p.in = append(p.in, append([]byte(nil), b.Bytes()...))
		b.Release()
	}
}

// Send writes a copy of b to the link.
func (p *Probe) Send(b []byte) {
	_, _ = p.EP.WriteBatch([]*pkt.Buffer{pkt.From(b)})
}

// Take returns and forgets the packets received so far.
func (p *Probe) Take() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.in
	p.in = nil
	return in
}
