package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// emit builds and sends one segment of this connection: sequence sq, the
// given flags, data taken from the send queue at sq (n bytes), the options
// the state calls for. It reports whether the segment left.
func (c *conn) emit(sq seq, flags uint16, n int) bool {
	var o wire.TCPOptions
	syn := flags&wire.TCPFlagSYN != 0
	if syn {
		o.MSS = c.advMSS
		if c.state == stateSynSent {
			o.SACKPermitted = c.p.v.sack.Bool()
			o.HasWScale = c.p.v.windowScaling.Bool()
			if c.p.v.timestamps.Int() != 0 {
				o.HasTimestamp = true
			}
		} else {
			o.SACKPermitted = c.sackOK
			o.HasWScale = c.wscaleOK
			o.HasTimestamp = c.tsOK
		}
		o.WScale = c.rcvWscale
	} else {
		o.HasTimestamp = c.tsOK
		if c.sackOK && flags&wire.TCPFlagACK != 0 {
			c.fillSACK(&o)
			// A segment never carries more than mss_cache bytes beyond
			// its base header and timestamp, so it fits the path MTU
			// and the peer's MSS. Linux keeps that by taking the SACK
			// option's length off the data (tcp_current_mss, and
			// tcp_fragment on retransmission); until segments are
			// sized that way, blocks that do not fit stay off a
			// full-sized data segment (pure ACKs carry them all).
			budget := 20 + int(c.mssCache)
			if c.tsOK {
				budget += 12
			}
			for n > 0 && o.NumSACK > 0 && 20+o.Len()+n > budget {
				o.NumSACK--
			}
		}
	}
	if o.HasTimestamp {
		o.TSVal = c.p.nowMS() + c.tsOffset
		if !syn || c.state != stateSynSent {
			o.TSEcr = c.tsRecent
		}
	}
	optLen := o.Len()
	hl := 20 + optLen
	p := pkt.Get(pkt.DefaultHeadroom, hl+n)
	b := p.Bytes()
	if n > 0 {
		c.sndq.copyOut(b[hl:], int(sq.diff(c.sndUna)), n)
	}
	h := wire.TCPHeader{
		SrcPort: c.local.Port(), DstPort: c.remote.Port(),
		Seq: uint32(sq), Flags: flags, Window: c.selectWindow(syn),
	}
	if flags&wire.TCPFlagACK != 0 {
		h.Ack = uint32(c.rcvNxt)
	}
	if c.urgPending(sq, n) {
		h.Flags |= wire.TCPFlagURG
		h.Urgent = uint16(c.sndUp.diff(sq))
	}
	h.Emit(b[:20])
	o.Emit(b[20:hl])
	b[12] = byte(hl/4)<<4 | b[12]&0x0f
	wire.TCP(b).ComputeChecksum(c.local.Addr(), c.remote.Addr())
	p.Flags |= pkt.FlagChecksumOK
	if flags&wire.TCPFlagACK != 0 {
		c.ackSent()
	}
	c.segsOut++
	if n > 0 {
		c.dataSegsOut++
	}
	c.countOut(sq, flags, n)
	return c.xmit(p)
}

// countOut counts a segment in Tcp: OutSegs as tcp_transmit_skb does:
// only one that occupies no sequence space or goes past snd_nxt, so that
// retransmissions are left to RetransSegs.
func (c *conn) countOut(sq seq, flags uint16, n int) {
	l := uint32(n)
	if flags&wire.TCPFlagSYN != 0 {
		l++
	}
	if flags&wire.TCPFlagFIN != 0 {
		l++
	}
	if l == 0 || sq.add(l).gt(c.sndNxt) {
		c.p.stats.TCP.Inc(snmp.TCPOutSegs)
	}
}

// xmit hands a built segment to IP (ip_queue_xmit): the connection's route,
// TTL, TOS, DF per IP_MTU_DISCOVER, identifiers from the socket's counter.
func (c *conn) xmit(p *pkt.Buffer) bool {
	if c.rt == nil && !c.route() {
		p.Release()
		return false
	}
	o := &c.Opts
	pmtu := o.PMTUDisc.Load()
	sp := ipv4.SendParams{
		Dst: c.remote.Addr(), Src: c.local.Addr(), Proto: unix.IPPROTO_TCP,
		TTL: c.TTL(), TOS: uint8(o.TOS.Load()),
		DF:   pmtu == unix.IP_PMTUDISC_DO || pmtu == unix.IP_PMTUDISC_PROBE || pmtu == unix.IP_PMTUDISC_WANT,
		ID:   &c.ipID,
		Mark: o.Mark.Load(), Priority: o.Priority.Load(),
	}
	if opt := o.IPOptions.Load(); opt != nil {
		sp.Options = *opt
	}
	return c.p.ip.OutputRoute(p, &sp, c.rt) == nil
}

