package ipv4

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/rnd"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/sysctl"
	"github.com/seed96fbdc48/inet/wire"
)

// A layer on its own: lo (127.0.0.1/8), eth0 (198.18.0.1/24) and eth1
// (198.18.1.1/24), a manual clock set to 12:34:56.789 UT, packets sent on
// eth0 and eth1 captured, UDP packets delivered to this host kept.

var (
	hostA   = netip.MustParseAddr("198.18.0.1")
	peerB   = netip.MustParseAddr("198.18.0.2")
	beyond  = netip.MustParseAddr("198.18.1.2")
	elsewhr = netip.MustParseAddr("198.18.0.9")
)

type testLayer struct {
	t       testing.TB
	clk     *clock.Manual
	l       *Layer
	out     []sent        // what eth0 and eth1 transmitted
	sent    int           // how many packets they did
	discard bool          // count them, keep none
	udp     []*pkt.Buffer // UDP delivered to this host
	sys     *sysctl.Table
	ms      uint32 // the clock as an IP timestamp
	lo      *loopbackDev
}

type sent struct {
	ifindex int
	ip      wire.IPv4
}

type captureDev struct {
	tl    *testLayer
	index int
}

func (d captureDev) Transmit(p *pkt.Buffer, _ netip.Addr, _ route.Type) {
	d.tl.sent++
	if !d.tl.discard {
		d.tl.out = append(d.tl.out, sent{d.index, append(wire.IPv4(nil), p.Bytes()...)})
	}
	p.Release()
}

type loopbackDev struct{ l *Layer }

func (d *loopbackDev) Transmit(p *pkt.Buffer, _ netip.Addr, _ route.Type) {
	p.PktType = pkt.PacketHost
	d.l.Input(p)
}

type udpSink struct{ tl *testLayer }

func (u udpSink) Receive(p *pkt.Buffer) { u.tl.udp = append(u.tl.udp, p) }
func (u udpSink) Error(*ICMPError)      {}

func newTestLayer(t testing.TB) *testLayer {
	t.Helper()
	tl := &testLayer{t: t, clk: clock.NewManual(), sys: sysctl.New()}
	tl.clk.Advance(12*time.Hour + 34*time.Minute + 56*time.Second + 789*time.Millisecond)
	tl.ms = wire.ICMPTimeMillis(tl.clk.Now())
	fib := route.New()
	tl.l = New(Config{Clock: tl.clk, FIB: fib, Stats: snmp.New(), Settings: tl.sys, Rand: rnd.New(1)})
	tl.lo = &loopbackDev{tl.l}
	for _, i := range []struct {
		index int
		name  string
		addr  string
	}{{1, "lo", "127.0.0.1/8"}, {2, "eth0", "198.18.0.1/24"}, {3, "eth1", "198.18.1.1/24"}} {
		flags := route.FlagMulticast | route.FlagBroadcast
		if i.index == 1 {
			flags = route.FlagLoopback
			tl.sys.AddLoopback(i.name)
		} else {
			tl.sys.AddInterface(i.name)
		}
		must(t, fib.AddIface(route.Iface{Index: i.index, Name: i.name, MTU: 1500, Flags: flags}))
		must(t, fib.SetUp(i.index, true))
		must(t, fib.AddAddr(i.index, route.Addr{Prefix: netip.MustParsePrefix(i.addr)}))
		var d Device = captureDev{tl, i.index}
		if i.index == 1 {
			d = tl.lo
		}
		tl.l.AddDevice(i.index, i.name, d)
	}
	tl.l.Register(wire.ProtoUDP, udpSink{tl})
	t.Cleanup(func() {
		for _, p := range tl.udp {
			p.Release()
		}
	})
	return tl
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// packet builds an IPv4 packet with the options area and payload.
func packet(src, dst netip.Addr, proto uint8, opts, payload []byte) []byte {
	h := wire.IPv4Header{TTL: 64, Protocol: proto, Src: src, Dst: dst, Options: opts, ID: 7}
	h.TotalLen = h.Len() + len(payload)
	b := make([]byte, h.TotalLen)
	h.Emit(b)
	copy(b[h.Len():], payload)
	return b
}

func udpTo(port uint16) []byte {
	u := make([]byte, 12)
	binary.BigEndian.PutUint16(u[0:], 6000)
	binary.BigEndian.PutUint16(u[2:], port)
	binary.BigEndian.PutUint16(u[4:], 12)
	copy(u[8:], "data")
	return u
}

func echoRequest() []byte {
	m := make([]byte, 16)
	h := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(9, 1)}
	h.Emit(m)
	wire.ICMP(m).ComputeChecksum()
	return m
}

