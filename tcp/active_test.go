package tcp_test

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// An active case has the host connect to the peer's port; run gets the
// SYN the host sent and the socket.
type activeCase struct {
	name string
	run  func(s *script, p *peer, c hsock, syn seg)
}

func runActiveCases(t *testing.T, cases []activeCase) { runActiveCasesSetup(t, nil, cases) }

// runActiveCasesSetup is runActiveCases with setup run on the socket
// before it connects.
func runActiveCasesSetup(t *testing.T, setup func(s *script, c hsock), cases []activeCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffScript(t, func(s *script) {
				so := s.w.socket()
				if setup != nil {
					setup(s, so)
				}
				err := so.connect(netip.AddrPortFrom(peerIP, peerPort))
				s.call("connect", 0, err)
				syn := only(t, s.w.answers(), "SYN")
				p := newPeer(s.w, syn.sport, peerPort)
				p.hiss, p.rcv = syn.seq, syn.seq+1
				p.tsEcr = syn.o.TSVal
				s.segs(p, []seg{syn})
				c.run(s, p, so, syn)
				s.counters()
			})
		})
	}
}

// synAck returns the peer's SYN-ACK to syn with opts (Linux's, echoing
// the SYN's timestamp, if nil).
func (p *peer) synAck(opts []byte) seg {
	if opts == nil {
		opts = cat(oMSS(1460), []byte{4, 2}, []byte{8, 10, byte(p.tsVal >> 24), byte(p.tsVal >> 16), byte(p.tsVal >> 8), byte(p.tsVal),
			byte(p.tsEcr >> 24), byte(p.tsEcr >> 16), byte(p.tsEcr >> 8), byte(p.tsEcr)}, oWS(7))
	}
	p.nxt = p.iss
	return seg{sport: p.pport, dport: p.hport, seq: p.iss, ack: p.rcv, flags: fSYN | fACK, win: p.win, opts: opts}
}

// state records what the socket calls say about a connection.
func (s *script) state(c hsock) {
	n, err := c.recv(make([]byte, 16), 0)
	s.call("recv", n, err)
	v, err := c.getInt(unix.SOL_SOCKET, unix.SO_ERROR)
	s.call("SO_ERROR", v, err)
	s.note("poll %s", pollString(c.poll()))
}

// fullState records state plus the TCP_INFO state, the peer's name and
// what send says (which may send a segment: the transcript shows it).
func (s *script) fullState(p *peer, c hsock) {
	s.state(c)
	if b, err := c.getBytes(unix.IPPROTO_TCP, unix.TCP_INFO, 8); err == nil && len(b) > 0 {
		s.note("tcpi_state %s", tcpStateName(b[0]))
	}
	_, err := c.peername()
	s.call("getpeername", 0, err)
	n, err := c.send([]byte("z"), 0)
	s.call("send", n, err)
	s.take(p)
}

func tcpStateName(b byte) string {
	names := []string{"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
		"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"}
	if int(b) < len(names) {
		return names[b]
	}
	return "?"
}

