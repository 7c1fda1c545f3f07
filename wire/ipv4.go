package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 protocol numbers used by inet.
const (
	ProtoICMP = 1
	ProtoIGMP = 2
	ProtoTCP  = 6
	ProtoUDP  = 17
	ProtoRaw  = 255
)

// IPv4 header sizes and flags.
const (
	IPv4MinHeaderLen = 20
	IPv4MaxHeaderLen = 60
	IPv4MaxOptionLen = 40
	IPv4MaxPacket    = 65535

	IPv4FlagDF     = 0x4000 // don't fragment, in the flags/fragment-offset word
	IPv4FlagMF     = 0x2000 // more fragments
	IPv4FlagEvil   = 0x8000 // reserved bit (RFC 3514)
	IPv4OffsetMask = 0x1fff
)

// IPv4 is a view of an IPv4 packet (RFC 791 section 3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |Type of Service|          Total Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Identification        |Flags|      Fragment Offset    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Source Address                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination Address                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Options                    |    Padding    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A view from ParseIPv4 has a valid version, a header length within the
// bytes and a total length covering the header and within the bytes; the
// bytes past the total length (link padding) are still in the slice and are
// excluded by Payload and Packet.
type IPv4 []byte

// ParseIPv4 checks b as an IPv4 packet in the order Linux's ip_rcv_core
// does: at least 20 bytes (ErrTruncated), version 4 (ErrVersion), IHL of at
// least 5 (ErrHeaderLength), header within the bytes (ErrTruncated), total
// length not beyond the bytes (ErrTruncated), total length not below the
// header length (ErrHeaderLength). The header checksum is not checked: call
// ValidChecksum.
func ParseIPv4(b []byte) (IPv4, error) {
	if len(b) < IPv4MinHeaderLen {
		return nil, ErrTruncated
	}
	if b[0]>>4 != 4 {
		return nil, ErrVersion
	}
	hl := int(b[0]&0xf) * 4
	if hl < IPv4MinHeaderLen {
		return nil, ErrHeaderLength
	}
	if hl > len(b) {
		return nil, ErrTruncated
	}
	tl := int(binary.BigEndian.Uint16(b[2:]))
	if tl > len(b) {
		return nil, ErrTruncated
	}
	if tl < hl {
		return nil, ErrHeaderLength
	}
	return IPv4(b), nil
}

// Version returns the version field.
func (p IPv4) Version() uint8 { return p[0] >> 4 }

// HeaderLen returns the header length in bytes (IHL * 4).
func (p IPv4) HeaderLen() int { return int(p[0]&0xf) * 4 }

// TOS returns the type-of-service byte (DSCP and ECN).
func (p IPv4) TOS() uint8 { return p[1] }

// TotalLen returns the total length field.
func (p IPv4) TotalLen() int { return int(binary.BigEndian.Uint16(p[2:])) }

// ID returns the identification field.
func (p IPv4) ID() uint16 { return binary.BigEndian.Uint16(p[4:]) }

// FlagsFrag returns the flags and fragment offset word.
func (p IPv4) FlagsFrag() uint16 { return binary.BigEndian.Uint16(p[6:]) }

// DF reports the don't-fragment flag.
func (p IPv4) DF() bool { return p.FlagsFrag()&IPv4FlagDF != 0 }

// MF reports the more-fragments flag.
func (p IPv4) MF() bool { return p.FlagsFrag()&IPv4FlagMF != 0 }

// FragOffset returns the fragment offset in bytes.
func (p IPv4) FragOffset() int { return int(p.FlagsFrag()&IPv4OffsetMask) * 8 }

// IsFragment reports whether the packet is a fragment (MF set or a
// non-zero offset).
func (p IPv4) IsFragment() bool { return p.FlagsFrag()&(IPv4FlagMF|IPv4OffsetMask) != 0 }

// TTL returns the time-to-live field.
func (p IPv4) TTL() uint8 { return p[8] }

// Protocol returns the protocol field.
func (p IPv4) Protocol() uint8 { return p[9] }

// Checksum returns the header checksum field.
func (p IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(p[10:]) }

// Src returns the source address.
func (p IPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(p[12:16])) }

// Dst returns the destination address.
func (p IPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(p[16:20])) }

// Options returns the options area (between byte 20 and the header length).
func (p IPv4) Options() []byte { return p[IPv4MinHeaderLen:p.HeaderLen()] }

