// Package inet is Linux's IPv4 protocol implementation (the ip(7) manual
// page) in Go, in user space: a program embeds a Stack to own IPv4
// addresses on links it is given (a TUN device, a veth through AF_PACKET,
// an in-memory network) and gets Linux's behaviour: the same counters, the
// same sysctls with the same defaults, the same ICMP answers, and (as the
// socket issues land) the same socket semantics and errno values.
//
// A stack:
//
//	s := inet.New(inet.Options{})
//	nic, _ := s.AddInterface(ep, stack.InterfaceOptions{})
//	s.AddAddress(nic.Index(), netip.MustParsePrefix("198.18.0.1/24"))
//	res, _ := s.Ping(ctx, netip.MustParseAddr("198.18.0.2"), inet.PingOptions{Count: 3})
//
// See docs/COMPATIBILITY.md for what is done and what is not yet.
package inet

import (
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/stack"
)

// Options configure a new Stack.
type Options = stack.Options

// Stack is one IPv4 host or router. Its interface, address and route
// methods come from stack.Stack.
type Stack struct {
	*stack.Stack
}

// New returns a stack with its loopback interface up.
func New(o Options) *Stack {
	return &Stack{Stack: stack.New(o)}
}

// Sysctl returns a setting by its Linux name ("net.ipv4.ip_default_ttl")
// as /proc/sys prints it. An unknown name is ENOENT.
func (s *Stack) Sysctl(name string) (string, error) { return s.Settings().Get(name) }

// SetSysctl writes a setting with Linux's validation; a value Linux
// refuses is refused with Linux's errno (EINVAL).
func (s *Stack) SetSysctl(name, value string) error { return s.Settings().Set(name, value) }

// Socket is a socket of a Stack: its methods are the socket system calls.
type Socket = socket.Socket
