package tcp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/ipv4"
	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// SYN cookies (RFC 4987), encoded as Linux's syncookies.c does: the ISN is
// a keyed hash of the 4-tuple plus the peer's ISN, plus a minute counter in
// the top 8 bits and, in the low 24, a second hash plus the index of the
// MSS in a small table. With timestamps, the low 6 bits of our TSval carry
// the window scale and SACK-permitted, so they survive too.
const (
	cookieBits = 24
	cookieMask = 1<<cookieBits - 1
	cookieAge  = 2 // minutes a cookie stays valid (MAX_SYNCOOKIE_AGE)
)

var msstab = [...]uint16{536, 1300, 1440, 1460}

func (p *Proto) cookieHash(t tuple, count uint32, c uint64) uint32 {
	return uint32(tupleHash(t, p.cookieKey^c^uint64(count)<<32))
}

func (p *Proto) cookieCount() uint32 { return uint32(p.env.Clock.Now().Unix() / 60) }

// cookieISN is cookie_v4_init_sequence for a request.
func (p *Proto) cookieISN(r *request) seq {
	t := mkTuple(r.local, r.remote)
	idx := 0
	for i := len(msstab) - 1; i >= 0; i-- {
		if r.mss >= msstab[i] {
			idx = i
			break
		}
	}
	count := p.cookieCount()
	v := p.cookieHash(t, 0, 0) + uint32(r.irs) + count<<cookieBits + (p.cookieHash(t, count, 1)+uint32(idx))&cookieMask
	return seq(v)
}

// checkCookie is __cookie_v4_check: the MSS index a cookie carries, or -1.
func (p *Proto) checkCookie(t tuple, irs seq, cookie seq) int {
	v := uint32(cookie) - (p.cookieHash(t, 0, 0) + uint32(irs))
	count := p.cookieCount()
	diff := (count - v>>cookieBits) & (0xffffffff >> cookieBits)
	if diff >= cookieAge {
		return -1
	}
	idx := (v - p.cookieHash(t, count-diff, 1)) & cookieMask
	if idx >= uint32(len(msstab)) {
		return -1
	}
	return int(idx)
}

// cookieTS is cookie_init_timestamp: the options folded into the low
// bits of the timestamp clock now (before the connection's offset), moved
// back 64 ms when that would put it ahead of the clock, so the
// connection's later TSvals never go back (the peer's PAWS would drop
// them).
func (p *Proto) cookieTS(r *request, now uint32) uint32 {
	opts := uint32(0xf) // no window scale
	if r.wscaleOK {
		opts = uint32(r.sndWscale & 0xf)
	}
	if r.sackOK {
		opts |= 1 << 4
	}
	ts := now&^0x3f | opts&0x3f
	if opts&0x3f > now&0x3f {
		ts -= 1 << 6
	}
	return ts
}

