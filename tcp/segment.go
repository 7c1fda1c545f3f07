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
