// Package wire holds the packet formats inet speaks: IPv4 (with options),
// ICMPv4, UDP, TCP (with options), IGMP v1/v2/v3, ARP and Ethernet, and the
// Internet checksum. It does no I/O and keeps no state.
//
// Each format comes two ways, after smoltcp:
//   - a view, a named []byte type (IPv4, ICMP, UDP, ...) with accessors and
//     setters over the bytes in place, obtained from a checked constructor
//     (ParseIPv4, ParseUDP, ...). Once the constructor has succeeded no
//     accessor can panic, whatever the bytes say;
//   - a header struct (IPv4Header, UDPHeader, ...) with Len and Emit, for
//     building packets, and a Header method on the view that decodes one.
//
// Constructors return the sentinel errors below, so the caller can count a
// drop under the right SNMP name.
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
