package wire

import (
	"encoding/binary"
	"net/netip"
)

// TCP header sizes.
const (
	TCPMinHeaderLen = 20
	TCPMaxHeaderLen = 60
	TCPMaxOptionLen = 40
)

// TCP flags as Flags returns them: the control bits of byte 13 (RFC 9293
// 3.1, RFC 3168 for ECE and CWR) and the low bits of byte 12: AE (RFC 9768
// Accurate ECN, formerly NS of RFC 3540) and three reserved bits.
const (
	TCPFlagFIN = 0x001
	TCPFlagSYN = 0x002
	TCPFlagRST = 0x004
	TCPFlagPSH = 0x008
	TCPFlagACK = 0x010
	TCPFlagURG = 0x020
	TCPFlagECE = 0x040
	TCPFlagCWR = 0x080
	TCPFlagAE  = 0x100

	TCPFlagsReserved = 0xe00 // must be zero (RFC 9293)
	TCPFlagsMask     = 0xfff
)

// TCP is a view of a TCP segment (RFC 9293 section 3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Acknowledgment Number                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Data |Rsrvd|A|C|E|U|A|P|R|S|F|                               |
//	| Offset|     |E|W|C|R|C|S|S|Y|I|            Window             |
//	|       |     | |R|E|G|K|H|T|N|N|                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Checksum            |         Urgent Pointer        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Options                    |    Padding    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                             data                              |
//
// The view is the whole segment (the IPv4 payload). A view from ParseTCP
// has a data offset of at least 5 words, within the bytes.
type TCP []byte

// ParseTCP checks b as a TCP segment in the order of Linux's tcp_v4_rcv:
// at least 20 bytes (ErrTruncated), a data offset of at least 5 words
// (ErrHeaderLength; Linux counts it in TcpInErrs), and a header within the
// bytes (ErrTruncated; Linux drops it uncounted). The checksum is not
// checked: call ValidChecksum.
func ParseTCP(b []byte) (TCP, error) {
	if len(b) < TCPMinHeaderLen {
		return nil, ErrTruncated
	}
	off := int(b[12]>>4) * 4
	if off < TCPMinHeaderLen {
		return nil, ErrHeaderLength
	}
	if off > len(b) {
		return nil, ErrTruncated
	}
	return TCP(b), nil
}

// SrcPort returns the source port.
func (s TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(s[0:]) }

// DstPort returns the destination port.
func (s TCP) DstPort() uint16 { return binary.BigEndian.Uint16(s[2:]) }

// Seq returns the sequence number.
func (s TCP) Seq() uint32 { return binary.BigEndian.Uint32(s[4:]) }

// Ack returns the acknowledgment number.
func (s TCP) Ack() uint32 { return binary.BigEndian.Uint32(s[8:]) }

// DataOffset returns the header length in bytes, options included.
func (s TCP) DataOffset() int { return int(s[12]>>4) * 4 }

// Flags returns the 12 flag bits (TCPFlagFIN ... TCPFlagAE and the
// reserved bits).
func (s TCP) Flags() uint16 { return binary.BigEndian.Uint16(s[12:]) & TCPFlagsMask }

// FIN reports the FIN flag.
func (s TCP) FIN() bool { return s[13]&TCPFlagFIN != 0 }

// SYN reports the SYN flag.
func (s TCP) SYN() bool { return s[13]&TCPFlagSYN != 0 }

// RST reports the RST flag.
func (s TCP) RST() bool { return s[13]&TCPFlagRST != 0 }

// PSH reports the PSH flag.
func (s TCP) PSH() bool { return s[13]&TCPFlagPSH != 0 }

// ACK reports the ACK flag.
func (s TCP) ACK() bool { return s[13]&TCPFlagACK != 0 }

// URG reports the URG flag.
func (s TCP) URG() bool { return s[13]&TCPFlagURG != 0 }

// ECE reports the ECN-Echo flag (RFC 3168).
func (s TCP) ECE() bool { return s[13]&TCPFlagECE != 0 }

// CWR reports the Congestion Window Reduced flag (RFC 3168).
func (s TCP) CWR() bool { return s[13]&TCPFlagCWR != 0 }

// AE reports the Accurate ECN bit (RFC 9768; the former NS bit).
func (s TCP) AE() bool { return s[12]&1 != 0 }

