package gonet

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// TCPConn is a TCP connection of an inet stack with the methods of
// *net.TCPConn: net.Conn, CloseRead and CloseWrite, the option setters,
// io.ReaderFrom and io.WriterTo. Its methods are safe for concurrent use.
type TCPConn struct {
	so       *socket.Socket
	network  string         // "tcp" or "tcp4", as the caller named it
	laddr    net.Addr       // *net.TCPAddr from getsockname at creation
	raddr    net.Addr       // *net.TCPAddr: the peer
	lap, rap netip.AddrPort // laddr and raddr as netip values

	closed atomic.Bool
	rdl    deadline
	wdl    deadline
}

var (
	_ net.Conn      = (*TCPConn)(nil)
	_ io.ReaderFrom = (*TCPConn)(nil)
	_ io.WriterTo   = (*TCPConn)(nil)
)

// Go's defaults for the connections net.Dial and net.Listen hand out
// (net/dial.go): TCP_NODELAY on, keepalive on after 15 s idle, probes 15 s
// apart, 9 of them.
const (
	defaultKeepAliveIdle     = 15 * time.Second
	defaultKeepAliveInterval = 15 * time.Second
	defaultKeepAliveCount    = 9
)

// NewTCPConn wraps a connected AF_INET SOCK_STREAM socket (made by Connect
// or Accept), naming its network network ("tcp" or "tcp4"). The local and
// remote addresses are read now, as package net records them. Options are
// left as they are; DialTCP and TCPListener.Accept set Go's defaults
// (TCP_NODELAY, keepalive every 15 s) before wrapping. The TCPConn owns so
// from now on: closing it closes so.
func NewTCPConn(so *socket.Socket, network string) *TCPConn {
	ra, _ := so.GetPeerName()
	return newTCPConn(so, network, ra)
}

// newTCPConn wraps so whose peer is ra (from accept4 or getpeername).
func newTCPConn(so *socket.Socket, network string, ra netip.AddrPort) *TCPConn {
	c := &TCPConn{so: so, network: network}
	clk := so.Base().Env.Clock
	c.rdl.init(clk, so.SetReadDeadline)
	c.wdl.init(clk, so.SetWriteDeadline)
	if la, err := so.GetSockName(); err == nil {
		c.lap, c.laddr = la, tcpAddr(la)
	}
	if ra.IsValid() {
		c.rap, c.raddr = ra, tcpAddr(ra)
	}
	return c
}

// setGoDefaults is what net's newTCPConn does to every connection it hands
// out: TCP_NODELAY on and keepalive with Go's defaults. Errors are ignored,
// as net ignores them.
func (c *TCPConn) setGoDefaults() {
	_ = c.so.SetsockoptInt(unix.SOL_TCP, unix.TCP_NODELAY, 1)
	_ = c.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true})
}

// Socket returns the underlying socket, for Setsockopt, Getsockopt
// (TCP_INFO, TCP_CONGESTION ...), Ioctl and Poll. Its Go deadlines belong
// to the TCPConn (use SetDeadline).
func (c *TCPConn) Socket() *socket.Socket { return c.so }

