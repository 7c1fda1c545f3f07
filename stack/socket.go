package stack

import (
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Socket limits from Linux (include/linux/net.h, uapi/linux/in.h).
const (
	sockTypeMask = 0xf
	sockMax      = 11  // SOCK_PACKET + 1
	ipprotoMax   = 263 // IPPROTO_MPTCP + 1
	nproto       = 46  // AF_MAX
)

// Socket is socket(2) for this stack, answering every combination in the
// order Linux's __sys_socket, __sock_create and inet_create check them:
// flags other than SOCK_NONBLOCK and SOCK_CLOEXEC are EINVAL; a family
// outside 0..AF_MAX-1 EAFNOSUPPORT; a type outside 0..10 EINVAL; any other
// family than AF_INET EAFNOSUPPORT (SOCK_PACKET in AF_INET is Linux's old
// spelling of AF_PACKET, which inet does not have); a type AF_INET has no
// protocol for ESOCKTNOSUPPORT; a protocol the type does not carry
// EPROTONOSUPPORT; a protocol outside 0..262 EINVAL; raw sockets without
// CapNetRaw EPERM.
func (s *Stack) Socket(domain, typ, proto int) (*socket.Socket, error) {
	flags := typ &^ sockTypeMask
	typ &= sockTypeMask
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return nil, unix.EINVAL
	}
	if domain < 0 || domain >= nproto {
		return nil, unix.EAFNOSUPPORT
	}
	if typ < 0 || typ >= sockMax {
		return nil, unix.EINVAL
	}
	if domain != unix.AF_INET || typ == unix.SOCK_PACKET {
		return nil, unix.EAFNOSUPPORT
	}
	if proto < 0 || proto >= ipprotoMax {
		return nil, unix.EINVAL
	}
	var so *socket.Socket
	switch typ {
	case unix.SOCK_DGRAM:
		switch proto {
		case 0, unix.IPPROTO_UDP:
			so = s.udp.NewSocket()
		case unix.IPPROTO_ICMP:
			// Ping sockets, gated by net.ipv4.ping_group_range, whose
			// default (1 0) admits no group: EACCES, as Linux answers
			// even root. Allowed ranges arrive with raw sockets.
			return nil, unix.EACCES
		case unix.IPPROTO_UDPLITE:
			return nil, unix.EPROTONOSUPPORT
		default:
			return nil, unix.EPROTONOSUPPORT
		}
	case unix.SOCK_STREAM:
		switch proto {
		case 0, unix.IPPROTO_TCP:
			if s.tcp == nil {
				return nil, unix.EPROTONOSUPPORT
			}
			so = s.tcp()
		default:
			return nil, unix.EPROTONOSUPPORT
		}
	case unix.SOCK_RAW:
		if proto == 0 {
			return nil, unix.EPROTONOSUPPORT
		}
		if !s.env.Capable(socket.CapNetRaw) {
			return nil, unix.EPERM
		}
		if s.raw == nil {
			return nil, unix.EPROTONOSUPPORT
		}
		so = s.raw(proto)
	default:
		return nil, unix.ESOCKTNOSUPPORT
	}
	if flags&unix.SOCK_NONBLOCK != 0 {
		so.SetNonblock(true)
	}
	return so, nil
}

// Env returns the socket layer's view of the stack.
func (s *Stack) Env() *socket.Env { return s.env }
