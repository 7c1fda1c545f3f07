package difftest

import (
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// PeerConn is a TCP connection of B's kernel.
type PeerConn struct {
	p  *Peer
	fd int
}

// DialTCP connects from AddrB:srcPort (SO_REUSEADDR) to dst with the
// given IP_OPTIONS (nil: none), waiting up to timeout for the handshake.
func (p *Peer) DialTCP(srcPort int, dst netip.AddrPort, opts []byte, timeout time.Duration) (c *PeerConn, err error) {
	p.w.do(func() {
		var fd int
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return
		}
		fail := func(e error) { unix.Close(fd); err = e }
		_ = setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if opts != nil {
			if e := unix.SetsockoptString(fd, unix.SOL_IP, unix.IP_OPTIONS, string(opts)); e != nil {
				fail(e)
				return
			}
		}
		if e := rawSockCall(unix.SYS_BIND, fd, sockaddr(netip.AddrPortFrom(AddrB, uint16(srcPort)))); e != nil {
			fail(e)
			return
		}
		if e := rawSockCall(unix.SYS_CONNECT, fd, sockaddr(dst)); e != nil && e != unix.EINPROGRESS {
			fail(e)
			return
		}
		if !pollFor(fd, unix.POLLOUT, timeout) {
			fail(errTimeout)
			return
		}
		if v, e := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); e != nil || v != 0 {
			fail(fmt.Errorf("connect: %v %v", unix.Errno(v), e))
			return
		}
		c = &PeerConn{p: p, fd: fd}
	})
	return c, err
}

// Write sends b (all of it fits the send buffer: small writes only).
func (c *PeerConn) Write(b []byte) (err error) {
	c.p.w.do(func() {
		var n int
		n, err = unix.Write(c.fd, b)
		if err == nil && n != len(b) {
			err = fmt.Errorf("short write %d of %d", n, len(b))
		}
	})
	return err
}

// Read waits up to timeout for data or end of file (empty, nil error).
func (c *PeerConn) Read(timeout time.Duration) (b []byte, err error) {
	c.p.w.do(func() {
		if !pollIn(c.fd, timeout) {
			err = errTimeout
			return
		}
		buf := make([]byte, 65536)
		var n int
		n, err = unix.Read(c.fd, buf)
		if err == nil {
			b = buf[:n]
		}
	})
	return b, err
}

// Close closes the connection (a FIN, or a reset with unread data).
func (c *PeerConn) Close() {
	c.p.w.do(func() {
		if c.fd >= 0 {
			unix.Close(c.fd)
			c.fd = -1
		}
	})
}

// Abort closes the connection with a reset (SO_LINGER 0), leaving no
// TIME-WAIT behind on B.
func (c *PeerConn) Abort() {
	c.p.w.do(func() {
		if c.fd >= 0 {
			_ = unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
			unix.Close(c.fd)
			c.fd = -1
		}
	})
}

func pollFor(fd int, events int16, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
	for {
		ms := max(int(time.Until(deadline).Milliseconds()), 0)
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// PeerDial makes B connect from port srcPort to dst with the IP options
// (recorded only when it fails; closed when the case ends, with a reset
// if still open).
func (r *R) PeerDial(srcPort int, dst string, opts []byte) *PeerConn {
	c, err := r.w.Peer.DialTCP(srcPort, AP(dst), opts, Wait)
	if err != nil {
		r.Record(fmt.Sprintf("peer connect(%s)", dst), fmtErr(err))
		return nil
	}
	r.closers = append(r.closers, c.Abort)
	return c
}

// PeerWrite makes B write data on c.
func (r *R) PeerWrite(c *PeerConn, data string) {
	if err := c.Write([]byte(data)); err != nil {
		r.Record("peer write", fmtErr(err))
	}
}

// PeerRead waits (bounded) for what B reads on c and records it.
func (r *R) PeerRead(c *PeerConn) {
	b, err := c.Read(Wait)
	switch {
	case err != nil:
		r.Record("peer read", fmtErr(err))
	case len(b) == 0:
		r.Record("peer read", "eof")
	default:
		r.Record("peer read", fmtData(b))
	}
}
