package gonet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// DialTCP connects a TCP socket of st to raddr, bound first to laddr
// unless that is the zero AddrPort, as net.Dialer.DialContext does for
// "tcp" and "tcp4": the connection has TCP_NODELAY on and keepalive on with
// Go's defaults (15 s idle, 15 s between probes, 9 probes). A raddr of
// 0.0.0.0 means this host, as Linux's connect has it. The connect blocks
// until the handshake ends; ctx cancels it (the SYN-SENT socket is closed
// and the error is net's "operation was canceled" or "i/o timeout").
// Errors are *net.OpError with Op "dial", the syscall (socket, bind,
// connect) named inside: "connect: connection refused" for a reset,
// "connect: connection timed out" when tcp_syn_retries run out.
func DialTCP(ctx context.Context, st Stack, network string, laddr, raddr netip.AddrPort) (*TCPConn, error) {
	return dialTCP(ctx, st, network, laddr, raddr, tcpOpAddr(raddr))
}

// dialTCP is DialTCP naming raddr as opAddr in its errors.
func dialTCP(ctx context.Context, st Stack, network string, laddr, raddr netip.AddrPort, opAddr net.Addr) (*TCPConn, error) {
	fail := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Source: tcpOpAddr(laddr), Addr: opAddr, Err: err}
	}
	if network != "tcp" && network != "tcp4" {
		return nil, fail(net.UnknownNetworkError(network))
	}
	if !raddr.IsValid() {
		return nil, fail(errMissingAddress)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(ctxError(err))
	}
	c, err := dialTCPOnce(ctx, st, network, laddr, raddr)
	// net's dialTCP: with an ephemeral local port, a connection that met
	// itself (a simultaneous open of one socket, RFC 9293 §3.5) or a
	// spurious EADDRNOTAVAIL is tried again, twice at most.
	for i := 0; i < 2 && (!laddr.IsValid() || laddr.Port() == 0); i++ {
		if err == nil && c.lap != c.rap {
			break
		}
		if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			break
		}
		if err == nil {
			c.Close()
		}
		c, err = dialTCPOnce(ctx, st, network, laddr, raddr)
	}
	if err != nil {
		return nil, fail(err)
	}
	return c, nil
}

// dialTCPOnce is one attempt: socket, bind, connect.
func dialTCPOnce(ctx context.Context, st Stack, network string, laddr, raddr netip.AddrPort) (*TCPConn, error) {
	so, err := newStreamSocket(st, raddr.Addr())
	if err != nil {
		return nil, err
	}
	if laddr.IsValid() {
		if err := so.BindAddr(laddr); err != nil {
			so.Close()
			return nil, syscallError("bind", err)
		}
	}
	if err := connectContext(ctx, so, raddr); err != nil {
		so.Close()
		return nil, err
	}
	ra, err := so.GetPeerName()
	if err != nil {
		ra = raddr // reset already: net records the address it dialed
	}
	c := newTCPConn(so, network, ra)
	c.setGoDefaults()
	return c, nil
}

// aLongTimeAgo is the deadline that interrupts a connect (net's own).
var aLongTimeAgo = time.Unix(1, 0)

// connectContext is connect(2) that ctx can interrupt, as net's
// netFD.connect: while it blocks, a goroutine waits for ctx and, if it is
// done first, puts the socket's write deadline in the past, which wakes
// the connect. A connect that succeeded as ctx ended still fails.
func connectContext(ctx context.Context, so *socket.Socket, raddr netip.AddrPort) (err error) {
	if done := ctx.Done(); done != nil {
		stop := make(chan struct{})
		interrupted := make(chan error)
		defer func() {
			close(stop)
			if cerr := <-interrupted; cerr != nil && err == nil {
				err = ctxError(cerr)
			}
			so.SetWriteDeadline(time.Time{})
		}()
		go func() {
			select {
			case <-done:
				so.SetWriteDeadline(aLongTimeAgo)
				interrupted <- ctx.Err()
			case <-stop:
				interrupted <- nil
			}
		}()
	}
	if err := so.ConnectAddr(raddr); err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, socket.ErrDeadline) {
			return ctxError(cerr)
		}
		return syscallError("connect", err)
	}
	return nil
}

