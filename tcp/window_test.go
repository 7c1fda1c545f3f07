package tcp_test

import (
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/link/mem"

	"golang.org/x/sys/unix"
)

// TestQuickAcks: the first segments of a connection are each ACKed at
// once (16 of them here, TCP_MAX_QUICKACKS, as the kernel does with 100
// byte segments, checked by hand); after that ACKs are delayed, 40 ms
// (TCP_ATO_MIN) at first.
func TestQuickAcks(t *testing.T) {
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	buf := make([]byte, 2000)
	acked := 0
	for i := 0; i < 20; i++ {
		got := p.send(p.mk(fACK|fPSH, make([]byte, 100)))
		if _, err := c.recv(buf, 0); err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 && i == acked {
			acked++
		}
	}
	if acked != 16 {
		t.Errorf("%d quick ACKs, want 16", acked)
	}
	// A segment left unread is ACKed 40 ms later.
	p.take()
	none(t, p.send(p.mk(fACK|fPSH, make([]byte, 100))), "after the quick ACKs")
	t0 := w.now()
	w.sleep(time.Second)
	segs := p.take()
	if len(segs) != 1 || segs[0].ack != p.nxt || segs[0].at-t0 != 40*time.Millisecond {
		t.Errorf("delayed ACK: %s", segList(segs))
	}
}

// TestWindowNeverShrinks fills a small receive buffer: the advertised
// right edge (ack + window) never moves left (RFC 9293 3.8.6.2.2) but to
// advertise a zero window when data had to be dropped for want of memory
// (as Linux, and the kernel transcript TestDataPath cases did before they
// proved too dependent on its skb allocator to compare); reading reopens
// the window with an update.
func TestWindowNeverShrinks(t *testing.T) {
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	mustNil(t, c.setInt(unix.SOL_SOCKET, unix.SO_RCVBUF, 4096))
	var edge uint32
	closed := false
	c0 := w.counters()
	for i := 0; i < 12; i++ {
		for _, s := range p.send(p.mk(fACK, make([]byte, 1000))) {
			right := s.ack + uint32(s.win)<<10
			if edge != 0 && int32(right-edge) < 0 && s.win != 0 {
				t.Fatalf("right edge moved left: %d after %d (%v)", right, edge, p.norm(s))
			}
			edge = right
			closed = closed || s.win == 0
		}
	}
	if !closed {
		t.Fatal("the window never closed")
	}
	d := delta(c0, w.counters())
	if d["TcpExt:TCPRcvQDrop"] == 0 {
		t.Errorf("counters %s", fmtDelta(d))
	}
	n, err := c.recv(make([]byte, 100000), 0)
	if err != nil || n == 0 {
		t.Fatalf("recv %d %v", n, err)
	}
	upd := p.take()
	if len(upd) != 1 || upd[0].win == 0 {
		t.Fatalf("no window update after reading: %s", segList(upd))
	}
	if d := delta(c0, w.counters()); d["TcpExt:TCPFromZeroWindowAdv"] != 1 {
		t.Errorf("counters %s", fmtDelta(d))
	}
}

// TestAutotuning: with the reader keeping up over a 10 ms path, the
// receive buffer grows from tcp_rmem[1] (and the window with it) but never
// past tcp_rmem[2]; SO_RCVBUF fixes it.
func TestAutotuning(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		d := newDriven(t, mem.Random{Seed: 9, Delay: 10 * time.Millisecond})
		mustNil(t, d.p.b.SetSysctl("net.ipv4.tcp_rmem", "4096 131072 1048576"))
		cli, srv := d.connect(8000)
		if fixed {
			mustNil(t, srv.SetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF, 100000))
		}
		before, _ := srv.GetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF)
		d.transfer(cli, srv, 8<<20)
		after, _ := srv.GetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF)
		t.Logf("SO_RCVBUF fixed %v: %d before, %d after", fixed, before, after)
		switch {
		case fixed && after != 200000:
			t.Errorf("a fixed buffer moved to %d", after)
		case !fixed && (after <= before || after > 1048576):
			t.Errorf("the buffer went from %d to %d", before, after)
		}
	}
}
