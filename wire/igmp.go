package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"time"
)

// IGMP message types (RFC 1112, RFC 2236, RFC 3376; names after Linux's
// include/uapi/linux/igmp.h).
const (
	IGMPMembershipQuery    = 0x11 // every version (RFC 3376 7.1 tells them apart)
	IGMPv1MembershipReport = 0x12
	IGMPv2MembershipReport = 0x16
	IGMPv2LeaveGroup       = 0x17
	IGMPv3MembershipReport = 0x22
)

// IGMP sizes.
const (
	IGMPHeaderLen      = 8  // v1 and v2 messages, and the common start of all
	IGMPv3QueryMinLen  = 12 // a v3 query without sources
	IGMPv3RecordMinLen = 8  // a v3 group record without sources or aux data
)

// IGMPv1QueryResponse is the response time a version 1 query implies: it
// has no Max Resp Time field (RFC 2236 4; Linux's
// IGMP_QUERY_RESPONSE_INTERVAL).
const IGMPv1QueryResponse = 10 * time.Second

// IGMP is a view of an IGMP message (RFC 2236 2, RFC 3376 4), the common
// 8-byte start every version shares:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Type     | Max Resp Code |           Checksum            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Group Address                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The view is the whole message (the IPv4 payload); the checksum covers
// all of it. In a version 3 report the second byte is reserved and the
// group word holds the number of records: use ParseIGMPv3Report. A view
// from ParseIGMP is at least 8 bytes long.
type IGMP []byte

// ParseIGMP checks that b holds at least the 8-byte IGMP header (Linux's
// igmp_rcv drops shorter messages). It does not verify the checksum: call
// ValidChecksum.
func ParseIGMP(b []byte) (IGMP, error) {
	if len(b) < IGMPHeaderLen {
		return nil, ErrTruncated
	}
	return IGMP(b), nil
}

// Type returns the message type.
func (m IGMP) Type() uint8 { return m[0] }

// MaxRespCode returns the second byte: a query's Max Resp Code (v2: the
// time in tenths of a second; v3: see IGMPv3DecodeCode), 0 in v1.
func (m IGMP) MaxRespCode() uint8 { return m[1] }

// Checksum returns the checksum field.
func (m IGMP) Checksum() uint16 { return binary.BigEndian.Uint16(m[2:]) }

// Group returns the group address (0.0.0.0 in a general query).
func (m IGMP) Group() netip.Addr { return netip.AddrFrom4([4]byte(m[4:8])) }

// ValidChecksum reports whether the checksum over the whole message
// verifies, as Linux's igmp_rcv requires.
func (m IGMP) ValidChecksum() bool { return Checksum(m) == 0 }

// ComputeChecksum recomputes and stores the checksum over the whole
// message.
func (m IGMP) ComputeChecksum() {
	binary.BigEndian.PutUint16(m[2:], 0)
	binary.BigEndian.PutUint16(m[2:], Checksum(m))
}

// QueryVersion tells a membership query's version by its length and Max
// Resp Code (RFC 3376 7.1; Linux's igmp_heard_query): 8 bytes and code 0
// is version 1, 8 bytes and a non-zero code version 2, 12 bytes or more
// version 3. It returns 0 for other lengths, which must be ignored, and
// for messages that are not queries.
func (m IGMP) QueryVersion() int {
	if m.Type() != IGMPMembershipQuery {
		return 0
	}
	switch {
	case len(m) == IGMPHeaderLen && m.MaxRespCode() == 0:
		return 1
	case len(m) == IGMPHeaderLen:
		return 2
	case len(m) >= IGMPv3QueryMinLen:
		return 3
	}
	return 0
}

// MaxRespTime returns the response time a query asks for: 10 s for
// version 1, the code in tenths of a second for version 2, the decoded
// code in tenths of a second for version 3; 0 for other messages.
func (m IGMP) MaxRespTime() time.Duration {
	switch m.QueryVersion() {
	case 1:
		return IGMPv1QueryResponse
	case 2:
		return time.Duration(m.MaxRespCode()) * time.Second / 10
	case 3:
		return time.Duration(IGMPv3DecodeCode(m.MaxRespCode())) * time.Second / 10
	}
	return 0
}

// IGMPHeader is an 8-byte IGMP message: a version 1 or 2 query, report or
// leave.
type IGMPHeader struct {
	Type        uint8
	MaxRespCode uint8
	Checksum    uint16 // as parsed; Emit computes a fresh one
	Group       netip.Addr
}

// Len returns 8.
func (h *IGMPHeader) Len() int { return IGMPHeaderLen }

// Emit writes the message into b[:8] with its checksum, which covers just
// these 8 bytes.
func (h *IGMPHeader) Emit(b []byte) {
	b[0], b[1] = h.Type, h.MaxRespCode
	g := As4(h.Group)
	copy(b[4:8], g[:])
	IGMP(b[:IGMPHeaderLen]).ComputeChecksum()
}

// Header decodes the common 8-byte start of the message.
func (m IGMP) Header() IGMPHeader {
	return IGMPHeader{Type: m.Type(), MaxRespCode: m.MaxRespCode(), Checksum: m.Checksum(), Group: m.Group()}
}

// IGMPv3DecodeCode decodes a version 3 Max Resp Code or QQIC (RFC 3376
// 4.1.1, 4.1.7): below 128 the value itself, else the floating-point form
// 1|exp(3)|mant(4) worth (mant|0x10) << (exp+3), at most 31744.
func IGMPv3DecodeCode(c uint8) int {
	if c < 0x80 {
		return int(c)
	}
	exp, mant := int(c>>4)&7, int(c)&0xf
	return (mant | 0x10) << (exp + 3)
}

// IGMPv3EncodeCode encodes v as a version 3 Max Resp Code or QQIC: exactly
// below 128, else the largest floating-point value not above v; values
// above 31744 (and negative ones, as 0) are clamped.
func IGMPv3EncodeCode(v int) uint8 {
	switch {
	case v < 0:
		return 0
	case v < 0x80:
		return uint8(v)
	case v >= 31744:
		return 0xff
	}
	n := bits.Len(uint(v)) // 8..15: the top bit of v is bit n-1
	shift := n - 5         // leaves (mant|0x10) in 16..31
	return 0x80 | uint8(shift-3)<<4 | uint8(v>>shift)&0xf
}