// cookieACK is cookie_v4_check: an ACK for no request may complete a
// handshake answered with a cookie, when one overflowed recently.
func (l *conn) cookieACK(s *segment) bool {
	if l.ln.lastOverflow.IsZero() || l.now().Sub(l.ln.lastOverflow) > cookieAge*60e9 {
		return false
	}
	t := mkTuple(s.dst, s.src)
	idx := l.p.checkCookie(t, s.seq-1, s.ack-1)
	if idx < 0 {
		l.p.stats.TCPExt.Inc(snmp.TCPExtSyncookiesFailed)
		return false
	}
	l.p.stats.TCPExt.Inc(snmp.TCPExtSyncookiesRecv)
	// The SYN's options are gone: the ACK's are taken instead, hoping
	// they are the same (RFC 1122 4.2.3.8; tcp_v4_save_options).
	r := &request{local: s.dst, remote: s.src, irs: s.seq - 1, iss: s.ack - 1, mss: msstab[idx],
		ifindex: s.ifindex, tos: s.tos, peerWnd: s.wnd, created: l.now(), ipOpts: l.p.savedOptions(s)}
	if s.opts.HasTimestamp && l.p.v.timestamps.Int() != 0 {
		r.tsOK = true
		r.tsRecent = s.opts.TSVal
		r.tsOff = l.p.tsOff(s.dst.Addr(), s.src.Addr())
		ecr := s.opts.TSEcr - r.tsOff // the options ride on our clock
		ws := uint8(ecr & 0xf)
		if ws != 0xf && l.p.v.windowScaling.Bool() {
			r.wscaleOK, r.sndWscale = true, min(ws, maxWscale)
		}
		r.sackOK = ecr&(1<<4) != 0 && l.p.v.sack.Bool()
	}
	// cookie_v4_check redoes the window with the MSS the cookie
	// carries, the timestamp not taken off.
	r.rcvWnd, r.rcvWscale, _ = l.p.selectInitialWindow(l.childSpace(), l.windowClampOpt, uint32(r.mss), r.wscaleOK)
	if l.ln.acceptLen() >= l.ln.backlog+1 {
		l.p.stats.TCPExt.Inc(snmp.TCPExtListenOverflows)
		l.listenDrop()
		return true
	}
	l.createChild(r, s)
	return true
}

// sendSegment sends a segment on behalf of a listener (a SYN-ACK): no
// connection state, DF with identifier 0, the listener's TTL, the IP
// options opts (socket form, may be nil).
func (p *Proto) sendSegment(local, remote netip.AddrPort, h *wire.TCPHeader, o *wire.TCPOptions, l *conn, opts []byte) {
	ol := o.Len()
	pk := pkt.Get(pkt.DefaultHeadroom, 20+ol)
	b := pk.Bytes()
	h.Options = nil
	h.Emit(b[:20])
	o.Emit(b[20:])
	b[12] = byte((20+ol)/4)<<4 | b[12]&0x0f
	wire.TCP(b).ComputeChecksum(local.Addr(), remote.Addr())
	pk.Flags |= pkt.FlagChecksumOK
	p.stats.TCP.Inc(snmp.TCPOutSegs)
	sp := sendParams(local, remote, l)
	sp.Options = opts
	_ = p.ip.Output(pk, &sp)
}

// sendAckFor acknowledges an out-of-window segment for a request
// (tcp_v4_reqsk_send_ack), the segment's IP options echoed
// (ip_send_unicast_reply).
func (p *Proto) sendAckFor(r *request, s *segment, l *conn) {
	var opts []byte
	if s.hasIPOptions() {
		var ob [wire.IPv4MaxOptionLen]byte
		var ok bool
		if opts, ok = p.echoOptions(&ob, s); !ok {
			p.stats.TCP.Inc(snmp.TCPOutSegs)
			return
		}
	}
	var o wire.TCPOptions
	if r.tsOK {
		o.HasTimestamp = true
		o.TSVal = p.nowMS() + r.tsOff
		o.TSEcr = r.tsRecent
	}
	h := wire.TCPHeader{SrcPort: r.local.Port(), DstPort: r.remote.Port(), Seq: uint32(r.iss + 1), Ack: uint32(r.irs + 1),
		Flags: wire.TCPFlagACK, Window: uint16(min(r.rcvWnd>>r.rcvWscale, 65535))}
	p.sendSegment(r.local, r.remote, &h, &o, l, opts)
}

// sendParams are the IP header choices for a listener's own segments.
func sendParams(local, remote netip.AddrPort, l *conn) ipv4.SendParams {
	sp := ipv4.SendParams{Dst: remote.Addr(), Src: local.Addr(), Proto: unix.IPPROTO_TCP, DF: true, AnySrc: true}
	if l != nil {
		sp.TTL = l.TTL()
		sp.TOS = uint8(l.Opts.TOS.Load())
		sp.Mark = l.Opts.Mark.Load()
	}
	return sp
}
