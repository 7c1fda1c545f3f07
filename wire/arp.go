package wire

import (
	"encoding/binary"
	"net/netip"
)

// ARP operations and sizes (RFC 826) for Ethernet and IPv4.
const (
	ARPRequest = 1
	ARPReply   = 2

	ARPHardwareEthernet = 1
	ARPLen              = 28 // Ethernet/IPv4 ARP packet
)

// ARP is a view of an ARP packet for Ethernet and IPv4 (RFC 826):
//
//	+--------+--------+--------+--------+
//	|  hardware type  |  protocol type  |
//	+--------+--------+--------+--------+
//	| hlen=6 | plen=4 |    operation    |
//	+--------+--------+--------+--------+
//	|  sender hardware address (6)      |
//	|  sender protocol address (4)      |
//	|  target hardware address (6)      |
//	|  target protocol address (4)      |
//	+-----------------------------------+
//
// A view from ParseARP is for Ethernet (hardware type 1, length 6) and IPv4
// (protocol type 0x0800, length 4) and at least 28 bytes long.
type ARP []byte

// ParseARP checks b as an Ethernet/IPv4 ARP packet: ErrTruncated when short,
// ErrMalformed for other hardware or protocol types or lengths.
func ParseARP(b []byte) (ARP, error) {
	if len(b) < ARPLen {
		return nil, ErrTruncated
	}
	if binary.BigEndian.Uint16(b[0:]) != ARPHardwareEthernet ||
		binary.BigEndian.Uint16(b[2:]) != EtherTypeIPv4 ||
		b[4] != 6 || b[5] != 4 {
		return nil, ErrMalformed
	}
	return ARP(b), nil
}

// Op returns the operation.
func (a ARP) Op() uint16 { return binary.BigEndian.Uint16(a[6:]) }

// SenderMAC returns the sender hardware address.
func (a ARP) SenderMAC() MAC { return MAC(a[8:14]) }

// SenderIP returns the sender protocol address.
func (a ARP) SenderIP() netip.Addr { return netip.AddrFrom4([4]byte(a[14:18])) }

// TargetMAC returns the target hardware address.
func (a ARP) TargetMAC() MAC { return MAC(a[18:24]) }

// TargetIP returns the target protocol address.
func (a ARP) TargetIP() netip.Addr { return netip.AddrFrom4([4]byte(a[24:28])) }

// ARPHeader is a decoded Ethernet/IPv4 ARP packet.
type ARPHeader struct {
	Op                   uint16
	SenderMAC, TargetMAC MAC
	SenderIP, TargetIP   netip.Addr
}

// Len returns 28.
func (h *ARPHeader) Len() int { return ARPLen }

// Emit writes the packet into b.
func (h *ARPHeader) Emit(b []byte) {
	binary.BigEndian.PutUint16(b[0:], ARPHardwareEthernet)
	binary.BigEndian.PutUint16(b[2:], EtherTypeIPv4)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], h.Op)
	copy(b[8:14], h.SenderMAC[:])
	s := As4(h.SenderIP)
	copy(b[14:18], s[:])
	copy(b[18:24], h.TargetMAC[:])
	t := As4(h.TargetIP)
	copy(b[24:28], t[:])
}

// Header decodes the view.
func (a ARP) Header() ARPHeader {
	return ARPHeader{Op: a.Op(), SenderMAC: a.SenderMAC(), TargetMAC: a.TargetMAC(), SenderIP: a.SenderIP(), TargetIP: a.TargetIP()}
}
