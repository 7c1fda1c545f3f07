package gonet

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// TCPListener is a listening TCP socket of an inet stack with the methods
// of *net.TCPListener; it implements net.Listener. Its methods are safe
// for concurrent use.
type TCPListener struct {
	so      *socket.Socket
	network string // "tcp" or "tcp4"
	laddr   net.Addr
	lap     netip.AddrPort

	closed atomic.Bool
	dl     deadline // accept waits as a read does
}

var _ net.Listener = (*TCPListener)(nil)

// NewTCPListener wraps a listening AF_INET SOCK_STREAM socket, naming its
// network network ("tcp" or "tcp4"). The TCPListener owns so from now on.
func NewTCPListener(so *socket.Socket, network string) *TCPListener {
	l := &TCPListener{so: so, network: network}
	l.dl.init(so.Base().Env.Clock, so.SetReadDeadline)
	if la, err := so.GetSockName(); err == nil {
		l.lap, l.laddr = la, tcpAddr(la)
	}
	return l
}

// Socket returns the underlying socket (for options such as
// TCP_DEFER_ACCEPT; its Go deadline belongs to the listener).
func (l *TCPListener) Socket() *socket.Socket { return l.so }

// Addr returns the address listened on (a *net.TCPAddr).
func (l *TCPListener) Addr() net.Addr { return l.laddr }

// AddrPort is Addr as a netip.AddrPort.
func (l *TCPListener) AddrPort() netip.AddrPort { return l.lap }

// Accept waits for the next connection and returns it (net.Listener).
func (l *TCPListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptTCP waits for the next connection (accept4(2)) and returns it with
// Go's defaults set, as net's listener does: TCP_NODELAY on, keepalive on
// (15 s idle, 15 s apart, 9 probes). A connection reset before it was
// taken (ECONNABORTED) is skipped, as net's poller skips it. Errors are
// *net.OpError with Op "accept": net.ErrClosed after Close,
// os.ErrDeadlineExceeded after the deadline.
func (l *TCPListener) AcceptTCP() (*TCPConn, error) {
	for {
		if l.closed.Load() {
			return nil, l.opError("accept", net.ErrClosed)
		}
		if l.dl.expired() {
			return nil, l.opError("accept", errDeadline)
		}
		so, from, err := l.so.Accept(unix.SOCK_CLOEXEC)
		if errors.Is(err, unix.ECONNABORTED) {
			continue
		}
		if err != nil {
			return nil, l.opError("accept", l.cause(err))
		}
		c := newTCPConn(so, l.network, from)
		c.setGoDefaults()
		return c, nil
	}
}

// Close stops listening: connections not yet accepted are reset, blocked
// Accepts return net.ErrClosed. Connections already accepted stay open. A
// second Close returns net.ErrClosed in a *net.OpError.
func (l *TCPListener) Close() error {
	if l.closed.Swap(true) {
		return l.opError("close", net.ErrClosed)
	}
	l.dl.stop()
	if err := l.so.Close(); err != nil {
		return l.opError("close", syscallError("close", err))
	}
	return nil
}

// SetDeadline sets the deadline for Accept, on the stack's clock; the zero
// time means none. After Close it returns net.ErrClosed, unwrapped, as
// net's does.
func (l *TCPListener) SetDeadline(t time.Time) error {
	if l.closed.Load() {
		return net.ErrClosed
	}
	l.dl.Set(t)
	return nil
}

func (l *TCPListener) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: l.network, Addr: l.laddr, Err: err}
}

func (l *TCPListener) cause(err error) error {
	switch {
	case errors.Is(err, socket.ErrDeadline):
		return errDeadline
	case l.closed.Load() && errors.Is(err, unix.EBADF):
		return net.ErrClosed
	}
	return syscallError("accept4", err)
}
