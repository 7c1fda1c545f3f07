package neigh

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

var (
	newMAC = wire.MAC{0x02, 0, 0, 0, 0, 0xbb}
	bcast  = wire.BroadcastMAC
)

// A request for one of our addresses is answered unicast to the sender
// hardware address, and creates the requester's entry as STALE, confirmed
// 2*base_reachable_time ago (Linux 6.18: "used 0/60/0 STALE").
func TestRequestForUs(t *testing.T) {
	e := newEnv(t)
	// The Ethernet source differs from the ARP sender: the reply goes to
	// the ARP sender.
	e.tbl.HandleARP(arpFrame(bcast, otherMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP))
	fs := e.frames()
	if len(fs) != 1 {
		t.Fatalf("frames %+v", fs)
	}
	f := fs[0]
	if f.len != 60 || f.dst != peerMAC || f.src != ourMAC || f.op != wire.ARPReply ||
		f.sha != ourMAC || f.spa != ourIP || f.tha != peerMAC || f.tpa != peerIP {
		t.Fatalf("reply %+v", f)
	}
	en := e.entry(peerIP)
	if en.State != Stale || en.MAC != peerMAC || !en.Confirmed.Equal(e.clk.Now().Add(-60*time.Second)) {
		t.Fatalf("entry %+v", en)
	}
	// Any local address of the host is answered (arp_ignore=0).
	other := netip.MustParseAddr("198.19.5.5")
	e.link.local[other] = true
	e.request(farIP, otherMAC, other)
	if fs := e.frames(); len(fs) != 1 || fs[0].spa != other || fs[0].tpa != farIP {
		t.Fatalf("frames %+v", fs)
	}
	s := e.tbl.Stats()
	// Two neigh_event_ns lookups, plus the Lookup above.
	if s.Allocs != 2 || s.Lookups != 3 || s.Hits != 1 || s.Entries != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// Requests that get no answer, as on Linux 6.18: from a multicast,
// loopback, limited-broadcast or own sender address, and for loopback,
// multicast or other hosts' addresses. 0.0.0.0/8 senders other than
// 0.0.0.0 are answered.
func TestRequestsIgnored(t *testing.T) {
	e := newEnv(t)
	for _, sip := range []string{"224.0.0.5", "127.0.0.2", "198.18.0.1", "255.255.255.255"} {
		a := netip.MustParseAddr(sip)
		e.request(a, otherMAC, ourIP)
		if fs := e.frames(); len(fs) != 0 {
			t.Errorf("request from %s answered: %+v", sip, fs)
		}
		if _, ok := e.tbl.Lookup(a); ok {
			t.Errorf("request from %s made an entry", sip)
		}
	}
	e.link.local[netip.MustParseAddr("127.0.0.9")] = true
	for _, tip := range []string{"127.0.0.9", "127.0.0.1", "198.18.0.255", "198.18.0.77", "224.0.0.1"} {
		e.request(netip.MustParseAddr("198.18.0.50"), otherMAC, netip.MustParseAddr(tip))
		if fs := e.frames(); len(fs) != 0 {
			t.Errorf("request for %s answered: %+v", tip, fs)
		}
	}
	if n := len(e.tbl.Entries()); n != 0 {
		t.Fatalf("%d entries", n)
	}
	zn := netip.MustParseAddr("0.1.2.3")
	e.request(zn, otherMAC, ourIP)
	if fs := e.frames(); len(fs) != 1 || fs[0].tpa != zn {
		t.Fatalf("request from 0.1.2.3: %+v", fs)
	}
	e.wantState(zn, Stale)
}

// arp_accept=0: unsolicited replies and gratuitous ARP create no entry
// (Linux 6.18 showed none for any of these).
func TestUnsolicitedCreatesNothing(t *testing.T) {
	e := newEnv(t)
	a3, a4, a7 := netip.MustParseAddr("198.18.0.3"), netip.MustParseAddr("198.18.0.4"), netip.MustParseAddr("198.18.0.7")
	e.reply(a3, otherMAC)
	e.tbl.HandleARP(arpFrame(bcast, otherMAC, wire.ARPRequest, otherMAC, a4, zeroMAC, a4))
	e.tbl.HandleARP(arpFrame(bcast, otherMAC, wire.ARPReply, otherMAC, a7, otherMAC, a7))
	if n := len(e.tbl.Entries()); n != 0 || len(e.frames()) != 0 {
		t.Fatalf("%d entries", n)
	}
	if s := e.tbl.Stats(); s.Lookups != 3 || s.Hits != 0 || s.Allocs != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// Updates of an existing REACHABLE entry (MAC peerMAC, just updated), each
// case as Linux 6.18 resolved it in a namespace: the locktime rule (1 s)
// keeps the first answer, gratuitous ARP and requests for us override it,
// broadcast replies and requests only make STALE, an unchanged MAC keeps
// the state.
func TestUpdateRules(t *testing.T) {
	for _, c := range []struct {
		name      string
		wait      time.Duration
		frame     *pkt.Buffer
		state     State
		mac       wire.MAC
		wantReply bool
	}{
		{"reply new mac within locktime", 0,
			arpFrame(ourMAC, newMAC, wire.ARPReply, newMAC, peerIP, ourMAC, ourIP), Reachable, peerMAC, false},
		{"reply new mac after locktime", 1100 * time.Millisecond,
			arpFrame(ourMAC, newMAC, wire.ARPReply, newMAC, peerIP, ourMAC, ourIP), Reachable, newMAC, false},
		{"request not for us new mac within locktime", 0,
			arpFrame(bcast, newMAC, wire.ARPRequest, newMAC, peerIP, zeroMAC, farIP), Reachable, peerMAC, false},
		{"request for us new mac within locktime", 0,
			arpFrame(bcast, newMAC, wire.ARPRequest, newMAC, peerIP, zeroMAC, ourIP), Stale, newMAC, true},
		{"request not for us new mac after locktime", 1100 * time.Millisecond,
			arpFrame(bcast, newMAC, wire.ARPRequest, newMAC, peerIP, zeroMAC, farIP), Stale, newMAC, false},
		{"broadcast reply same mac", 0,
			arpFrame(bcast, peerMAC, wire.ARPReply, peerMAC, peerIP, ourMAC, ourIP), Reachable, peerMAC, false},
		{"broadcast reply new mac after locktime", 1100 * time.Millisecond,
			arpFrame(bcast, newMAC, wire.ARPReply, newMAC, peerIP, ourMAC, ourIP), Stale, newMAC, false},
		{"gratuitous request new mac within locktime", 0,
			arpFrame(bcast, newMAC, wire.ARPRequest, newMAC, peerIP, zeroMAC, peerIP), Stale, newMAC, false},
		{"gratuitous reply tha!=sha within locktime", 0,
			arpFrame(bcast, newMAC, wire.ARPReply, newMAC, peerIP, ourMAC, peerIP), Reachable, peerMAC, false},
		{"gratuitous reply tha==sha within locktime", 0,
			arpFrame(bcast, newMAC, wire.ARPReply, newMAC, peerIP, newMAC, peerIP), Stale, newMAC, false},
		{"unicast request same mac", 0,
			arpFrame(ourMAC, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP), Reachable, peerMAC, true},
		{"reply to another host's MAC", 1100 * time.Millisecond,
			arpFrame(otherMAC, newMAC, wire.ARPReply, newMAC, peerIP, otherMAC, ourIP), Reachable, peerMAC, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.request(peerIP, peerMAC, ourIP)
			e.reply(peerIP, peerMAC)
			e.wantState(peerIP, Reachable)
			e.frames()
			e.clk.Advance(c.wait)
			e.tbl.HandleARP(c.frame)
			en := e.entry(peerIP)
			if en.State != c.state || en.MAC != c.mac {
				t.Fatalf("got %v %v, want %v %v", en.State, en.MAC, c.state, c.mac)
			}
			if fs := e.frames(); (len(fs) == 1) != c.wantReply {
				t.Fatalf("frames %+v", fs)
			}
		})
	}
}

// A unicast reply makes a STALE entry REACHABLE, even unsolicited.
func TestReplyForStale(t *testing.T) {
	e := newEnv(t)
	e.request(peerIP, peerMAC, ourIP)
	e.clk.Advance(time.Second)
	e.reply(peerIP, peerMAC)
	en := e.entry(peerIP)
	if en.State != Reachable || !en.Confirmed.Equal(e.clk.Now()) {
		t.Fatalf("entry %+v", en)
	}
}

// Duplicate address detection probes (sender 0.0.0.0) for our address get
// a reply to the prober with target protocol address 0.0.0.0, as Linux
// 6.18 answers; nothing is learnt.
func TestDADProbe(t *testing.T) {
	e := newEnv(t)
	zero := netip.IPv4Unspecified()
	e.tbl.HandleARP(arpFrame(bcast, otherMAC, wire.ARPRequest, otherMAC, zero, zeroMAC, ourIP))
	fs := e.frames()
	if len(fs) != 1 {
		t.Fatalf("frames %+v", fs)
	}
	f := fs[0]
	if f.dst != otherMAC || f.src != ourMAC || f.op != wire.ARPReply || f.sha != ourMAC ||
		f.spa != ourIP || f.tha != otherMAC || f.tpa != zero || f.len != 60 {
		t.Fatalf("DAD reply %+v", f)
	}
	if n := len(e.tbl.Entries()); n != 0 {
		t.Fatalf("%d entries", n)
	}
	// Probes for other addresses, and replies from 0.0.0.0, are ignored.
	e.tbl.HandleARP(arpFrame(bcast, otherMAC, wire.ARPRequest, otherMAC, zero, zeroMAC, farIP))
	e.tbl.HandleARP(arpFrame(ourMAC, otherMAC, wire.ARPReply, otherMAC, zero, ourMAC, ourIP))
	if fs := e.frames(); len(fs) != 0 {
		t.Fatalf("frames %+v", fs)
	}
}

// Announce sends Linux's gratuitous ARP (inetdev_send_gratuitous_arp, as
// captured on 6.18 with arp_notify=1): a broadcast request, sender and
// target protocol address the announced one, target MAC zero.
func TestAnnounce(t *testing.T) {
	e := newEnv(t)
	e.tbl.Announce(ourIP)
	wantRequest(t, e.frames(), bcast, ourIP, ourIP)
	e.tbl.Announce(netip.MustParseAddr("2001:db8::1"))
	if fs := e.frames(); len(fs) != 0 {
		t.Fatalf("frames %+v", fs)
	}
}

// Malformed and unsupported frames are dropped and counted; IEEE 802
// hardware type is accepted as Linux accepts it on Ethernet.
func TestMalformed(t *testing.T) {
	e := newEnv(t)
	good := func() []byte {
		p := arpFrame(bcast, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP)
		b := append([]byte(nil), p.Bytes()...)
		p.Release()
		return b
	}
	for _, mut := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:41] },
		func(b []byte) []byte { return b[:10] },
		func(b []byte) []byte { b[12] = 0x08; b[13] = 0x00; return b },
		func(b []byte) []byte { b[15] = 2; return b },    // hardware type
		func(b []byte) []byte { b[16] = 0x86; return b }, // protocol type
		func(b []byte) []byte { b[18] = 8; return b },    // hardware length
		func(b []byte) []byte { b[19] = 16; return b },   // protocol length
		func(b []byte) []byte { b[21] = 3; return b },    // RARP request
	} {
		e.tbl.HandleARP(pkt.From(mut(good())))
	}
	if s := e.tbl.Stats(); s.Malformed != 8 {
		t.Fatalf("malformed %d, want 8", s.Malformed)
	}
	if fs := e.frames(); len(fs) != 0 || len(e.tbl.Entries()) != 0 {
		t.Fatalf("frames %+v", fs)
	}
	b := good()
	b[15] = 6
	e.tbl.HandleARP(pkt.From(b))
	if fs := e.frames(); len(fs) != 1 {
		t.Fatalf("IEEE 802 hardware type not answered")
	}
}

