package tcp_test

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPortExhaustion: with four local ports, four connections to one peer
// take them all and a fifth connect is EADDRNOTAVAIL; another peer port
// can still use them (connect shares ports when the 4-tuple is new). A
// TIME-WAIT entry keeps its tuple from a new connect unless
// tcp_tw_reuse allows it.
func TestPortExhaustion(t *testing.T) {
	diffScript(t, func(s *script) {
		s.w.sysctl("net.ipv4.ip_local_port_range", "40000 40003")
		var socks []hsock
		var peers []*peer
		for i := 0; i < 5; i++ {
			c := s.w.socket()
			err := c.connect(netip.AddrPortFrom(peerIP, peerPort))
			s.call("connect", 0, err)
			if err == unix.EINPROGRESS {
				syn := only(s.t, s.w.answers(), "SYN")
				p := newPeer(s.w, syn.sport, peerPort)
				p.dialed(syn, nil)
				socks = append(socks, c)
				peers = append(peers, p)
			}
		}
		c := s.w.socket()
		s.call("connect another peer port", 0, c.connect(netip.AddrPortFrom(peerIP, peerPort+1)))
		s.w.answers()
		// The first connection ends in TIME-WAIT on the host.
		p := peers[0]
		mustNil(s.t, socks[0].shutdown(unix.SHUT_WR))
		p.take()
		p.send(p.mk(fACK|fFIN, nil))
		s.note("one connection in TIME-WAIT")
		d := s.w.socket()
		s.call("connect", 0, d.connect(netip.AddrPortFrom(peerIP, peerPort)))
		s.w.answers()
		s.w.sysctl("net.ipv4.tcp_tw_reuse", "1")
		s.sleep(p, 1100*time.Millisecond)
		e := s.w.socket()
		err := e.connect(netip.AddrPortFrom(peerIP, peerPort))
		s.call("connect with tcp_tw_reuse 1", 0, err)
		if err == unix.EINPROGRESS {
			syn := only(s.t, s.w.answers(), "SYN")
			s.note("reused the TIME-WAIT port: %v", syn.sport == p.hport)
		}
		s.counters()
	})
}