// Window returns the window field, unscaled.
func (s TCP) Window() uint16 { return binary.BigEndian.Uint16(s[14:]) }

// Checksum returns the checksum field.
func (s TCP) Checksum() uint16 { return binary.BigEndian.Uint16(s[16:]) }

// Urgent returns the urgent pointer.
func (s TCP) Urgent() uint16 { return binary.BigEndian.Uint16(s[18:]) }

// Options returns the options area (up to 40 bytes).
func (s TCP) Options() []byte { return s[TCPMinHeaderLen:s.DataOffset()] }

// Payload returns the data after the header.
func (s TCP) Payload() []byte { return s[s.DataOffset():] }

// ValidChecksum reports whether the whole segment checksums correctly with
// the pseudo-header of src and dst.
func (s TCP) ValidChecksum(src, dst netip.Addr) bool {
	return Sum(s, PseudoHeaderSum(src, dst, ProtoTCP, len(s))) == 0xffff
}

// ComputeChecksum computes and stores the checksum over the whole segment.
func (s TCP) ComputeChecksum(src, dst netip.Addr) {
	s.SetChecksum(0)
	s.SetChecksum(TransportChecksum(src, dst, ProtoTCP, s))
}

// SetSrcPort sets the source port without touching the checksum.
func (s TCP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(s[0:], p) }

// SetDstPort sets the destination port without touching the checksum.
func (s TCP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(s[2:], p) }

// SetSeq sets the sequence number.
func (s TCP) SetSeq(v uint32) { binary.BigEndian.PutUint32(s[4:], v) }

// SetAck sets the acknowledgment number.
func (s TCP) SetAck(v uint32) { binary.BigEndian.PutUint32(s[8:], v) }

// SetFlags sets the 12 flag bits, keeping the data offset.
func (s TCP) SetFlags(f uint16) {
	s[12] = s[12]&0xf0 | uint8(f>>8)&0x0f
	s[13] = uint8(f)
}

// SetWindow sets the window field.
func (s TCP) SetWindow(v uint16) { binary.BigEndian.PutUint16(s[14:], v) }

// SetChecksum sets the checksum field.
func (s TCP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(s[16:], v) }

// SetUrgent sets the urgent pointer.
func (s TCP) SetUrgent(v uint16) { binary.BigEndian.PutUint16(s[18:], v) }

// TCPHeader is a decoded TCP header, for building segments.
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint16 // TCPFlagFIN ... TCPFlagAE
	Window           uint16
	Checksum         uint16 // written as given; see TCP.ComputeChecksum
	Urgent           uint16
	Options          []byte // raw options (TCPOptions.Emit lays them out), padded by Emit to a multiple of 4
}

// Len returns the header length: 20 plus the options rounded up to a
// multiple of 4.
func (h *TCPHeader) Len() int { return TCPMinHeaderLen + (len(h.Options)+3)&^3 }

// Emit writes the header into b (len(b) >= h.Len()); option padding is
// End of Option List (0).
func (h *TCPHeader) Emit(b []byte) {
	n := h.Len()
	binary.BigEndian.PutUint16(b[0:], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:], h.DstPort)
	binary.BigEndian.PutUint32(b[4:], h.Seq)
	binary.BigEndian.PutUint32(b[8:], h.Ack)
	b[12] = uint8(n/4)<<4 | uint8(h.Flags>>8)&0x0f
	b[13] = uint8(h.Flags)
	binary.BigEndian.PutUint16(b[14:], h.Window)
	binary.BigEndian.PutUint16(b[16:], h.Checksum)
	binary.BigEndian.PutUint16(b[18:], h.Urgent)
	k := copy(b[TCPMinHeaderLen:n], h.Options)
	clear(b[TCPMinHeaderLen+k : n])
}

// Header decodes the view's header; Options alias the view.
func (s TCP) Header() TCPHeader {
	return TCPHeader{
		SrcPort: s.SrcPort(), DstPort: s.DstPort(),
		Seq: s.Seq(), Ack: s.Ack(),
		Flags: s.Flags(), Window: s.Window(), Checksum: s.Checksum(), Urgent: s.Urgent(),
		Options: s.Options(),
	}
}