// Every truncation of a valid frame is handled without panicking.
func TestTruncations(t *testing.T) {
	e := newEnv(t)
	p := arpFrame(bcast, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP)
	b := append([]byte(nil), p.Bytes()...)
	p.Release()
	for n := range len(b) {
		e.tbl.HandleARP(pkt.From(b[:n]))
	}
	if s := e.tbl.Stats(); s.Malformed != uint64(len(b)) {
		t.Fatalf("malformed %d, want %d", s.Malformed, len(b))
	}
}

func FuzzHandleARP(f *testing.F) {
	p := arpFrame(bcast, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP)
	f.Add(append([]byte(nil), p.Bytes()...))
	p.Release()
	p = arpFrame(ourMAC, peerMAC, wire.ARPReply, peerMAC, peerIP, ourMAC, ourIP)
	f.Add(append([]byte(nil), p.Bytes()...))
	p.Release()
	f.Fuzz(func(t *testing.T, b []byte) {
		e := newEnv(t)
		e.send(peerIP, 0)
		e.tbl.HandleARP(pkt.From(b))
		e.clk.Advance(time.Minute)
		for _, en := range e.tbl.Entries() {
			if en.State != Failed && en.State != Stale && en.State != Reachable && en.State != Incomplete {
				t.Fatalf("entry %+v", en)
			}
		}
	})
}

// drop_gratuitous_arp (interface or all) drops ARP whose sender and target
// protocol addresses are equal.
func TestDropGratuitous(t *testing.T) {
	for _, dev := range []string{"eth0", "all"} {
		e := newEnv(t)
		e.request(peerIP, peerMAC, ourIP)
		if err := e.st.Set("net.ipv4.conf."+dev+".drop_gratuitous_arp", "1"); err != nil {
			t.Fatal(err)
		}
		e.tbl.HandleARP(arpFrame(bcast, newMAC, wire.ARPRequest, newMAC, peerIP, zeroMAC, peerIP))
		if en := e.entry(peerIP); en.MAC != peerMAC {
			t.Fatalf("%s: gratuitous ARP accepted: %+v", dev, en)
		}
	}
}
