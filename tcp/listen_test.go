package tcp_test

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// peerAt returns a second peer of the same world from another port.
func peerAt(w world, pport uint16) *peer {
	p := newPeer(w, hostPort, pport)
	p.iss += uint32(pport) * 1000
	p.nxt = p.iss
	return p
}

func TestListenQueues(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(s *script, ln hsock)
	}{
		{"backlog 1", func(s *script, ln hsock) {
			// Two handshakes fill the accept queue of backlog 1
			// (full when more than the backlog wait); the third's
			// ACK is held, a fourth SYN is dropped.
			var ps []*peer
			for i := 0; i < 4; i++ {
				p := peerAt(s.w, uint16(41000+i))
				ps = append(ps, p)
				s.note("peer %d", i)
				got := s.send(p, p.syn(p.synOpts()))
				if len(got) == 1 {
					p.ts = true
					s.send(p, p.mk(fACK, nil))
				}
				s.counters()
			}
			for i := 0; i < 4; i++ {
				_, _, err := ln.accept(0)
				s.call("accept", 0, err)
			}
			s.note("peer 2 again")
			s.send(ps[2], ps[2].mk(fACK|fPSH, []byte("data")))
			s.counters()
		}},
		{"SYN queue full uses cookies", func(s *script, ln hsock) {
			// The SYN queue of backlog 1 is full past two requests:
			// the third SYN is answered with a cookie, and its ACK
			// makes a connection without a request.
			ps := []*peer{peerAt(s.w, 41000), peerAt(s.w, 41001), peerAt(s.w, 41002)}
			for i, p := range ps {
				s.note("peer %d", i)
				s.send(p, p.syn(p.synOpts()))
			}
			s.counters()
			ps[2].ts = true
			s.note("peer 2")
			s.send(ps[2], ps[2].mk(fACK, nil))
			s.counters()
			c, _, err := ln.accept(0)
			s.call("accept", 0, err)
			if err == nil {
				n, err := c.send([]byte("x"), 0)
				s.call("send", n, err)
				s.take(ps[2])
				s.send(ps[2], ps[2].mk(fACK|fPSH, []byte("hello")))
				n, err = c.recv(make([]byte, 10), 0)
				s.call("recv", n, err)
			}
		}},
		{"bad cookie", func(s *script, ln hsock) {
			ps := []*peer{peerAt(s.w, 41000), peerAt(s.w, 41001), peerAt(s.w, 41002)}
			for i, p := range ps {
				s.note("peer %d", i)
				s.send(p, p.syn(p.synOpts()))
			}
			p := ps[2]
			p.ts = true
			x := p.mk(fACK, nil)
			x.ack += 12345
			s.note("peer 2, wrong cookie")
			s.send(p, x)
			x = p.mk(fACK, nil)
			x.seq += 5
			s.note("peer 2, wrong sequence")
			s.send(p, x)
		}},
		{"accept errors", func(s *script, ln hsock) {
			_, _, err := ln.accept(0)
			s.call("accept empty", 0, err)
			c := s.w.socket()
			_, _, err = c.accept(0)
			s.call("accept unbound", 0, err)
			s.call("listen on listener", 0, ln.listen(20))
			n, err := ln.recv(make([]byte, 4), 0)
			s.call("recv on listener", n, err)
			n, err = ln.send([]byte("x"), 0)
			s.call("send on listener", n, err)
			_, err = ln.peername()
			s.call("getpeername on listener", 0, err)
			s.call("connect on listener", 0, ln.connect(netip.AddrPortFrom(peerIP, peerPort)))
			s.call("shutdown WR on listener", 0, ln.shutdown(unix.SHUT_WR))
			s.note("poll %s", pollString(ln.poll()))
			_, err = ln.ioctl(unix.SIOCINQ)
			s.call("SIOCINQ on listener", 0, err)
			s.call("shutdown RD on listener", 0, ln.shutdown(unix.SHUT_RD))
			_, _, err = ln.accept(0)
			s.call("accept after shutdown", 0, err)
			s.call("listen again", 0, ln.listen(1))
		}},
		{"accept4 flags and poll", func(s *script, ln hsock) {
			p := peerAt(s.w, 41000)
			s.note("poll %s", pollString(ln.poll()))
			p.open(nil)
			s.note("poll %s", pollString(ln.poll()))
			c, a, err := ln.accept(0)
			s.call("accept", 0, err)
			s.note("peer %v", a)
			if err == nil {
				v, err := c.getInt(unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
				s.call("SO_ACCEPTCONN child", v, err)
			}
			v, err := ln.getInt(unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
			s.call("SO_ACCEPTCONN listener", v, err)
			s.note("poll %s", pollString(ln.poll()))
		}},
		{"listener close resets children", func(s *script, ln hsock) {
			a, b := peerAt(s.w, 41000), peerAt(s.w, 41001)
			a.open(nil)
			s.note("peer b")
			s.send(b, b.syn(b.synOpts()))
			s.counters()
			s.call("close", 0, ln.close())
			s.note("peer a")
			s.take(a)
			s.note("peer b")
			s.take(b)
			b.ts = true
			s.send(b, b.mk(fACK, nil))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			diffScript(t, func(s *script) {
				ln := s.w.socket()
				mustNil(t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
				mustNil(t, ln.listen(1))
				s.c0 = s.w.counters()
				c.run(s, ln)
				s.counters()
			})
		})
	}
}

// TestSYNACKRetries: tcp_synack_retries 2: SYN-ACKs at 0, 1 and 3 s, the
// request dropped at 7 s; its ACK then finds no request and gets a reset.
func TestSYNACKRetries(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		w.sysctl("net.ipv4.tcp_synack_retries", "2")
		ln := w.socket()
		mustNil(t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
		mustNil(t, ln.listen(8))
		p := newPeer(w, hostPort, peerPort)
		c0 := w.counters()
		t0 := w.now()
		segs := p.send(p.syn(p.synOpts()))
		fake := w.socket() // for watch's SO_ERROR polling
		more, _, _ := watch(w, p, fake, 50*time.Millisecond, 8*time.Second, nil)
		segs = append(segs, more...)
		if got := times(segs, t0); !sameTimes(w, got, ms(0, 1000, 3000)) {
			t.Errorf("%s: SYN-ACKs at %v", w.name(), got)
		}
		p.ts = true
		r := only(t, p.send(p.mk(fACK, nil)), "reset")
		if r.flags != fRST {
			t.Errorf("%s: %v", w.name(), p.norm(r))
		}
		d := delta(c0, w.counters())
		for k := range d {
			if !compared[k] {
				delete(d, k)
			}
		}
		want := "Tcp:InSegs=2 Tcp:OutRsts=1 Tcp:OutSegs=4 Tcp:RetransSegs=2 TcpExt:TCPSynRetrans=2 TcpExt:TCPTimeouts=3"
		if got := fmtDelta(d); got != want {
			t.Errorf("%s: counters %s\nwant %s", w.name(), got, want)
		}
	})
}

// TestDeferAccept: with TCP_DEFER_ACCEPT the handshake's bare ACK is
// dropped (TCPDeferAcceptDrop) and accept waits for data; without data,
// the first SYN-ACK retransmission after the deferral gets the ACK that
// completes the connection.
func TestDeferAccept(t *testing.T) {
	diffScript(t, func(s *script) {
		ln := s.w.socket()
		mustNil(t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
		mustNil(t, ln.setInt(unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, 1))
		v, err := ln.getInt(unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT)
		s.call("TCP_DEFER_ACCEPT", v, err)
		mustNil(t, ln.listen(8))
		s.c0 = s.w.counters()
		a, b := peerAt(s.w, 41000), peerAt(s.w, 41001)
		s.note("peer a")
		s.send(a, a.syn(a.synOpts()))
		a.ts = true
		s.send(a, a.mk(fACK, nil))
		_, _, err = ln.accept(0)
		s.call("accept", 0, err)
		s.send(a, a.mk(fACK|fPSH, []byte("hello")))
		c, _, err := ln.accept(0)
		s.call("accept", 0, err)
		if err == nil {
			n, err := c.recv(make([]byte, 10), 0)
			s.call("recv", n, err)
		}
		s.counters()
		s.note("peer b")
		s.send(b, b.syn(b.synOpts()))
		b.ts = true
		s.send(b, b.mk(fACK, nil))
		s.sleep(b, 1200*time.Millisecond)
		s.send(b, b.mk(fACK, nil))
		_, _, err = ln.accept(0)
		s.call("accept", 0, err)
		s.counters()
	})
	for _, c := range []struct{ secs, want int }{{0, 0}, {1, 1}, {2, 3}, {3, 3}, {4, 7}, {100, 127}, {1000, 1087}} {
		worlds(t, func(t *testing.T, w world) {
			so := w.socket()
			mustNil(t, so.setInt(unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, c.secs))
			if v, _ := so.getInt(unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT); v != c.want {
				t.Errorf("%s: TCP_DEFER_ACCEPT %d reads %d, want %d", w.name(), c.secs, v, c.want)
			}
		})
	}
}

// TestAccept4Flags: accept4 gives the new socket SOCK_NONBLOCK only when
// asked, whatever the listener's mode; other flags are EINVAL.
func TestAccept4Flags(t *testing.T) {
	w := newInetWorld(t)
	ln, err := w.s.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	mustNil(t, err)
	mustNil(t, ln.BindAddr(netip.AddrPortFrom(hostIP, hostPort)))
	mustNil(t, ln.Listen(8))
	for i, fl := range []int{0, unix.SOCK_NONBLOCK, unix.SOCK_CLOEXEC, unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC} {
		w.answers()
		p := newPeer(w, hostPort, uint16(41000+i))
		p.open(nil)
		c, _, err := ln.Accept(fl)
		if err != nil {
			t.Fatalf("accept4(%#x): %v", fl, err)
		}
		if c.Nonblocking() != (fl&unix.SOCK_NONBLOCK != 0) {
			t.Errorf("accept4(%#x): non-blocking %v", fl, c.Nonblocking())
		}
		c.Close()
	}
	if _, _, err := ln.Accept(unix.SOCK_DGRAM); err != unix.EINVAL {
		t.Errorf("accept4 with a bad flag: %v, want EINVAL", err)
	}
}
