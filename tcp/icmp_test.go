package tcp_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// icmpFor builds an ICMP error from the peer's address quoting the host
// segment x (its IP header and first eight bytes, as a router would).
func icmpFor(x seg, typ, code uint8, mtu uint16) []byte {
	q := x.build(hostIP, peerIP)
	q = q[:28]
	binary.BigEndian.PutUint16(q[2:], uint16(20+x.doff+len(x.data)))
	q[8] = x.ttl
	wire.IPv4(q).ComputeChecksum()
	m := make([]byte, 8+len(q))
	m[0], m[1] = typ, code
	binary.BigEndian.PutUint16(m[6:], mtu)
	copy(m[8:], q)
	wire.ICMP(m).ComputeChecksum()
	pk := make([]byte, 20+len(m))
	h := wire.IPv4Header{TotalLen: len(pk), TTL: 64, Protocol: wire.ProtoICMP, Src: peerIP, Dst: hostIP}
	h.Emit(pk)
	copy(pk[20:], m)
	return pk
}

// sendICMP injects an ICMP error about x and records the answers.
func (s *script) sendICMP(p *peer, x seg, typ, code uint8, mtu uint16) {
	s.note("> ICMP %d/%d mtu %d about seq %s", typ, code, mtu, rel(x.seq, p.hiss, "h"))
	s.w.inject(icmpFor(x, typ, code, mtu))
	s.take(p)
}

func TestICMPErrors(t *testing.T) {
	runEstSockCases(t, []estSockCase{
		{"fragmentation needed", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, make([]byte, 1400), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 4, 1000)
			}
			v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
			v, err = c.getInt(unix.IPPROTO_IP, unix.IP_MTU)
			s.call("IP_MTU", v, err)
			s.hsend(c, make([]byte, 1400), 0)
			s.take(p)
		}},
		{"fragmentation needed below the floor", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, make([]byte, 1400), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 4, 300)
			}
			v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
		}},
		{"fragmentation needed out of window", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, make([]byte, 1400), 0)
			x := s.take(p)
			if len(x) == 1 {
				x[0].seq += 100000
				s.sendICMP(p, x[0], 3, 4, 1000)
			}
			v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
		}},
		{"host unreachable is soft", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 1, 0)
				s.sendICMP(p, x[0], 3, 3, 0)
				s.sendICMP(p, x[0], 3, 2, 0)
				s.sendICMP(p, x[0], 11, 0, 0)
			}
			// SO_ERROR reports the last soft error and clears it.
			s.state(c)
			s.soError(c)
		}},
		{"soft error goes with an ACK", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 3, 0)
			}
			p.rcv += 4
			s.send(p, p.mk(fACK, nil))
			s.state(c)
		}},
		{"soft error then TCP_USER_TIMEOUT", func(s *script, p *peer, c hsock) {
			// tcp_write_err: the connection dies with the soft error
			// rather than ETIMEDOUT, and sk_err_soft stays for SO_ERROR.
			s.call("TCP_USER_TIMEOUT", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 1000))
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 3, 0)
			}
			s.sleep(p, 2500*time.Millisecond)
			s.state(c)
			s.soError(c)
		}},
		{"soft error read before TCP_USER_TIMEOUT", func(s *script, p *peer, c hsock) {
			s.call("TCP_USER_TIMEOUT", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 1000))
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 3, 0)
			}
			s.soError(c)
			s.sleep(p, 2500*time.Millisecond)
			s.state(c)
		}},
		{"soft error then tcp_retries2", func(s *script, p *peer, c hsock) {
			s.w.sysctl("net.ipv4.tcp_retries2", "2")
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 1, 0)
			}
			s.sleep(p, 4500*time.Millisecond)
			s.state(c)
			s.soError(c)
		}},
		{"soft error then keepalive", func(s *script, p *peer, c hsock) {
			for _, o := range []struct{ name, v int }{{unix.TCP_KEEPIDLE, 1}, {unix.TCP_KEEPINTVL, 1}, {unix.TCP_KEEPCNT, 1}} {
				mustNil(s.t, c.setInt(unix.IPPROTO_TCP, o.name, o.v))
			}
			mustNil(s.t, c.setInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1))
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			p.rcv += 4
			s.send(p, p.mk(fACK, nil))
			if len(x) == 1 {
				// About snd_una = snd_nxt: still in the window.
				x[0].seq += 4
				x[0].data = nil
				s.sendICMP(p, x[0], 3, 3, 0)
			}
			s.sleep(p, 3*time.Second)
			s.state(c)
			s.soError(c)
		}},
		{"soft error then zero-window probes", func(s *script, p *peer, c hsock) {
			s.call("TCP_USER_TIMEOUT", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 1000))
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			p.rcv += 4
			p.win = 0
			s.send(p, p.mk(fACK, nil))
			s.hsend(c, []byte("more"), 0)
			s.take(p)
			if len(x) == 1 {
				x[0].seq += 4
				x[0].data = nil
				s.sendICMP(p, x[0], 3, 3, 0)
			}
			s.sleep(p, 2500*time.Millisecond)
			s.state(c)
			s.soError(c)
		}},
		{"host unreachable with IP_RECVERR", func(s *script, p *peer, c hsock) {
			s.call("IP_RECVERR", 0, c.setInt(unix.IPPROTO_IP, unix.IP_RECVERR, 1))
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 1, 0)
			}
			s.state(c)
			s.hsend(c, []byte("more"), 0)
			s.take(p)
		}},
	})
}

