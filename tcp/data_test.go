package tcp_test

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// send records a host send.
func (s *script) hsend(c hsock, b []byte, flags int) {
	n, err := c.send(b, flags)
	s.call("send "+itoaLen(len(b)), n, err)
}

func itoaLen(n int) string {
	return string(rune('0'+n/1000%10)) + string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

func TestDataPath(t *testing.T) {
	runEstSockCases(t, []estSockCase{
		{"Nagle", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, []byte("a"), 0)
			s.take(p)
			s.hsend(c, []byte("b"), 0)
			s.take(p)
			s.hsend(c, []byte("c"), 0)
			s.take(p)
			p.rcv++
			s.send(p, p.mk(fACK, nil))
			p.rcv += 2
			s.send(p, p.mk(fACK, nil))
		}},
		{"TCP_NODELAY", func(s *script, p *peer, c hsock) {
			s.call("TCP_NODELAY", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_NODELAY, 1))
			p.hold = true
			s.hsend(c, []byte("a"), 0)
			s.take(p)
			s.hsend(c, []byte("b"), 0)
			s.take(p)
		}},
		{"Nagle with a full segment", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, []byte("a"), 0)
			s.take(p)
			s.hsend(c, make([]byte, 3000), 0)
			s.take(p)
		}},
		{"TCP_CORK", func(s *script, p *peer, c hsock) {
			s.call("TCP_CORK", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_CORK, 1))
			s.hsend(c, []byte("abc"), 0)
			s.take(p)
			s.hsend(c, make([]byte, 1500), 0)
			s.take(p)
			s.call("TCP_CORK 0", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_CORK, 0))
			s.take(p)
		}},
		{"TCP_CORK ceiling", func(s *script, p *peer, c hsock) {
			s.call("TCP_CORK", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_CORK, 1))
			s.hsend(c, []byte("abc"), 0)
			s.take(p)
			s.sleep(p, 300*time.Millisecond)
		}},
		{"MSG_MORE", func(s *script, p *peer, c hsock) {
			s.hsend(c, []byte("abc"), unix.MSG_MORE)
			s.take(p)
			s.hsend(c, []byte("def"), 0)
			s.take(p)
		}},
		{"delayed ACK", func(s *script, p *peer, c hsock) {
			for i := 0; i < 3; i++ {
				s.send(p, p.mk(fACK|fPSH, make([]byte, 100)))
			}
			s.sleep(p, 100*time.Millisecond)
			s.send(p, p.mk(fACK, make([]byte, 1448)))
			s.send(p, p.mk(fACK, make([]byte, 1448)))
			s.sleep(p, 100*time.Millisecond)
		}},
		{"out of order and SACK", func(s *script, p *peer, c hsock) {
			d := make([]byte, 100)
			s.send(p, at(p.mk(fACK, d), 200))
			s.send(p, at(p.mk(fACK, d), 400))
			s.send(p, at(p.mk(fACK, d), 100))
			s.send(p, p.mk(fACK, d))
			x := p.mk(fACK, d)
			p.nxt += 400
			_ = x
			s.send(p, at(p.mk(fACK, d), -400))
			s.sleep(p, 100*time.Millisecond)
		}},
		{"TCP_MAXSEG after connect", func(s *script, p *peer, c hsock) {
			v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
			s.call("set TCP_MAXSEG 500", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG, 500))
			v, err = c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
			s.call("set TCP_MAXSEG 10", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG, 10))
			s.hsend(c, make([]byte, 1200), 0)
			s.take(p)
		}},
		{"urgent data out", func(s *script, p *peer, c hsock) {
			s.hsend(c, []byte("ab"), unix.MSG_OOB)
			s.take(p)
			s.hsend(c, []byte("cd"), 0)
			s.take(p)
		}},
		{"urgent data in", func(s *script, p *peer, c hsock) {
			x := p.mk(fACK|fPSH|fURG, []byte("hello!"))
			x.urp = 6
			s.send(p, x)
			s.note("poll %s", pollString(c.poll()))
			v, err := c.ioctl(unix.SIOCINQ)
			s.call("SIOCINQ", v, err)
			b := make([]byte, 16)
			n, err := c.recv(b, unix.MSG_OOB)
			s.call("recv OOB", n, err)
			if err == nil {
				s.note("oob %q", b[:n])
			}
			n, err = c.recv(b, unix.MSG_OOB)
			s.call("recv OOB again", n, err)
			n, err = c.recv(b, 0)
			s.call("recv", n, err)
			s.note("data %q", b[:n])
			n, err = c.recv(b, 0)
			s.call("recv", n, err)
		}},
		{"urgent data inline", func(s *script, p *peer, c hsock) {
			s.call("SO_OOBINLINE", 0, c.setInt(unix.SOL_SOCKET, unix.SO_OOBINLINE, 1))
			x := p.mk(fACK|fPSH|fURG, []byte("hello!"))
			x.urp = 6
			s.send(p, x)
			v, err := c.ioctl(unix.SIOCINQ)
			s.call("SIOCINQ", v, err)
			b := make([]byte, 16)
			n, err := c.recv(b, unix.MSG_OOB)
			s.call("recv OOB", n, err)
			n, err = c.recv(b, 0)
			s.call("recv", n, err)
			s.note("data %q", b[:n])
		}},
		{"TCP_CONGESTION", func(s *script, p *peer, c hsock) {
			b, err := c.getBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, 16)
			s.call("get", len(b), err)
			s.note("%q", trimNul(b))
			s.call("set reno", 0, c.setBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, []byte("reno")))
			b, err = c.getBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, 16)
			s.call("get", len(b), err)
			s.note("%q", trimNul(b))
			s.call("set bogus", 0, c.setBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, []byte("bogus")))
			s.call("set empty", 0, c.setBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, []byte{}))
			b, err = c.getBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, 4)
			s.call("get 4", len(b), err)
			s.note("%q", b)
		}},
	})
	// SIOCOUTQ holds data in flight over steps a busy machine may stretch
	// past the kernel's tail loss probe: a 100 ms handshake keeps it off.
	runEstSockCasesRTT(t, 100*time.Millisecond, []estSockCase{
		{"SIOCOUTQ and SIOCINQ", func(s *script, p *peer, c hsock) {
			p.hold = true
			s.hsend(c, make([]byte, 3000), 0)
			s.take(p)
			v, err := c.ioctl(unix.SIOCOUTQ)
			s.call("SIOCOUTQ", v, err)
			v, err = c.ioctl(unix.SIOCOUTQNSD)
			s.call("SIOCOUTQNSD", v, err)
			s.send(p, p.mk(fACK, make([]byte, 700)))
			v, err = c.ioctl(unix.SIOCINQ)
			s.call("SIOCINQ", v, err)
		}},
	})
}