// receive hands b to the layer as arriving on eth0 for this host.
func (tl *testLayer) receive(b []byte) {
	p := pkt.From(b)
	p.IfIndex, p.PktType = 2, pkt.PacketHost
	tl.l.Input(p)
}

// last returns the one packet sent since the last call.
func (tl *testLayer) last() sent {
	tl.t.Helper()
	if len(tl.out) != 1 {
		tl.t.Fatalf("%d packets sent, want 1", len(tl.out))
	}
	s := tl.out[0]
	tl.out = tl.out[:0]
	return s
}

// stamp returns the layer's clock as 4 timestamp bytes.
func (tl *testLayer) stamp() []byte { return binary.BigEndian.AppendUint32(nil, tl.ms) }

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestInputRecordRoute: a Record Route with room gets this host's address
// and its pointer moves, the header checksum left stale as Linux leaves it
// (the packet is not sent on); a full one goes through untouched.
func TestInputRecordRoute(t *testing.T) {
	tl := newTestLayer(t)
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptNOP, wire.IPOptRR, 11, 8, 198, 18, 0, 2, 0, 0, 0, 0}, udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptRR, 7, 8, 198, 18, 0, 2, 0}, udpTo(5000)))
	if len(tl.udp) != 2 {
		t.Fatalf("%d delivered", len(tl.udp))
	}
	h := wire.IPv4(tl.udp[0].NetworkHeader())
	if want := []byte{wire.IPOptNOP, wire.IPOptRR, 11, 12, 198, 18, 0, 2, 198, 18, 0, 1}; !bytes.Equal(h.Options(), want) {
		t.Errorf("record route % x, want % x", h.Options(), want)
	}
	if h.ValidChecksum() {
		t.Error("the checksum was recomputed; Linux leaves it stale")
	}
	h = wire.IPv4(tl.udp[1].NetworkHeader())
	if want := []byte{wire.IPOptRR, 7, 8, 198, 18, 0, 2, 0}; !bytes.Equal(h.Options(), want) || !h.ValidChecksum() {
		t.Errorf("full record route % x (checksum valid %v)", h.Options(), h.ValidChecksum())
	}
}

// TestInputTimestamp: time only, with addresses, overflow counted up to
// 15 and then refused with a parameter problem echoing nothing.
func TestInputTimestamp(t *testing.T) {
	tl := newTestLayer(t)
	ms := tl.stamp()
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptTimestamp, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptTimestamp, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0}, udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptTimestamp, 8, 9, 0xe0, 0, 0, 0, 1}, udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptTimestamp, 8, 9, 0xf0, 0, 0, 0, 1}, udpTo(5000)))
	if len(tl.udp) != 3 {
		t.Fatalf("%d delivered, want 3", len(tl.udp))
	}
	for i, want := range [][]byte{
		join([]byte{wire.IPOptTimestamp, 12, 9, 0}, ms, []byte{0, 0, 0, 0}),
		join([]byte{wire.IPOptTimestamp, 12, 13, 1, 198, 18, 0, 1}, ms),
		{wire.IPOptTimestamp, 8, 9, 0xf0, 0, 0, 0, 1},
	} {
		if got := wire.IPv4(tl.udp[i].NetworkHeader()).Options(); !bytes.Equal(got, want) {
			t.Errorf("packet %d: options % x, want % x", i, got, want)
		}
	}
	pp := tl.last().ip
	m := wire.ICMP(pp.Payload())
	if pp.Dst() != peerB || m.Type() != wire.ICMPParameterProb || m.Pointer() != 23 || len(pp.Options()) != 0 {
		t.Errorf("answer to overflow 15: %v type %d pointer %d options % x", pp.Dst(), m.Type(), m.Pointer(), pp.Options())
	}
	if v, _ := tl.l.stats.Get("Ip:InHdrErrors"); v != 1 {
		t.Errorf("InHdrErrors %d", v)
	}
}

