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

// SendMsg is inet_sendmsg and udp_sendmsg. With UDP_CORK set or MSG_MORE
// the data is corked (see cork.go) instead of sent.
func (s *sock) SendMsg(m *socket.Msg) (int, error) {
	// inet_send_prepare: an unbound socket is bound first, before the
	// arguments are looked at.
	s.Mu.Lock()
	if err := s.autobindLocked(); err != nil {
		s.Mu.Unlock()
		return 0, err
	}
	n := len(m.Buf)
	if n > 0xffff {
		s.Mu.Unlock()
		return 0, unix.EMSGSIZE
	}
	if m.Flags&unix.MSG_OOB != 0 {
		s.Mu.Unlock()
		return 0, unix.EOPNOTSUPP
	}
	corkreq := s.corkflag.Load() || m.Flags&unix.MSG_MORE != 0
	if s.cork.p != nil {
		// do_append_data: with a datagram pending, the address, the
		// control messages and the other flags are not looked at.
		err := s.appendLocked(m.Buf, corkreq)
		s.Mu.Unlock()
		return s.sendResult(n, err)
	}
	connected, remote, saddr, rt, flow := s.connected, s.remote, s.saddr, s.rt, s.flow
	local := s.local
	s.Mu.Unlock()

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
	ttl := 0 // ipc.ttl: only a control message sets it
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
		ttl = sc.TTL
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
		useCached = false
	} else if oif == 0 {
		oif = int(o.UcIndex.Load())
	}
	if saddr == anyAddr {
		saddr = netip.Addr{}
	}
	var r route.OutputResult
	if useCached && rt != nil {
		// The connected fast path sends by the socket's flow
		// (inet->cork.fl), which a corked send elsewhere since the
		// connect has rewritten (checked on the kernel).
		r = *rt
		dst = flow.dst
		sp.Dst, sp.Src = flow.dst.Addr(), flow.src
		if sp.Dst != r.Dst {
			r.NextHop = nextHop(&r, sp.Dst)
		}
	} else {
		var err error
		// A source route's first hop is where the datagram goes
		// (udp_sendmsg's faddr); daddr stays its final destination.
		r, err = s.p.env.FIB.Output(route.Flow{Dst: ipv4.FirstHop(sp.Options, daddr), Src: saddr, Oif: oif, Proto: unix.IPPROTO_UDP,
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
		sp.Dst, sp.Src = r.Dst, r.Src
		if len(sp.Options) > 0 && ipv4.FirstHop(sp.Options, daddr) != daddr {
			sp.Dst = daddr
		}
	}
	if corkreq {
		s.Mu.Lock()
		err := s.corkLocked(m.Buf, &sp, &r, dst.Port(), ttl)
		s.Mu.Unlock()
		return s.sendResult(n, err)
	}
	// ip_make_skb: __ip_append_data's checks, for one datagram (its
	// flow's destination is a source route's first hop).
	mtu := fragSize(&r)
	pmtu := o.PMTUDisc.Load()
	if err := s.appendCheck(0, wire.UDPHeaderLen+n, len(sp.Options), mtu, pmtu, ipv4.FirstHop(sp.Options, sp.Dst), remote.Port()); err != nil {
		return 0, err
	}
	if err := s.allocCheck(); err != nil {
		return 0, err
	}
	sp.TTL = s.ttlFor(ttl, &r)
	setDF(&sp, pmtu, wire.IPv4MinHeaderLen+len(sp.Options)+wire.UDPHeaderLen+n, r.MTU)
	if connected {
		sp.ID = &s.id
	}
	p := pkt.Get(pkt.DefaultHeadroom+len(sp.Options), wire.UDPHeaderLen+n)
	copy(p.Bytes()[wire.UDPHeaderLen:], m.Buf)
	return s.sendResult(n, s.transmit(p, &sp, &r, local.Port(), dst.Port()))
}

// sendResult is udp_sendmsg's ending: the length sent, or the error,
// an ENOBUFS counted as Udp:SndbufErrors.
func (s *sock) sendResult(n int, err error) (int, error) {
	if err != nil {
		if err == unix.ENOBUFS {
			s.p.stats.UDP.Inc(snmp.UDPSndbufErrors)
		}
		return 0, err
	}
	return n, nil
}

// fragSize is cork->fragsize: the route's MTU, at most IP_MAX_MTU (lo's
// 65536 counts as 65535, as ipv4_mtu caps it).
func fragSize(r *route.OutputResult) int {
	if r.MTU <= 0 || r.MTU > wire.IPv4MaxPacket {
		return wire.IPv4MaxPacket
	}
	return r.MTU
}

// ignoreDF is ip_sk_ignore_df: the host may fragment what it sends.
func ignoreDF(pmtu int32) bool { return pmtu < unix.IP_PMTUDISC_DO || pmtu == unix.IP_PMTUDISC_OMIT }

// appendCheck is __ip_append_data's size check: length more bytes on top
// of the corked ones (the UDP header counts in the first) must fit in
// IP_MAX_MTU, or in the MTU when the host may not fragment; else EMSGSIZE,
// reported to IP_RECVERR as a local error with the connected peer's port
// (inet_dport) and the MTU less the options.
func (s *sock) appendCheck(corked, length, optLen, mtu int, pmtu int32, daddr netip.Addr, dport uint16) error {
	limit := mtu
	if ignoreDF(pmtu) {
		limit = wire.IPv4MaxPacket
	}
	if corked+length > limit-wire.IPv4MinHeaderLen-optLen {
		s.LocalError(unix.EMSGSIZE, netip.AddrPortFrom(daddr, dport), uint32(mtu-optLen))
		return unix.EMSGSIZE
	}
	return nil
}

// allocCheck is sock_alloc_send_skb's refusals when a datagram's first
// buffer is taken: a pending error is reported (and cleared) instead of
// sending, and a socket shut down for sending answers EPIPE. Failing here
// is failing in __ip_append_data after the size checks: Ip:OutDiscards.
func (s *sock) allocCheck() error {
	if e := s.TakeError(); e != 0 {
		s.p.stats.IP.Inc(snmp.IPOutDiscards)
		return e
	}
	if s.ShutdownBits()&socket.ShutSend != 0 {
		s.p.stats.IP.Inc(snmp.IPOutDiscards)
		return unix.EPIPE
	}
	return nil
}

// ttlFor is __ip_make_skb's TTL: the IP_TTL control message's, else
// IP_MULTICAST_TTL on a multicast route, else the socket's IP_TTL (or
// ip_default_ttl).
func (s *sock) ttlFor(cmsgTTL int, r *route.OutputResult) uint8 {
	switch {
	case cmsgTTL != 0:
		return uint8(cmsgTTL)
	case r.Type == route.TypeMulticast:
		return uint8(s.Opts.McTTL.Load())
	}
	return s.TTL()
}

// setDF is __ip_make_skb's DF bit: always under IP_PMTUDISC_DO and PROBE,
// under WANT when the datagram fits the path MTU; a DF datagram the host
// may still fragment is marked IgnoreDF.
func setDF(sp *ipv4.SendParams, pmtu int32, total, mtu int) {
	sp.IgnoreDF = ignoreDF(pmtu)
	sp.DF = pmtu == unix.IP_PMTUDISC_DO || pmtu == unix.IP_PMTUDISC_PROBE ||
		(pmtu == unix.IP_PMTUDISC_WANT && (mtu == 0 || total <= mtu))
}

// nextHop is rt_nexthop: a gateway route's gateway, else the destination
// the header names (which may not be the one the route was chosen for).
func nextHop(r *route.OutputResult, dst netip.Addr) netip.Addr {
	if r.NextHop != r.Dst {
		return r.NextHop
	}
	return dst
}

// transmit is udp_send_skb: p holds room for the UDP header and the data;
// the header and checksum (over sp's addresses) are written and the
// datagram goes to IP. ENOBUFS from below is reported only with
// IP_RECVERR; without it the datagram counts as Udp:SndbufErrors and the
// send succeeds.
func (s *sock) transmit(p *pkt.Buffer, sp *ipv4.SendParams, r *route.OutputResult, sport, dport uint16) error {
	b := p.Bytes()
	h := wire.UDPHeader{SrcPort: sport, DstPort: dport, Length: len(b)}
	h.Emit(b)
	if !s.Opts.NoCheck.Load() {
		// Over the header's destination: a source route's first hop.
		c := wire.TransportChecksum(sp.Src, ipv4.FirstHop(sp.Options, sp.Dst), unix.IPPROTO_UDP, b)
		if c == 0 {
			c = 0xffff
		}
		wire.UDP(b).SetChecksum(c)
	}
	if err := s.p.ip.OutputRoute(p, sp, r); err != nil {
		if err == unix.ENOBUFS && !s.Opts.RecvErr.Load() {
			s.p.stats.UDP.Inc(snmp.UDPSndbufErrors)
			return nil
		}
		return err
	}
	s.p.stats.UDP.Inc(snmp.UDPOutDatagrams)
	return nil
}