// LocalAddr returns the local address (a *net.TCPAddr).
func (c *TCPConn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address (a *net.TCPAddr).
func (c *TCPConn) RemoteAddr() net.Addr { return c.raddr }

// LocalAddrPort is LocalAddr as a netip.AddrPort.
func (c *TCPConn) LocalAddrPort() netip.AddrPort { return c.lap }

// RemoteAddrPort is RemoteAddr as a netip.AddrPort.
func (c *TCPConn) RemoteAddrPort() netip.AddrPort { return c.rap }

// Close closes the connection (close(2): an orderly FIN, or a reset when
// unread data is left or SetLinger(0) was asked for). Blocked calls return
// net.ErrClosed; a second Close returns net.ErrClosed in a *net.OpError.
func (c *TCPConn) Close() error {
	if c.closed.Swap(true) {
		return c.opError("close", net.ErrClosed)
	}
	c.rdl.stop()
	c.wdl.stop()
	if err := c.so.Close(); err != nil {
		return c.opError("close", c.cause("close", err))
	}
	return nil
}

// CloseRead shuts down the reading side (shutdown(SHUT_RD)): later reads
// return io.EOF.
func (c *TCPConn) CloseRead() error { return c.shutdown(unix.SHUT_RD) }

// CloseWrite shuts down the writing side (shutdown(SHUT_WR)): the peer
// reads end of stream once the data sent so far has arrived.
func (c *TCPConn) CloseWrite() error { return c.shutdown(unix.SHUT_WR) }

func (c *TCPConn) shutdown(how int) error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	if err := c.so.Shutdown(how); err != nil {
		return c.opError("close", c.cause("shutdown", err))
	}
	return nil
}

// SetDeadline sets the read and write deadlines: an instant on the stack's
// clock after which calls fail with os.ErrDeadlineExceeded. The zero time
// means none. A call blocked when the deadline is set or moved obeys the
// new one; a Write cut short by it returns the bytes already queued.
func (c *TCPConn) SetDeadline(t time.Time) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	c.rdl.Set(t)
	c.wdl.Set(t)
	return nil
}

// SetReadDeadline sets the read deadline.
func (c *TCPConn) SetReadDeadline(t time.Time) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	c.rdl.Set(t)
	return nil
}

// SetWriteDeadline sets the write deadline: a Write waiting for room in
// the send buffer gives up when it passes.
func (c *TCPConn) SetWriteDeadline(t time.Time) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	c.wdl.Set(t)
	return nil
}

// setCheck is the closed check of net's deadline setters (Op "set", the
// local address as Addr).
func (c *TCPConn) setCheck() error {
	if c.closed.Load() {
		return &net.OpError{Op: "set", Net: c.network, Addr: c.laddr, Err: net.ErrClosed}
	}
	return nil
}

// SetReadBuffer sets SO_RCVBUF (Linux doubles it, clamps it to
// net.core.rmem_max and turns off receive-buffer auto-tuning).
func (c *TCPConn) SetReadBuffer(bytes int) error {
	return c.bufferOpt(unix.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets SO_SNDBUF (doubled, clamped to net.core.wmem_max).
func (c *TCPConn) SetWriteBuffer(bytes int) error {
	return c.bufferOpt(unix.SO_SNDBUF, bytes)
}

// bufferOpt is net's conn.SetReadBuffer: its errors name only the local
// address.
func (c *TCPConn) bufferOpt(name, v int) error {
	if err := c.so.SetsockoptInt(unix.SOL_SOCKET, name, v); err != nil {
		return &net.OpError{Op: "set", Net: c.network, Addr: c.laddr, Err: c.cause("setsockopt", err)}
	}
	return nil
}

// SetNoDelay sets TCP_NODELAY: true (Go's default) sends each Write at
// once; false lets Nagle's algorithm (RFC 896) hold small segments while
// data is unacknowledged.
func (c *TCPConn) SetNoDelay(noDelay bool) error {
	return c.setInt(unix.SOL_TCP, unix.TCP_NODELAY, boolInt(noDelay))
}

// SetKeepAlive sets SO_KEEPALIVE.
func (c *TCPConn) SetKeepAlive(keepalive bool) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolInt(keepalive))
}

// SetKeepAlivePeriod sets TCP_KEEPIDLE, rounded up to whole seconds; 0
// means Go's default of 15 s, a negative period leaves it unchanged.
func (c *TCPConn) SetKeepAlivePeriod(d time.Duration) error {
	return c.setSeconds(unix.TCP_KEEPIDLE, d, defaultKeepAliveIdle)
}