// route finds (and caches) the connection's route.
func (c *conn) route() bool {
	r, err := c.p.env.FIB.Output(route.Flow{Dst: c.remote.Addr(), Src: c.local.Addr(), Oif: int(c.Opts.BindDev.Load()), Proto: unix.IPPROTO_TCP, AnySrc: c.Opts.Transparent.Load()})
	if err != nil {
		return false
	}
	c.rt = &r
	return true
}

// sendAck sends a bare ACK now (tcp_send_ack).
func (c *conn) sendAck() {
	if c.state == stateClose || c.state == stateListen || c.state == stateSynSent {
		return
	}
	c.emit(c.sndNxt, wire.TCPFlagACK, 0)
}

// sendProbe sends a zero-window or keepalive probe: an ACK one byte below
// snd_una, which the peer must answer (tcp_xmit_probe_skb).
func (c *conn) sendProbe() {
	c.emit(c.sndUna-1, wire.TCPFlagACK, 0)
}

// sendResetNow sends a RST|ACK from this connection (tcp_send_active_reset).
func (c *conn) sendResetNow() {
	c.p.stats.TCP.Inc(snmp.TCPOutRsts)
	c.emit(c.sndNxt, wire.TCPFlagRST|wire.TCPFlagACK, 0)
}

// emitBare sends a header-only segment without options.
func (c *conn) emitBare(sq seq, flags uint16) {
	p := pkt.Get(pkt.DefaultHeadroom, 20)
	b := p.Bytes()
	h := wire.TCPHeader{SrcPort: c.local.Port(), DstPort: c.remote.Port(), Seq: uint32(sq), Flags: flags}
	if flags&wire.TCPFlagACK != 0 {
		h.Ack = uint32(c.rcvNxt)
		h.Window = c.selectWindow(false)
	}
	h.Emit(b)
	wire.TCP(b).ComputeChecksum(c.local.Addr(), c.remote.Addr())
	p.Flags |= pkt.FlagChecksumOK
	c.countOut(sq, flags, 0)
	c.xmit(p)
}

// sendReset answers a segment with a reset, as tcp_v4_send_reset does
// without a socket: acknowledging the segment's sequence space if it had no
// ACK, else taking its ACK as our sequence number. Sent with DF, identifier
// 0, the default TTL and the segment's TOS.
func (p *Proto) sendReset(s *segment) {
	h := wire.TCPHeader{SrcPort: s.dst.Port(), DstPort: s.src.Port(), Flags: wire.TCPFlagRST}
	if s.has(wire.TCPFlagACK) {
		h.Seq = uint32(s.ack)
	} else {
		h.Flags |= wire.TCPFlagACK
		h.Ack = uint32(s.end())
	}
	p.sendControl(s, &h)
}

// sendControl sends a header-only segment in answer to s from no socket,
// with s's IP options echoed (ip_send_unicast_reply: nothing leaves when
// they cannot be; Linux counts the segment all the same).
func (p *Proto) sendControl(s *segment, h *wire.TCPHeader) {
	p.stats.TCP.Inc(snmp.TCPOutSegs)
	if h.Flags&wire.TCPFlagRST != 0 {
		p.stats.TCP.Inc(snmp.TCPOutRsts)
	}
	sp := ipv4.SendParams{Dst: s.src.Addr(), Src: s.dst.Addr(), Proto: unix.IPPROTO_TCP, TOS: s.tos &^ 3, DF: true, AnySrc: true}
	if s.hasIPOptions() {
		var ob [wire.IPv4MaxOptionLen]byte
		opts, ok := p.echoOptions(&ob, s)
		if !ok {
			return
		}
		sp.Options = opts
	}
	pk := pkt.Get(pkt.DefaultHeadroom, 20)
	b := pk.Bytes()
	h.Emit(b)
	wire.TCP(b).ComputeChecksum(s.dst.Addr(), s.src.Addr())
	pk.Flags |= pkt.FlagChecksumOK
	_ = p.ip.Output(pk, &sp)
}

// now returns the stack clock's time.
func (c *conn) now() time.Time { return c.p.env.Clock.Now() }
