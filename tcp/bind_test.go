package tcp_test

import (
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// timeWaitServer leaves the accepted side of a connection on hostPort in
// TIME-WAIT (the host closed first) and closes the listener; reuse sets
// SO_REUSEADDR on the listener (which the child inherits).
func (s *script) timeWaitServer(reuse bool) {
	ln := s.w.socket()
	if reuse {
		mustNil(s.t, ln.setInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
	}
	mustNil(s.t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
	mustNil(s.t, ln.listen(8))
	p := newPeer(s.w, hostPort, peerPort)
	c, _ := p.accept(ln, nil)
	mustNil(s.t, c.close())
	p.take()
	p.send(p.mk(fACK|fFIN, nil))
	mustNil(s.t, ln.close())
	s.note("server side in TIME-WAIT")
}

func TestBindTimeWait(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(s *script)
	}{
		{"TIME-WAIT of a SO_REUSEADDR listener", func(s *script) {
			s.timeWaitServer(true)
			a := s.w.socket()
			s.call("bind", 0, a.bind(netip.AddrPortFrom(hostIP, hostPort)))
			b := s.w.socket()
			mustNil(s.t, b.setInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
			s.call("bind with SO_REUSEADDR", 0, b.bind(netip.AddrPortFrom(hostIP, hostPort)))
			s.call("listen", 0, b.listen(8))
			d := s.w.socket()
			mustNil(s.t, d.setInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
			s.call("bind INADDR_ANY with SO_REUSEADDR", 0, d.bind(netip.AddrPortFrom(netip.IPv4Unspecified(), hostPort)))
		}},
		{"TIME-WAIT of a plain listener", func(s *script) {
			s.timeWaitServer(false)
			a := s.w.socket()
			s.call("bind", 0, a.bind(netip.AddrPortFrom(hostIP, hostPort)))
			b := s.w.socket()
			mustNil(s.t, b.setInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
			s.call("bind with SO_REUSEADDR", 0, b.bind(netip.AddrPortFrom(hostIP, hostPort)))
			d := s.w.socket()
			s.call("bind another port", 0, d.bind(netip.AddrPortFrom(hostIP, hostPort+1)))
		}},
		{"TIME-WAIT of a connect from a bound port", func(s *script) {
			a := s.w.socket()
			mustNil(s.t, a.bind(netip.AddrPortFrom(hostIP, 45000)))
			s.call("connect", 0, a.connect(netip.AddrPortFrom(peerIP, peerPort)))
			syn := only(s.t, s.w.answers(), "SYN")
			p := newPeer(s.w, syn.sport, peerPort)
			p.dialed(syn, nil)
			mustNil(s.t, a.shutdown(unix.SHUT_WR))
			p.take()
			p.send(p.mk(fACK|fFIN, nil))
			s.note("client side in TIME-WAIT")
			b := s.w.socket()
			s.call("bind", 0, b.bind(netip.AddrPortFrom(hostIP, 45000)))
			c := s.w.socket()
			mustNil(s.t, c.setInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
			s.call("bind with SO_REUSEADDR", 0, c.bind(netip.AddrPortFrom(hostIP, 45000)))
			s.call("connect to the same peer", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort)))
			s.take(p)
			s.call("connect again", 0, a.connect(netip.AddrPortFrom(peerIP, peerPort)))
			s.take(p)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			diffScript(t, func(s *script) {
				c.run(s)
				s.counters()
			})
		})
	}
}
