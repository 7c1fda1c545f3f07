package udp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// RecvMsg is udp_recvmsg (MSG_OOB means nothing to UDP and is ignored):
// MSG_ERRQUEUE reads the error queue; otherwise a
// pending error is returned first, then the first datagram (checked now,
// as Linux checks UDP checksums when the application reads), with its
// source as msg_name and the control messages asked for; MSG_TRUNC in
// flags returns the datagram's real length.
func (s *sock) RecvMsg(m *socket.Msg) (int, error) {
	if m.Flags&unix.MSG_ERRQUEUE != 0 {
		return s.RecvError(m)
	}
	peek := m.Flags&unix.MSG_PEEK != 0
	nonblock := m.Flags&unix.MSG_DONTWAIT != 0 || s.Nonblocking()
	start := s.Now()
	for {
		if e := s.TakeError(); e != 0 {
			return 0, e
		}
		if n, ok := s.tryRecv(m, peek); ok {
			return n, nil
		}
		if nonblock {
			return 0, unix.EAGAIN
		}
		if s.ShutdownBits()&socket.ShutRcv != 0 {
			return 0, nil
		}
		err := s.WaitRead(func() bool {
			return s.Rcv.Len() > 0 || s.PendingError() != 0 || s.ShutdownBits()&socket.ShutRcv != 0
		}, start)
		if err != nil {
			return 0, err
		}
	}
}

// tryRecv reads the first good datagram, if any, dropping bad ones. With
// MSG_PEEK and SO_PEEK_OFF set, it reads at the peek offset (which may
// skip whole datagrams) and moves the offset on; a read moves it back
// (udp_recvmsg, skb_consume_udp).
func (s *sock) tryRecv(m *socket.Msg, peek bool) (int, bool) {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	peekOff := int(s.Opts.PeekOff.Load())
	for {
		var p *pkt.Buffer
		var drops uint32
		off := 0
		switch {
		case peek && peekOff >= 0:
			p, off, drops = s.Rcv.PeekAt(peekOff, payloadLen)
		case peek:
			p, drops = s.Rcv.PeekDrops()
		default:
			p, drops = s.Rcv.DequeueDrops()
		}
		if p == nil {
			return 0, false
		}
		if !s.checksumOK(p) {
			// csum_copy_err: the bad datagram goes, counted, and the
			// next one is tried.
			if peek {
				s.Rcv.Remove(p)
			}
			s.p.stats.UDP.Inc(snmp.UDPInCsumErrors)
			s.p.stats.UDP.Inc(snmp.UDPInErrors)
			p.Release()
			continue
		}
		u := wire.UDP(p.TransportHeader())
		ulen := u.Length() - wire.UDPHeaderLen
		payload := u[wire.UDPHeaderLen:u.Length()]
		copied := len(m.Buf)
		if copied > ulen-off {
			copied = ulen - off
		} else if copied < ulen {
			m.OutFlags |= unix.MSG_TRUNC
		}
		copy(m.Buf, payload[off:off+copied])
		if !peek {
			s.p.stats.UDP.Inc(snmp.UDPInDatagrams)
		}
		s.PutRecvCmsgs(m, p, u.DstPort(), drops)
		ip := wire.IPv4(p.NetworkHeader())
		m.Addr, m.HasAddr = netip.AddrPortFrom(ip.Src(), u.SrcPort()), true
		if !peek {
			p.Release()
		}
		n := copied
		if m.Flags&unix.MSG_TRUNC != 0 {
			n = ulen
		}
		if peekOff >= 0 {
			if peek {
				s.Opts.PeekOff.Store(int32(peekOff + n))
			} else {
				s.Opts.PeekOff.Store(int32(max(peekOff-n, 0)))
			}
		}
		return n, true
	}
}

// payloadLen is a queued datagram's payload length.
func payloadLen(p *pkt.Buffer) int {
	return wire.UDP(p.TransportHeader()).Length() - wire.UDPHeaderLen
}

// checksumOK verifies a queued datagram's checksum once (zero means none
// was sent, and is accepted).
func (s *sock) checksumOK(p *pkt.Buffer) bool {
	if p.Flags&pkt.FlagChecksumOK != 0 {
		return true
	}
	u := wire.UDP(p.TransportHeader())
	if u.Checksum() == 0 {
		p.Flags |= pkt.FlagChecksumOK
		return true
	}
	ip := wire.IPv4(p.NetworkHeader())
	if wire.Sum(u.Datagram(), wire.PseudoHeaderSum(ip.Src(), ip.Dst(), unix.IPPROTO_UDP, u.Length())) != 0xffff {
		return false
	}
	p.Flags |= pkt.FlagChecksumOK
	return true
}

// firstPacketLength is first_packet_length: the payload length of the first
// datagram with a good checksum, dropping bad ones on the way; -1 if none.
func (s *sock) firstPacketLength() int {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	for {
		p := s.Rcv.Peek()
		if p == nil {
			return -1
		}
		if s.checksumOK(p) {
			return wire.UDP(p.TransportHeader()).Length() - wire.UDPHeaderLen
		}
		s.Rcv.Dequeue()
		s.p.stats.UDP.Inc(snmp.UDPInCsumErrors)
		s.p.stats.UDP.Inc(snmp.UDPInErrors)
		p.Release()
	}
}

// Poll is udp_poll over datagram_poll.
func (s *sock) Poll() socket.Events {
	var ev socket.Events
	if s.PendingError() != 0 || s.Err.Len() > 0 {
		ev |= socket.EventErr
		if s.Opts.SelectErrQ.Load() {
			ev |= socket.EventPri
		}
	}
	sh := s.ShutdownBits()
	if sh&socket.ShutRcv != 0 {
		ev |= socket.EventRdHup | socket.Readable
	}
	if sh == socket.ShutBoth {
		ev |= socket.EventHup
	}
	if s.Rcv.Len() > 0 {
		ev |= socket.Readable
		// Check for false positives due to checksum errors.
		if !s.Nonblocking() && sh&socket.ShutRcv == 0 && s.firstPacketLength() == -1 {
			ev &^= socket.Readable
		}
	}
	if s.writable() {
		ev |= socket.Writable
	}
	return ev
}

// Ioctl is udp_ioctl: SIOCINQ is the first datagram's length, SIOCOUTQ
// the send memory held (sk_wmem_alloc_get): what a corked datagram holds,
// as inet hands every other datagram to the link at once.
func (s *sock) Ioctl(req uint) (int, error) {
	switch req {
	case socket.SIOCINQ:
		return max(s.firstPacketLength(), 0), nil
	case socket.SIOCOUTQ:
		return int(s.wmem.Load()), nil
	}
	return 0, unix.ENOTTY
}

// MTU is IP_MTU: the connected route's MTU, at most IP_MAX_MTU (65535:
// lo's 65536 reads as 65535, as ipv4_mtu caps it).
func (s *sock) MTU() (int, bool) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.rt == nil {
		return 0, false
	}
	return min(s.rt.MTU, 0xffff), true
}