func pollString(ev int16) string {
	var out []string
	for _, x := range []struct {
		f int16
		n string
	}{{unix.POLLIN, "IN"}, {unix.POLLPRI, "PRI"}, {unix.POLLOUT, "OUT"}, {unix.POLLERR, "ERR"},
		{unix.POLLHUP, "HUP"}, {unix.POLLRDHUP, "RDHUP"}} {
		if ev&x.f != 0 {
			out = append(out, x.n)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	s := out[0]
	for _, o := range out[1:] {
		s += "|" + o
	}
	return s
}

func TestActiveOpen(t *testing.T) {
	runActiveCases(t, []activeCase{
		{"handshake", func(s *script, p *peer, c hsock, syn seg) {
			s.note("poll %s", pollString(c.poll()))
			s.send(p, p.synAck(nil))
			s.note("poll %s", pollString(c.poll()))
			s.call("connect again", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort)))
			n, err := c.send([]byte("hi"), 0)
			s.call("send", n, err)
			s.take(p)
		}},
		{"connect twice while in progress", func(s *script, p *peer, c hsock, syn seg) {
			s.call("connect again", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort)))
			s.call("connect elsewhere", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort+1)))
			n, err := c.send([]byte("hi"), 0)
			s.call("send", n, err)
			s.state(c)
		}},
		{"SYN-ACK without options", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, p.synAck([]byte{}))
			n, err := c.send([]byte("hi"), 0)
			s.call("send", n, err)
			s.take(p)
		}},
		{"SYN-ACK with MSS 536 and no window scale", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, p.synAck(oMSS(536)))
			n, err := c.send(make([]byte, 2000), 0)
			s.call("send", n, err)
			s.take(p)
		}},
		{"SYN-ACK acking the wrong sequence", func(s *script, p *peer, c hsock, syn seg) {
			x := p.synAck(nil)
			x.ack += 10
			s.send(p, x)
			s.state(c)
		}},
		{"SYN-ACK acking the wrong sequence, then 100 ms", func(s *script, p *peer, c hsock, syn seg) {
			x := p.synAck(nil)
			x.ack += 10
			s.send(p, x)
			s.sleep(p, 100*time.Millisecond)
		}},
		{"SYN-ACK acking the ISN", func(s *script, p *peer, c hsock, syn seg) {
			x := p.synAck(nil)
			x.ack--
			s.send(p, x)
		}},
		{"SYN-ACK echoing a timestamp never sent", func(s *script, p *peer, c hsock, syn seg) {
			p.tsEcr += 1 << 20
			s.send(p, p.synAck(nil))
			s.state(c)
		}},
		{"SYN-ACK echoing a zero timestamp", func(s *script, p *peer, c hsock, syn seg) {
			p.tsEcr = 0
			s.send(p, p.synAck(nil))
		}},
		{"RST with the right ACK", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, seg{sport: p.pport, dport: p.hport, ack: p.rcv, flags: fRST | fACK})
			s.state(c)
			s.call("connect again", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort)))
			s.take(p)
		}},
		{"RST with a wrong ACK", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, seg{sport: p.pport, dport: p.hport, ack: p.rcv + 5, flags: fRST | fACK})
			s.note("poll %s", pollString(c.poll()))
		}},
		{"RST without ACK", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, seg{sport: p.pport, dport: p.hport, seq: 5, flags: fRST})
			s.note("poll %s", pollString(c.poll()))
		}},
		{"ACK without SYN", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, seg{sport: p.pport, dport: p.hport, seq: p.iss, ack: p.rcv, flags: fACK, win: 1000})
			s.note("poll %s", pollString(c.poll()))
		}},
		{"data without flags", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: 0, win: 1000, data: []byte("x")})
		}},
		{"SYN-ACK with data", func(s *script, p *peer, c hsock, syn seg) {
			x := p.synAck(nil)
			x.data = []byte("hello")
			s.send(p, x)
			n, err := c.recv(make([]byte, 16), 0)
			s.call("recv", n, err)
		}},
		{"SYN-ACK with FIN", func(s *script, p *peer, c hsock, syn seg) {
			x := p.synAck(nil)
			x.flags |= fFIN
			s.send(p, x)
			s.state(c)
		}},
		{"simultaneous open", func(s *script, p *peer, c hsock, syn seg) {
			x := seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: p.synOpts()}
			p.nxt = p.iss
			s.send(p, x)
			s.note("poll %s", pollString(c.poll()))
			s.send(p, p.synAck(nil))
			s.note("poll %s", pollString(c.poll()))
			n, err := c.send([]byte("hi"), 0)
			s.call("send", n, err)
			s.take(p)
		}},
		{"simultaneous open then ACK", func(s *script, p *peer, c hsock, syn seg) {
			x := seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: p.synOpts()}
			p.nxt = p.iss
			s.send(p, x)
			p.ts = true
			s.send(p, p.mk(fACK, nil))
			s.note("poll %s", pollString(c.poll()))
		}},
		{"simultaneous open then RST", func(s *script, p *peer, c hsock, syn seg) {
			x := seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: p.synOpts()}
			p.nxt = p.iss
			s.send(p, x)
			p.ts = true
			s.send(p, p.mk(fRST, nil))
			s.state(c)
		}},
		{"shutdown while connecting", func(s *script, p *peer, c hsock, syn seg) {
			s.call("shutdown WR", 0, c.shutdown(unix.SHUT_WR))
			s.take(p)
			s.state(c)
		}},
		{"close while connecting", func(s *script, p *peer, c hsock, syn seg) {
			s.call("close", 0, c.close())
			s.take(p)
			s.send(p, p.synAck(nil))
		}},
	})
}
