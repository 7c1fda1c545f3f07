package tcp_test

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/clock"
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

// TestShortConnections: the closing side of short connections keeps each
// 4-tuple in TIME-WAIT for 60 s; with ten local ports and one server the
// eleventh connection finds none (EADDRNOTAVAIL, tcp_tw_reuse being for
// loopback only), and after TIME-WAIT it connects again.
func TestShortConnections(t *testing.T) {
	clk := clock.NewManual()
	p := newPair(t, clk, ethOpts())
	mustNil(t, p.a.SetSysctl("net.ipv4.ip_local_port_range", "40000 40009"))
	ln, err := p.b.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	mustNil(t, err)
	mustNil(t, ln.BindAddr(netip.MustParseAddrPort("198.18.0.2:9000")))
	mustNil(t, ln.Listen(64))
	dst := netip.MustParseAddrPort("198.18.0.2:9000")
	short := func() error {
		c, err := p.a.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
		mustNil(t, err)
		defer c.Close()
		if err := c.ConnectAddr(dst); err != unix.EINPROGRESS {
			return err
		}
		p.n.Idle()
		s, _, err := ln.Accept(unix.SOCK_NONBLOCK)
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		c.Send([]byte("x"), 0)
		c.Close() // the client closes first: its side goes to TIME-WAIT
		p.n.Idle()
		s.Recv(make([]byte, 4), 0)
		s.Close()
		p.n.Idle()
		return nil
	}
	for i := 0; i < 10; i++ {
		if err := short(); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	if err := short(); err != unix.EADDRNOTAVAIL {
		t.Fatalf("eleventh connection: %v, want EADDRNOTAVAIL", err)
	}
	if v, _ := p.a.Stats().Get("TcpExt:TW"); v != 10 {
		t.Errorf("TW %d", v)
	}
	clk.Advance(61 * time.Second)
	p.n.Idle()
	for i := 0; i < 10; i++ {
		if err := short(); err != nil {
			t.Fatalf("after TIME-WAIT, connection %d: %v", i, err)
		}
	}
}