// TestInputTimestampPrespecified: an entry for this host (or its
// broadcast, or 0.0.0.0) is stamped, one for another host is not, and the
// echo reply stamps the next entry when that is this host's too.
func TestInputTimestampPrespecified(t *testing.T) {
	tl := newTestLayer(t)
	ms := tl.stamp()
	pre := func(a, b byte) []byte {
		return []byte{wire.IPOptTimestamp, 20, 5, 3, 198, 18, 0, a, 0, 0, 0, 0, 198, 18, 0, b, 0, 0, 0, 0}
	}
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, pre(1, 9), udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, pre(9, 1), udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, pre(255, 1), udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptTimestamp, 12, 5, 3, 0, 0, 0, 0, 0, 0, 0, 0}, udpTo(5000)))
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, []byte{wire.IPOptTimestamp, 12, 5, 3, 0, 2, 2, 0, 0, 0, 0, 0}, udpTo(5000)))
	for i, want := range [][]byte{
		join(pre(1, 9)[:2], []byte{13}, pre(1, 9)[3:8], ms, pre(1, 9)[12:]),
		pre(9, 1),
		join(pre(255, 1)[:2], []byte{13}, pre(255, 1)[3:8], ms, pre(255, 1)[12:]),
		join([]byte{wire.IPOptTimestamp, 12, 13, 3, 0, 0, 0, 0}, ms),
		{wire.IPOptTimestamp, 12, 5, 3, 0, 2, 2, 0, 0, 0, 0, 0}, // 0.2.2.0 is unicast to Linux 5.3+
	} {
		if got := wire.IPv4(tl.udp[i].NetworkHeader()).Options(); !bytes.Equal(got, want) {
			t.Errorf("packet %d: options % x, want % x", i, got, want)
		}
	}
	tl.receive(packet(peerB, hostA, wire.ProtoICMP, pre(1, 1), echoRequest()))
	rep := tl.last().ip
	if want := join([]byte{wire.IPOptTimestamp, 20, 21, 3, 198, 18, 0, 1}, ms, []byte{198, 18, 0, 1}, ms); !bytes.Equal(rep.Options(), want) {
		t.Errorf("echo reply options % x, want % x", rep.Options(), want)
	}
}

