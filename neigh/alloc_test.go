package neigh

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// allocEnv is a table whose link discards frames, with one neighbour in
// the given state and its header cache set up.
func allocEnv(t testing.TB, state State) *Table {
	l := newFakeLink()
	l.discard = true
	clk := clock.NewManual()
	tbl := New(Config{Clock: clk, Link: l, Rand: rand.NewPCG(1, 1)})
	t.Cleanup(tbl.Close)
	tbl.HandleARP(arpFrame(wire.BroadcastMAC, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP))
	tbl.Output(ipPacket(ourIP, peerIP, 64, 0), peerIP, Unicast) // DELAY, header cache
	switch state {
	case Reachable:
		tbl.HandleARP(arpFrame(ourMAC, peerMAC, wire.ARPReply, peerMAC, peerIP, ourMAC, ourIP))
	case Probe:
		clk.Advance(5 * time.Second)
	}
	if en, _ := tbl.Lookup(peerIP); en.State != state {
		t.Fatalf("state %v, want %v", en.State, state)
	}
	return tbl
}

// The output fast path, Confirm and ARP input for a known neighbour
// allocate nothing.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers under the race detector")
	}
	for _, s := range []State{Reachable, Delay, Probe} {
		tbl := allocEnv(t, s)
		p := ipPacket(ourIP, peerIP, 1400, 0)
		p.Release()
		if n := testing.AllocsPerRun(1000, func() {
			tbl.Output(pkt.Get(pkt.DefaultHeadroom, 1400), peerIP, Unicast)
		}); n != 0 {
			t.Errorf("Output in %v: %v allocs", s, n)
		}
	}
	tbl := allocEnv(t, Reachable)
	if n := testing.AllocsPerRun(1000, func() { tbl.Confirm(peerIP) }); n != 0 {
		t.Errorf("Confirm: %v allocs", n)
	}
	mc := netip.MustParseAddr("224.0.0.1")
	tbl.Output(pkt.Get(pkt.DefaultHeadroom, 100), mc, Multicast)
	if n := testing.AllocsPerRun(1000, func() {
		tbl.Output(pkt.Get(pkt.DefaultHeadroom, 100), mc, Multicast)
	}); n != 0 {
		t.Errorf("Output multicast: %v allocs", n)
	}
	req := arpFrame(wire.BroadcastMAC, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP)
	frame := append([]byte(nil), req.Bytes()...)
	req.Release()
	if n := testing.AllocsPerRun(1000, func() {
		p := pkt.Get(pkt.DefaultHeadroom, len(frame))
		copy(p.Bytes(), frame)
		tbl.HandleARP(p)
	}); n != 0 {
		t.Errorf("HandleARP request for us: %v allocs", n)
	}
}

func BenchmarkOutputReachable(b *testing.B) {
	tbl := allocEnv(b, Reachable)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tbl.Output(pkt.Get(pkt.DefaultHeadroom, 1400), peerIP, Unicast)
		}
	})
}

func BenchmarkOutputDelay(b *testing.B) {
	tbl := allocEnv(b, Delay)
	b.ReportAllocs()
	for b.Loop() {
		tbl.Output(pkt.Get(pkt.DefaultHeadroom, 1400), peerIP, Unicast)
	}
}

func BenchmarkHandleARPRequest(b *testing.B) {
	tbl := allocEnv(b, Reachable)
	req := arpFrame(wire.BroadcastMAC, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP)
	frame := append([]byte(nil), req.Bytes()...)
	req.Release()
	b.ReportAllocs()
	for b.Loop() {
		p := pkt.Get(pkt.DefaultHeadroom, len(frame))
		copy(p.Bytes(), frame)
		tbl.HandleARP(p)
	}
}
