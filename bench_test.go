package inet_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/stack"
	"github.com/seed96fbdc48/inet/wire"
)

// sinkEP is a link whose writes vanish: what the stack sends is released
// at once, so a benchmark measures the stack and nothing of a link.
type sinkEP struct {
	kind link.Kind
	sent atomic.Uint64
}

func (e *sinkEP) Kind() link.Kind                 { return e.kind }
func (e *sinkEP) MTU() int                        { return 1500 }
func (e *sinkEP) Capabilities() link.Capabilities { return 0 }
func (e *sinkEP) Attach(link.Dispatcher) error    { return nil }
func (e *sinkEP) Close() error                    { return nil }
func (e *sinkEP) HardwareAddr() net.HardwareAddr {
	if e.kind == link.KindEthernet {
		return net.HardwareAddr{0x02, 0, 0, 0, 0, 0x10}
	}
	return nil
}

func (e *sinkEP) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	for _, p := range pkts {
		p.Release()
	}
	e.sent.Add(uint64(len(pkts)))
	return len(pkts), nil
}

// inputBench is a host on a sink link, fed packets straight through its
// interface's DeliverBatch, the entry a link's reader calls.
type inputBench struct {
	s     *inet.Stack
	nic   *stack.Interface
	ep    *sinkEP
	batch [1]*pkt.Buffer
	frame []byte
}

func newInputBench(tb testing.TB, kind link.Kind, frame []byte) *inputBench {
	n := testnet.New(tb, nil)
	b := &inputBench{s: n.Stack(), ep: &sinkEP{kind: kind}, frame: frame}
	b.nic = n.Attach(b.s, b.ep, "inet0", hostIP+"/24")
	if kind == link.KindEthernet {
		peer := wire.MAC{0x02, 0, 0, 0, 0, 0x20}
		if err := b.nic.Neighbours().Set(netip.MustParseAddr(peerIP), peer, true); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

// one delivers one copy of the frame, as a link reader does: a pooled
// buffer with headroom, filled, handed over.
func (b *inputBench) one() {
	p := pkt.Get(pkt.DefaultHeadroom, len(b.frame))
	copy(p.Bytes(), b.frame)
	b.batch[0] = p
	b.nic.DeliverBatch(b.batch[:])
	b.batch[0] = nil
}

// inputPaths are the receive paths measured: an echo request answered
// (validation, routing, ICMP, the reply's routing and output), one
// ignored (icmp_echo_ignore_all: validation and local delivery only), and
// a packet dropped at the header checksum.
var inputPaths = []struct {
	name    string
	kind    link.Kind
	sysctl  string
	pkt     func() []byte
	replies bool
}{
	{"EchoReply", link.KindIP, "", func() []byte { return echo(1, pktOpts{}) }, true},
	{"EchoReplyEthernet", link.KindEthernet, "", func() []byte { return echo(1, pktOpts{}) }, true},
	{"EchoIgnored", link.KindIP, "net.ipv4.icmp_echo_ignore_all", func() []byte { return echo(1, pktOpts{}) }, false},
	{"BadChecksum", link.KindIP, "", func() []byte { return edit(echo(1, pktOpts{}), false, func(b []byte) { b[10] ^= 1 }) }, false},
}

func (b *inputBench) setup(tb testing.TB, sysctl string) {
	if sysctl != "" {
		if err := b.s.SetSysctl(sysctl, "1"); err != nil {
			tb.Fatal(err)
		}
	}
}

func benchFrame(kind link.Kind, ip []byte) []byte {
	if kind != link.KindEthernet {
		return ip
	}
	c := inputCase{link: ethHost, pkt: ip}
	return frame(&c, wire.MAC{0x02, 0, 0, 0, 0, 0x10}, wire.MAC{0x02, 0, 0, 0, 0, 0x20})
}

// BenchmarkInput measures one received packet, from the link's hand-over
// to the end of its processing (for an echo request: the reply handed to
// the link).
func BenchmarkInput(b *testing.B) {
	for _, c := range inputPaths {
		b.Run(c.name, func(b *testing.B) {
			ib := newInputBench(b, c.kind, benchFrame(c.kind, c.pkt()))
			ib.setup(b, c.sysctl)
			b.ReportAllocs()
			b.SetBytes(int64(len(ib.frame)))
			b.ResetTimer()
			for range b.N {
				ib.one()
			}
			b.StopTimer()
			if c.replies && ib.ep.sent.Load() < uint64(b.N) {
				b.Fatalf("%d replies to %d requests", ib.ep.sent.Load(), b.N)
			}
		})
	}
}

// raceEnabled reports a -race build: the race detector makes sync.Pool
// drop a quarter of what is put back, so allocation budgets are only
// checked without it.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestInputAllocs holds the receive paths to zero allocations per packet
// in steady state (after the pools are warm).
func TestInputAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation budgets are not checked under the race detector")
	}
	for _, c := range inputPaths {
		t.Run(c.name, func(t *testing.T) {
			ib := newInputBench(t, c.kind, benchFrame(c.kind, c.pkt()))
			ib.setup(t, c.sysctl)
			for range 100 {
				ib.one()
			}
			if n := testing.AllocsPerRun(1000, ib.one); n != 0 {
				t.Errorf("%s: %v allocations per packet, want 0", c.name, n)
			}
			if c.replies && ib.ep.sent.Load() < 1100 {
				t.Errorf("%d replies to 1100 requests", ib.ep.sent.Load())
			}
		})
	}
}

