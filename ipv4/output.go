package ipv4

import (
	"net/netip"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// SendParams describes the IPv4 header and routing of a locally generated
// packet.
type SendParams struct {
	Dst   netip.Addr
	Src   netip.Addr // source to use; invalid to let the route choose
	Proto uint8
	// TTL is the time to live; 0 means net.ipv4.ip_default_ttl.
	TTL uint8
	TOS uint8
	// DF sets the don't-fragment flag; a packet larger than the path MTU
	// with DF set fails with EMSGSIZE.
	DF bool
	// IgnoreDF marks a packet the host may still fragment although DF is
	// set (skb->ignore_df: IP_MTU_DISCOVER below DO, or OMIT); such a
	// packet takes an identifier from the generator, where a real DF
	// packet of an unconnected socket gets 0 (ip_select_ident_segs).
	IgnoreDF bool
	// Options are IP options in the form a socket gives them (IP_OPTIONS,
	// at most 40 bytes, a multiple of 4, checked as setsockopt checks
	// them): a source route lists the first hop first, where the packet
	// is routed (Route does, a caller routing itself must: FirstHop),
	// and Dst is the final destination; Record Route and Timestamp
	// pointers stand at the first free slot. Output makes the sender's
	// entries (ip_options_build).
	Options []byte
	// Oif forces the output interface (SO_BINDTODEVICE, IP_PKTINFO).
	Oif int
	// AnySrc allows a non-local Src (IP_FREEBIND, IP_TRANSPARENT).
	AnySrc bool
	// ID, when set, is the connected socket's identifier counter
	// (inet_id), used instead of the shared generator.
	ID *atomic.Uint32
	// Route, when set, is an output decision already made (a connected
	// socket's cached route); Dst and Src must agree with it.
	Route    *route.OutputResult
	Mark     uint32
	Priority uint32
	// LoopBroadcast delivers a copy of a broadcast to this host, as
	// Linux's ip_mc_output does for every broadcast.
	NoLoop bool
}

// Route makes the output route decision for sp (without sending): towards
// the first hop of its options' source route, if any, else sp.Dst.
func (l *Layer) Route(sp *SendParams) (route.OutputResult, error) {
	return l.routeTo(sp, FirstHop(sp.Options, sp.Dst))
}

// routeTo makes the output route decision for sp towards dst.
func (l *Layer) routeTo(sp *SendParams, dst netip.Addr) (route.OutputResult, error) {
	if sp.Route != nil {
		return *sp.Route, nil
	}
	return l.fib.Output(route.Flow{Dst: dst, Src: sp.Src, Oif: sp.Oif, Proto: sp.Proto, AnySrc: sp.AnySrc})
}

// Output sends a locally generated packet: p's front is the transport
// header (or the payload for a protocol without one), with headroom for the
// IPv4 header. It takes ownership of p in every case. Errors are Linux's
// for the situation: ENETUNREACH (no route, counted as OutNoRoutes),
// EHOSTUNREACH, EINVAL, EACCES, EMSGSIZE (larger than the MTU with DF).
func (l *Layer) Output(p *pkt.Buffer, sp *SendParams) error {
	rt, err := l.Route(sp)
	if err != nil {
		if err == unix.ENETUNREACH {
			l.stats.IP.Inc(snmp.IPOutNoRoutes)
		}
		p.Release()
		return err
	}
	return l.OutputRoute(p, sp, &rt)
}

// OutputRoute is Output with the route decided.
func (l *Layer) OutputRoute(p *pkt.Buffer, sp *SendParams, rt *route.OutputResult) error {
	if len(sp.Options) > wire.IPv4MaxOptionLen {
		p.Release()
		return unix.EINVAL
	}
	hdr := wire.IPv4Header{
		TOS:      sp.TOS,
		TTL:      sp.TTL,
		Protocol: sp.Proto,
		Src:      rt.Src,
		Dst:      sp.Dst,
		Options:  sp.Options,
	}
	if sp.Src.IsValid() {
		hdr.Src = sp.Src
	}
	var ob [wire.IPv4MaxOptionLen]byte
	if len(sp.Options) > 0 {
		hdr.Options, hdr.Dst = l.buildOptions(&ob, sp.Options, hdr.Src, sp.Dst)
	}
	if hdr.TTL == 0 {
		hdr.TTL = l.DefaultTTL()
	}
	if sp.DF {
		hdr.FlagsFrag = wire.IPv4FlagDF
	}
	hl := hdr.Len()
	hdr.TotalLen = hl + p.Len()
	if hdr.TotalLen > wire.IPv4MaxPacket {
		p.Release()
		return unix.EMSGSIZE
	}
	switch {
	case sp.ID != nil:
		hdr.ID = uint16(sp.ID.Add(1) - 1)
	case sp.DF && !sp.IgnoreDF:
		hdr.ID = 0
	default:
		hdr.ID = l.ids.next(hdr.Dst, hdr.Src, hdr.Protocol, l.clk.Now().UnixMilli())
	}
	hdr.Emit(p.Prepend(hl))
	p.SetNetworkHeader()
	p.Mark, p.Priority = sp.Mark, sp.Priority
	p.Flags |= pkt.FlagLocalOut
	if sp.DF {
		p.Flags |= pkt.FlagDontFrag
	}
	l.stats.IP.Inc(snmp.IPOutRequests)
	if !l.hook(HookLocalOut, p, 0, rt.IfIndex) {
		return nil
	}
	return l.finishOutput(p, rt, sp.NoLoop)
}

// finishOutput runs POSTROUTING, checks the MTU and hands the packet to
// the device, looping a copy of broadcasts back to this host.
func (l *Layer) finishOutput(p *pkt.Buffer, rt *route.OutputResult, noLoop bool) error {
	if !l.hook(HookPostRouting, p, 0, rt.IfIndex) {
		return nil
	}
	h := wire.IPv4(p.Bytes())
	if rt.Type != route.TypeLocal && rt.MTU > 0 && p.Len() > rt.MTU {
		if h.DF() {
			l.stats.IP.Inc(snmp.IPFragFails)
			p.Release()
			return unix.EMSGSIZE
		}
		return l.fragment(p, rt)
	}
	switch rt.Type {
	case route.TypeLocal:
		l.stats.IP.Inc(snmp.IPOutTransmits)
		l.stats.IPExt.Add(snmp.IPExtOutOctets, uint64(p.Len()))
		// The packet appears on the local route's device (rt_iif is
		// orig_oif): a0 for a0's address, lo for 127.0.0.0/8.
		in := l.fib.LoopbackIndex()
		if rt.Route != nil && rt.Route.IfIndex != 0 {
			in = rt.Route.IfIndex
		}
		return l.loopback(p, route.TypeLocal, in)
	case route.TypeBroadcast:
		if !noLoop {
			// The copy ip_mc_output loops back goes through
			// dev_loopback_xmit, not ip_finish_output2: it is not
			// counted as transmitted (checked on the kernel).
			c := p.Clone()
			_ = l.loopback(c, route.TypeBroadcast, rt.IfIndex)
		}
		l.stats.IPExt.Inc(snmp.IPExtOutBcastPkts)
		l.stats.IPExt.Add(snmp.IPExtOutBcastOctets, uint64(p.Len()))
	case route.TypeMulticast:
		l.stats.IPExt.Inc(snmp.IPExtOutMcastPkts)
		l.stats.IPExt.Add(snmp.IPExtOutMcastOctets, uint64(p.Len()))
		if h.TTL() == 0 {
			// Multicasts with TTL 0 never leave the host.
			p.Release()
			return nil
		}
	}
	return l.transmit(p, rt.IfIndex, rt.NextHop, rt.Type)
}

// transmit hands a finished packet to device index.
func (l *Layer) transmit(p *pkt.Buffer, index int, nexthop netip.Addr, t route.Type) error {
	d := l.dev(index)
	if d == nil {
		l.stats.IP.Inc(snmp.IPOutDiscards)
		p.Release()
		return unix.ENETUNREACH
	}
	l.stats.IP.Inc(snmp.IPOutTransmits)
	l.stats.IPExt.Add(snmp.IPExtOutOctets, uint64(p.Len()))
	p.IfIndex = index
	d.dev.Transmit(p, nexthop, t)
	return nil
}

// loopback sends p to this host through the loopback device, recording the
// route type and the interface it is to appear on, so that input need not
// route it again (Linux keeps the output dst on the skb).
func (l *Layer) loopback(p *pkt.Buffer, t route.Type, inIf int) error {
	lo := l.fib.LoopbackIndex()
	d := l.dev(lo)
	if d == nil {
		p.Release()
		return unix.ENETUNREACH
	}
	p.Flags |= pkt.FlagLoopedBack | pkt.FlagChecksumOK
	p.RouteType = uint8(t)
	p.SpecDst = netip.Addr{}
	p.IfIndex = inIf
	d.dev.Transmit(p, wire.IPv4(p.Bytes()).Dst(), t)
	return nil
}

// fragment will split an oversized packet (the fragmentation issue); until
// then it fails as a packet that cannot be fragmented.
func (l *Layer) fragment(p *pkt.Buffer, rt *route.OutputResult) error {
	l.stats.IP.Inc(snmp.IPFragFails)
	p.Release()
	return unix.EMSGSIZE
}
