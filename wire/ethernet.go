package wire

import (
	"encoding/binary"
	"net"
)

// Ethernet sizes and EtherTypes.
const (
	EthernetHeaderLen = 14
	EthernetMinFrame  = 60 // without FCS; shorter frames are padded on output

	EtherTypeIPv4 = 0x0800
	EtherTypeARP  = 0x0806
	EtherTypeVLAN = 0x8100
	EtherTypeIPv6 = 0x86dd
)

// MAC is a 48-bit Ethernet address. It is comparable, so it can key maps.
type MAC [6]byte

// BroadcastMAC is ff:ff:ff:ff:ff:ff.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// MACFrom converts a net.HardwareAddr of length 6; ok is false otherwise.
func MACFrom(h net.HardwareAddr) (m MAC, ok bool) {
	if len(h) != 6 {
		return m, false
	}
	return MAC(h), true
}

// IsBroadcast reports whether m is the broadcast address.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC }

// IsMulticast reports whether m is a group address (I/G bit set); the
// broadcast address is one.
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// String formats m as Linux does: lower-case hex separated by colons.
func (m MAC) String() string { return net.HardwareAddr(m[:]).String() }

// MulticastMAC returns the Ethernet group address that carries an IPv4
// multicast group (RFC 1112 section 6.4): 01:00:5e and the low 23 bits.
func MulticastMAC(group [4]byte) MAC {
	return MAC{0x01, 0x00, 0x5e, group[1] & 0x7f, group[2], group[3]}
}

// Ethernet is a view of an Ethernet II frame:
//
//	+-------------------+-------------------+-----------+---------
//	| destination (6)   | source (6)        | type (2)  | payload
//	+-------------------+-------------------+-----------+---------
type Ethernet []byte

// ParseEthernet checks that b holds at least the 14-byte header.
func ParseEthernet(b []byte) (Ethernet, error) {
	if len(b) < EthernetHeaderLen {
		return nil, ErrTruncated
	}
	return Ethernet(b), nil
}

// Dst returns the destination address.
func (e Ethernet) Dst() MAC { return MAC(e[0:6]) }

// Src returns the source address.
func (e Ethernet) Src() MAC { return MAC(e[6:12]) }

// EtherType returns the type field.
func (e Ethernet) EtherType() uint16 { return binary.BigEndian.Uint16(e[12:]) }

// Payload returns the bytes after the header.
func (e Ethernet) Payload() []byte { return e[EthernetHeaderLen:] }

// EthernetHeader is a decoded Ethernet II header.
type EthernetHeader struct {
	Dst, Src  MAC
	EtherType uint16
}

// Len returns 14.
func (h *EthernetHeader) Len() int { return EthernetHeaderLen }

// Emit writes the header into b.
func (h *EthernetHeader) Emit(b []byte) {
	copy(b[0:6], h.Dst[:])
	copy(b[6:12], h.Src[:])
	binary.BigEndian.PutUint16(b[12:], h.EtherType)
}

// Header decodes the view's header.
func (e Ethernet) Header() EthernetHeader {
	return EthernetHeader{Dst: e.Dst(), Src: e.Src(), EtherType: e.EtherType()}
}
