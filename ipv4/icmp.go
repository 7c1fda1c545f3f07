package ipv4

import (
	"encoding/binary"
	"net/netip"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// ICMPError is an ICMP error message as it reaches the protocol whose
// datagram it quotes.
type ICMPError struct {
	Type, Code uint8
	// Info is the MTU for fragmentation needed (0 under ip_no_pmtu_disc),
	// the pointer for parameter problem, else 0.
	Info uint32
	// Offender is the source of the ICMP message (SO_EE_OFFENDER).
	Offender netip.Addr
	// Quoted is the quoted datagram: its IPv4 header (at least 20 bytes
	// and the whole IHL) and at least 8 bytes of what followed.
	Quoted []byte
	// IfIndex is the interface the message arrived on.
	IfIndex int
	// Errno and Fatal are Linux's translation (icmp_err_convert).
	Errno unix.Errno
	Fatal bool
	// Stamp is the receive time in Unix nanoseconds.
	Stamp int64
	// IPHeader is the ICMP message's own IPv4 header and the 8 bytes of
	// its ICMP header (ip_recv_error reads the control messages of the
	// error from the ICMP packet: IP_ORIGDSTADDR's port is the ICMP
	// checksum, where a UDP header would have it), SpecDst the local
	// address it came to, Truesize its memory charge: what a socket's
	// error queue reports with the error (ip_recv_error).
	IPHeader []byte
	SpecDst  netip.Addr
	Truesize int
}

// QuotedHeader returns the quoted IPv4 header as a view.
func (e *ICMPError) QuotedHeader() wire.IPv4 { return wire.IPv4(e.Quoted) }

// QuotedTransport returns the bytes after the quoted IPv4 header.
func (e *ICMPError) QuotedTransport() []byte { return e.Quoted[int(e.Quoted[0]&0xf)*4:] }

// icmpErrConvert is Linux's icmp_err_convert: the errno and fatality of each
// destination-unreachable code.
var icmpErrConvert = [16]struct {
	errno unix.Errno
	fatal bool
}{
	{unix.ENETUNREACH, false},  // network unreachable
	{unix.EHOSTUNREACH, false}, // host unreachable
	{unix.ENOPROTOOPT, true},   // protocol unreachable
	{unix.ECONNREFUSED, true},  // port unreachable
	{unix.EMSGSIZE, false},     // fragmentation needed
	{unix.EOPNOTSUPP, false},   // source route failed
	{unix.ENETUNREACH, true},   // network unknown
	{unix.EHOSTDOWN, true},     // host unknown
	{unix.ENONET, true},        // host isolated
	{unix.ENETUNREACH, true},   // network prohibited
	{unix.EHOSTUNREACH, true},  // host prohibited
	{unix.ENETUNREACH, false},  // network unreachable for TOS
	{unix.EHOSTUNREACH, false}, // host unreachable for TOS
	{unix.EHOSTUNREACH, true},  // administratively filtered
	{unix.EHOSTUNREACH, true},  // host precedence violation
	{unix.EHOSTUNREACH, true},  // precedence cut-off
}

// ICMPErrno translates an ICMP error as Linux's transport error handlers
// do: destination unreachable by the table above, time exceeded as
// EHOSTUNREACH, parameter problem as EPROTO (fatal), anything else 0.
func ICMPErrno(typ, code uint8) (unix.Errno, bool) {
	switch typ {
	case wire.ICMPDestUnreach:
		if code < 16 {
			e := icmpErrConvert[code]
			return e.errno, e.fatal
		}
	case wire.ICMPTimeExceeded:
		return unix.EHOSTUNREACH, false
	case wire.ICMPParameterProb:
		return unix.EPROTO, true
	}
	return 0, false
}

// icmpProto is ICMP as a protocol of the layer (icmp_rcv).
type icmpProto struct{ l *Layer }

// Receive is icmp_rcv: count, verify, then dispatch by type.
func (ip icmpProto) Receive(p *pkt.Buffer) {
	l := ip.l
	s := l.stats
	s.ICMP.Inc(snmp.ICMPInMsgs)
	b := p.Bytes()
	if p.Flags&pkt.FlagChecksumOK == 0 && wire.Checksum(b) != 0 {
		s.ICMP.Inc(snmp.ICMPInCsumErrors)
		s.ICMP.Inc(snmp.ICMPInErrors)
		p.Release()
		return
	}
	m, err := wire.ParseICMP(b)
	if err != nil {
		s.ICMP.Inc(snmp.ICMPInErrors)
		p.Release()
		return
	}
	typ := m.Type()
	s.ICMPMsgIn(typ)
	if typ == icmpExtEcho {
		// RFC 8335 PROBE: answered only with icmp_echo_enable_probe,
		// which inet does not support yet; like Linux with it off,
		// dropped without an error count.
		p.Release()
		return
	}
	if typ > wire.ICMPMaxType {
		// RFC 1122 3.2.2: unknown types are silently discarded.
		s.ICMP.Inc(snmp.ICMPInErrors)
		p.Release()
		return
	}
	if rt := route.Type(p.RouteType); rt == route.TypeBroadcast || rt == route.TypeMulticast {
		// RFC 1122 3.2.2.6 and 3.2.2.8: echo and timestamp to a
		// broadcast may be ignored (icmp_echo_ignore_broadcasts);
		// nothing else is accepted from a broadcast.
		if (typ == wire.ICMPEcho || typ == wire.ICMPTimestamp) && l.echoIgnoreBcast.Bool() {
			s.ICMP.Inc(snmp.ICMPInErrors)
			p.Release()
			return
		}
		if typ != wire.ICMPEcho && typ != wire.ICMPTimestamp && typ != wire.ICMPAddressMask && typ != wire.ICMPAddressMaskRep {
			s.ICMP.Inc(snmp.ICMPInErrors)
			p.Release()
			return
		}
	}
	switch typ {
	case wire.ICMPEcho:
		if !l.echoIgnoreAll.Bool() {
			l.replyEcho(p, m)
		}
	case wire.ICMPTimestamp:
		l.replyTimestamp(p, m)
	case wire.ICMPEchoReply:
		l.echos.deliverReply(p, m)
	case wire.ICMPDestUnreach, wire.ICMPSourceQuench, wire.ICMPTimeExceeded, wire.ICMPParameterProb:
		l.unreach(p, m)
	case wire.ICMPRedirect:
		l.redirect(m)
	}
	// Every other type below 19 is icmp_discard: consumed, no error count.
	p.Release()
}

// Error is an ICMP error about an ICMP message we sent: it concerns an
// echo request of the echo table.
func (ip icmpProto) Error(e *ICMPError) { ip.l.echos.deliverError(e) }

// unreach is icmp_unreach and icmp_socket_deliver: check the quoted header
// and hand the error to the protocol that sent the datagram.
func (l *Layer) unreach(p *pkt.Buffer, m wire.ICMP) {
	q := m.Payload()
	if len(q) < wire.IPv4MinHeaderLen {
		l.stats.ICMP.Inc(snmp.ICMPInErrors)
		return
	}
	ihl := int(q[0]&0xf) * 4
	if ihl < wire.IPv4MinHeaderLen {
		l.stats.ICMP.Inc(snmp.ICMPInErrors)
		return
	}
	var info uint32
	switch m.Type() {
	case wire.ICMPDestUnreach:
		if m.Code() == wire.ICMPFragNeeded {
			switch l.noPMTUDisc.Int() {
			case 2:
				return
			case 0:
				info = uint32(m.MTU())
			}
		}
		if m.Code() > 15 {
			return
		}
	case wire.ICMPTimeExceeded:
		// icmp_unreach: a reassembly timeout (ICMP_EXC_FRAGTIME) is
		// counted and goes no further.
		if m.Code() == 1 {
			return
		}
	case wire.ICMPParameterProb:
		info = uint32(m.Pointer())
	}
	if len(q) < ihl+8 {
		l.stats.ICMP.Inc(snmp.ICMPInErrors)
		return
	}
	errno, fatal := ICMPErrno(m.Type(), m.Code())
	h := wire.IPv4(p.NetworkHeader())
	e := &ICMPError{
		Type: m.Type(), Code: m.Code(), Info: info,
		Offender: h.Src(), Quoted: q, IfIndex: p.IfIndex,
		Errno: errno, Fatal: fatal, Stamp: p.Stamp,
		IPHeader: h[:min(len(h), h.HeaderLen()+8)], SpecDst: p.SpecDst, Truesize: pkt.Truesize(h.TotalLen()),
	}
	proto := q[9]
	if pe := l.protos[proto].Load(); pe != nil {
		pe.p.Error(e)
	}
}

// icmpExtEcho is ICMP_EXT_ECHO, the RFC 8335 extended echo request.
const icmpExtEcho = 42

// redirect is icmp_redirect: the quoted header and 8 bytes of what
// followed must be there (InErrors otherwise).
// TODO(routing issue): act on redirects (ipv4_redirect) when
// accept_redirects allows; until then they are only checked.
func (l *Layer) redirect(m wire.ICMP) {
	q := m.Payload()
	if len(q) < wire.IPv4MinHeaderLen || len(q) < int(q[0]&0xf)*4+8 {
		l.stats.ICMP.Inc(snmp.ICMPInErrors)
	}
}

// replyEcho answers an echo request (icmp_echo, icmp_reply).
func (l *Layer) replyEcho(p *pkt.Buffer, m wire.ICMP) {
	r := pkt.Get(pkt.DefaultHeadroom, len(m))
	rb := r.Bytes()
	copy(rb, m)
	rb[0], rb[1] = wire.ICMPEchoReply, 0
	wire.ICMP(rb).ComputeChecksum()
	l.sendReply(p, r, wire.ICMPEchoReply)
}

// replyTimestamp answers a timestamp request (icmp_timestamp): receive and
// transmit times are milliseconds since midnight UT.
func (l *Layer) replyTimestamp(p *pkt.Buffer, m wire.ICMP) {
	if len(m) < wire.ICMPHeaderLen+4 {
		l.stats.ICMP.Inc(snmp.ICMPInErrors)
		return
	}
	now := l.clk.Now().UTC()
	ms := uint32((now.Hour()*3600+now.Minute()*60+now.Second())*1000 + now.Nanosecond()/1e6)
	r := pkt.Get(pkt.DefaultHeadroom, wire.ICMPHeaderLen+12)
	rb := r.Bytes()
	copy(rb[:12], m[:12])
	rb[0], rb[1] = wire.ICMPTimestampReply, 0
	binary.BigEndian.PutUint32(rb[12:], ms)
	binary.BigEndian.PutUint32(rb[16:], ms)
	wire.ICMP(rb).ComputeChecksum()
	l.sendReply(p, r, wire.ICMPTimestampReply)
}

// sendReply sends reply r (an ICMP message) back to the source of request
// p, from the address p was for (fib_compute_spec_dst), with p's TOS and
// p's options echoed (icmp_reply): no answer when they cannot be
// (ip_options_echo fails), and one by the reversed source route's first
// hop when p was source-routed.
func (l *Layer) sendReply(p, r *pkt.Buffer, typ uint8) {
	h := wire.IPv4(p.NetworkHeader())
	var ob [wire.IPv4MaxOptionLen]byte
	opts, ok := l.echoOptions(&ob, h, nil)
	if !ok {
		r.Release()
		return
	}
	apply, ok := l.globalCheck(p, typ, 0)
	if !ok {
		r.Release()
		return
	}
	dst := h.Src()
	hop := FirstHop(opts, dst)
	rt, err := l.icmpRoute(hop, p.SpecDst)
	if err != nil {
		r.Release()
		return
	}
	if !l.peerCheck(&rt, hop, typ, 0, apply) {
		r.Release()
		return
	}
	// Linux 6.18 counts every icmp_reply as an echo reply: its ICMP
	// socket is SOCK_RAW, for which __ip_make_skb counts the flow's
	// fl4_icmp_type, which icmp_reply leaves at 0 (checked on the
	// kernel: a timestamp reply moves OutEchoReps and OutType0).
	l.countOut(wire.ICMPEchoReply)
	sp := SendParams{Dst: dst, Src: p.SpecDst, Proto: wire.ProtoICMP, TOS: h.TOS(), Mark: p.Mark, Options: opts}
	_ = l.OutputRoute(r, &sp, &rt)
}

// icmpRoute is the output route of an ICMP message to dst from src (the
// route's choice when invalid). SendParams stay out of it: a route
// returned from them would carry their options' storage to the heap.
func (l *Layer) icmpRoute(dst, src netip.Addr) (route.OutputResult, error) {
	return l.fib.Output(route.Flow{Dst: dst, Src: src, Proto: wire.ProtoICMP})
}

func (l *Layer) countOut(typ uint8) {
	l.stats.ICMP.Inc(snmp.ICMPOutMsgs)
	l.stats.ICMPMsgOut(typ)
}

// globalCheck applies the global limit to rate-limited types unless the
// packet came in on the loopback; apply says whether the per-peer limit
// and the credit consumption follow.
func (l *Layer) globalCheck(p *pkt.Buffer, typ, code uint8) (apply, ok bool) {
	if !l.masked(typ, code) {
		return false, true
	}
	if p.IfIndex != 0 && p.IfIndex == l.fib.LoopbackIndex() {
		return false, true
	}
	if !l.globalAllow(l.clk.Now()) {
		l.stats.ICMP.Inc(snmp.ICMPOutRateLimitGlobal)
		return false, false
	}
	return true, true
}

// peerCheck is icmpv4_xrlim_allow.
func (l *Layer) peerCheck(rt *route.OutputResult, dst netip.Addr, typ, code uint8, apply bool) bool {
	if !apply {
		return true
	}
	if rt.IfIndex == l.fib.LoopbackIndex() {
		l.globalConsume()
		return true
	}
	if !l.peerAllow(dst, l.clk.Now()) {
		l.stats.ICMP.Inc(snmp.ICMPOutRateLimitHost)
		return false
	}
	l.globalConsume()
	return true
}

// SendError sends an ICMP error about packet p (whose recorded network
// header is the offending datagram), following Linux's __icmp_send: never
// about link-level or IP broadcasts and multicasts, fragments other than the
// first, or ICMP errors; rate limited; with p's options echoed (none sent
// when they cannot be), by the reversed source route's first hop when p was
// source-routed; quoting as much of the datagram as fits in 576 bytes. It
// does not take ownership of p.
func (l *Layer) SendError(p *pkt.Buffer, typ, code uint8, info uint32) {
	l.sendError(p, typ, code, info, nil)
}

// sendError is SendError with p's options located by opts (for a parameter
// problem, those accepted before the bad one), or scanned when opts is nil.
func (l *Layer) sendError(p *pkt.Buffer, typ, code uint8, info uint32, opts *wire.IPv4OptionsInfo) {
	nh := p.NetworkHeader()
	if len(nh) < wire.IPv4MinHeaderLen {
		return
	}
	ihl := int(nh[0]&0xf) * 4
	if ihl < wire.IPv4MinHeaderLen || ihl > len(nh) {
		return
	}
	iph := wire.IPv4(nh)
	if p.PktType != pkt.PacketHost {
		return
	}
	rtIn := route.Type(p.RouteType)
	if rtIn == route.TypeBroadcast || rtIn == route.TypeMulticast {
		return
	}
	if iph.FlagsFrag()&wire.IPv4OffsetMask != 0 {
		return
	}
	if wire.ICMPIsError(typ) && iph.Protocol() == wire.ProtoICMP {
		if len(nh) <= ihl {
			return
		}
		inner := nh[ihl]
		if inner > wire.ICMPMaxType || wire.ICMPIsError(inner) {
			return
		}
	}
	src := iph.Src()
	if s := src.As4(); s[0] == 0 || src.IsMulticast() || s == [4]byte{255, 255, 255, 255} {
		// RFC 1122 3.2.2: never to a source that names no single host.
		return
	}
	apply, ok := l.globalCheck(p, typ, code)
	if !ok {
		return
	}
	var saddr netip.Addr
	if rtIn == route.TypeLocal {
		saddr = iph.Dst()
	}
	tos := iph.TOS()&0x1e | 0xc0
	var ob [wire.IPv4MaxOptionLen]byte
	echo, ok := l.echoOptions(&ob, iph, opts)
	if !ok {
		return
	}
	sp := SendParams{Dst: src, Src: saddr, Proto: wire.ProtoICMP, TOS: tos, Mark: p.Mark, Options: echo}
	hop := FirstHop(echo, src)
	rt, err := l.icmpRoute(hop, saddr)
	if err != nil {
		return
	}
	if !l.peerCheck(&rt, hop, typ, code, apply) {
		return
	}
	room := min(rt.MTU, 576)
	if rt.MTU == 0 {
		room = 576
	}
	room -= wire.IPv4MinHeaderLen + len(echo) + wire.ICMPHeaderLen
	if room <= wire.IPv4MinHeaderLen {
		return
	}
	n := min(len(nh), room)
	r := pkt.Get(pkt.DefaultHeadroom, wire.ICMPHeaderLen+n)
	rb := r.Bytes()
	hdr := wire.ICMPHeader{Type: typ, Code: code, Rest: info}
	hdr.Emit(rb)
	copy(rb[wire.ICMPHeaderLen:], nh[:n])
	wire.ICMP(rb).ComputeChecksum()
	l.countOut(typ)
	_ = l.OutputRoute(r, &sp, &rt)
}
