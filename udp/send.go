package udp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// SendMsg is inet_sendmsg and udp_sendmsg.
func (s *sock) SendMsg(m *socket.Msg) (int, error) {
	// inet_send_prepare: an unbound socket is bound first, before the
	// arguments are looked at.
	s.Mu.Lock()
	if err := s.autobindLocked(); err != nil {
		s.Mu.Unlock()
		return 0, err
	}
	connected, remote, saddr, rt := s.connected, s.remote, s.saddr, s.rt
	local := s.local
	s.Mu.Unlock()

	n := len(m.Buf)
	if n > 0xffff {
		return 0, unix.EMSGSIZE
	}
	if m.Flags&unix.MSG_OOB != 0 {
		return 0, unix.EOPNOTSUPP
	}
	o := &s.Opts
	dst := remote
	useCached := false
	if m.Name != nil {
		sa, err := socket.ParseSockaddr(m.Name)
		if err != nil {
			return 0, err
		}
		if sa.Family != unix.AF_INET && sa.Family != unix.AF_UNSPEC {
			return 0, unix.EAFNOSUPPORT
		}
		if sa.Addr.Port() == 0 {
			return 0, unix.EINVAL
		}
		dst = sa.Addr
	} else if m.Addr.IsValid() {
		if m.Addr.Port() == 0 {
			return 0, unix.EINVAL
		}
		dst = m.Addr
	} else {
		if !connected {
			return 0, unix.EDESTADDRREQ
		}
		useCached = true
	}
	sp := ipv4.SendParams{Proto: unix.IPPROTO_UDP, TOS: uint8(o.TOS.Load()), Mark: o.Mark.Load(), Priority: o.Priority.Load()}
	ttl := int(s.TTL())
	oif := int(o.BindDev.Load())
	if p := o.IPOptions.Load(); p != nil {
		sp.Options = *p
	}
	if len(m.Control) > 0 {
		sc, err := s.ParseSendControl(m.Control)
		if err != nil {
			return 0, err
		}
		useCached = false
		if sc.HasPktInfo {
			saddr = sc.Src
			if sc.IfIndex != 0 {
				oif = sc.IfIndex
			}
		}
		if sc.TTL != 0 {
			ttl = sc.TTL
		}
		if sc.TOS >= 0 {
			sp.TOS = uint8(sc.TOS)
			sp.Priority = socket.TOSPriority(sp.TOS)
		}
		if sc.HasOptions {
			sp.Options = sc.Options
		}
		if sc.HasMark {
			sp.Mark = sc.Mark
		}
		if sc.HasPrio {
			sp.Priority = sc.Priority
		}
	}
	if len(sp.Options) > 0 {
		useCached = false
	}
	// SO_DONTROUTE, MSG_DONTROUTE: only on-link routes (RTO_ONLINK), and
	// never the connected route.
	onLink := o.DontRoute.Load() || m.Flags&unix.MSG_DONTROUTE != 0
	if onLink {
		useCached = false
	}
	daddr := dst.Addr()
	if daddr.IsMulticast() {
		if oif == 0 {
			oif = int(o.McIndex.Load())
		}
		if !saddr.IsValid() || saddr == anyAddr {
			saddr = mcAddr(&s.Base)
		}
		ttl = int(o.McTTL.Load())
		useCached = false
	} else if oif == 0 {
		oif = int(o.UcIndex.Load())
	}
	if saddr == anyAddr {
		saddr = netip.Addr{}
	}
	var r route.OutputResult
	if useCached && rt != nil {
		r = *rt
	} else {
		var err error
		r, err = s.p.env.FIB.Output(route.Flow{Dst: daddr, Src: saddr, Oif: oif, Proto: unix.IPPROTO_UDP,
			AnySrc: o.Transparent.Load(), OnLink: onLink})
		if err != nil {
			if err == unix.ENETUNREACH {
				s.p.stats.IP.Inc(snmp.IPOutNoRoutes)
			}
			return 0, err
		}
		if r.Type == route.TypeBroadcast && !o.Broadcast.Load() {
			return 0, unix.EACCES
		}
	}
	// __ip_append_data: the size limits.
	hl := wire.IPv4MinHeaderLen + len(sp.Options)
	total := hl + wire.UDPHeaderLen + n
	if total > wire.IPv4MaxPacket {
		return 0, unix.EMSGSIZE
	}
	pmtu := o.PMTUDisc.Load()
	ignoreDF := pmtu < unix.IP_PMTUDISC_DO || pmtu == unix.IP_PMTUDISC_OMIT
	mtu := r.MTU
	if !ignoreDF && mtu > 0 && total > mtu {
		// ip_local_error reports the connected peer's port (inet_dport),
		// 0 for an unconnected socket.
		s.LocalError(unix.EMSGSIZE, netip.AddrPortFrom(dst.Addr(), remote.Port()), uint32(mtu-len(sp.Options)))
		return 0, unix.EMSGSIZE
	}
	// sock_alloc_send_skb: a pending error is reported here, instead of
	// sending.
	// Failing here is failing in __ip_append_data after the size
	// checks: counted as Ip:OutDiscards.
	if e := s.TakeError(); e != 0 {
		s.p.stats.IP.Inc(snmp.IPOutDiscards)
		return 0, e
	}
	if s.ShutdownBits()&socket.ShutSend != 0 {
		s.p.stats.IP.Inc(snmp.IPOutDiscards)
		return 0, unix.EPIPE
	}
	sp.IgnoreDF = ignoreDF
	sp.DF = pmtu == unix.IP_PMTUDISC_DO || pmtu == unix.IP_PMTUDISC_PROBE ||
		(pmtu == unix.IP_PMTUDISC_WANT && (mtu == 0 || total <= mtu))
	sp.Dst = r.Dst
	sp.Src = r.Src
	sp.TTL = uint8(ttl)
	if connected {
		sp.ID = &s.id
	}
	p := pkt.Get(pkt.DefaultHeadroom+len(sp.Options), wire.UDPHeaderLen+n)
	b := p.Bytes()
	copy(b[wire.UDPHeaderLen:], m.Buf)
	h := wire.UDPHeader{SrcPort: local.Port(), DstPort: dst.Port(), Length: wire.UDPHeaderLen + n}
	h.Emit(b)
	if !o.NoCheck.Load() {
		c := wire.TransportChecksum(r.Src, r.Dst, unix.IPPROTO_UDP, b)
		if c == 0 {
			c = 0xffff
		}
		wire.UDP(b).SetChecksum(c)
	}
	if err := s.p.ip.OutputRoute(p, &sp, &r); err != nil {
		if err == unix.ENOBUFS {
			s.p.stats.UDP.Inc(snmp.UDPSndbufErrors)
		}
		return 0, err
	}
	s.p.stats.UDP.Inc(snmp.UDPOutDatagrams)
	return n, nil
}
