package tcp_test

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCloseStates walks the closing states of RFC 9293 from an
// established connection, recording what recv, send, poll, SO_ERROR,
// getpeername and TCP_INFO say in each.
func TestCloseStates(t *testing.T) {
	runEstSockCases(t, []estSockCase{
		{"active close", func(s *script, p *peer, c hsock) {
			s.call("shutdown WR", 0, c.shutdown(unix.SHUT_WR))
			s.take(p)
			s.note("FIN-WAIT-1")
			s.state(c)
			s.send(p, p.mk(fACK, nil))
			s.note("FIN-WAIT-2")
			s.fullState(p, c)
			s.send(p, p.mk(fACK|fPSH, []byte("late")))
			n, err := c.recv(make([]byte, 16), 0)
			s.call("recv", n, err)
			s.send(p, p.mk(fACK|fFIN, nil))
			s.note("TIME-WAIT")
			s.fullState(p, c)
			s.send(p, at(p.mk(fACK|fFIN, nil), -1))
			s.call("close", 0, c.close())
			s.take(p)
		}},
		{"passive close", func(s *script, p *peer, c hsock) {
			s.send(p, p.mk(fACK|fFIN, nil))
			s.sleep(p, 50*time.Millisecond)
			s.note("CLOSE-WAIT")
			s.fullState(p, c)
			s.call("shutdown WR", 0, c.shutdown(unix.SHUT_WR))
			s.take(p)
			s.note("LAST-ACK")
			s.fullState(p, c)
			s.send(p, p.mk(fACK, nil))
			s.note("CLOSED")
			s.fullState(p, c)
		}},
		{"simultaneous close", func(s *script, p *peer, c hsock) {
			s.call("shutdown WR", 0, c.shutdown(unix.SHUT_WR))
			p.hold = true
			s.take(p)
			p.hold = false
			s.send(p, p.mk(fACK|fFIN, nil))
			s.note("CLOSING")
			s.fullState(p, c)
			p.rcv++
			s.send(p, p.mk(fACK, nil))
			s.note("TIME-WAIT")
			s.state(c)
		}},
		{"FIN-WAIT-1 to TIME-WAIT at once", func(s *script, p *peer, c hsock) {
			s.call("shutdown WR", 0, c.shutdown(unix.SHUT_WR))
			s.take(p)
			s.send(p, p.mk(fACK|fFIN, nil))
			s.state(c)
		}},
		{"shutdown RD then data", func(s *script, p *peer, c hsock) {
			s.call("shutdown RD", 0, c.shutdown(unix.SHUT_RD))
			s.take(p)
			s.state(c)
			s.send(p, p.mk(fACK|fPSH, []byte("after")))
			s.state(c)
			n, err := c.send([]byte("out"), 0)
			s.call("send", n, err)
			s.take(p)
		}},
		{"shutdown RDWR", func(s *script, p *peer, c hsock) {
			s.call("shutdown RDWR", 0, c.shutdown(unix.SHUT_RDWR))
			s.take(p)
			s.fullState(p, c)
			s.call("shutdown WR again", 0, c.shutdown(unix.SHUT_WR))
		}},
		{"close with unread data", func(s *script, p *peer, c hsock) {
			s.send(p, p.mk(fACK|fPSH, []byte("unread")))
			s.call("close", 0, c.close())
			s.take(p)
			s.send(p, p.mk(fACK, nil))
		}},
		{"close in CLOSE-WAIT with unread data", func(s *script, p *peer, c hsock) {
			s.send(p, p.mk(fACK|fPSH|fFIN, []byte("unread")))
			s.sleep(p, 50*time.Millisecond)
			s.call("close", 0, c.close())
			s.take(p)
		}},
		{"linger zero", func(s *script, p *peer, c hsock) {
			s.call("SO_LINGER 0", 0, c.setBytes(unix.SOL_SOCKET, unix.SO_LINGER, []byte{1, 0, 0, 0, 0, 0, 0, 0}))
			s.call("close", 0, c.close())
			s.take(p)
		}},
		{"data to an orphan in FIN-WAIT-1", func(s *script, p *peer, c hsock) {
			s.call("close", 0, c.close())
			s.take(p)
			s.send(p, p.mk(fACK|fPSH, []byte("late")))
		}},
		{"data to an orphan in FIN-WAIT-2", func(s *script, p *peer, c hsock) {
			s.call("close", 0, c.close())
			s.take(p)
			s.send(p, p.mk(fACK, nil))
			s.send(p, p.mk(fACK|fPSH, []byte("late")))
			s.send(p, p.mk(fACK|fFIN, nil))
		}},
		{"orphan FIN-WAIT-2 gets a FIN", func(s *script, p *peer, c hsock) {
			s.call("close", 0, c.close())
			s.take(p)
			s.send(p, p.mk(fACK, nil))
			s.send(p, p.mk(fACK|fFIN, nil))
			s.send(p, at(p.mk(fACK|fFIN, nil), -1))
			s.send(p, p.mk(fRST, nil))
			s.send(p, p.mk(fACK, nil))
		}},
		{"TIME-WAIT segments", func(s *script, p *peer, c hsock) {
			s.call("close", 0, c.close())
			s.take(p)
			s.send(p, p.mk(fACK|fFIN, nil))
			s.note("TIME-WAIT")
			s.send(p, p.mk(fACK|fPSH, []byte("data")))
			s.send(p, at(p.mk(fACK, nil), 1000))
			s.send(p, at(p.mk(fRST, nil), 5))
			s.send(p, p.mk(fSYN, nil))
			s.send(p, p.mk(fRST, nil))
			s.send(p, p.mk(fACK, nil))
		}},
		{"shutdown on a closed socket", func(s *script, p *peer, c hsock) {
			s.send(p, p.mk(fRST, nil))
			s.state(c)
			s.call("shutdown WR", 0, c.shutdown(unix.SHUT_WR))
			s.call("connect", 0, c.connect(netipAP(peerIP, peerPort)))
		}},
	})
}

// An estSockCase is an estCase that also gets the accepted socket.
type estSockCase struct {
	name string
	run  func(s *script, p *peer, c hsock)
}

func runEstSockCases(t *testing.T, cases []estSockCase) { runEstSockCasesRTT(t, 0, cases) }

// runEstSockCasesRTT runs cases on connections whose handshake took rtt:
// a long one keeps the kernel's tail loss probe (two smoothed RTTs) from
// firing between a script's steps on a busy machine.
func runEstSockCasesRTT(t *testing.T, rtt time.Duration, cases []estSockCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffScript(t, func(s *script) {
				p, so, _ := s.establishedRTT(nil, rtt)
				c.run(s, p, so)
				s.counters()
			})
		})
	}
}
