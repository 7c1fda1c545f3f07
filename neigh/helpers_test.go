package neigh

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/sysctl"
	"github.com/seed96fbdc48/inet/wire"
)

var (
	ourMAC   = wire.MAC{0x02, 0, 0, 0, 0, 0x01}
	peerMAC  = wire.MAC{0x02, 0, 0, 0, 0, 0x02}
	otherMAC = wire.MAC{0x02, 0, 0, 0, 0, 0xaa}
	ourIP    = netip.MustParseAddr("198.18.0.1")
	peerIP   = netip.MustParseAddr("198.18.0.2")
	farIP    = netip.MustParseAddr("198.18.0.9")
	zeroMAC  = wire.MAC{}
)

// fakeLink records frames and answers IsLocal/SourceFor from a fixed set.
type fakeLink struct {
	mac     wire.MAC
	primary netip.Addr
	local   map[netip.Addr]bool
	discard bool // release frames without recording them (alloc tests)

	mu      sync.Mutex
	frames  [][]byte // guarded by mu
	onWrite func(b []byte)
}

func newFakeLink() *fakeLink {
	return &fakeLink{mac: ourMAC, primary: ourIP, local: map[netip.Addr]bool{ourIP: true}}
}

func (l *fakeLink) HardwareAddr() wire.MAC { return l.mac }

func (l *fakeLink) WriteFrame(p *pkt.Buffer) {
	if l.discard {
		p.Release()
		return
	}
	b := append([]byte(nil), p.Bytes()...)
	p.Release()
	l.mu.Lock()
	l.frames = append(l.frames, b)
	hook := l.onWrite
	l.mu.Unlock()
	if hook != nil {
		hook(b)
	}
}

func (l *fakeLink) IsLocal(a netip.Addr) bool { return l.local[a] }

func (l *fakeLink) SourceFor(target, pktSrc netip.Addr) (netip.Addr, bool) {
	if pktSrc.IsValid() && l.local[pktSrc] {
		return pktSrc, true
	}
	return l.primary, l.primary.IsValid()
}

// take returns the frames written so far and forgets them.
func (l *fakeLink) take() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.frames
	l.frames = nil
	return f
}

// env is a table on a fake link and a manual clock.
type env struct {
	t     *testing.T
	clk   *clock.Manual
	link  *fakeLink
	tbl   *Table
	st    *sysctl.Table
	mu    sync.Mutex
	unrch []*pkt.Buffer // guarded by mu
}

func newEnv(t *testing.T) *env {
	return newEnvSeed(t, 1)
}

func newEnvSeed(t *testing.T, seed uint64) *env {
	t.Helper()
	e := &env{t: t, clk: clock.NewManual(), link: newFakeLink(), st: sysctl.New()}
	e.st.AddInterface("eth0")
	e.tbl = New(Config{
		Clock:    e.clk,
		Link:     e.link,
		Settings: e.st,
		IfName:   "eth0",
		Rand:     rand.NewPCG(seed, seed),
		Unreachable: func(p *pkt.Buffer) {
			e.mu.Lock()
			e.unrch = append(e.unrch, p)
			e.mu.Unlock()
		},
	})
	t.Cleanup(e.tbl.Close)
	return e
}

// tick is one jiffy with sysctl's default HZ=250.
const tick = 4 * time.Millisecond

// reachableFor is the reachable_time the table drew from seed: the first
// draw of neigh_rand_reach_time(7500 jiffies).
func reachableFor(seed uint64) time.Duration {
	r := rand.New(rand.NewPCG(seed, seed))
	const base = int64(30 * time.Second / tick)
	return time.Duration(r.Int64N(base)+base/2) * tick
}

func (e *env) set(name, value string) {
	e.t.Helper()
	if err := e.st.Set("net.ipv4.neigh.eth0."+name, value); err != nil {
		e.t.Fatalf("set %s: %v", name, err)
	}
}

func (e *env) unreachable() []*pkt.Buffer {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.unrch
	e.unrch = nil
	return u
}

func (e *env) state(a netip.Addr) State {
	e.t.Helper()
	en, ok := e.tbl.Lookup(a)
	if !ok {
		return None
	}
	return en.State
}

func (e *env) entry(a netip.Addr) Entry {
	e.t.Helper()
	en, ok := e.tbl.Lookup(a)
	if !ok {
		e.t.Fatalf("no entry for %v", a)
	}
	return en
}

func (e *env) wantState(a netip.Addr, want State) {
	e.t.Helper()
	if got := e.state(a); got != want {
		e.t.Fatalf("at %v: %v is %v, want %v", e.clk.Since(), a, got, want)
	}
}

// ipPacket returns an IPv4 packet of n bytes (n >= 20) from src to dst,
// with seq in its first payload bytes when there is room.
func ipPacket(src, dst netip.Addr, n int, seq uint32) *pkt.Buffer {
	p := pkt.Get(pkt.DefaultHeadroom, n)
	b := p.Bytes()
	clear(b)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	b[8], b[9] = 64, 17
	s, d := src.As4(), dst.As4()
	copy(b[12:16], s[:])
	copy(b[16:20], d[:])
	if n >= 24 {
		binary.BigEndian.PutUint32(b[20:], seq)
	}
	return p
}