func t0(s *script) *testing.T { return s.t }

func trimNul(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func TestMSSClamp(t *testing.T) {
	runActiveCasesSetup(t, func(s *script, c hsock) {
		v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
		s.call("TCP_MAXSEG before", v, err)
		s.call("set TCP_MAXSEG 1000", 0, c.setInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG, 1000))
		v, err = c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
		s.call("TCP_MAXSEG", v, err)
	}, []activeCase{
		{"TCP_MAXSEG before connect", func(s *script, p *peer, c hsock, syn seg) {
			s.send(p, p.synAck(nil))
			v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
			s.hsend(c, make([]byte, 2500), 0)
			s.take(p)
		}},
	})
	diffScript(t, func(s *script) {
		ln := s.w.socket()
		s.call("set TCP_MAXSEG 600", 0, ln.setInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG, 600))
		mustNil(t, ln.bind(netipAP(hostIP, hostPort)))
		mustNil(t, ln.listen(8))
		p := newPeer(s.w, hostPort, peerPort)
		s.send(p, p.syn(p.synOpts()))
		p.ts = true
		s.send(p, p.mk(fACK, nil))
		c, _, err := ln.accept(0)
		s.call("accept", 0, err)
		if err == nil {
			v, err := c.getInt(unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			s.call("TCP_MAXSEG", v, err)
			s.hsend(c, make([]byte, 1500), 0)
			s.take(p)
		}
		s.counters()
	})
}
