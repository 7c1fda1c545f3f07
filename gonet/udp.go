package gonet

import (
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// UDPConn is a UDP socket of an inet stack with the methods of
// *net.UDPConn. It implements net.PacketConn, and net.Conn for a connected
// socket. Its methods are safe for concurrent use.
type UDPConn struct {
	so        *socket.Socket
	network   string         // "udp" or "udp4", as the caller named it
	laddr     net.Addr       // *net.UDPAddr from getsockname at creation
	raddr     net.Addr       // *net.UDPAddr from getpeername, nil when not connected
	lap, rap  netip.AddrPort // laddr and raddr as netip values
	connected bool           // made by DialUDP: WriteTo is refused, as net refuses it

	closed atomic.Bool
	rdl    deadline
	wdl    deadline
}

var (
	_ net.PacketConn = (*UDPConn)(nil)
	_ net.Conn       = (*UDPConn)(nil)
)

// NewUDPConn wraps an AF_INET SOCK_DGRAM socket, bound or connected as the
// caller left it, naming its network network ("udp" or "udp4"). The local
// and remote addresses are read now, as package net records them when a
// socket is made; WriteTo is refused if the socket is connected. The
// UDPConn owns so from now on: closing it closes so.
func NewUDPConn(so *socket.Socket, network string) *UDPConn {
	c := &UDPConn{so: so, network: network}
	clk := so.Base().Env.Clock
	c.rdl.init(clk, so.SetReadDeadline)
	c.wdl.init(clk, so.SetWriteDeadline)
	if la, err := so.GetSockName(); err == nil {
		c.lap, c.laddr = la, udpAddr(la)
	}
	if ra, err := so.GetPeerName(); err == nil {
		c.rap, c.raddr = ra, udpAddr(ra)
		c.connected = true
	}
	return c
}

// Socket returns the underlying socket, for Setsockopt, Getsockopt, Poll
// and the other calls package net reaches through SyscallConn. Calls that
// change its addresses (Bind, Connect) are not reflected in LocalAddr and
// RemoteAddr, as with a file descriptor changed behind net's back; the
// socket's own Go deadlines belong to the UDPConn (use its SetDeadline).
func (c *UDPConn) Socket() *socket.Socket { return c.so }

// LocalAddr returns the local address (a *net.UDPAddr).
func (c *UDPConn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address (a *net.UDPAddr) for a connected
// socket, and nil otherwise.
func (c *UDPConn) RemoteAddr() net.Addr { return c.raddr }

// LocalAddrPort is LocalAddr as a netip.AddrPort.
func (c *UDPConn) LocalAddrPort() netip.AddrPort { return c.lap }

// RemoteAddrPort is RemoteAddr as a netip.AddrPort (the zero AddrPort when
// not connected).
func (c *UDPConn) RemoteAddrPort() netip.AddrPort { return c.rap }

// Close closes the socket. Blocked calls return net.ErrClosed; a second
// Close returns net.ErrClosed in a *net.OpError, as package net does.
func (c *UDPConn) Close() error {
	if c.closed.Swap(true) {
		return &net.OpError{Op: "close", Net: c.network, Source: c.laddr, Addr: c.raddr, Err: net.ErrClosed}
	}
	c.rdl.stop()
	c.wdl.stop()
	if err := c.so.Close(); err != nil {
		return &net.OpError{Op: "close", Net: c.network, Source: c.laddr, Addr: c.raddr, Err: c.cause("close", err)}
	}
	return nil
}

// SetDeadline sets the read and write deadlines: an instant on the stack's
// clock after which calls fail with os.ErrDeadlineExceeded. The zero time
// means none. A call blocked when the deadline is set or moved obeys the
// new one.
func (c *UDPConn) SetDeadline(t time.Time) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	c.rdl.Set(t)
	c.wdl.Set(t)
	return nil
}

// SetReadDeadline sets the read deadline.
func (c *UDPConn) SetReadDeadline(t time.Time) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	c.rdl.Set(t)
	return nil
}

// SetWriteDeadline sets the write deadline. A UDP send never waits for
// room, so the deadline only matters once it has passed.
func (c *UDPConn) SetWriteDeadline(t time.Time) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	c.wdl.Set(t)
	return nil
}

// SetReadBuffer sets SO_RCVBUF (Linux doubles it and clamps it to
// net.core.rmem_max).
func (c *UDPConn) SetReadBuffer(bytes int) error {
	return c.setsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets SO_SNDBUF.
func (c *UDPConn) SetWriteBuffer(bytes int) error {
	return c.setsockoptInt(unix.SOL_SOCKET, unix.SO_SNDBUF, bytes)
}

func (c *UDPConn) setsockoptInt(level, name, v int) error {
	if err := c.setCheck(); err != nil {
		return err
	}
	if err := c.so.SetsockoptInt(level, name, v); err != nil {
		return &net.OpError{Op: "set", Net: c.network, Addr: c.laddr, Err: c.cause("setsockopt", err)}
	}
	return nil
}

// setCheck is the closed check of net's conn setters.
func (c *UDPConn) setCheck() error {
	if c.closed.Load() {
		return &net.OpError{Op: "set", Net: c.network, Addr: c.laddr, Err: net.ErrClosed}
	}
	return nil
}

// readCheck and writeCheck are what a call checks before it tries: the
// socket is open and the deadline has not passed.
func (c *UDPConn) readCheck() error {
	if c.closed.Load() {
		return net.ErrClosed
	}
	if c.rdl.expired() {
		return errDeadline
	}
	return nil
}

func (c *UDPConn) writeCheck() error {
	if c.closed.Load() {
		return net.ErrClosed
	}
	if c.wdl.expired() {
		return errDeadline
	}
	return nil
}

// udpAddr returns ap as package net reports IPv4 socket addresses: a
// *net.UDPAddr with a 4-byte IP. The address and its IP share one
// allocation.
func udpAddr(ap netip.AddrPort) *net.UDPAddr {
	b := new(udpAddrBuf)
	if a := ap.Addr().Unmap(); a.Is4() {
		b.ip = a.As4()
	}
	b.a = net.UDPAddr{IP: b.ip[:], Port: int(ap.Port())}
	return &b.a
}

type udpAddrBuf struct {
	a  net.UDPAddr
	ip [4]byte
}
