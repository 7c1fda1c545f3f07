package tcp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// segment is a received segment, decoded once.
type segment struct {
	pk       *pkt.Buffer
	src, dst netip.AddrPort
	seq, ack seq
	flags    uint16
	wnd      uint16
	urg      uint16
	opts     wire.TCPOptions
	data     []byte
	tos, ttl uint8
	ifindex  int
	ipLen    int // the IP packet's length, for its memory charge
	// iph is the IPv4 header as input left it (options with this
	// host's entries), valid while the segment is processed: answers
	// echo its options (ip_options_echo).
	iph wire.IPv4
}

func parseSegment(th wire.TCP, ip wire.IPv4) segment {
	s := segment{
		src:   netip.AddrPortFrom(ip.Src(), th.SrcPort()),
		dst:   netip.AddrPortFrom(ip.Dst(), th.DstPort()),
		seq:   seq(th.Seq()),
		ack:   seq(th.Ack()),
		flags: th.Flags(),
		wnd:   th.Window(),
		urg:   th.Urgent(),
		data:  th.Payload(),
		tos:   ip.TOS(),
		ttl:   ip.TTL(),
		ipLen: ip.TotalLen(),
		iph:   ip,
	}
	if o := th.Options(); len(o) > 0 {
		s.opts = wire.ParseTCPOptions(o, s.flags&wire.TCPFlagSYN != 0)
	}
	return s
}

func (s *segment) has(f uint16) bool { return s.flags&f != 0 }

// seqLen is the sequence space the segment occupies (SEG.LEN).
func (s *segment) seqLen() uint32 {
	n := uint32(len(s.data))
	if s.has(wire.TCPFlagSYN) {
		n++
	}
	if s.has(wire.TCPFlagFIN) {
		n++
	}
	return n
}

func (s *segment) end() seq { return s.seq.add(s.seqLen()) }

// echoOptions is ip_options_echo for an answer to s: the options, in the
// form a socket sends them, that tcp_v4_save_options keeps for a request
// and ip_send_unicast_reply puts on a reset or ACK sent without a socket.
// They are nil when s had none; ok is false when Linux finds them
// unusable (no reply then; a request keeps none). dst holds them.
func (p *Proto) echoOptions(dst *[wire.IPv4MaxOptionLen]byte, s *segment) ([]byte, bool) {
	if !s.hasIPOptions() {
		return nil, true
	}
	return p.ip.EchoOptions(dst, s.iph)
}

// hasIPOptions reports whether s's IP header carried options.
func (s *segment) hasIPOptions() bool {
	return len(s.iph) > wire.IPv4MinHeaderLen && s.iph.HeaderLen() > wire.IPv4MinHeaderLen
}

// savedOptions is tcp_v4_save_options: a copy of the options echoed from
// s for a request, nil when s had none or they cannot be echoed.
func (p *Proto) savedOptions(s *segment) []byte {
	if !s.hasIPOptions() {
		return nil
	}
	var b [wire.IPv4MaxOptionLen]byte
	o, ok := p.echoOptions(&b, s)
	if !ok || len(o) == 0 {
		return nil
	}
	return append([]byte(nil), o...)
}
