package gonet

import (
	"context"
	"net"
	"net/netip"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Stack is what gonet needs from an inet stack: socket(2). *inet.Stack and
// *stack.Stack have it.
type Stack interface {
	Socket(domain, typ, proto int) (*socket.Socket, error)
}

// ListenPacket is net.ListenPacket on st: for "udp" and "udp4", a UDP
// socket bound to address (see the package doc for the address syntax).
// Other networks fail with net.UnknownNetworkError in a *net.OpError, as
// net answers a network it does not know.
func ListenPacket(st Stack, network, address string) (net.PacketConn, error) {
	switch network {
	case "udp", "udp4":
		la, err := resolveAddr(context.Background(), network, address)
		if err != nil {
			return nil, &net.OpError{Op: "listen", Net: network, Err: err}
		}
		c, err := ListenUDP(st, network, la)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
}

// DialContext is net.Dialer.DialContext on st: for "udp" and "udp4", a UDP
// socket connected to address (a *UDPConn); for "tcp" and "tcp4", a TCP
// connection (a *TCPConn, see DialTCP). A context already done when the
// socket would be made, done while a TCP connect waits for the handshake,
// or done by the time connect returns, fails the dial with net's errors
// for it ("operation was canceled", which errors.Is matches to
// context.Canceled; "i/o timeout" for context.DeadlineExceeded). Other
// networks fail as ListenPacket's do.
func DialContext(ctx context.Context, st Stack, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4":
		return dialTCPAddress(ctx, st, network, address)
	case "udp", "udp4":
		ra, err := resolveAddr(ctx, network, address)
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
		c, err := DialUDP(ctx, st, network, netip.AddrPort{}, ra)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
}

// ListenUDP makes a UDP socket of st bound to laddr (port 0: an ephemeral
// port) with SO_BROADCAST on, as net.ListenUDP does. network is "udp" or
// "udp4". Errors are *net.OpError with Op "listen".
func ListenUDP(st Stack, network string, laddr netip.AddrPort) (*UDPConn, error) {
	fail := func(err error) error {
		return &net.OpError{Op: "listen", Net: network, Addr: opAddr(laddr), Err: err}
	}
	if network != "udp" && network != "udp4" {
		return nil, fail(net.UnknownNetworkError(network))
	}
	so, err := newSocket(st, laddr.Addr())
	if err != nil {
		return nil, fail(err)
	}
	if err := so.BindAddr(laddr); err != nil {
		so.Close()
		return nil, fail(syscallError("bind", err))
	}
	return NewUDPConn(so, network), nil
}

// DialUDP makes a UDP socket of st connected to raddr, bound first to laddr
// unless that is the zero AddrPort, with SO_BROADCAST on, as net.DialUDP
// does. A raddr of 0.0.0.0 means this host, as Linux's connect has it.
// Errors are *net.OpError with Op "dial".
func DialUDP(ctx context.Context, st Stack, network string, laddr, raddr netip.AddrPort) (*UDPConn, error) {
	fail := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Source: opAddr(laddr), Addr: opAddr(raddr), Err: err}
	}
	if network != "udp" && network != "udp4" {
		return nil, fail(net.UnknownNetworkError(network))
	}
	if !raddr.IsValid() {
		return nil, fail(errMissingAddress)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(ctxError(err))
	}
	so, err := newSocket(st, raddr.Addr())
	if err != nil {
		return nil, fail(err)
	}
	if laddr.IsValid() {
		if err := so.BindAddr(laddr); err != nil {
			so.Close()
			return nil, fail(syscallError("bind", err))
		}
	}
	if err := so.ConnectAddr(raddr); err != nil {
		so.Close()
		return nil, fail(syscallError("connect", err))
	}
	// A connect that succeeds at once is still undone by a context that
	// ended meanwhile, as net's connect checks.
	if err := ctx.Err(); err != nil {
		so.Close()
		return nil, fail(ctxError(err))
	}
	return NewUDPConn(so, network), nil
}

// newSocket is net's socket step: socket(2) of the address's family
// (AF_INET6 for an IPv6 address, which an IPv4-only stack refuses with
// EAFNOSUPPORT) and SO_BROADCAST on.
func newSocket(st Stack, a netip.Addr) (*socket.Socket, error) {
	family := unix.AF_INET
	if a.IsValid() && !a.Unmap().Is4() {
		family = unix.AF_INET6
	}
	so, err := st.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, syscallError("socket", err)
	}
	if err := so.SetsockoptInt(unix.SOL_SOCKET, unix.SO_BROADCAST, 1); err != nil {
		so.Close()
		return nil, syscallError("setsockopt", err)
	}
	return so, nil
}
