package wire

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// ICMPv4 message types (RFC 792, RFC 950, RFC 1256; names as Linux's
// include/uapi/linux/icmp.h).
const (
	ICMPEchoReply      = 0
	ICMPDestUnreach    = 3
	ICMPSourceQuench   = 4
	ICMPRedirect       = 5
	ICMPEcho           = 8
	ICMPRouterAdvert   = 9
	ICMPRouterSolicit  = 10
	ICMPTimeExceeded   = 11
	ICMPParameterProb  = 12
	ICMPTimestamp      = 13
	ICMPTimestampReply = 14
	ICMPInfoRequest    = 15
	ICMPInfoReply      = 16
	ICMPAddressMask    = 17
	ICMPAddressMaskRep = 18
	ICMPMaxType        = 18
)

// Destination unreachable codes.
const (
	ICMPNetUnreach    = 0
	ICMPHostUnreach   = 1
	ICMPProtUnreach   = 2
	ICMPPortUnreach   = 3
	ICMPFragNeeded    = 4
	ICMPSRFailed      = 5
	ICMPNetUnknown    = 6
	ICMPHostUnknown   = 7
	ICMPHostIsolated  = 8
	ICMPNetAno        = 9
	ICMPHostAno       = 10
	ICMPNetUnrTOS     = 11
	ICMPHostUnrTOS    = 12
	ICMPPktFiltered   = 13
	ICMPPrecViolation = 14
	ICMPPrecCutoff    = 15
)

// Redirect codes.
const (
	ICMPRedirNet     = 0
	ICMPRedirHost    = 1
	ICMPRedirNetTOS  = 2
	ICMPRedirHostTOS = 3
)

// Time exceeded codes.
const (
	ICMPExcTTL      = 0
	ICMPExcFragTime = 1
)

// Parameter problem codes (RFC 792, RFC 1108).
const (
	ICMPParamPointer    = 0 // the pointer indicates the error
	ICMPParamMissingOpt = 1 // a required option is missing (RFC 1108)
	ICMPParamBadLength  = 2 // bad length
)

// ICMP message sizes.
const (
	ICMPHeaderLen      = 8  // the fixed part of every message
	ICMPTimestampLen   = 20 // timestamp and timestamp reply (RFC 792)
	ICMPAddressMaskLen = 12 // address mask request and reply (RFC 950)
	ICMPQuoteMin       = 28 // an error's quote: IPv4 header and 8 data bytes (RFC 792)
)

// ICMP is a view of an ICMPv4 message (RFC 792):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            rest of header (type-specific)                     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      data: echo payload, or the quoted IP header + 8 bytes    |
//
// A view from ParseICMP is at least 8 bytes long.
type ICMP []byte

// ParseICMP checks that b holds at least the 8-byte ICMP header. It does not
// verify the checksum: call ValidChecksum.
func ParseICMP(b []byte) (ICMP, error) {
	if len(b) < ICMPHeaderLen {
		return nil, ErrTruncated
	}
	return ICMP(b), nil
}

// Type returns the message type.
func (m ICMP) Type() uint8 { return m[0] }

// Code returns the message code.
func (m ICMP) Code() uint8 { return m[1] }

// Checksum returns the checksum field.
func (m ICMP) Checksum() uint16 { return binary.BigEndian.Uint16(m[2:]) }

// Rest returns the 32-bit rest-of-header word.
func (m ICMP) Rest() uint32 { return binary.BigEndian.Uint32(m[4:]) }

// ID returns the echo/timestamp/information identifier.
func (m ICMP) ID() uint16 { return binary.BigEndian.Uint16(m[4:]) }

// Seq returns the echo/timestamp/information sequence number.
func (m ICMP) Seq() uint16 { return binary.BigEndian.Uint16(m[6:]) }

// Pointer returns a parameter problem's pointer octet: the offset of the
// offending octet in the quoted header.
func (m ICMP) Pointer() uint8 { return m[4] }

// MTU returns a fragmentation-needed message's next-hop MTU (RFC 1191
// section 4; 0 from routers that predate it).
func (m ICMP) MTU() uint16 { return binary.BigEndian.Uint16(m[6:]) }

// Gateway returns a redirect's gateway address.
func (m ICMP) Gateway() netip.Addr { return netip.AddrFrom4([4]byte(m[4:8])) }

// Payload returns the data after the 8-byte header: an echo's data, or an
// error message's quoted datagram.
func (m ICMP) Payload() []byte { return m[ICMPHeaderLen:] }

// word returns the big-endian 32-bit word at off, or 0 beyond the bytes.
func (m ICMP) word(off int) uint32 {
	if off+4 > len(m) {
		return 0
	}
	return binary.BigEndian.Uint32(m[off:])
}

