package ipv4

import (
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// forward routes a packet through this host, as Linux's ip_forward does:
// only packets sent to our link address, TTL expiry answered with time
// exceeded, DF packets above the next hop's MTU answered with
// fragmentation needed, the TTL decremented with an incremental checksum
// update, then the FORWARD hook, the options' entries (opts is what
// input found in them) and output.
func (l *Layer) forward(p *pkt.Buffer, r *route.Route, opts *wire.IPv4OptionsInfo) {
	if p.PktType != pkt.PacketHost {
		p.Release()
		return
	}
	h := wire.IPv4(p.Bytes())
	if h.TTL() <= 1 {
		l.stats.IP.Inc(snmp.IPInHdrErrors)
		l.SendError(p, wire.ICMPTimeExceeded, wire.ICMPExcTTL, 0)
		p.Release()
		return
	}
	if r == nil {
		p.Release()
		return
	}
	// Since Linux 6.5 ip_forward counts ForwDatagrams here, before the
	// MTU check and the FORWARD hook (checked on the kernel: a DF packet
	// over the MTU counts both ForwDatagrams and FragFails).
	l.stats.IP.Inc(snmp.IPForwDatagrams)
	out := r.IfIndex
	mtu := r.MTU
	if mtu == 0 {
		mtu = l.fib.MTU(out)
	}
	if mtu > 0 && p.Len() > mtu && h.DF() {
		l.stats.IP.Inc(snmp.IPFragFails)
		l.SendError(p, wire.ICMPDestUnreach, wire.ICMPFragNeeded, uint32(mtu))
		p.Release()
		return
	}
	h.DecTTL()
	in := p.IfIndex
	if !l.hook(HookForward, p, in, out) {
		return
	}
	h = wire.IPv4(p.Bytes())
	if h.HeaderLen() > wire.IPv4MinHeaderLen {
		l.forwardOptions(h, opts, r)
	}
	nexthop := h.Dst()
	if r.Gateway.IsValid() {
		nexthop = r.Gateway
	}
	rt := route.OutputResult{Type: route.TypeUnicast, IfIndex: out, NextHop: nexthop, MTU: mtu, Route: r}
	p.Flags &^= pkt.FlagLoopedBack
	_ = l.finishOutput(p, &rt, true)
}
