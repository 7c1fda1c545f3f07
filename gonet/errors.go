package gonet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Errors package net returns whose values it does not export; these have
// the same text and the same errors.Is behaviour.
var (
	// errMissingAddress is net's "missing address": WriteTo without a
	// destination on an unconnected socket.
	errMissingAddress = errors.New("missing address")
	// errDeadline is what a passed deadline reports: net's
	// os.ErrDeadlineExceeded (Timeout() true, "i/o timeout").
	errDeadline = os.ErrDeadlineExceeded
	// errNoSuitableAddress is net's answer for an address of the wrong
	// family ("udp4" and an IPv6 literal).
	errNoSuitableAddress = "no suitable address found"
)

// cause turns a socket-layer error from syscall sys into the Err of net's
// *net.OpError: EBADF on a socket this UDPConn closed is net.ErrClosed, a
// Go deadline os.ErrDeadlineExceeded, an errno an *os.SyscallError naming
// the system call package net would have made.
func (c *UDPConn) cause(sys string, err error) error {
	switch {
	case errors.Is(err, socket.ErrDeadline):
		return errDeadline
	case c.closed.Load() && errors.Is(err, unix.EBADF):
		return net.ErrClosed
	}
	return syscallError(sys, err)
}

func syscallError(sys string, err error) error {
	if e, ok := err.(unix.Errno); ok {
		return os.NewSyscallError(sys, e)
	}
	return err
}

// readError wraps err from syscall sys as package net wraps a read error.
func (c *UDPConn) readError(sys string, err error) error {
	return &net.OpError{Op: "read", Net: c.network, Source: c.laddr, Addr: c.raddr, Err: c.cause(sys, err)}
}

// writeError wraps err from syscall sys as net wraps a write error to addr
// (nil for a connected socket's peer).
func (c *UDPConn) writeError(sys string, addr net.Addr, err error) error {
	if addr == nil {
		addr = c.raddr
	}
	return &net.OpError{Op: "write", Net: c.network, Source: c.laddr, Addr: addr, Err: c.cause(sys, err)}
}

// canceledError and timeoutError are net's answers to a dial whose context
// is done (net's mapErr): "operation was canceled", which errors.Is
// matches to context.Canceled, and "i/o timeout", a timeout that
// errors.Is matches to context.DeadlineExceeded.
type canceledError struct{}

func (canceledError) Error() string     { return "operation was canceled" }
func (canceledError) Is(err error) bool { return err == context.Canceled }

type timeoutError struct{}

func (*timeoutError) Error() string     { return "i/o timeout" }
func (*timeoutError) Timeout() bool     { return true }
func (*timeoutError) Temporary() bool   { return true }
func (*timeoutError) Is(err error) bool { return err == context.DeadlineExceeded }

// ctxError is net's mapErr.
func ctxError(err error) error {
	switch err {
	case context.Canceled:
		return canceledError{}
	case context.DeadlineExceeded:
		return &timeoutError{}
	}
	return err
}

// addrPort is a netip.AddrPort as a net.Addr, for the Addr of errors about
// the netip variants (net's addrPortUDPAddr).
type addrPort struct{ netip.AddrPort }

func (addrPort) Network() string { return "udp" }
