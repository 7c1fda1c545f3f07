package udp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// Receive is __udp4_lib_rcv: p's front is the UDP header.
func (p *Proto) Receive(pk *pkt.Buffer) {
	st := &p.stats.UDP
	b := pk.Bytes()
	if len(b) < wire.UDPHeaderLen {
		st.Inc(snmp.UDPInErrors)
		pk.Release()
		return
	}
	u := wire.UDP(b)
	ulen := u.Length()
	if ulen > len(b) || ulen < wire.UDPHeaderLen {
		st.Inc(snmp.UDPInErrors) // short packet
		pk.Release()
		return
	}
	pk.Truncate(ulen)
	ip := wire.IPv4(pk.NetworkHeader())
	saddr, daddr := ip.Src(), ip.Dst()
	sport, dport := u.SrcPort(), u.DstPort()
	pk.TrimFront(0)
	// udp4_csum_init: a datagram of at most CHECKSUM_BREAK (76) bytes is
	// verified now, a longer one when it is read (or found to have no
	// socket).
	if ulen <= checksumBreak {
		if !checksumGood(pk) {
			st.Inc(snmp.UDPInCsumErrors)
			st.Inc(snmp.UDPInErrors)
			pk.Release()
			return
		}
		pk.Flags |= pkt.FlagChecksumOK
	}
	if rt := route.Type(pk.RouteType); rt == route.TypeBroadcast || rt == route.TypeMulticast {
		p.broadcastDeliver(pk, saddr, sport, daddr, dport)
		return
	}
	p.mu.RLock()
	s := p.lookup(saddr, sport, daddr, dport, pk.IfIndex)
	p.mu.RUnlock()
	if s != nil {
		s.queue(pk)
		return
	}
	// No socket: drop silently if the checksum is wrong, else count and
	// answer port unreachable.
	if !checksumGood(pk) {
		st.Inc(snmp.UDPInCsumErrors)
		st.Inc(snmp.UDPInErrors)
		pk.Release()
		return
	}
	st.Inc(snmp.UDPNoPorts)
	p.ip.SendError(pk, wire.ICMPDestUnreach, wire.ICMPPortUnreach, 0)
	pk.Release()
}

// checksumBreak is CHECKSUM_BREAK: below it checksums are not deferred.
const checksumBreak = 76

func checksumGood(pk *pkt.Buffer) bool {
	if pk.Flags&pkt.FlagChecksumOK != 0 {
		return true
	}
	u := wire.UDP(pk.TransportHeader())
	if u.Checksum() == 0 {
		return true
	}
	ip := wire.IPv4(pk.NetworkHeader())
	return wire.Sum(u.Datagram(), wire.PseudoHeaderSum(ip.Src(), ip.Dst(), unix.IPPROTO_UDP, u.Length())) == 0xffff
}

// broadcastDeliver is __udp4_lib_mcast_deliver for broadcasts: every
// matching socket gets a copy; none at all counts IgnoredMulti.
func (p *Proto) broadcastDeliver(pk *pkt.Buffer, saddr netip.Addr, sport uint16, daddr netip.Addr, dport uint16) {
	p.mu.RLock()
	var first *sock
	var others []*sock
	for _, s := range p.ports[dport] {
		if !s.broadcastMatch(daddr, saddr, sport, pk.IfIndex) {
			continue
		}
		if first == nil {
			first = s
		} else {
			others = append(others, s)
		}
	}
	p.mu.RUnlock()
	if first == nil {
		p.stats.UDP.Inc(snmp.UDPIgnoredMulti)
		pk.Release()
		return
	}
	for _, s := range others {
		s.queue(pk.Clone())
	}
	first.queue(pk)
}

// queue is udp_queue_rcv_one_skb and __udp_queue_rcv_skb: note what
// IP_PKTINFO needs now, then charge the receive buffer (RcvbufErrors and
// InErrors when full).
func (s *sock) queue(pk *pkt.Buffer) {
	if s.Opts.Cmsg()&socketCmsgPktInfo == 0 {
		pk.Flags |= pkt.FlagNoPktInfo
	}
	ip := wire.IPv4(pk.NetworkHeader())
	if !s.Rcv.Enqueue(pk, pkt.Truesize(ip.TotalLen())) {
		s.AddDrop()
		s.p.stats.UDP.Inc(snmp.UDPRcvbufErrors)
		s.p.stats.UDP.Inc(snmp.UDPInErrors)
		pk.Release()
	}
}

// Error is __udp4_lib_err: find the socket that sent the quoted datagram;
// with IP_RECVERR queue the error and set sk_err; without, set sk_err only
// for a hard error on a connected socket.
func (p *Proto) Error(e *ipv4.ICMPError) {
	q := e.QuotedHeader()
	t := e.QuotedTransport()
	if len(t) < wire.UDPHeaderLen {
		return
	}
	sport, dport := uint16(t[0])<<8|uint16(t[1]), uint16(t[2])<<8|uint16(t[3])
	p.mu.RLock()
	s := p.lookup(q.Dst(), dport, q.Src(), sport, e.IfIndex)
	p.mu.RUnlock()
	if s == nil {
		p.stats.ICMP.Inc(snmp.ICMPInErrors)
		return
	}
	var errno unix.Errno
	hard := false
	switch e.Type {
	case wire.ICMPSourceQuench:
		return
	case wire.ICMPParameterProb:
		errno, hard = unix.EPROTO, true
	case wire.ICMPDestUnreach:
		if e.Code == wire.ICMPFragNeeded {
			// Path MTU discovery proper arrives with the PMTU issue.
			if s.Opts.PMTUDisc.Load() == unix.IP_PMTUDISC_DONT {
				return
			}
			errno, hard = unix.EMSGSIZE, true
			break
		}
		errno, hard = ipv4.ICMPErrno(e.Type, e.Code)
		if errno == 0 {
			errno = unix.EHOSTUNREACH
		}
	case wire.ICMPRedirect:
		return
	default: // time exceeded and the rest
		errno = unix.EHOSTUNREACH
	}
	if s.Opts.RecvErr.Load() {
		hl := int(e.Quoted[0]&0xf) * 4
		payload := e.Quoted[hl+wire.UDPHeaderLen:]
		// The entry and sk_err as one step (Linux sets sk_err just
		// after queueing, on the same CPU, before a reader runs).
		s.QueueICMPErrorSetError(errno, e.Type, e.Code, e.Info, e.Offender,
			netip.AddrPortFrom(q.Dst(), dport), payload, e.IPHeader, e.IfIndex, e.SpecDst, e.Stamp, e.Truesize)
		return
	}
	s.p.mu.RLock()
	connected := s.connected
	s.p.mu.RUnlock()
	if !hard || !connected {
		return
	}
	s.SetError(errno)
}
