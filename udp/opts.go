package udp

import (
	"encoding/binary"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

const socketCmsgPktInfo = socket.CmsgPktInfo

// UDP socket options (linux/udp.h).
const (
	UDPCork          = 1
	UDPEncap         = 100
	UDPNoCheck6Tx    = 101
	UDPNoCheck6Rx    = 102
	UDPSegment       = 103
	UDPGRO           = 104
	udpliteSendCscov = 10
	udpliteRecvCscov = 11
)

// SetOption is udp_setsockopt for SOL_UDP (other levels: ENOPROTOOPT).
func (s *sock) SetOption(level, name int, val []byte) error {
	if level != unix.SOL_UDP {
		return unix.ENOPROTOOPT
	}
	if len(val) < 4 {
		return unix.EINVAL
	}
	v := int32(binary.NativeEndian.Uint32(val))
	switch name {
	case UDPCork:
		// udp_lib_setsockopt: clearing the flag pushes what is pending,
		// and what the push returns is not reported.
		s.corkflag.Store(v != 0)
		if v == 0 {
			s.Mu.Lock()
			_ = s.pushLocked()
			s.Mu.Unlock()
		}
	case UDPEncap:
		// udp_lib_setsockopt: none, ESP in UDP (2) and L2TP (3) are
		// the types a socket can ask for (ESPINUDP_NON_IKE is gone).
		switch v {
		case 0, 2, 3:
			s.encap.Store(v)
		default:
			return unix.ENOPROTOOPT
		}
	case UDPNoCheck6Tx:
		s.noCheck6Tx.Store(v != 0)
	case UDPNoCheck6Rx:
		s.noCheck6Rx.Store(v != 0)
	case UDPSegment:
		if v < 0 || v > 0xffff {
			return unix.EINVAL
		}
		s.gso.Store(v)
	case UDPGRO:
		s.gro.Store(v != 0)
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

// GetOption is udp_getsockopt for SOL_UDP (other levels: EOPNOTSUPP, as
// ip_getsockopt answers).
func (s *sock) GetOption(level, name int, buf []byte) (int, error) {
	if level != unix.SOL_UDP {
		return 0, unix.EOPNOTSUPP
	}
	var v int32
	switch name {
	case UDPCork:
		v = b2i(s.corkflag.Load())
	case UDPEncap:
		v = s.encap.Load()
	case UDPNoCheck6Tx:
		v = b2i(s.noCheck6Tx.Load())
	case UDPNoCheck6Rx:
		v = b2i(s.noCheck6Rx.Load())
	case udpliteSendCscov, udpliteRecvCscov:
		v = 0
	case UDPSegment:
		v = s.gso.Load()
	case UDPGRO:
		v = b2i(s.gro.Load())
	default:
		return 0, unix.ENOPROTOOPT
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(v))
	return copy(buf, b[:min(len(buf), 4)]), nil
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