// Originate returns a timestamp message's originate timestamp
// (milliseconds since midnight UT, RFC 792), or 0 when the message is too
// short to hold it. Linux answers a timestamp request of 12 bytes or more
// (icmp_timestamp): it reads only this field.
func (m ICMP) Originate() uint32 { return m.word(8) }

// Receive returns a timestamp message's receive timestamp, or 0 when the
// message is shorter than 16 bytes.
func (m ICMP) Receive() uint32 { return m.word(12) }

// Transmit returns a timestamp message's transmit timestamp, or 0 when the
// message is shorter than 20 bytes.
func (m ICMP) Transmit() uint32 { return m.word(16) }

// AddressMask returns an address mask message's mask (RFC 950), or the
// zero Addr when the message is shorter than 12 bytes.
func (m ICMP) AddressMask() netip.Addr {
	if len(m) < ICMPAddressMaskLen {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(m[8:12]))
}

// Quoted parses an error message's payload as the quoted datagram.
func (m ICMP) Quoted() (QuotedIPv4, error) { return ParseQuotedIPv4(m.Payload()) }

// ValidChecksum reports whether the checksum over the whole message
// verifies.
func (m ICMP) ValidChecksum() bool { return Checksum(m) == 0 }

// SetChecksum stores the checksum field.
func (m ICMP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(m[2:], v) }

// ComputeChecksum recomputes and stores the checksum over the whole message.
func (m ICMP) ComputeChecksum() {
	m.SetChecksum(0)
	m.SetChecksum(Checksum(m))
}

// ICMPIsError reports whether an ICMP type is an error message (RFC 1122
// 3.2.2: destination unreachable, source quench, redirect, time exceeded,
// parameter problem), about which no error is ever sent.
func ICMPIsError(typ uint8) bool {
	switch typ {
	case ICMPDestUnreach, ICMPSourceQuench, ICMPRedirect, ICMPTimeExceeded, ICMPParameterProb:
		return true
	}
	return false
}

// ICMPHeader is the fixed part of an ICMP message, for building messages.
type ICMPHeader struct {
	Type, Code uint8
	Checksum   uint16 // as parsed; Emit does not compute it
	Rest       uint32 // the type-specific rest-of-header word
}

// Len returns 8.
func (h *ICMPHeader) Len() int { return ICMPHeaderLen }

// Emit writes the header into b with a zero checksum field; compute the
// checksum with ICMP(b).ComputeChecksum once the payload is in place.
func (h *ICMPHeader) Emit(b []byte) {
	b[0], b[1] = h.Type, h.Code
	b[2], b[3] = 0, 0
	binary.BigEndian.PutUint32(b[4:], h.Rest)
}

// Header decodes the fixed part of the message.
func (m ICMP) Header() ICMPHeader {
	return ICMPHeader{Type: m.Type(), Code: m.Code(), Checksum: m.Checksum(), Rest: m.Rest()}
}

// EchoRest builds the rest-of-header word of an echo, timestamp,
// information or address mask message: identifier and sequence number.
func EchoRest(id, seq uint16) uint32 { return uint32(id)<<16 | uint32(seq) }

// ICMPRestMTU builds a fragmentation-needed message's rest-of-header word:
// unused, then the next-hop MTU (RFC 1191 section 4).
func ICMPRestMTU(mtu uint16) uint32 { return uint32(mtu) }

// ICMPRestPointer builds a parameter problem's rest-of-header word: the
// pointer in the first octet (RFC 792).
func ICMPRestPointer(ptr uint8) uint32 { return uint32(ptr) << 24 }

// ICMPRestGateway builds a redirect's rest-of-header word: the gateway.
func ICMPRestGateway(gw netip.Addr) uint32 {
	a := As4(gw)
	return binary.BigEndian.Uint32(a[:])
}

// EmitICMPTimestamps writes the three timestamps of a timestamp message
// into b[8:20]; b holds the whole message.
func EmitICMPTimestamps(b []byte, orig, recv, xmit uint32) {
	binary.BigEndian.PutUint32(b[8:], orig)
	binary.BigEndian.PutUint32(b[12:], recv)
	binary.BigEndian.PutUint32(b[16:], xmit)
}

// EmitICMPAddressMask writes an address mask message's mask into b[8:12].
func EmitICMPAddressMask(b []byte, mask netip.Addr) {
	a := As4(mask)
	copy(b[8:12], a[:])
}

// ICMPTimeMillis returns t as an ICMP or IP option timestamp: milliseconds
// since midnight UT (RFC 792; Linux's inet_current_timestamp).
func ICMPTimeMillis(t time.Time) uint32 {
	t = t.UTC()
	sec := t.Hour()*3600 + t.Minute()*60 + t.Second()
	return uint32(sec*1000 + t.Nanosecond()/1e6)
}
