package neigh

import (
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/wire"
)

// truesize matches what Linux 6.18 charged locally generated UDP datagrams
// in a namespace: 832 bytes up to 225 IP bytes, 1280 from 226, 2304 from
// 674 to 1697.
func TestTruesize(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{20, 832}, {32, 832}, {225, 832}, {226, 1280}, {673, 1280}, {674, 2304},
		{1028, 2304}, {1500, 2304}, {1697, 2304}, {1698, 4352}, {9000, 16640},
	} {
		if got := truesize(c.n); got != c.want {
			t.Errorf("truesize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// The resolution queue holds unres_qlen_bytes of truesize and drops the
// oldest first, counted as unresolved_discards: with 212992 bytes, Linux
// 6.18 kept 256 of 300 small datagrams (numbers 44..299), 166 of 226-byte
// ones and 92 of 1028..1500-byte ones.
func TestQueueBound(t *testing.T) {
	for _, c := range []struct{ size, kept int }{{32, 256}, {225, 256}, {226, 166}, {1028, 92}, {1500, 92}} {
		e := newEnv(t)
		const sent = 300
		for i := range sent {
			e.tbl.Output(ipPacket(ourIP, farIP, c.size, uint32(i)), farIP, Unicast)
		}
		e.frames()
		if s := e.tbl.Stats(); s.UnresolvedDiscards != uint64(sent-c.kept) {
			t.Fatalf("size %d: unresolved_discards %d, want %d", c.size, s.UnresolvedDiscards, sent-c.kept)
		}
		e.reply(farIP, peerMAC)
		fs := e.frames()
		if len(fs) != c.kept {
			t.Fatalf("size %d: %d packets flushed, want %d", c.size, len(fs), c.kept)
		}
		for i, f := range fs {
			if want := uint32(sent - c.kept + i); f.seq != want || f.len != c.size+14 {
				t.Fatalf("size %d: flushed #%d is seq %d len %d, want seq %d", c.size, i, f.seq, f.len, want)
			}
		}
	}
}

// A packet larger than the whole limit is still queued, alone.
func TestQueueOversize(t *testing.T) {
	e := newEnv(t)
	e.set("unres_qlen_bytes", "1000")
	e.tbl.Output(ipPacket(ourIP, farIP, 100, 0), farIP, Unicast)
	e.tbl.Output(ipPacket(ourIP, farIP, 1500, 1), farIP, Unicast)
	e.tbl.Output(ipPacket(ourIP, farIP, 1500, 2), farIP, Unicast)
	if s := e.tbl.Stats(); s.UnresolvedDiscards != 2 {
		t.Fatalf("unresolved_discards %d, want 2", s.UnresolvedDiscards)
	}
	e.frames()
	e.clk.Advance(3 * time.Second)
	u := e.unreachable()
	if len(u) != 1 || decodeIP(u[0].Bytes()).seq != 2 {
		t.Fatalf("unreachable %d packets", len(u))
	}
	u[0].Release()
}

// On failure every queued packet goes to Unreachable, in order.
func TestQueueFailureReportsAll(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.send(farIP, uint32(i))
		e.clk.Advance(400 * time.Millisecond)
	}
	e.clk.Advance(3 * time.Second)
	u := e.unreachable()
	if len(u) != 5 {
		t.Fatalf("%d reported, want 5", len(u))
	}
	for i, p := range u {
		if f := decodeIP(p.Bytes()); f.seq != uint32(i) || f.ipDst != farIP {
			t.Fatalf("reported #%d: %+v", i, f)
		}
		p.Release()
	}
	if s := e.tbl.Stats(); s.ResFailed != 1 || s.UnresolvedDiscards != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// A request from the neighbour being resolved makes it STALE, sends the
// queue, and the first flushed packet starts DELAY (neigh_update's flush
// goes through neigh_resolve_output).
func TestQueueFlushedByRequest(t *testing.T) {
	e := newEnv(t)
	e.send(peerIP, 0)
	e.send(peerIP, 1)
	e.frames()
	e.request(peerIP, peerMAC, ourIP)
	fs := e.frames()
	if len(fs) != 3 || fs[0].seq != 0 || fs[1].seq != 1 || fs[0].dst != peerMAC || fs[2].op != wire.ARPReply {
		t.Fatalf("frames %+v", fs)
	}
	e.wantState(peerIP, Delay)
}

// A packet sent while the resolution queue drains goes out behind it, never
// between or before queued packets: a datagram written just after the
// reply arrives must not overtake the one that waited for it.
func TestQueueDrainKeepsOrder(t *testing.T) {
	e := newEnv(t)
	e.send(farIP, 0)
	e.send(farIP, 1)
	e.frames()
	sent := false
	e.link.mu.Lock()
	e.link.onWrite = func(b []byte) {
		if f := decode(t, b); !sent && f.etype == wire.EtherTypeIPv4 && f.seq == 0 {
			sent = true
			e.send(farIP, 100) // as another sender would, mid-drain
		}
	}
	e.link.mu.Unlock()
	e.reply(farIP, peerMAC)
	fs := e.frames()
	var seqs []uint32
	for _, f := range fs {
		if f.etype == wire.EtherTypeIPv4 {
			seqs = append(seqs, f.seq)
		}
	}
	if len(seqs) != 3 || seqs[0] != 0 || seqs[1] != 1 || seqs[2] != 100 {
		t.Fatalf("sent %v, want [0 1 100]", seqs)
	}
	// Drained: the next packet takes the fast path again.
	if en := e.entry(farIP); en.State != Reachable {
		t.Fatalf("state %v", en.State)
	}
	e.send(farIP, 101)
	if fs := e.frames(); len(fs) != 1 || fs[0].seq != 101 {
		t.Fatalf("frames %+v", fs)
	}
}