// SetKeepAliveConfig sets SO_KEEPALIVE from Enable and TCP_KEEPIDLE,
// TCP_KEEPINTVL and TCP_KEEPCNT from the other fields, as net's does: zero
// means Go's default (15 s, 15 s, 9), negative leaves the option unchanged.
func (c *TCPConn) SetKeepAliveConfig(config net.KeepAliveConfig) error {
	if err := c.SetKeepAlive(config.Enable); err != nil {
		return err
	}
	if err := c.setSeconds(unix.TCP_KEEPIDLE, config.Idle, defaultKeepAliveIdle); err != nil {
		return err
	}
	if err := c.setSeconds(unix.TCP_KEEPINTVL, config.Interval, defaultKeepAliveInterval); err != nil {
		return err
	}
	n := config.Count
	if n == 0 {
		n = defaultKeepAliveCount
	} else if n < 0 {
		return nil
	}
	return c.setInt(unix.SOL_TCP, unix.TCP_KEEPCNT, n)
}

// setSeconds sets a TCP option counted in seconds from d, rounded up (0:
// def; negative: nothing), as net's setKeepAliveIdle does.
func (c *TCPConn) setSeconds(name int, d, def time.Duration) error {
	if d == 0 {
		d = def
	} else if d < 0 {
		return nil
	}
	return c.setInt(unix.SOL_TCP, name, int((d+time.Second-1)/time.Second))
}

// SetLinger sets SO_LINGER: sec < 0 (the default) lets Close return at once
// and the stack send what is left; sec == 0 makes Close discard unsent data
// and reset the connection; sec > 0 makes Close block until the data is
// acknowledged or sec seconds pass.
func (c *TCPConn) SetLinger(sec int) error {
	var l [8]byte // struct linger {int l_onoff; int l_linger;}
	if sec >= 0 {
		binary.NativeEndian.PutUint32(l[0:], 1)
		binary.NativeEndian.PutUint32(l[4:], uint32(int32(sec)))
	}
	if err := c.so.Setsockopt(unix.SOL_SOCKET, unix.SO_LINGER, l[:]); err != nil {
		return c.opError("set", c.cause("setsockopt", err))
	}
	return nil
}

// MultipathTCP reports false: the stack has no MPTCP.
func (c *TCPConn) MultipathTCP() (bool, error) { return false, nil }

func (c *TCPConn) setInt(level, name, v int) error {
	if err := c.so.SetsockoptInt(level, name, v); err != nil {
		return c.opError("set", c.cause("setsockopt", err))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// opError is net's *net.OpError for op on this connection.
func (c *TCPConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Source: c.laddr, Addr: c.raddr, Err: err}
}

// cause turns a socket-layer error from syscall sys into the Err of net's
// *net.OpError, as UDPConn.cause does.
func (c *TCPConn) cause(sys string, err error) error {
	switch {
	case errors.Is(err, socket.ErrDeadline):
		return errDeadline
	case c.closed.Load() && errors.Is(err, unix.EBADF):
		return net.ErrClosed
	}
	return syscallError(sys, err)
}

// tcpAddr returns ap as package net reports IPv4 socket addresses: a
// *net.TCPAddr with a 4-byte IP, sharing one allocation with it.
func tcpAddr(ap netip.AddrPort) *net.TCPAddr {
	b := new(tcpAddrBuf)
	if a := ap.Addr().Unmap(); a.Is4() {
		b.ip = a.As4()
	}
	b.a = net.TCPAddr{IP: b.ip[:], Port: int(ap.Port())}
	return &b.a
}

type tcpAddrBuf struct {
	a  net.TCPAddr
	ip [4]byte
}

// tcpOpAddr is tcpAddr for the Addr of an error: nil for the zero
// AddrPort, a 16-byte IP for IPv6.
func tcpOpAddr(ap netip.AddrPort) net.Addr {
	if !ap.IsValid() {
		return nil
	}
	if ap.Addr().Is4() {
		return tcpAddr(ap)
	}
	return net.TCPAddrFromAddrPort(ap)
}