// BenchmarkICMPErrorFlood measures protocol unreachables to a stream of
// ever new sources with the global limit lifted, so that every message
// reaches the per-destination table and the table overflows and evicts.
func BenchmarkICMPErrorFlood(b *testing.B) {
	ib := newInputBench(b, link.KindIP, nil)
	if err := ib.s.AddAddress(ib.nic.Index(), netip.MustParsePrefix("198.19.0.1/16")); err != nil {
		b.Fatal(err)
	}
	mustOK2(b, ib.s.SetSysctl("net.ipv4.icmp_msgs_per_sec", "1000000000"))
	mustOK2(b, ib.s.SetSysctl("net.ipv4.icmp_msgs_burst", "1000000000"))
	pkts := make([][]byte, 1<<14)
	for i := range pkts {
		pkts[i] = proto253(pktOpts{src: fmt.Sprintf("198.19.%d.%d", 1+i/250, 1+i%250)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ib.frame = pkts[i%len(pkts)]
		ib.one()
	}
	b.StopTimer()
	if got := ib.ep.sent.Load(); got != uint64(b.N) {
		b.Fatalf("%d answers to %d packets, want all", got, b.N)
	}
}

func mustOK2(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// echoWaiter receives the replies to the round-trip benchmark's requests.
type echoWaiter chan struct{}

func (w echoWaiter) EchoReply(*ipv4.EchoReply) {
	select {
	case w <- struct{}{}:
	default:
	}
}
func (echoWaiter) EchoError(*ipv4.ICMPError) {}

// pingPair is two stacks on an in-memory link, the first holding an echo
// identifier.
type pingPair struct {
	x    *inet.Stack
	w    echoWaiter
	id   uint16
	sp   ipv4.SendParams
	data []byte
	ctx  context.Context
}

func newPingPair(tb testing.TB, kind link.Kind) *pingPair {
	n := testnet.New(tb, nil)
	x, y := n.Stack(), n.Stack()
	var ea, eb link.Endpoint
	if kind == link.KindEthernet {
		sw := n.Switch(link.KindEthernet)
		ea, eb = sw.NewPort(memOpts()), sw.NewPort(memOpts())
	} else {
		ea, eb = memPipe(n)
	}
	n.Attach(x, ea, "eth0", "198.18.0.1/24")
	n.Attach(y, eb, "eth0", "198.18.0.2/24")
	p := &pingPair{x: x, w: make(echoWaiter, 1), data: echoData(56),
		sp: ipv4.SendParams{Dst: netip.MustParseAddr("198.18.0.2")}}
	id, unbind, err := x.IP().BindEcho(0, p.w)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(unbind)
	p.id = id
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	tb.Cleanup(cancel)
	p.ctx = ctx
	p.round(tb, 0) // resolve ARP first
	return p
}

// round sends one echo request and waits for its reply.
func (p *pingPair) round(tb testing.TB, seq uint16) {
	if err := p.x.IP().SendEcho(&p.sp, p.id, seq, p.data); err != nil {
		tb.Fatal(err)
	}
	select {
	case <-p.w:
	case <-p.ctx.Done():
		tb.Fatal("no echo reply")
	}
}

// BenchmarkPingRoundTrip measures an echo request and its reply between
// two stacks on an in-memory link: send, the link's hand-over to the other
// stack's reader, its reply, the way back, the wake-up.
func BenchmarkPingRoundTrip(b *testing.B) {
	for _, kind := range []link.Kind{link.KindIP, link.KindEthernet} {
		b.Run(kind.String(), func(b *testing.B) {
			p := newPingPair(b, kind)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p.round(b, uint16(i))
			}
		})
	}
}

// TestPingRoundTripAllocs: a round trip allocates nothing, on either
// stack, once warm.
func TestPingRoundTripAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation budgets are not checked under the race detector")
	}
	for _, kind := range []link.Kind{link.KindIP, link.KindEthernet} {
		p := newPingPair(t, kind)
		seq := uint16(1)
		for range 100 {
			p.round(t, seq)
			seq++
		}
		if n := testing.AllocsPerRun(500, func() { p.round(t, seq); seq++ }); n != 0 {
			t.Errorf("%v: %v allocations per round trip, want 0", kind, n)
		}
	}
}

func memPipe(n *testnet.Net) (link.Endpoint, link.Endpoint) {
	a, b := mem.Pipe(n.NW, memOpts())
	return a, b
}
