package tcp_test

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"golang.org/x/sys/unix"
)

// benchPair is a connected pair on a manual clock, driven without
// goroutines of its own.
type benchPair struct {
	p        *pair
	clk      *clock.Manual
	cli, srv *inet.Socket
}

func newBenchPair(tb testing.TB) *benchPair {
	t, _ := tb.(*testing.T)
	_ = t
	clk := clock.NewManual()
	p := newPairTB(tb, clk, ethOpts())
	ln, err := p.b.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ln.BindAddr(netip.MustParseAddrPort("198.18.0.2:9000")); err != nil {
		tb.Fatal(err)
	}
	if err := ln.Listen(128); err != nil {
		tb.Fatal(err)
	}
	c, err := p.a.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		tb.Fatal(err)
	}
	c.ConnectAddr(netip.MustParseAddrPort("198.18.0.2:9000"))
	p.n.Idle()
	clk.Advance(0)
	p.n.Idle()
	s, _, err := ln.Accept(unix.SOCK_NONBLOCK)
	if err != nil {
		tb.Fatalf("accept: %v", err)
	}
	tb.Cleanup(func() { c.Close(); s.Close(); ln.Close() })
	return &benchPair{p: p, clk: clk, cli: c, srv: s}
}

// idle waits for the network without allocating (Net.Idle makes a
// context each time).
func (bp *benchPair) idle() {
	for bp.p.n.NW.InFlight() > 0 {
		runtime.Gosched()
	}
}

// move sends n bytes from cli to srv and reads them, advancing the clock
// when nothing moves (a delayed ACK).
func (bp *benchPair) move(tb testing.TB, data, buf []byte) {
	sent, got := 0, 0
	for steps := 0; got < len(data); steps++ {
		progress := false
		for sent < len(data) {
			k, err := bp.cli.Send(data[sent:], 0)
			if err != nil {
				break
			}
			sent += k
			progress = true
		}
		bp.idle()
		for {
			k, err := bp.srv.Recv(buf, 0)
			if err != nil || k == 0 {
				break
			}
			got += k
			progress = true
		}
		bp.idle()
		if !progress {
			next, ok := bp.clk.Next()
			if !ok || steps > 100000 {
				tb.Fatalf("stuck at %d/%d", got, len(data))
			}
			bp.clk.AdvanceTo(next)
		}
	}
}

// BenchmarkBulk moves data one way over an in-memory Ethernet link.
func BenchmarkBulk(b *testing.B) {
	bp := newBenchPair(b)
	data := make([]byte, 256<<10)
	buf := make([]byte, 64<<10)
	bp.move(b, data, buf) // warm up: window, buffers
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bp.move(b, data, buf)
	}
}

// TestBulkAllocs: the steady-state data path allocates nothing per
// segment.
func TestBulkAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	bp := newBenchPair(t)
	data := make([]byte, 256<<10)
	buf := make([]byte, 64<<10)
	for i := 0; i < 4; i++ {
		bp.move(t, data, buf)
	}
	allocs := testing.AllocsPerRun(20, func() { bp.move(t, data, buf) })
	segs := float64(len(data)) / 1448
	t.Logf("%.1f allocations per %d KiB moved (%.0f segments)", allocs, len(data)>>10, segs)
	if allocs/segs > 0.05 {
		t.Errorf("%.2f allocations per segment", allocs/segs)
	}
}

// BenchmarkConnect measures connection setup and teardown.
func BenchmarkConnect(b *testing.B) {
	clk := clock.NewManual()
	p := newPairTB(b, clk, ethOpts())
	ln, _ := p.b.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	ln.BindAddr(netip.MustParseAddrPort("198.18.0.2:9000"))
	ln.Listen(4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, _ := p.a.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
		c.ConnectAddr(netip.MustParseAddrPort("198.18.0.2:9000"))
		p.n.Idle()
		s, _, err := ln.Accept(unix.SOCK_NONBLOCK)
		if err != nil {
			b.Fatalf("accept: %v", err)
		}
		c.Close()
		s.Close()
		p.n.Idle()
		if i%1000 == 999 {
			clk.Advance(61e9) // TIME-WAIT entries go
		}
	}
}
