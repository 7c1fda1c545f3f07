package wire

import (
	"encoding/binary"
	"net/netip"
)

// UDPHeaderLen is the length of the UDP header.
const UDPHeaderLen = 8

// UDP is a view of a UDP datagram (RFC 768):
//
//	 0      7 8     15 16    23 24    31
//	+--------+--------+--------+--------+
//	|     Source      |   Destination   |
//	|      Port       |      Port       |
//	+--------+--------+--------+--------+
//	|     Length      |    Checksum     |
//	+--------+--------+--------+--------+
//	|          data octets ...
//
// A view from ParseUDP has a length field of at least 8 and not beyond the
// bytes; Payload stops at that length.
type UDP []byte

// ParseUDP checks b as a UDP datagram: 8 header bytes (ErrTruncated), a
// length field of at least 8 (ErrHeaderLength) and at most len(b)
// (ErrTruncated), as Linux's __udp4_lib_rcv does.
func ParseUDP(b []byte) (UDP, error) {
	if len(b) < UDPHeaderLen {
		return nil, ErrTruncated
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if n < UDPHeaderLen {
		return nil, ErrHeaderLength
	}
	if n > len(b) {
		return nil, ErrTruncated
	}
	return UDP(b), nil
}

// SrcPort returns the source port.
func (u UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(u[0:]) }

// DstPort returns the destination port.
func (u UDP) DstPort() uint16 { return binary.BigEndian.Uint16(u[2:]) }

// Length returns the length field.
func (u UDP) Length() int { return int(binary.BigEndian.Uint16(u[4:])) }

// Checksum returns the checksum field (0 means none was computed).
func (u UDP) Checksum() uint16 { return binary.BigEndian.Uint16(u[6:]) }

// Payload returns the data up to the length field.
func (u UDP) Payload() []byte { return u[UDPHeaderLen:u.Length()] }

// Datagram returns header and data up to the length field.
func (u UDP) Datagram() []byte { return u[:u.Length()] }

// SetChecksum stores the checksum field.
func (u UDP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(u[6:], v) }

// SetSrcPort sets the source port without touching the checksum.
func (u UDP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(u[0:], p) }

// SetDstPort sets the destination port without touching the checksum.
func (u UDP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(u[2:], p) }

// ValidChecksum reports whether the datagram (up to the length field)
// checksums correctly with the pseudo-header of src and dst. A zero
// checksum field means the sender computed none, and passes (RFC 768;
// Linux accepts it for IPv4).
func (u UDP) ValidChecksum(src, dst netip.Addr) bool {
	if u.Checksum() == 0 {
		return true
	}
	d := u.Datagram()
	return Sum(d, PseudoHeaderSum(src, dst, ProtoUDP, len(d))) == 0xffff
}

// ComputeChecksum computes and stores the checksum over the datagram (up
// to the length field) with the pseudo-header of src and dst. A computed
// zero is sent as 0xffff, zero meaning "no checksum" (RFC 768).
func (u UDP) ComputeChecksum(src, dst netip.Addr) {
	u.SetChecksum(0)
	c := TransportChecksum(src, dst, ProtoUDP, u.Datagram())
	if c == 0 {
		c = 0xffff
	}
	u.SetChecksum(c)
}

// UDPHeader is a decoded UDP header.
type UDPHeader struct {
	SrcPort, DstPort uint16
	Length           int
	Checksum         uint16
}

// Len returns 8.
func (h *UDPHeader) Len() int { return UDPHeaderLen }

// Emit writes the header into b with the checksum field as given.
func (h *UDPHeader) Emit(b []byte) {
	binary.BigEndian.PutUint16(b[0:], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:], h.DstPort)
	binary.BigEndian.PutUint16(b[4:], uint16(h.Length))
	binary.BigEndian.PutUint16(b[6:], h.Checksum)
}

// Header decodes the view's header.
func (u UDP) Header() UDPHeader {
	return UDPHeader{SrcPort: u.SrcPort(), DstPort: u.DstPort(), Length: u.Length(), Checksum: u.Checksum()}
}