func TestICMPActiveOpen(t *testing.T) {
	runActiveCases(t, []activeCase{
		{"port unreachable", func(s *script, p *peer, c hsock, syn seg) {
			s.sendICMP(p, syn, 3, 3, 0)
			s.state(c)
			s.call("connect again", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort)))
		}},
		{"host unreachable", func(s *script, p *peer, c hsock, syn seg) {
			s.sendICMP(p, syn, 3, 1, 0)
			s.state(c)
		}},
		{"time exceeded", func(s *script, p *peer, c hsock, syn seg) {
			s.sendICMP(p, syn, 11, 0, 0)
			s.state(c)
		}},
		{"unreachable about another sequence", func(s *script, p *peer, c hsock, syn seg) {
			syn.seq += 1000
			s.sendICMP(p, syn, 3, 3, 0)
			s.state(c)
		}},
		{"host unreachable on the error queue", func(s *script, p *peer, c hsock, syn seg) {
			// tcp_v4_err queues a handshake's error whatever
			// IP_RECVERR says; POLLERR lasts until it is read.
			s.sendICMP(p, syn, 3, 1, 0)
			s.soError(c)
			s.note("poll %s", pollString(c.poll()))
			s.errQueue(c)
			s.note("poll %s", pollString(c.poll()))
			s.errQueue(c)
		}},
		{"source quench", func(s *script, p *peer, c hsock, syn seg) {
			s.sendICMP(p, syn, 4, 0, 0)
			s.state(c)
		}},
		{"soft error outlives a disconnect", func(s *script, p *peer, c hsock, syn seg) {
			// A soft error of the old connection is still there when
			// the next connect times out in SYN-SENT (tcp_write_err).
			s.send(p, p.synAck(nil))
			p.hold = true
			s.hsend(c, []byte("data"), 0)
			x := s.take(p)
			if len(x) == 1 {
				s.sendICMP(p, x[0], 3, 3, 0)
			}
			s.call("disconnect", 0, c.disconnect())
			s.take(p)
			s.call("TCP_SYNCNT", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_SYNCNT, 1))
			s.call("connect", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort)))
			s.sleep(p, 5*time.Second)
			s.state(c)
			s.soError(c)
		}},
	})
}

// soError records what SO_ERROR says now.
func (s *script) soError(c hsock) {
	v, err := c.getInt(unix.SOL_SOCKET, unix.SO_ERROR)
	s.call("SO_ERROR", v, err)
}

// errQueue records what recvmsg(MSG_ERRQUEUE) returns: the payload's
// length and the IP_RECVERR message (sock_extended_err and the offender).
func (s *script) errQueue(c hsock) {
	b, oob := make([]byte, 64), make([]byte, 256)
	n, oobn, err := c.recvErr(b, oob)
	if err != nil {
		s.call("recvmsg ERRQUEUE", n, err)
		return
	}
	s.note("recvmsg ERRQUEUE = %d", n)
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		s.note("  control messages: %v", err)
		return
	}
	for _, m := range msgs {
		d := m.Data
		if m.Header.Level != unix.SOL_IP || m.Header.Type != unix.IP_RECVERR || len(d) < 32 {
			s.note("  cmsg level %d type %d len %d", m.Header.Level, m.Header.Type, len(d))
			continue
		}
		// struct sock_extended_err, then the offender's sockaddr_in.
		ne := binary.NativeEndian
		off := netip.AddrFrom4([4]byte(d[20:24]))
		s.note("  IP_RECVERR errno %s origin %d type %d code %d info %d data %d offender family %d %v",
			errName(unix.Errno(ne.Uint32(d[0:]))), d[4], d[5], d[6], ne.Uint32(d[8:]), ne.Uint32(d[12:]), ne.Uint16(d[16:]), off)
	}
}
