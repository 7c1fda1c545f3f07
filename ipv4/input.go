package ipv4

import (
	"encoding/binary"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// Input processes one received packet whose front is the IPv4 header (the
// link header already removed), with p.IfIndex and p.PktType set. It takes
// ownership of p. The checks and their counters follow Linux's ip_rcv_core
// in its order.
func (l *Layer) Input(p *pkt.Buffer) {
	s := l.stats
	if p.PktType == pkt.PacketOtherHost {
		// Frames for another host never reach IP (ip_rcv_core drops
		// them before counting).
		p.Release()
		return
	}
	b := p.Bytes()
	s.IP.Inc(snmp.IPInReceives)
	s.IPExt.Add(snmp.IPExtInOctets, uint64(len(b)))
	if len(b) < wire.IPv4MinHeaderLen || b[0]>>4 != 4 || b[0]&0xf < 5 {
		l.dropHdr(p)
		return
	}
	s.IPExt.Inc(snmp.IPExtInNoECTPkts + int(b[1]&3))
	hl := int(b[0]&0xf) * 4
	if hl > len(b) {
		l.dropHdr(p)
		return
	}
	if wire.Checksum(b[:hl]) != 0 {
		s.IPExt.Inc(snmp.IPExtInCsumErrors)
		l.dropHdr(p)
		return
	}
	tl := int(binary.BigEndian.Uint16(b[2:]))
	if tl > len(b) {
		s.IPExt.Inc(snmp.IPExtInTruncatedPkts)
		p.Release()
		return
	}
	if tl < hl {
		l.dropHdr(p)
		return
	}
	p.Truncate(tl) // drop link padding
	p.SetNetworkHeader()
	if !l.hook(HookPreRouting, p, p.IfIndex, 0) {
		return
	}
	l.route(p)
}

func (l *Layer) dropHdr(p *pkt.Buffer) {
	l.stats.IP.Inc(snmp.IPInHdrErrors)
	p.Release()
}

// route makes the input route decision (ip_rcv_finish) and dispatches.
func (l *Layer) route(p *pkt.Buffer) {
	h := wire.IPv4(p.Bytes())
	var rt route.Type
	var res route.InputResult
	if p.Flags&pkt.FlagLoopedBack != 0 && p.RouteType != 0 {
		// Looped back by our own output: the output route decided.
		rt = route.Type(p.RouteType)
		if rt == route.TypeLocal {
			p.SpecDst = h.Dst()
		} else if !p.SpecDst.IsValid() {
			p.SpecDst = h.Src()
		}
	} else {
		d := l.dev(p.IfIndex)
		var o route.InputOptions
		if d != nil {
			o = route.InputOptions{
				Forwarding:    on(d.conf.forwarding),
				RouteLocalnet: on(d.conf.routeLocalnet) || on(d.conf.allLocalnet),
				AcceptLocal:   on(d.conf.acceptLocal) || on(d.conf.allAcceptLoc),
			}
		}
		o.Proto = h.Protocol()
		l.stats.RtCache.Inc(snmp.RtInSlowTot)
		var err error
		res, err = l.fib.Input(h.Dst(), h.Src(), p.IfIndex, o)
		if err != nil {
			if err == route.ErrMartianSource {
				l.stats.RtCache.Inc(snmp.RtInMartianSrc)
			} else {
				l.stats.RtCache.Inc(snmp.RtInMartianDst)
			}
			p.Release()
			return
		}
		rt = res.Type
		p.SpecDst = res.SpecDst
	}
	p.RouteType = uint8(rt)
	var opts wire.IPv4OptionsInfo
	if h.HeaderLen() > wire.IPv4MinHeaderLen {
		var ok bool
		if opts, ok = l.inputOptions(p); !ok {
			return
		}
	}
	n := uint64(h.TotalLen())
	switch rt {
	case route.TypeMulticast:
		l.stats.IPExt.Inc(snmp.IPExtInMcastPkts)
		l.stats.IPExt.Add(snmp.IPExtInMcastOctets, n)
	case route.TypeBroadcast:
		if res.Type == route.TypeBroadcast {
			// brd_input of ip_route_input_slow; a looped-back copy
			// keeps its output route and is not counted.
			l.stats.RtCache.Inc(snmp.RtInBrd)
		}
		l.stats.IPExt.Inc(snmp.IPExtInBcastPkts)
		l.stats.IPExt.Add(snmp.IPExtInBcastOctets, n)
	}
	switch rt {
	case route.TypeLocal, route.TypeBroadcast:
		l.localDeliver(p)
	case route.TypeMulticast:
		if l.isMember(p) {
			l.localDeliver(p)
		} else {
			p.Release()
		}
	case route.TypeUnicast:
		l.forward(p, res.Route, &opts)
	default:
		l.inputError(p, res)
	}
}

// isMember reports whether this host is a member of the packet's group on
// its interface. Until the multicast issue adds IGMP, the only group is
// all-hosts, 224.0.0.1, which every host joins (RFC 1112 section 4).
func (l *Layer) isMember(p *pkt.Buffer) bool {
	d := wire.IPv4(p.Bytes()).Dst().As4()
	return d == [4]byte{224, 0, 0, 1}
}

// inputError is ip_error: a packet that is neither ours nor forwarded.
// ip_route_input_slow counted it under in_no_route on its way here.
func (l *Layer) inputError(p *pkt.Buffer, res route.InputResult) {
	l.stats.RtCache.Inc(snmp.RtInNoRoute)
	d := l.dev(p.IfIndex)
	if d == nil || !on(d.conf.forwarding) {
		switch res.Err {
		case unix.EHOSTUNREACH:
			l.stats.IP.Inc(snmp.IPInAddrErrors)
		case unix.ENETUNREACH:
			l.stats.IPExt.Inc(snmp.IPExtInNoRoutes)
		}
		p.Release()
		return
	}
	code := uint8(0)
	switch {
	case res.Type == route.TypeProhibit:
		code = wire.ICMPPktFiltered
	case res.Type == route.TypeBlackhole:
		p.Release()
		return
	case res.Err == unix.ENETUNREACH:
		l.stats.IPExt.Inc(snmp.IPExtInNoRoutes)
		code = wire.ICMPNetUnreach
	default:
		code = wire.ICMPHostUnreach
	}
	if l.ipErrorAllow(wire.IPv4(p.Bytes()).Src(), l.clk.Now()) {
		l.SendError(p, wire.ICMPDestUnreach, code, 0)
	}
	p.Release()
}

// localDeliver is ip_local_deliver: reassembly, the LOCAL_IN hook, raw
// sockets, then the transport protocol.
func (l *Layer) localDeliver(p *pkt.Buffer) {
	h := wire.IPv4(p.Bytes())
	if h.IsFragment() {
		l.reassemble(p)
		return
	}
	if !l.hook(HookLocalIn, p, p.IfIndex, 0) {
		return
	}
	l.deliverTransport(p)
}

// deliverTransport is ip_local_deliver_finish / ip_protocol_deliver_rcu.
func (l *Layer) deliverTransport(p *pkt.Buffer) {
	h := wire.IPv4(p.Bytes())
	proto := h.Protocol()
	raw := false
	if re := l.raw.Load(); re != nil {
		raw = re.h.Deliver(proto, p)
	}
	if pe := l.protos[proto].Load(); pe != nil {
		l.stats.IP.Inc(snmp.IPInDelivers)
		p.TrimFront(h.HeaderLen())
		p.SetTransportHeader()
		pe.p.Receive(p)
		return
	}
	if raw {
		l.stats.IP.Inc(snmp.IPInDelivers)
		p.Release()
		return
	}
	l.stats.IP.Inc(snmp.IPInUnknownProtos)
	l.SendError(p, wire.ICMPDestUnreach, wire.ICMPProtUnreach, 0)
	p.Release()
}

// reassemble will put fragments back together (the fragmentation issue);
// until then a fragment counts as a failed reassembly.
func (l *Layer) reassemble(p *pkt.Buffer) {
	l.stats.IP.Inc(snmp.IPReasmReqds)
	l.stats.IP.Inc(snmp.IPReasmFails)
	p.Release()
}