// TestEchoReplyOptions: ping -R's Record Route gets this host's address
// twice (input, then the reply's output), a time-only Timestamp two
// stamps, a full Record Route stays as it was, and a Record Route whose
// pointer would leave part of a slot draws no reply (ip_options_echo
// fails), as Linux.
func TestEchoReplyOptions(t *testing.T) {
	tl := newTestLayer(t)
	ms := tl.stamp()
	rr := append([]byte{wire.IPOptNOP, wire.IPOptRR, 39, 8, 198, 18, 0, 2}, make([]byte, 32)...)
	tl.receive(packet(peerB, hostA, wire.ProtoICMP, rr, echoRequest()))
	rep := tl.last()
	want := append([]byte{wire.IPOptRR, 39, 16, 198, 18, 0, 2, 198, 18, 0, 1, 198, 18, 0, 1}, make([]byte, 25)...)
	if rep.ifindex != 2 || rep.ip.Dst() != peerB || rep.ip.Src() != hostA || !bytes.Equal(rep.ip.Options(), want) || !rep.ip.ValidChecksum() {
		t.Errorf("reply on %d to %v from %v, checksum %v, options\n% x, want\n% x", rep.ifindex, rep.ip.Dst(), rep.ip.Src(), rep.ip.ValidChecksum(), rep.ip.Options(), want)
	}
	tl.receive(packet(peerB, hostA, wire.ProtoICMP, []byte{wire.IPOptTimestamp, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, echoRequest()))
	if got, want := tl.last().ip.Options(), join([]byte{wire.IPOptTimestamp, 12, 13, 0}, ms, ms); !bytes.Equal(got, want) {
		t.Errorf("timestamp reply % x, want % x", got, want)
	}
	tl.receive(packet(peerB, hostA, wire.ProtoICMP, []byte{wire.IPOptRR, 7, 8, 198, 18, 0, 2, 0}, echoRequest()))
	if got, want := tl.last().ip.Options(), []byte{wire.IPOptRR, 7, 8, 198, 18, 0, 2, 0}; !bytes.Equal(got, want) {
		t.Errorf("full record route reply % x, want % x", got, want)
	}
	tl.receive(packet(peerB, hostA, wire.ProtoICMP, []byte{wire.IPOptRR, 9, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}, echoRequest()))
	if len(tl.out) != 0 {
		t.Errorf("reply to a record route of length 9: % x", tl.out[0].ip)
	}
	if v, _ := tl.l.stats.Get("Icmp:InEchos"); v != 4 {
		t.Errorf("InEchos %d", v)
	}
	if v, _ := tl.l.stats.Get("Icmp:OutEchoReps"); v != 3 {
		t.Errorf("OutEchoReps %d", v)
	}
}

// TestErrorEchoesOptions: a port unreachable echoes the Record Route
// (this host twice) and quotes the header as input left it; its room for
// the quote shrinks by the options.
func TestErrorEchoesOptions(t *testing.T) {
	tl := newTestLayer(t)
	tl.l.Register(wire.ProtoUDP, closedPort{tl.l})
	opts := []byte{wire.IPOptRR, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	tl.receive(packet(peerB, hostA, wire.ProtoUDP, opts, make([]byte, 1000)))
	e := tl.last().ip
	if want := []byte{wire.IPOptRR, 11, 12, 198, 18, 0, 1, 198, 18, 0, 1, 0}; !bytes.Equal(e.Options(), want) {
		t.Errorf("error's options % x, want % x", e.Options(), want)
	}
	q := wire.IPv4(e.Payload()[8:])
	if want := []byte{wire.IPOptRR, 11, 8, 198, 18, 0, 1, 0, 0, 0, 0, 0}; !bytes.Equal(q[20:32], want) {
		t.Errorf("quoted options % x, want % x", q[20:32], want)
	}
	if e.TotalLen() != 576 {
		t.Errorf("error of %d bytes, want 576", e.TotalLen())
	}
}

// closedPort answers every UDP datagram with port unreachable, as udp does.
type closedPort struct{ l *Layer }

func (c closedPort) Receive(p *pkt.Buffer) {
	c.l.SendError(p, wire.ICMPDestUnreach, wire.ICMPPortUnreach, 0)
	p.Release()
}
func (c closedPort) Error(*ICMPError) {}

// TestEchoOfSourceRoute: the answer to a source-routed packet goes back
// by the recorded route reversed: its first hop, the last address
// recorded, is the header's destination, the source the final one.
// EchoOptions reports the IP_RETOPTS form. (Input drops source-routed
// packets until accept_source_route; an ICMP error about one shows the
// echo.)
func TestEchoOfSourceRoute(t *testing.T) {
	tl := newTestLayer(t)
	lsrr := []byte{wire.IPOptLSRR, 11, 12, 198, 18, 0, 7, 198, 18, 0, 2, 0}
	b := packet(peerB, hostA, 253, lsrr, []byte("protocol 253"))
	var ob [wire.IPv4MaxOptionLen]byte
	ret, ok := tl.l.EchoOptions(&ob, b)
	if want := []byte{wire.IPOptLSRR, 11, 4, 198, 18, 0, 2, 198, 18, 0, 7, 0}; !ok || !bytes.Equal(ret, want) {
		t.Errorf("EchoOptions % x %v, want % x", ret, ok, want)
	}
	p := pkt.From(b)
	p.SetNetworkHeader()
	p.IfIndex, p.PktType, p.RouteType = 2, pkt.PacketHost, uint8(route.TypeLocal)
	tl.l.SendError(p, wire.ICMPDestUnreach, wire.ICMPProtUnreach, 0)
	p.Release()
	e := tl.last().ip
	if want := []byte{wire.IPOptLSRR, 11, 4, 198, 18, 0, 7, 198, 18, 0, 2, 0}; e.Dst() != peerB || !bytes.Equal(e.Options(), want) {
		t.Errorf("error to %v with % x, want to %v with % x", e.Dst(), e.Options(), peerB, want)
	}
	// Dropped on input, as Linux with accept_source_route off, looped
	// back too.
	tl.receive(packet(peerB, hostA, wire.ProtoICMP, lsrr, echoRequest()))
	p = pkt.From(packet(peerB, hostA, wire.ProtoICMP, lsrr, echoRequest()))
	p.IfIndex, p.PktType, p.RouteType = 2, pkt.PacketHost, uint8(route.TypeLocal)
	p.Flags |= pkt.FlagLoopedBack
	tl.l.Input(p)
	if len(tl.out) != 0 {
		t.Errorf("answered a source-routed echo request")
	}
	// The source as first recorded hop is dropped (RFC 1812 5.2.4.1).
	b = packet(peerB, hostA, wire.ProtoICMP, []byte{wire.IPOptSSRR, 11, 12, 198, 18, 0, 2, 198, 18, 0, 9, 0}, echoRequest())
	ret, ok = tl.l.EchoOptions(&ob, b)
	if want := []byte{wire.IPOptSSRR, 7, 4, 198, 18, 0, 9, 0}; !ok || !bytes.Equal(ret, want) {
		t.Errorf("EchoOptions % x %v, want % x", ret, ok, want)
	}
	// Sent with those options, the packet goes to the first hop.
	must(t, tl.l.Output(pkt.Get(pkt.DefaultHeadroom, 8), &SendParams{Dst: peerB, Proto: 253, Options: ret}))
	out := tl.last().ip
	if want := []byte{wire.IPOptSSRR, 7, 4, 198, 18, 0, 2, 0}; out.Dst() != elsewhr || !bytes.Equal(out.Options(), want) {
		t.Errorf("sent to %v with % x, want to %v with % x", out.Dst(), out.Options(), elsewhr, want)
	}
}

// TestOutputOptions: a socket's options get the sender's entries.
func TestOutputOptions(t *testing.T) {
	tl := newTestLayer(t)
	ms := tl.stamp()
	for _, c := range []struct {
		name       string
		opts, want []byte
	}{
		{"record route", []byte{wire.IPOptRR, 7, 4, 0, 0, 0, 0, 0}, []byte{wire.IPOptRR, 7, 8, 198, 18, 0, 1, 0}},
		{"timestamp", []byte{wire.IPOptTimestamp, 8, 5, 0, 0, 0, 0, 0}, join([]byte{wire.IPOptTimestamp, 8, 9, 0}, ms)},
		{"timestamp with address", []byte{wire.IPOptTimestamp, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0}, join([]byte{wire.IPOptTimestamp, 12, 13, 1, 198, 18, 0, 1}, ms)},
		{"prespecified, ours", []byte{wire.IPOptTimestamp, 12, 5, 3, 198, 18, 0, 1, 0, 0, 0, 0}, join([]byte{wire.IPOptTimestamp, 12, 13, 3, 198, 18, 0, 1}, ms)},
		{"prespecified, another's", []byte{wire.IPOptTimestamp, 12, 5, 3, 198, 18, 0, 2, 0, 0, 0, 0}, []byte{wire.IPOptTimestamp, 12, 5, 3, 198, 18, 0, 2, 0, 0, 0, 0}},
		{"full timestamp", []byte{wire.IPOptTimestamp, 8, 9, 0x10, 0, 0, 0, 1}, []byte{wire.IPOptTimestamp, 8, 9, 0x10, 0, 0, 0, 1}},
	} {
		opts := append([]byte(nil), c.opts...)
		must(t, tl.l.Output(pkt.Get(pkt.DefaultHeadroom, 8), &SendParams{Dst: peerB, Proto: 253, Options: opts}))
		out := tl.last().ip
		if !bytes.Equal(out.Options(), c.want) || out.Dst() != peerB || !out.ValidChecksum() {
			t.Errorf("%s: % x to %v, want % x", c.name, out.Options(), out.Dst(), c.want)
		}
		if !bytes.Equal(opts, c.opts) {
			t.Errorf("%s: the caller's options changed", c.name)
		}
	}
}

// TestForwardRecordRoute: forwarded, a Record Route gets the address of
// the interface the packet leaves by over the one input recorded, and the
// header checksum is right again.
func TestForwardRecordRoute(t *testing.T) {
	tl := newTestLayer(t)
	must(t, tl.sys.Set("net.ipv4.conf.eth0.forwarding", "1"))
	ms := tl.stamp()
	opts := []byte{wire.IPOptRR, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, wire.IPOptTimestamp, 8, 5, 0, 0, 0, 0, 0, 0}
	tl.receive(packet(peerB, beyond, wire.ProtoUDP, opts, udpTo(7)))
	fw := tl.last()
	want := join([]byte{wire.IPOptRR, 11, 8, 198, 18, 1, 1, 0, 0, 0, 0, wire.IPOptTimestamp, 8, 9, 0}, ms, []byte{0})
	if fw.ifindex != 3 || !bytes.Equal(fw.ip.Options(), want) || !fw.ip.ValidChecksum() || fw.ip.TTL() != 63 {
		t.Errorf("forwarded on %d, ttl %d, checksum %v, options % x, want % x", fw.ifindex, fw.ip.TTL(), fw.ip.ValidChecksum(), fw.ip.Options(), want)
	}
	// A full Record Route stays; a Timestamp's address is the one input
	// recorded, of the interface the packet came in by (checked on the
	// kernel, as the case above).
	opts = []byte{wire.IPOptRR, 7, 8, 1, 2, 3, 4, wire.IPOptTimestamp, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	tl.receive(packet(peerB, beyond, wire.ProtoUDP, opts, udpTo(7)))
	fw = tl.last()
	want = join([]byte{wire.IPOptRR, 7, 8, 1, 2, 3, 4, wire.IPOptTimestamp, 12, 13, 1, 198, 18, 0, 1}, ms, []byte{0})
	if !bytes.Equal(fw.ip.Options(), want) || !fw.ip.ValidChecksum() {
		t.Errorf("forwarded with checksum %v, options % x, want % x", fw.ip.ValidChecksum(), fw.ip.Options(), want)
	}
}

// TestOptionsAllocs holds an echo request carrying ping -R's Record Route
// to no allocation for its reply, as packets without options.
func TestOptionsAllocs(t *testing.T) {
	tl := newTestLayer(t)
	tl.discard = true
	rr := append([]byte{wire.IPOptNOP, wire.IPOptRR, 39, 4}, make([]byte, 36)...)
	b := packet(peerB, hostA, wire.ProtoICMP, rr, echoRequest())
	one := func() {
		p := pkt.Get(pkt.DefaultHeadroom, len(b))
		copy(p.Bytes(), b)
		p.IfIndex, p.PktType = 2, pkt.PacketHost
		tl.l.Input(p)
	}
	for range 100 {
		one()
	}
	if n := testing.AllocsPerRun(1000, one); n != 0 && !raceEnabled {
		t.Errorf("%v allocations per echo with options", n)
	}
	if tl.sent < 1100 {
		t.Errorf("%d replies to 1100 requests", tl.sent)
	}
}

// BenchmarkEchoOptions measures an echo request and its reply through the
// layer alone, without options and with ping -R's Record Route or a
// time-only Timestamp.
func BenchmarkEchoOptions(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []byte
	}{
		{"none", nil},
		{"record-route", append([]byte{wire.IPOptNOP, wire.IPOptRR, 39, 4}, make([]byte, 36)...)},
		{"timestamp", append([]byte{wire.IPOptTimestamp, 40, 5, 0}, make([]byte, 36)...)},
	} {
		b.Run(c.name, func(b *testing.B) {
			tl := newTestLayer(b)
			tl.discard = true
			pk := packet(peerB, hostA, wire.ProtoICMP, c.opts, echoRequest())
			b.ReportAllocs()
			b.SetBytes(int64(len(pk)))
			for range b.N {
				p := pkt.Get(pkt.DefaultHeadroom, len(pk))
				copy(p.Bytes(), pk)
				p.IfIndex, p.PktType = 2, pkt.PacketHost
				tl.l.Input(p)
			}
			if tl.sent < b.N {
				b.Fatalf("%d replies to %d requests", tl.sent, b.N)
			}
		})
	}
}
