package neigh

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func hostIP(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, 1 + byte(i>>8), byte(i)}) }

// The periodic work runs first reachable_time after New, then every
// base_reachable_time/2, and collects nothing below gc_thresh1.
func TestPeriodicSchedule(t *testing.T) {
	const seed = 9
	e := newEnvSeed(t, seed)
	rt := reachableFor(seed)
	for i := range 5 {
		e.request(hostIP(i), peerMAC, ourIP)
	}
	e.clk.Advance(rt - time.Millisecond)
	if n := e.tbl.Stats().PeriodicGCRuns; n != 0 {
		t.Fatalf("periodic runs %d", n)
	}
	e.clk.Advance(time.Millisecond)
	e.clk.Advance(10 * 15 * time.Second)
	s := e.tbl.Stats()
	if s.PeriodicGCRuns != 11 || s.Entries != 5 {
		t.Fatalf("stats %+v", s)
	}
}

// Above gc_thresh1, the periodic work removes FAILED entries and entries
// unused for gc_stale_time, but not those with a timer or PERMANENT ones.
func TestPeriodicGC(t *testing.T) {
	e := newEnv(t)
	e.tbl.p.gcThresh1 = param{def: 3}
	stale := hostIP(1)
	e.request(stale, peerMAC, ourIP) // STALE, used now
	used := hostIP(2)
	e.request(used, peerMAC, ourIP)
	failed := hostIP(3)
	e.send(failed, 0)
	perm := hostIP(4)
	if err := e.tbl.Set(perm, peerMAC, true); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second) // failed is FAILED now
	for range e.unreachable() {
	}
	e.clk.Advance(40 * time.Second)
	// Keep "used" in use: DELAY, then back to REACHABLE by a reply, and
	// its timers run.
	e.send(used, 0)
	e.reply(used, peerMAC)
	e.frames()
	e.clk.Advance(35 * time.Second) // past a periodic run after 60 s
	got := map[netip.Addr]bool{}
	for _, en := range e.tbl.Entries() {
		got[en.Addr] = true
	}
	if got[stale] || got[failed] || !got[used] || !got[perm] {
		t.Fatalf("entries after gc: %v", e.tbl.Entries())
	}
	if s := e.tbl.Stats(); s.Destroys != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// Creating an entry at gc_thresh3 runs forced gc, which removes entries
// without a timer that are FAILED or NOARP, or were not updated for 5 s,
// oldest first, down to gc_thresh2; when nothing can go the table is full.
func TestForcedGC(t *testing.T) {
	e := newEnv(t)
	e.tbl.p.gcThresh2 = param{def: 4}
	e.tbl.p.gcThresh3 = param{def: 6}
	for i := range 6 {
		e.request(hostIP(i), peerMAC, ourIP) // STALE, updated now
	}
	// Fresh STALE entries cannot go: the table is full, no reply.
	e.frames()
	e.request(hostIP(6), peerMAC, ourIP)
	if fs := e.frames(); len(fs) != 0 {
		t.Fatalf("answered with a full table: %+v", fs)
	}
	s := e.tbl.Stats()
	if s.ForcedGCRuns != 1 || s.TableFulls != 1 || s.Entries != 6 {
		t.Fatalf("stats %+v", s)
	}
	// Output to a new address with a full table drops the packet:
	// ENOBUFS, as neigh_create's error reaches the sender.
	if err := e.tbl.Output(ipPacket(ourIP, hostIP(7), 40, 0), hostIP(7), Unicast); !errors.Is(err, unix.ENOBUFS) {
		t.Fatalf("Output with a full table: %v", err)
	}
	if err := e.tbl.Output(ipPacket(ourIP, hostIP(7), 40, 0), netip.MustParseAddr("224.9.9.9"), Multicast); !errors.Is(err, unix.ENOBUFS) {
		t.Fatalf("Output multicast with a full table: %v", err)
	}
	if fs, u := e.frames(), e.unreachable(); len(fs) != 0 || len(u) != 0 {
		t.Fatalf("frames %v unreachable %v", fs, u)
	}
	// Once they are 5 s old, the oldest go, down to gc_thresh2 with the
	// new one.
	e.clk.Advance(5*time.Second + time.Millisecond)
	e.request(hostIP(6), peerMAC, ourIP)
	if fs := e.frames(); len(fs) != 1 {
		t.Fatalf("not answered after forced gc")
	}
	var got []netip.Addr
	for _, en := range e.tbl.Entries() {
		got = append(got, en.Addr)
	}
	want := []netip.Addr{hostIP(3), hostIP(4), hostIP(5), hostIP(6)}
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entries %v, want %v", got, want)
		}
	}
	// Permanent entries are exempt and not counted.
	for i := range 10 {
		if err := e.tbl.Set(hostIP(100+i), peerMAC, true); err != nil {
			t.Fatal(err)
		}
	}
	e.request(hostIP(7), peerMAC, ourIP)
	if s := e.tbl.Stats(); s.Entries != 15 {
		t.Fatalf("stats %+v", s)
	}
}

// At gc_thresh2, creation forces gc only when the last complete one is
// more than 5 s old.
func TestForcedGCThresh2Interval(t *testing.T) {
	e := newEnv(t)
	e.tbl.p.gcThresh2 = param{def: 2}
	e.tbl.p.gcThresh3 = param{def: 100}
	e.clk.Advance(6 * time.Second) // the table was set up 6 s ago
	mcast := func(i int) {
		a := netip.AddrFrom4([4]byte{224, 1, 1, byte(i)})
		e.tbl.Output(ipPacket(ourIP, a, 40, 0), a, Multicast)
	}
	for i := range 4 {
		mcast(i) // the third runs forced gc, which removes the first
	}
	if s := e.tbl.Stats(); s.ForcedGCRuns != 1 || s.Entries != 3 {
		t.Fatalf("stats %+v", s)
	}
	e.clk.Advance(5 * time.Second)
	mcast(4)
	if s := e.tbl.Stats(); s.ForcedGCRuns != 1 || s.Entries != 4 {
		t.Fatalf("stats %+v", s)
	}
	e.clk.Advance(time.Millisecond)
	mcast(5)
	if s := e.tbl.Stats(); s.ForcedGCRuns != 2 || s.Entries != 2 {
		t.Fatalf("stats %+v", s)
	}
}
