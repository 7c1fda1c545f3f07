// Package wire holds the packet formats inet speaks and the Internet
// checksum. It does no I/O, keeps no state and allocates nothing on the
// parse paths.
//
// Each format comes two ways, after smoltcp:
//   - a view, a named []byte type (IPv4, ICMP, UDP, ...) with accessors and
//     setters over the bytes in place, obtained from a checked constructor
//     (ParseIPv4, ParseUDP, ...). Once the constructor has succeeded no
//     accessor can panic, whatever the bytes say; accessors of optional
//     fields return zero values when the bytes stop short;
//   - a header struct (IPv4Header, UDPHeader, ...) with Len and Emit, for
//     building packets, and a Header method on the view that decodes one.
//
// Constructors return the sentinel errors below, so the caller can count a
// drop under the right SNMP name.
//
// Supported:
//   - IPv4 (RFC 791) headers; options through an allocation-free iterator
//     with typed views (End, No-op, Record Route, Timestamp with flags 0, 1
//     and 3 and the overflow count, Loose and Strict Source Route, Router
//     Alert, Security, any other as type and data), builders for each,
//     CheckIPv4Options with the acceptance rules and parameter-problem
//     pointers of Linux's ip_options_compile for received packets and for
//     IP_OPTIONS, and in-place edits (record a route, stamp, follow a
//     source route, blank uncopied options in later fragments); what a
//     host does to them as Linux does: ProcessIPv4Options on input (its
//     Record Route address and timestamps), EchoIPv4Options for answers
//     and IP_RETOPTS (the source route reversed), BuildIPv4Options on
//     output (the sender's entries);
//   - ICMPv4: every RFC 792 message, address mask (RFC 950), next-hop MTU
//     (RFC 1191), and a lenient view of the datagram an error quotes;
//   - UDP (RFC 768), with checksums;
//   - TCP (RFC 9293): all fields and flags (ECE, CWR, AE); options (MSS,
//     Window Scale, SACK-Permitted, SACK, Timestamps) parsed as Linux's
//     tcp_parse_options does and laid out as its tcp_options_write does;
//   - IGMP v1, v2 and v3 (RFC 1112, 2236, 3376): queries told apart as RFC
//     3376 7.1 says, reports, leaves, v3 group records, the floating-point
//     Max Resp Code and QQIC both ways;
//   - ARP (RFC 826) for Ethernet and IPv4, Ethernet II framing;
//   - the Internet checksum (RFC 1071) at tens of GB/s in pure Go, and its
//     incremental update (RFC 1624).
//
// Not supported yet: IPv6; CIPSO bodies (checked only as Linux checks them
// with no CIPSO domain configured: always refused); ICMP extensions (RFC
// 4884) and router discovery (RFC 1256) bodies; TCP Fast Open cookies, MD5
// signatures and Accurate ECN options (recognised as Linux recognises
// them, not decoded or emitted), TCP-AO and MPTCP options (unknown, as to
// Linux's tcp_parse_options); 802.1Q VLAN tags.
package wire

import (
	"errors"
	"net/netip"
)

// Errors returned by the checked constructors.
var (
	// ErrTruncated: the bytes are shorter than the header or the length
	// the header declares.
	ErrTruncated = errors.New("wire: truncated")
	// ErrVersion: the IP version field is not 4.
	ErrVersion = errors.New("wire: bad version")
	// ErrHeaderLength: a header length field is below its minimum or
	// inconsistent with another length.
	ErrHeaderLength = errors.New("wire: bad header length")
	// ErrChecksum: a checksum does not verify.
	ErrChecksum = errors.New("wire: bad checksum")
	// ErrMalformed: a field holds a value the format does not allow.
	ErrMalformed = errors.New("wire: malformed")
)

// As4 returns a's four bytes, or 0.0.0.0 when a is not an IPv4 address
// (including the zero Addr), so that emitting a header never panics.
func As4(a netip.Addr) [4]byte {
	if a.Is4() {
		return a.As4()
	}
	if a.Is4In6() {
		return a.Unmap().As4()
	}
	return [4]byte{}
}