// HeaderBytes returns the header bytes, options included.
func (p IPv4) HeaderBytes() []byte { return p[:p.HeaderLen()] }

// Payload returns the bytes after the header, up to the total length.
func (p IPv4) Payload() []byte { return p[p.HeaderLen():p.TotalLen()] }

// Packet returns the packet up to its total length (without link padding).
func (p IPv4) Packet() []byte { return p[:p.TotalLen()] }

// ValidChecksum reports whether the header checksum verifies.
func (p IPv4) ValidChecksum() bool { return Checksum(p[:p.HeaderLen()]) == 0 }

// SetTOS sets the TOS byte.
func (p IPv4) SetTOS(v uint8) { p[1] = v }

// SetTotalLen sets the total length field.
func (p IPv4) SetTotalLen(n int) { binary.BigEndian.PutUint16(p[2:], uint16(n)) }

// SetID sets the identification field.
func (p IPv4) SetID(v uint16) { binary.BigEndian.PutUint16(p[4:], v) }

// SetFlagsFrag sets the flags and fragment offset word.
func (p IPv4) SetFlagsFrag(v uint16) { binary.BigEndian.PutUint16(p[6:], v) }

// SetTTL sets the TTL without touching the checksum.
func (p IPv4) SetTTL(v uint8) { p[8] = v }

// SetChecksum sets the header checksum field.
func (p IPv4) SetChecksum(v uint16) { binary.BigEndian.PutUint16(p[10:], v) }

// SetSrc sets the source address.
func (p IPv4) SetSrc(a netip.Addr) { s := As4(a); copy(p[12:16], s[:]) }

// SetDst sets the destination address.
func (p IPv4) SetDst(a netip.Addr) { d := As4(a); copy(p[16:20], d[:]) }

// DecTTL decrements the TTL and patches the checksum incrementally
// (RFC 1624), as a router does.
func (p IPv4) DecTTL() {
	old := binary.BigEndian.Uint16(p[8:])
	p[8]--
	p.SetChecksum(UpdateChecksum16(p.Checksum(), old, binary.BigEndian.Uint16(p[8:])))
}

// ComputeChecksum recomputes and stores the header checksum.
func (p IPv4) ComputeChecksum() {
	p.SetChecksum(0)
	p.SetChecksum(Checksum(p[:p.HeaderLen()]))
}

// IPv4Header is a decoded IPv4 header, for building packets.
type IPv4Header struct {
	TOS       uint8
	TotalLen  int // 0 means Len() + payload length is filled by the caller
	ID        uint16
	FlagsFrag uint16 // flags and fragment offset in 8-byte units, as on the wire
	TTL       uint8
	Protocol  uint8
	Checksum  uint16 // as parsed; Emit computes a fresh one
	Src, Dst  netip.Addr
	Options   []byte // raw options, padded by Emit to a multiple of 4
}

// Len returns the encoded header length: 20 plus the options rounded up to
// a multiple of 4.
func (h *IPv4Header) Len() int { return IPv4MinHeaderLen + (len(h.Options)+3)&^3 }

// Emit writes the header into b (len(b) >= h.Len()) with a fresh checksum.
// Option padding is filled with End of Option List (0).
func (h *IPv4Header) Emit(b []byte) {
	hl := h.Len()
	b[0] = 0x40 | uint8(hl/4)
	b[1] = h.TOS
	binary.BigEndian.PutUint16(b[2:], uint16(h.TotalLen))
	binary.BigEndian.PutUint16(b[4:], h.ID)
	binary.BigEndian.PutUint16(b[6:], h.FlagsFrag)
	b[8] = h.TTL
	b[9] = h.Protocol
	b[10], b[11] = 0, 0
	s, d := As4(h.Src), As4(h.Dst)
	copy(b[12:16], s[:])
	copy(b[16:20], d[:])
	n := copy(b[20:hl], h.Options)
	clear(b[20+n : hl])
	binary.BigEndian.PutUint16(b[10:], Checksum(b[:hl]))
}

// Header decodes the view's header. Options alias the view's bytes.
func (p IPv4) Header() IPv4Header {
	return IPv4Header{
		TOS:       p.TOS(),
		TotalLen:  p.TotalLen(),
		ID:        p.ID(),
		FlagsFrag: p.FlagsFrag(),
		TTL:       p.TTL(),
		Protocol:  p.Protocol(),
		Checksum:  p.Checksum(),
		Src:       p.Src(),
		Dst:       p.Dst(),
		Options:   p.Options(),
	}
}
