package tcp_test

import (
	"encoding/binary"
	"net/netip"
	"testing"

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
			s.knownDiff("SO_ERROR = 113", "SO_ERROR = 0",
				"socket: SO_ERROR should fall back to the protocol's soft error (tcp's TakeSoftError), as sock_getsockopt reads sk_err_soft")
			s.state(c)
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
		{"source quench", func(s *script, p *peer, c hsock, syn seg) {
			s.sendICMP(p, syn, 4, 0, 0)
			s.state(c)
		}},
	})
}
