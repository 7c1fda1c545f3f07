package tcp_test

import (
	"net/netip"
	"testing"
	"time"
)

// A listen case runs with a listener on hostPort (backlog 8) and nothing
// on closedPort.
type listenCase struct {
	name string
	run  func(s *script, p *peer, ln hsock)
}

const closedPort = 8081

func runListenCases(t *testing.T, cases []listenCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffScript(t, func(s *script) {
				ln := s.w.socket()
				mustNil(t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
				mustNil(t, ln.listen(8))
				s.c0 = s.w.counters()
				p := newPeer(s.w, hostPort, peerPort)
				c.run(s, p, ln)
				s.counters()
			})
		})
	}
}

// syn returns the peer's SYN with opts.
func (p *peer) syn(opts []byte) seg {
	p.nxt = p.iss
	return seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: opts}
}

func TestBadInputListen(t *testing.T) {
	runListenCases(t, []listenCase{
		{"closed port SYN", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			s.send(p, p.syn(p.synOpts()))
		}},
		{"closed port ACK", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			x := p.mk(fACK, nil)
			x.ack = 12345
			s.send(p, x)
		}},
		{"closed port data without ACK", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			s.send(p, p.mk(fPSH, []byte("hello")))
		}},
		{"closed port FIN", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			s.send(p, p.mk(fFIN, nil))
		}},
		{"closed port RST", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			s.send(p, p.mk(fRST, nil))
		}},
		{"closed port bad checksum", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			s.sendRaw(p, p.syn(nil), "bad checksum", false, func(b []byte) { b[36]++ })
		}},
		{"closed port SYN+FIN", func(s *script, p *peer, _ hsock) {
			p.hport = closedPort
			s.send(p, seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN | fFIN, win: 512})
		}},
		{"listener ACK", func(s *script, p *peer, _ hsock) {
			x := p.mk(fACK, nil)
			x.ack = 12345
			s.send(p, x)
		}},
		{"listener RST", func(s *script, p *peer, _ hsock) {
			s.send(p, p.mk(fRST, nil))
		}},
		{"listener data without flags", func(s *script, p *peer, _ hsock) {
			s.send(p, p.mk(0, []byte("x")))
		}},
		{"listener SYN+FIN", func(s *script, p *peer, _ hsock) {
			x := p.syn(p.synOpts())
			x.flags |= fFIN
			s.send(p, x)
		}},
		{"listener SYN+RST", func(s *script, p *peer, _ hsock) {
			x := p.syn(p.synOpts())
			x.flags |= fRST
			s.send(p, x)
		}},
		{"listener SYN+ACK", func(s *script, p *peer, _ hsock) {
			x := p.syn(p.synOpts())
			x.flags |= fACK
			x.ack = 777
			s.send(p, x)
		}},
		{"listener SYN with data", func(s *script, p *peer, ln hsock) {
			x := p.syn(p.synOpts())
			x.data = []byte("early")
			s.send(p, x)
			p.nxt = p.iss + 1
			p.ts = true
			s.send(p, p.mk(fACK, nil))
			c, _, err := ln.accept(0)
			s.call("accept", 0, err)
			if err == nil {
				n, err := c.recv(make([]byte, 10), 0)
				s.call("recv", n, err)
			}
		}},
		{"listener SYN without options", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(nil))
		}},
		{"listener SYN with MSS 100", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(oMSS(100)))
		}},
		{"listener SYN with window scale 15", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(cat(oMSS(1460), oWS(15))))
		}},
		{"listener SYN with a short MSS option", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn([]byte{2, 3, 5, 1}))
		}},
		{"listener SYN with an option running past the header", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(cat(oMSS(1400), []byte{1, 1, 3, 9})))
		}},
		{"listener SYN with a zero-length option", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(cat([]byte{1, 1, 30, 0}, oMSS(1400))))
		}},
		{"listener SYN bad checksum", func(s *script, p *peer, _ hsock) {
			s.sendRaw(p, p.syn(p.synOpts()), "bad checksum", false, func(b []byte) { b[36]++ })
		}},
		{"land SYN", func(s *script, p *peer, _ hsock) {
			x := p.syn(nil)
			x.sport = hostPort
			b := x.build(hostIP, hostIP)
			s.note("> land SYN %v:%d > %v:%d", hostIP, hostPort, hostIP, hostPort)
			s.w.inject(b)
			s.take(p)
		}},
		{"handshake ACK with wrong ack", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			x := p.mk(fACK, nil)
			x.ack += 5
			s.send(p, x)
		}},
		{"handshake RST", func(s *script, p *peer, ln hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			s.send(p, p.mk(fRST, nil))
			s.send(p, p.mk(fACK, nil))
			_, _, err := ln.accept(0)
			s.call("accept", 0, err)
		}},
		{"handshake RST out of window", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			s.send(p, at(p.mk(fRST, nil), 1<<24))
		}},
		{"handshake SYN again", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			s.send(p, p.syn(p.synOpts()))
		}},
		{"handshake another SYN", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			x := p.syn(p.synOpts())
			x.seq += 1000
			s.send(p, x)
		}},
		{"handshake ACK with data", func(s *script, p *peer, ln hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			s.send(p, p.mk(fACK|fPSH, []byte("hello")))
			c, _, err := ln.accept(0)
			s.call("accept", 0, err)
			if err == nil {
				n, err := c.recv(make([]byte, 10), 0)
				s.call("recv", n, err)
			}
		}},
		{"handshake ACK out of window", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			s.send(p, at(p.mk(fACK, nil), 1<<24))
		}},
		{"handshake FIN", func(s *script, p *peer, ln hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			s.send(p, p.mk(fACK|fFIN, nil))
			s.sleep(p, 50*time.Millisecond)
			c, _, err := ln.accept(0)
			s.call("accept", 0, err)
			if err == nil {
				n, err := c.recv(make([]byte, 10), 0)
				s.call("recv", n, err)
			}
		}},
		{"handshake old timestamp", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			p.ts = true
			p.tsVal -= 100
			s.send(p, p.mk(fACK, nil))
		}},
		{"handshake without timestamp", func(s *script, p *peer, _ hsock) {
			s.send(p, p.syn(p.synOpts()))
			s.send(p, p.mk(fACK, nil))
		}},
	})
}