// arpFrame builds an unpadded ARP frame.
func arpFrame(ethDst, ethSrc wire.MAC, op uint16, sha wire.MAC, spa netip.Addr, tha wire.MAC, tpa netip.Addr) *pkt.Buffer {
	p := pkt.Get(pkt.DefaultHeadroom, wire.EthernetHeaderLen+wire.ARPLen)
	b := p.Bytes()
	eh := wire.EthernetHeader{Dst: ethDst, Src: ethSrc, EtherType: wire.EtherTypeARP}
	eh.Emit(b)
	ah := wire.ARPHeader{Op: op, SenderMAC: sha, SenderIP: spa, TargetMAC: tha, TargetIP: tpa}
	ah.Emit(b[wire.EthernetHeaderLen:])
	return p
}

// frame is a decoded frame written by the table.
type frame struct {
	len       int
	dst, src  wire.MAC
	etype     uint16
	op        uint16
	sha, tha  wire.MAC
	spa, tpa  netip.Addr
	pad       []byte
	ipSrc     netip.Addr
	ipDst     netip.Addr
	seq       uint32
	ipPayload []byte
}

func decode(t *testing.T, b []byte) frame {
	t.Helper()
	eth, err := wire.ParseEthernet(b)
	if err != nil {
		t.Fatalf("frame: %v", err)
	}
	f := frame{len: len(b), dst: eth.Dst(), src: eth.Src(), etype: eth.EtherType()}
	switch f.etype {
	case wire.EtherTypeARP:
		a, err := wire.ParseARP(eth.Payload())
		if err != nil {
			t.Fatalf("arp: %v", err)
		}
		f.op, f.sha, f.spa, f.tha, f.tpa = a.Op(), a.SenderMAC(), a.SenderIP(), a.TargetMAC(), a.TargetIP()
		f.pad = eth.Payload()[wire.ARPLen:]
	case wire.EtherTypeIPv4:
		ip := eth.Payload()
		f.ipSrc = netip.AddrFrom4([4]byte(ip[12:16]))
		f.ipDst = netip.AddrFrom4([4]byte(ip[16:20]))
		if len(ip) >= 24 {
			f.seq = binary.BigEndian.Uint32(ip[20:])
		}
	}
	return f
}

func (e *env) frames() []frame {
	e.t.Helper()
	var out []frame
	for _, b := range e.link.take() {
		out = append(out, decode(e.t, b))
	}
	return out
}

// wantRequest checks that fs is one broadcast (or unicast to dst) ARP
// request for target from spa.
func wantRequest(t *testing.T, fs []frame, dst wire.MAC, spa, target netip.Addr) {
	t.Helper()
	if len(fs) != 1 {
		t.Fatalf("got %d frames, want one request: %+v", len(fs), fs)
	}
	f := fs[0]
	want := frame{len: 60, dst: dst, src: ourMAC, etype: wire.EtherTypeARP, op: wire.ARPRequest,
		sha: ourMAC, spa: spa, tha: zeroMAC, tpa: target}
	if f.len != want.len || f.dst != want.dst || f.src != want.src || f.etype != want.etype || f.op != want.op ||
		f.sha != want.sha || f.spa != want.spa || f.tha != want.tha || f.tpa != want.tpa {
		t.Fatalf("request\n got %+v\nwant %+v", f, want)
	}
	for _, c := range f.pad {
		if c != 0 {
			t.Fatalf("padding not zero: %x", f.pad)
		}
	}
}

// reply feeds the table a reply from ip/mac to us, unicast.
func (e *env) reply(ip netip.Addr, mac wire.MAC) {
	e.tbl.HandleARP(arpFrame(ourMAC, mac, wire.ARPReply, mac, ip, ourMAC, ourIP))
}

// request feeds the table a broadcast request from ip/mac for tpa.
func (e *env) request(ip netip.Addr, mac wire.MAC, tpa netip.Addr) {
	e.tbl.HandleARP(arpFrame(wire.BroadcastMAC, mac, wire.ARPRequest, mac, ip, zeroMAC, tpa))
}

// send outputs one packet from us to dst through the table.
func (e *env) send(dst netip.Addr, seq uint32) {
	e.tbl.Output(ipPacket(ourIP, dst, 64, seq), dst, Unicast)
}

// decodeIP decodes a bare IPv4 packet (as Unreachable receives it).
func decodeIP(b []byte) frame {
	f := frame{len: len(b)}
	if len(b) >= 20 {
		f.ipSrc = netip.AddrFrom4([4]byte(b[12:16]))
		f.ipDst = netip.AddrFrom4([4]byte(b[16:20]))
	}
	if len(b) >= 24 {
		f.seq = binary.BigEndian.Uint32(b[20:])
	}
	return f
}
