package wire

import (
	"encoding/binary"
	"net/netip"
)

// QuotedIPv4 is a view of the datagram quoted in an ICMP error message
// (RFC 792: the IP header and at least 8 bytes of its data; RFC 1812
// 4.3.2.3 allows more, Linux quotes up to 576 bytes of ICMP message). The
// quote is usually cut short, so unlike IPv4 its total length may exceed
// the bytes.
//
// A view from ParseQuotedIPv4 has version 4 and a header within the bytes.
type QuotedIPv4 []byte

// ParseQuotedIPv4 checks b leniently as a quoted IPv4 datagram: at least 20
// bytes (ErrTruncated), version 4 (ErrVersion), IHL of at least 5
// (ErrHeaderLength) and a header within the bytes (ErrTruncated). The total
// length and the checksum are not checked.
func ParseQuotedIPv4(b []byte) (QuotedIPv4, error) {
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
	return QuotedIPv4(b), nil
}

// HeaderLen returns the quoted header's length in bytes.
func (q QuotedIPv4) HeaderLen() int { return int(q[0]&0xf) * 4 }

// TOS returns the quoted TOS byte.
func (q QuotedIPv4) TOS() uint8 { return q[1] }

// TotalLen returns the quoted total length field (possibly beyond the
// quoted bytes).
func (q QuotedIPv4) TotalLen() int { return int(binary.BigEndian.Uint16(q[2:])) }

// ID returns the quoted identification field.
func (q QuotedIPv4) ID() uint16 { return binary.BigEndian.Uint16(q[4:]) }

// FlagsFrag returns the quoted flags and fragment offset word.
func (q QuotedIPv4) FlagsFrag() uint16 { return binary.BigEndian.Uint16(q[6:]) }

// FragOffset returns the quoted fragment offset in bytes. Only a quote of
// a first fragment (offset 0) starts with the transport header.
func (q QuotedIPv4) FragOffset() int { return int(q.FlagsFrag()&IPv4OffsetMask) * 8 }

// TTL returns the quoted TTL.
func (q QuotedIPv4) TTL() uint8 { return q[8] }

// Protocol returns the quoted protocol.
func (q QuotedIPv4) Protocol() uint8 { return q[9] }

// Src returns the quoted source address.
func (q QuotedIPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(q[12:16])) }

// Dst returns the quoted destination address.
func (q QuotedIPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(q[16:20])) }

// Options returns the quoted options area.
func (q QuotedIPv4) Options() []byte { return q[IPv4MinHeaderLen:q.HeaderLen()] }

// Header decodes the quoted header; Options alias the view.
func (q QuotedIPv4) Header() IPv4Header {
	return IPv4(q).Header()
}

// Payload returns the quoted data after the header: up to the total length
// when the whole datagram is quoted, else whatever was quoted.
func (q QuotedIPv4) Payload() []byte {
	end := min(max(q.TotalLen(), q.HeaderLen()), len(q))
	return q[q.HeaderLen():end]
}

// Complete reports whether the whole datagram is quoted.
func (q QuotedIPv4) Complete() bool { return q.TotalLen() <= len(q) }

// transport returns the first n bytes of the quoted transport header of a
// first fragment, or nil.
func (q QuotedIPv4) transport(n int) []byte {
	p := q.Payload()
	if q.FragOffset() != 0 || len(p) < n {
		return nil
	}
	return p[:n]
}

// HasTransport8 reports whether the quote holds the first 8 bytes of the
// transport header, which Linux requires before it hands an error to the
// transport protocol (icmp_socket_deliver).
func (q QuotedIPv4) HasTransport8() bool { return q.transport(8) != nil }

// Ports returns the quoted UDP or TCP ports (the first 4 transport bytes);
// ok is false when they are not quoted or the quote is not of a first
// fragment.
func (q QuotedIPv4) Ports() (src, dst uint16, ok bool) {
	t := q.transport(4)
	if t == nil {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(t), binary.BigEndian.Uint16(t[2:]), true
}

// TCPSeq returns the quoted TCP sequence number; ok is false when the quote
// is not of TCP or too short.
func (q QuotedIPv4) TCPSeq() (seq uint32, ok bool) {
	t := q.transport(8)
	if t == nil || q.Protocol() != ProtoTCP {
		return 0, false
	}
	return binary.BigEndian.Uint32(t[4:]), true
}

// ICMPEcho returns the quoted ICMP message's type, code, identifier and
// sequence number (as an echo request has them); ok is false when the
// quote is not of ICMP or too short.
func (q QuotedIPv4) ICMPEcho() (typ, code uint8, id, seq uint16, ok bool) {
	t := q.transport(8)
	if t == nil || q.Protocol() != ProtoICMP {
		return 0, 0, 0, 0, false
	}
	return t[0], t[1], binary.BigEndian.Uint16(t[4:]), binary.BigEndian.Uint16(t[6:]), true
}
