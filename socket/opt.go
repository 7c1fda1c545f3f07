package socket

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Setsockopt is setsockopt(2): SOL_SOCKET and SOL_IP are handled here with
// Linux's layouts and checks, other levels by the protocol (which answers
// ENOPROTOOPT for levels it does not own, as ip_setsockopt does).
func (s *Socket) Setsockopt(level, name int, val []byte) error {
	if s.closed() {
		return unix.EBADF
	}
	var err error
	switch level {
	case unix.SOL_SOCKET:
		err = s.setSocketOpt(name, val)
	case unix.SOL_IP:
		err = s.setIPOpt(name, val)
	default:
		return s.p.SetOption(level, name, val)
	}
	if err == nil {
		s.p.OptionChanged(level, name)
	}
	return err
}

// Getsockopt is getsockopt(2): buf's length is optlen on the way in, the
// returned length optlen on the way out. A negative optlen cannot be
// expressed; levels neither SOL_SOCKET, SOL_IP nor the protocol's are
// EOPNOTSUPP, as ip_getsockopt answers.
func (s *Socket) Getsockopt(level, name int, buf []byte) (int, error) {
	if s.closed() {
		return 0, unix.EBADF
	}
	switch level {
	case unix.SOL_SOCKET:
		return s.getSocketOpt(name, buf)
	case unix.SOL_IP:
		return s.getIPOpt(name, buf)
	}
	return s.p.GetOption(level, name, buf)
}

// SetsockoptInt sets an int-valued option.
func (s *Socket) SetsockoptInt(level, name, v int) error {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(int32(v)))
	return s.Setsockopt(level, name, b[:])
}

// GetsockoptInt reads an int-valued option.
func (s *Socket) GetsockoptInt(level, name int) (int, error) {
	var b [4]byte
	n, err := s.Getsockopt(level, name, b[:])
	if err != nil {
		return 0, err
	}
	switch n {
	case 4:
		return int(int32(binary.NativeEndian.Uint32(b[:]))), nil
	case 1:
		return int(b[0]), nil
	}
	return 0, nil
}

// intArg reads the int of a SOL_SOCKET option (sk_setsockopt: optlen below
// sizeof(int) is EINVAL).
func intArg(val []byte) (int32, error) {
	if len(val) < 4 {
		return 0, unix.EINVAL
	}
	return int32(binary.NativeEndian.Uint32(val)), nil
}

// putInt is sk_getsockopt's copy-out of an int: a shorter buffer gets the
// first bytes of it.
func putInt(buf []byte, v int32) int {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(v))
	return copy(buf, b[:])
}

func boolInt(v bool) int32 {
	if v {
		return 1
	}
	return 0
}