// newStreamSocket is net's socket step for TCP: socket(2) of the address's
// family (AF_INET6 for an IPv6 address, which the stack refuses with
// EAFNOSUPPORT).
func newStreamSocket(st Stack, a netip.Addr) (*socket.Socket, error) {
	family := unix.AF_INET
	if a.IsValid() && !a.Unmap().Is4() {
		family = unix.AF_INET6
	}
	so, err := st.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, syscallError("socket", err)
	}
	return so, nil
}

// listenBacklog is the backlog net passes to listen(2): somaxconn, which
// the stack's listen clamps any larger backlog to (net.core.somaxconn,
// 4096 by default), so the largest listen accepts stands for it.
const listenBacklog = 1<<16 - 1

// ListenTCP makes a TCP socket of st listening on laddr (port 0: an
// ephemeral port; address 0.0.0.0: every address), as net.ListenTCP does:
// SO_REUSEADDR on, bound, listen(2) with a backlog of net.core.somaxconn.
// network is "tcp" or "tcp4". Errors are *net.OpError with Op "listen".
func ListenTCP(st Stack, network string, laddr netip.AddrPort) (*TCPListener, error) {
	return listenTCP(st, network, laddr, tcpOpAddr(laddr))
}

// listenTCP is ListenTCP naming laddr as opAddr in its errors.
func listenTCP(st Stack, network string, laddr netip.AddrPort, opAddr net.Addr) (*TCPListener, error) {
	fail := func(err error) error {
		return &net.OpError{Op: "listen", Net: network, Addr: opAddr, Err: err}
	}
	if network != "tcp" && network != "tcp4" {
		return nil, fail(net.UnknownNetworkError(network))
	}
	so, err := newStreamSocket(st, laddr.Addr())
	if err != nil {
		return nil, fail(err)
	}
	if err := so.SetsockoptInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		so.Close()
		return nil, fail(syscallError("setsockopt", err))
	}
	if err := so.BindAddr(laddr); err != nil {
		so.Close()
		return nil, fail(syscallError("bind", err))
	}
	if err := so.Listen(listenBacklog); err != nil {
		so.Close()
		return nil, fail(syscallError("listen", err))
	}
	return NewTCPListener(so, network), nil
}

// Listen is net.Listen on st: for "tcp" and "tcp4", a TCP listener on
// address (see the package doc for the address syntax). Other networks
// fail with net.UnknownNetworkError in a *net.OpError.
func Listen(st Stack, network, address string) (net.Listener, error) {
	switch network {
	case "tcp", "tcp4":
		la, err := resolveAddr(context.Background(), network, address)
		if err != nil {
			return nil, &net.OpError{Op: "listen", Net: network, Err: err}
		}
		l, err := listenTCP(st, network, la, addressOpAddr(address, la))
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
}

// dialTCPAddress is DialContext for "tcp" and "tcp4".
func dialTCPAddress(ctx context.Context, st Stack, network, address string) (net.Conn, error) {
	ra, err := resolveAddr(ctx, network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	c, err := dialTCP(ctx, st, network, netip.AddrPort{}, ra, addressOpAddr(address, ra))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// addressOpAddr is how net names a resolved address in errors: without an
// IP (":80") when the address had no host, as net's resolver leaves the IP
// nil then.
func addressOpAddr(address string, ap netip.AddrPort) net.Addr {
	if host, _, err := net.SplitHostPort(address); address == "" || (err == nil && host == "") {
		return &net.TCPAddr{Port: int(ap.Port())}
	}
	return tcpOpAddr(ap)
}
