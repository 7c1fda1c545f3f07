package tcp_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/seed96fbdc48/inet/wire"
)

// The raw-peer worlds put the host under test at hostIP and the peer the
// test plays at peerIP, on an IP link.
var (
	hostIP = netip.MustParseAddr("198.18.0.1")
	peerIP = netip.MustParseAddr("198.18.0.2")
)

// Flag shorthands.
const (
	fFIN = wire.TCPFlagFIN
	fSYN = wire.TCPFlagSYN
	fRST = wire.TCPFlagRST
	fPSH = wire.TCPFlagPSH
	fACK = wire.TCPFlagACK
	fURG = wire.TCPFlagURG
)

// seg is a TCP segment as the raw peer builds it or sees it.
type seg struct {
	sport, dport uint16
	seq, ack     uint32
	flags        uint16
	win          uint16
	urp          uint16
	opts         []byte // raw options; the builder pads them with EOL
	data         []byte

	// Decoded from what the host sent.
	o    wire.TCPOptions
	ttl  uint8
	tos  uint8
	id   uint16
	df   bool
	doff int
	at   time.Duration // the host clock since the world began, when sent
	// epoch is, in the kernel world, how many echo replies came before.
	epoch uint16
}

func (s seg) has(f uint16) bool { return s.flags&f != 0 }

// flagString spells flags as tcpdump does.
func flagString(f uint16) string {
	var b strings.Builder
	for _, x := range []struct {
		f uint16
		c string
	}{{fFIN, "F"}, {fSYN, "S"}, {fRST, "R"}, {fPSH, "P"}, {fURG, "U"}} {
		if f&x.f != 0 {
			b.WriteString(x.c)
		}
	}
	if f&fACK != 0 {
		b.WriteString(".")
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

func (s seg) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d>%d [%s] seq %d", s.sport, s.dport, flagString(s.flags), s.seq)
	if s.has(fACK) {
		fmt.Fprintf(&b, " ack %d", s.ack)
	}
	fmt.Fprintf(&b, " win %d", s.win)
	if s.has(fURG) {
		fmt.Fprintf(&b, " urg %d", s.urp)
	}
	if len(s.opts) > 0 {
		fmt.Fprintf(&b, " <%s>", optString(s.opts))
	}
	fmt.Fprintf(&b, " len %d", len(s.data))
	if s.at != 0 {
		fmt.Fprintf(&b, " @%v", s.at)
	}
	return b.String()
}

// optString spells an options area as tcpdump does.
func optString(o []byte) string {
	var parts []string
	it := wire.NewTCPOptionIter(o)
	for {
		opt, _, ok := it.Next()
		if !ok {
			break
		}
		d := opt.Data()
		switch opt.Kind() {
		case wire.TCPOptEOL:
			parts = append(parts, "eol")
		case wire.TCPOptNOP:
			parts = append(parts, "nop")
		case wire.TCPOptMSS:
			parts = append(parts, fmt.Sprintf("mss %d", binary.BigEndian.Uint16(d)))
		case wire.TCPOptWindowScale:
			parts = append(parts, fmt.Sprintf("wscale %d", d[0]))
		case wire.TCPOptSACKPermitted:
			parts = append(parts, "sackOK")
		case wire.TCPOptTimestamp:
			parts = append(parts, fmt.Sprintf("TS val %d ecr %d", binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])))
		case wire.TCPOptSACK:
			s := "sack"
			for i := 0; i+8 <= len(d); i += 8 {
				s += fmt.Sprintf(" {%d:%d}", binary.BigEndian.Uint32(d[i:]), binary.BigEndian.Uint32(d[i+4:]))
			}
			parts = append(parts, s)
		default:
			parts = append(parts, fmt.Sprintf("opt-%d", opt.Kind()))
		}
	}
	return strings.Join(parts, ",")
}

// Option builders.
func oMSS(v uint16) []byte { return []byte{wire.TCPOptMSS, 4, byte(v >> 8), byte(v)} }
func oWS(s uint8) []byte   { return []byte{wire.TCPOptNOP, wire.TCPOptWindowScale, 3, s} }
func oSACKOK() []byte      { return []byte{wire.TCPOptNOP, wire.TCPOptNOP, wire.TCPOptSACKPermitted, 2} }
func oTS(val, ecr uint32) []byte {
	b := []byte{wire.TCPOptNOP, wire.TCPOptNOP, wire.TCPOptTimestamp, 10, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[4:], val)
	binary.BigEndian.PutUint32(b[8:], ecr)
	return b
}
func oSACK(blocks ...uint32) []byte {
	b := []byte{wire.TCPOptNOP, wire.TCPOptNOP, wire.TCPOptSACK, byte(2 + 4*len(blocks))}
	for _, v := range blocks {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// build lays out s as an IPv4 packet from src to dst (TTL 64, DF, a
// correct checksum).
func (s seg) build(src, dst netip.Addr) []byte {
	ol := (len(s.opts) + 3) &^ 3
	hl := 20 + ol
	n := 20 + hl + len(s.data)
	b := make([]byte, n)
	ttl := s.ttl
	if ttl == 0 {
		ttl = 64
	}
	ih := wire.IPv4Header{TOS: s.tos, TotalLen: n, ID: s.id, FlagsFrag: 0x4000, TTL: ttl, Protocol: wire.ProtoTCP, Src: src, Dst: dst}
	ih.Emit(b)
	t := b[20:]
	binary.BigEndian.PutUint16(t[0:], s.sport)
	binary.BigEndian.PutUint16(t[2:], s.dport)
	binary.BigEndian.PutUint32(t[4:], s.seq)
	binary.BigEndian.PutUint32(t[8:], s.ack)
	doff := hl / 4
	if s.doff != 0 {
		doff = s.doff
	}
	binary.BigEndian.PutUint16(t[12:], uint16(doff)<<12|s.flags&0xfff)
	binary.BigEndian.PutUint16(t[14:], s.win)
	binary.BigEndian.PutUint16(t[18:], s.urp)
	copy(t[20:], s.opts)
	copy(t[hl:], s.data)
	wire.TCP(t).ComputeChecksum(src, dst)
	return b
}

// parseSeg decodes an IPv4 packet carrying TCP; ok is false for anything
// else.
func parseSeg(b []byte) (seg, bool) {
	ip, err := wire.ParseIPv4(b)
	if err != nil || ip.Protocol() != wire.ProtoTCP {
		return seg{}, false
	}
	th, err := wire.ParseTCP(ip.Payload())
	if err != nil {
		return seg{}, false
	}
	s := seg{
		sport: th.SrcPort(), dport: th.DstPort(), seq: th.Seq(), ack: th.Ack(),
		flags: th.Flags(), win: th.Window(), urp: th.Urgent(),
		opts: append([]byte(nil), th.Options()...), data: append([]byte(nil), th.Payload()...),
		ttl: ip.TTL(), tos: ip.TOS(), id: ip.ID(), df: ip.FlagsFrag()&0x4000 != 0, doff: th.DataOffset(),
	}
	s.o = wire.ParseTCPOptions(th.Options(), s.has(fSYN))
	return s, true
}

func netipAP(a netip.Addr, p uint16) netip.AddrPort { return netip.AddrPortFrom(a, p) }
