package socket

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/sys/unix"
)

// SockaddrInLen is sizeof(struct sockaddr_in).
const SockaddrInLen = 16

// Sockaddr is a decoded struct sockaddr: the family and, for AF_INET (and
// AF_UNSPEC, whose bytes Linux reads as sockaddr_in), the address and port.
type Sockaddr struct {
	Family uint16
	Addr   netip.AddrPort
}

// ParseSockaddr decodes a struct sockaddr_in of at least 16 bytes (family
// in host order, port and address in network order). Shorter is EINVAL. The
// family is returned as found; callers apply their own rule (EAFNOSUPPORT,
// AF_UNSPEC games) as Linux's calls do.
func ParseSockaddr(b []byte) (Sockaddr, error) {
	if len(b) < SockaddrInLen {
		return Sockaddr{}, unix.EINVAL
	}
	fam := binary.NativeEndian.Uint16(b[0:2])
	port := binary.BigEndian.Uint16(b[2:4])
	addr := netip.AddrFrom4([4]byte(b[4:8]))
	return Sockaddr{Family: fam, Addr: netip.AddrPortFrom(addr, port)}, nil
}

// SockaddrFamily returns the family of a sockaddr of at least 2 bytes.
func SockaddrFamily(b []byte) (uint16, bool) {
	if len(b) < 2 {
		return 0, false
	}
	return binary.NativeEndian.Uint16(b[0:2]), true
}

// AppendSockaddr appends a struct sockaddr_in for ap (AF_INET, sin_zero
// zeroed) to b.
func AppendSockaddr(b []byte, ap netip.AddrPort) []byte {
	var s [SockaddrInLen]byte
	PutSockaddr(s[:], ap)
	return append(b, s[:]...)
}

// PutSockaddr writes a struct sockaddr_in for ap into b (len(b) >= 16).
func PutSockaddr(b []byte, ap netip.AddrPort) {
	binary.NativeEndian.PutUint16(b[0:2], unix.AF_INET)
	binary.BigEndian.PutUint16(b[2:4], ap.Port())
	a := as4(ap.Addr())
	copy(b[4:8], a[:])
	clear(b[8:16])
}

// SockaddrBytes returns ap as a new 16-byte struct sockaddr_in.
func SockaddrBytes(ap netip.AddrPort) []byte { return AppendSockaddr(nil, ap) }

func as4(a netip.Addr) [4]byte {
	if a.Is4() {
		return a.As4()
	}
	if a.Is4In6() {
		return a.Unmap().As4()
	}
	return [4]byte{}
}

var anyAddr = netip.IPv4Unspecified()

// isAny reports whether a is 0.0.0.0 (or not an address at all).
func isAny(a netip.Addr) bool { return !a.IsValid() || a == anyAddr }
