package tcp_test

import (
	"testing"
)

// A bad-input case runs on an established connection (the peer opened it
// with Linux's SYN options, so timestamps, SACK and window scaling are
// on) and records what the host answers and counts.
type estCase struct {
	name string
	run  func(s *script, p *peer)
}

func runEstCases(t *testing.T, cases []estCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffScript(t, func(s *script) {
				p, _, _ := s.established(nil)
				c.run(s, p)
				s.counters()
			})
		})
	}
}

// at returns p's next segment moved by off bytes of sequence space.
func at(x seg, off int32) seg {
	x.seq += uint32(off)
	return x
}

func TestBadInputEstablished(t *testing.T) {
	runEstCases(t, []estCase{
		{"bad checksum", func(s *script, p *peer) {
			s.sendRaw(p, p.mk(fACK|fPSH, []byte("data")), "checksum off by one", false, func(b []byte) { b[36]++ })
		}},
		{"data offset 4", func(s *script, p *peer) {
			s.sendRaw(p, p.mk(fACK|fPSH, []byte("data")), "doff 4", true, func(b []byte) { b[32] = 4<<4 | b[32]&0xf })
		}},
		{"data offset past the segment", func(s *script, p *peer) {
			s.sendRaw(p, p.mk(fACK, nil), "doff 15", true, func(b []byte) { b[32] = 15<<4 | b[32]&0xf })
		}},
		{"unknown option", func(s *script, p *peer) {
			s.send(p, p.mk(fACK|fPSH, []byte("data"), []byte{99, 4, 1, 2}))
		}},
		{"option length past the area", func(s *script, p *peer) {
			s.send(p, p.mk(fACK|fPSH, []byte("data"), []byte{1, 1, 2, 12}))
		}},
		{"option length 1", func(s *script, p *peer) {
			s.send(p, p.mk(fACK|fPSH, []byte("data"), []byte{99, 1, 1, 1}))
		}},
		{"truncated timestamp", func(s *script, p *peer) {
			x := p.mk(fACK|fPSH, []byte("data"))
			x.opts = []byte{1, 1, 8, 6, 0, 0, 0, 1}
			s.send(p, x)
		}},
		{"no flags", func(s *script, p *peer) {
			s.send(p, p.mk(0, []byte("data")))
		}},
		{"data without ACK", func(s *script, p *peer) {
			s.send(p, p.mk(fPSH, []byte("data")))
		}},
		{"data beyond the window", func(s *script, p *peer) {
			s.send(p, at(p.mk(fACK|fPSH, []byte("data")), 1<<24))
		}},
		{"data straddling the right edge", func(s *script, p *peer) {
			s.send(p, at(p.mk(fACK|fPSH, make([]byte, 100)), 65536-50))
		}},
		{"old data", func(s *script, p *peer) {
			s.send(p, p.mk(fACK|fPSH, []byte("hello")))
			s.send(p, at(p.mk(fACK|fPSH, []byte("hello")), -5))
		}},
		{"ACK of unsent data", func(s *script, p *peer) {
			x := p.mk(fACK, nil)
			x.ack += 1000
			s.send(p, x)
		}},
		{"ACK of unsent data with data", func(s *script, p *peer) {
			x := p.mk(fACK|fPSH, []byte("data"))
			x.ack += 1000
			s.send(p, x)
		}},
		{"ACK far below snd_una", func(s *script, p *peer) {
			x := p.mk(fACK|fPSH, []byte("data"))
			x.ack -= 1 << 30
			s.send(p, x)
		}},
		{"RST in window, not exact", func(s *script, p *peer) {
			s.send(p, at(p.mk(fRST, nil), 100))
		}},
		{"RST exact", func(s *script, p *peer) {
			s.send(p, p.mk(fRST, nil))
		}},
		{"RST+ACK exact", func(s *script, p *peer) {
			s.send(p, p.mk(fRST|fACK, nil))
		}},
		{"RST out of window", func(s *script, p *peer) {
			s.send(p, at(p.mk(fRST, nil), 1<<24))
		}},
		{"RST below the window", func(s *script, p *peer) {
			s.send(p, at(p.mk(fRST, nil), -1))
		}},
		{"SYN in window", func(s *script, p *peer) {
			s.send(p, at(p.mk(fSYN, nil, p.synOpts()), 100))
		}},
		{"SYN at rcv_nxt", func(s *script, p *peer) {
			s.send(p, p.mk(fSYN, nil, p.synOpts()))
		}},
		{"SYN out of window", func(s *script, p *peer) {
			s.send(p, at(p.mk(fSYN, nil, p.synOpts()), 1<<24))
		}},
		{"SYN+FIN", func(s *script, p *peer) {
			s.send(p, p.mk(fSYN|fFIN, nil))
		}},
		{"SYN+RST", func(s *script, p *peer) {
			s.send(p, p.mk(fSYN|fRST, nil))
		}},
		{"old timestamp", func(s *script, p *peer) {
			s.send(p, p.mk(fACK|fPSH, []byte("a")))
			p.tsVal -= 10
			s.send(p, p.mk(fACK|fPSH, []byte("b")))
		}},
		{"old timestamp twice", func(s *script, p *peer) {
			p.tsVal -= 10
			s.send(p, p.mk(fACK|fPSH, []byte("b")))
			s.send(p, p.mk(fACK, nil))
		}},
		{"out of window twice", func(s *script, p *peer) {
			s.send(p, at(p.mk(fACK, nil), 1<<24))
			s.send(p, at(p.mk(fACK, nil), 1<<24))
			s.send(p, at(p.mk(fACK|fPSH, []byte("x")), 1<<24))
		}},
		{"challenge ACK rate", func(s *script, p *peer) {
			s.send(p, at(p.mk(fRST, nil), 100))
			s.send(p, at(p.mk(fRST, nil), 100))
			s.send(p, at(p.mk(fSYN, nil, p.synOpts()), 100))
		}},
	})
}
