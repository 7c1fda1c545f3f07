package neigh

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/wire"
)

// Broadcast and multicast next hops go out at once to the mapped MAC,
// through NOARP entries (as arp_constructor makes them).
func TestBroadcastMulticast(t *testing.T) {
	e := newEnv(t)
	sb := netip.MustParseAddr("198.18.0.255")
	mc := netip.MustParseAddr("224.0.0.251")
	lb := netip.MustParseAddr("255.255.255.255")
	e.tbl.Output(ipPacket(ourIP, sb, 40, 1), sb, Broadcast)
	e.tbl.Output(ipPacket(ourIP, mc, 40, 2), mc, Multicast)
	e.tbl.Output(ipPacket(ourIP, mc, 40, 3), mc, Unicast)
	e.tbl.Output(ipPacket(ourIP, lb, 40, 4), lb, Unicast)
	want := []wire.MAC{bcast, {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, bcast}
	fs := e.frames()
	if len(fs) != len(want) {
		t.Fatalf("frames %+v", fs)
	}
	for i, f := range fs {
		if f.dst != want[i] || f.seq != uint32(i+1) || f.etype != wire.EtherTypeIPv4 {
			t.Fatalf("frame %d: %+v", i, f)
		}
	}
	for _, a := range []netip.Addr{sb, mc, lb} {
		if en := e.entry(a); en.State != NoARP {
			t.Fatalf("%v: %+v", a, en)
		}
	}
	// NOARP entries ignore ARP.
	e.request(sb, peerMAC, ourIP)
	if en := e.entry(sb); en.State != NoARP || en.MAC != bcast {
		t.Fatalf("%+v", en)
	}
}

// Set installs PERMANENT (or REACHABLE) entries that ARP cannot change,
// sends what was queued, and Delete/Flush remove entries as ip neigh does.
func TestSetDeleteFlush(t *testing.T) {
	e := newEnv(t)
	e.send(farIP, 0)
	e.frames()
	if err := e.tbl.Set(farIP, peerMAC, true); err != nil {
		t.Fatal(err)
	}
	if fs := e.frames(); len(fs) != 1 || fs[0].dst != peerMAC || fs[0].seq != 0 {
		t.Fatalf("queued packet not sent: %+v", fs)
	}
	e.clk.Advance(10 * time.Minute)
	e.tbl.HandleARP(arpFrame(bcast, newMAC, wire.ARPRequest, newMAC, farIP, zeroMAC, farIP))
	e.reply(farIP, newMAC)
	if en := e.entry(farIP); en.State != Permanent || en.MAC != peerMAC {
		t.Fatalf("%+v", en)
	}
	if err := e.tbl.Set(peerIP, otherMAC, false); err != nil {
		t.Fatal(err)
	}
	e.wantState(peerIP, Reachable)
	if err := e.tbl.Set(netip.MustParseAddr("2001:db8::1"), otherMAC, false); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Set IPv6: %v", err)
	}
	// Replace a permanent entry's MAC.
	if err := e.tbl.Set(farIP, newMAC, true); err != nil {
		t.Fatal(err)
	}
	if en := e.entry(farIP); en.MAC != newMAC {
		t.Fatalf("%+v", en)
	}

	// An INCOMPLETE entry deleted reports its queue.
	a := netip.MustParseAddr("198.18.0.44")
	e.send(a, 9)
	if !e.tbl.Delete(a) {
		t.Fatal("Delete found nothing")
	}
	u := e.unreachable()
	if len(u) != 1 || decodeIP(u[0].Bytes()).seq != 9 {
		t.Fatalf("unreachable %d", len(u))
	}
	u[0].Release()
	if e.tbl.Delete(a) {
		t.Fatal("Delete twice")
	}
	// Flush keeps PERMANENT and NOARP entries.
	mc := netip.MustParseAddr("224.0.0.9")
	e.tbl.Output(ipPacket(ourIP, mc, 40, 0), mc, Multicast)
	e.request(netip.MustParseAddr("198.18.0.45"), otherMAC, ourIP)
	e.tbl.Flush()
	var got []string
	for _, en := range e.tbl.Entries() {
		got = append(got, fmt.Sprintf("%v %v", en.Addr, en.State))
	}
	if fmt.Sprint(got) != "[198.18.0.9 PERMANENT 224.0.0.9 NOARP]" {
		t.Fatalf("after flush: %v", got)
	}
	// Permanent entries can be deleted.
	if !e.tbl.Delete(farIP) {
		t.Fatal("Delete permanent")
	}
	if s := e.tbl.Stats(); s.ResFailed != 1 || s.Destroys != s.Allocs-1 {
		t.Fatalf("stats %+v", s)
	}
}

// Entries reports times as ip -s neigh: used, confirmed, updated.
func TestEntryTimes(t *testing.T) {
	e := newEnv(t)
	t0 := e.clk.Now()
	e.request(peerIP, peerMAC, ourIP)
	e.clk.Advance(2 * time.Second)
	e.send(peerIP, 0) // DELAY: used and updated now
	e.clk.Advance(time.Second)
	e.send(peerIP, 1) // fast path in DELAY: used now
	en := e.entry(peerIP)
	if !en.Used.Equal(t0.Add(3*time.Second)) || !en.Updated.Equal(t0.Add(2*time.Second)) ||
		!en.Confirmed.Equal(t0.Add(-60*time.Second)) {
		t.Fatalf("%+v", en)
	}
}

// After Close, everything is released and nothing runs.
func TestClose(t *testing.T) {
	e := newEnv(t)
	e.send(farIP, 0)
	e.frames()
	e.tbl.Close()
	if e.clk.Pending() != 0 {
		t.Fatalf("%d timers pending after Close", e.clk.Pending())
	}
	e.clk.Advance(time.Hour)
	e.send(farIP, 1)
	e.request(peerIP, peerMAC, ourIP)
	e.tbl.Announce(ourIP)
	e.tbl.Flush()
	_ = e.tbl.Set(peerIP, peerMAC, true)
	if fs, u := e.frames(), e.unreachable(); len(fs) != 0 || len(u) != 0 || len(e.tbl.Entries()) != 0 {
		t.Fatalf("activity after Close: %v %v", fs, u)
	}
	e.tbl.Close()
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{None: "NONE", Incomplete: "INCOMPLETE", Reachable: "REACHABLE",
		Stale: "STALE", Delay: "DELAY", Probe: "PROBE", Failed: "FAILED", NoARP: "NOARP", Permanent: "PERMANENT", 3: "UNKNOWN"} {
		if s.String() != want {
			t.Errorf("%d: %q", s, s.String())
		}
	}
}

// Down empties the table, permanent entries too, and drops the queue
// silently; the table works afterwards.
func TestDown(t *testing.T) {
	e := newEnv(t)
	if err := e.tbl.Set(peerIP, peerMAC, true); err != nil {
		t.Fatal(err)
	}
	e.send(farIP, 0)
	e.frames()
	e.tbl.Down()
	if n := len(e.tbl.Entries()); n != 0 {
		t.Fatalf("%d entries after Down", n)
	}
	e.clk.Advance(5 * time.Second)
	if fs, u := e.frames(), e.unreachable(); len(fs) != 0 || len(u) != 0 {
		t.Fatalf("activity after Down: %v %v", fs, u)
	}
	e.send(farIP, 1)
	wantRequest(t, e.frames(), wire.BroadcastMAC, ourIP, farIP)
}
