package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 option types (RFC 791 section 3.1, RFC 2113, RFC 1108; names as
// Linux's include/uapi/linux/ip.h). The top bit of the type is the "copied"
// flag: the option is copied into every fragment.
const (
	IPOptEnd         = 0   // End of Option List
	IPOptNOP         = 1   // No Operation
	IPOptRR          = 7   // Record Route
	IPOptTimestamp   = 68  // Internet Timestamp
	IPOptSecurity    = 130 // Security (RFC 1108 basic security)
	IPOptLSRR        = 131 // Loose Source and Record Route
	IPOptCIPSO       = 134 // Commercial IP Security Option
	IPOptSID         = 136 // Stream Identifier (obsolete)
	IPOptSSRR        = 137 // Strict Source and Record Route
	IPOptRouterAlert = 148 // Router Alert (RFC 2113)

	IPOptCopied = 0x80
)

// Timestamp option flags (the low nibble of its fourth octet).
const (
	IPOptTSOnly    = 0 // timestamps only
	IPOptTSAndAddr = 1 // each entry an address and a timestamp
	IPOptTSPrespec = 3 // addresses prespecified by the sender
)

// IPOptCopiedFlag reports whether an option of type typ is copied into
// every fragment (RFC 791: the top bit of the type).
func IPOptCopiedFlag(typ uint8) bool { return typ&IPOptCopied != 0 }

// IPv4Option is a view of one option as an IPv4OptionIter yields it: one
// byte for End and No-op, otherwise the type, the length and length-2 data
// bytes (the iterator guarantees len(o) == o.Len() >= 2). Accessors whose
// field lies beyond the option return zero rather than panic.
type IPv4Option []byte

// Type returns the option type.
func (o IPv4Option) Type() uint8 { return o[0] }

// Len returns the option's length: 1 for End and No-op, else its length
// octet.
func (o IPv4Option) Len() int { return len(o) }

// Data returns the bytes after the type and length octets (nil for End
// and No-op).
func (o IPv4Option) Data() []byte {
	if len(o) < 2 {
		return nil
	}
	return o[2:]
}

// Pointer returns the pointer octet of Record Route, source routes and
// Timestamp: the 1-based offset, within the option, of the next free slot.
func (o IPv4Option) Pointer() uint8 {
	if len(o) < 3 {
		return 0
	}
	return o[2]
}

// RouteSlots returns how many 4-byte address slots a Record Route or
// source route option has (RFC 791: length 3 + 4n).
func (o IPv4Option) RouteSlots() int {
	if len(o) < 3 {
		return 0
	}
	return (len(o) - 3) / 4
}

// RouteAddr returns address slot i (0-based) of a route option, or the
// zero Addr when i is out of range.
func (o IPv4Option) RouteAddr(i int) netip.Addr {
	at := 3 + 4*i
	if i < 0 || at+4 > len(o) {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(o[at : at+4]))
}

// RouteFilled returns how many slots of a route option lie before its
// pointer: the recorded addresses of Record Route, the hops already
// visited of a source route.
func (o IPv4Option) RouteFilled() int {
	p := int(o.Pointer())
	if p < 4 {
		return 0
	}
	return min((p-4)/4, o.RouteSlots())
}

// TSFlags returns a Timestamp option's flag nibble (IPOptTSOnly, ...).
func (o IPv4Option) TSFlags() uint8 {
	if len(o) < 4 {
		return 0
	}
	return o[3] & 0xf
}

// TSOverflow returns a Timestamp option's overflow count: how many modules
// could not stamp for lack of room.
func (o IPv4Option) TSOverflow() uint8 {
	if len(o) < 4 {
		return 0
	}
	return o[3] >> 4
}

// TSEntrySize returns 4 for timestamp-only options and 8 when each entry
// carries an address.
func (o IPv4Option) TSEntrySize() int {
	if o.TSFlags() == IPOptTSOnly {
		return 4
	}
	return 8
}

// TSSlots returns how many entries a Timestamp option has room for.
func (o IPv4Option) TSSlots() int {
	if len(o) < 4 {
		return 0
	}
	return (len(o) - 4) / o.TSEntrySize()
}

// TSEntry returns entry i of a Timestamp option: its address (the zero
// Addr for timestamp-only options) and its timestamp. ok is false when i
// is out of range.
func (o IPv4Option) TSEntry(i int) (addr netip.Addr, ts uint32, ok bool) {
	sz := o.TSEntrySize()
	at := 4 + sz*i
	if i < 0 || len(o) < 4 || at+sz > len(o) {
		return netip.Addr{}, 0, false
	}
	if sz == 8 {
		addr = netip.AddrFrom4([4]byte(o[at : at+4]))
		at += 4
	}
	return addr, binary.BigEndian.Uint32(o[at:]), true
}

// TSFilled returns how many entries lie before the pointer.
func (o IPv4Option) TSFilled() int {
	p := int(o.Pointer())
	if p < 5 {
		return 0
	}
	return min((p-5)/o.TSEntrySize(), o.TSSlots())
}

// RouterAlertValue returns a Router Alert option's value (0: "routers
// shall examine this packet", RFC 2113). ok is false when the option is
// shorter than 4 bytes.
func (o IPv4Option) RouterAlertValue() (v uint16, ok bool) {
	if len(o) < 4 {
		return 0, false
	}
	return binary.BigEndian.Uint16(o[2:]), true
}

// SecurityLevel returns a Security option's classification level octet
// (RFC 1108 section 2.3) and its protection authority flags.
func (o IPv4Option) SecurityLevel() (level uint8, authority []byte) {
	if len(o) < 3 {
		return 0, nil
	}
	return o[2], o[3:]
}

// IPv4OptionIter walks an options area without allocating. It yields End
// of Option List and stops after it; it stops before an option whose
// length octet is missing, below 2 or runs past the area, and Err then
// reports the offending offset. Use CheckIPv4Options for Linux's full
// acceptance rules.
type IPv4OptionIter struct {
	b   []byte
	off int
	bad int // offset in b of a malformed option, or -1
}

// NewIPv4OptionIter returns an iterator over opts, the options area (the
// bytes between offset 20 and the header length).
func NewIPv4OptionIter(opts []byte) IPv4OptionIter {
	return IPv4OptionIter{b: opts, bad: -1}
}

// Next returns the next option and its offset within the area; ok is false
// at the end of the area, after End of Option List, or at a malformed
// option.
func (it *IPv4OptionIter) Next() (opt IPv4Option, off int, ok bool) {
	if it.off >= len(it.b) {
		return nil, 0, false
	}
	off = it.off
	switch it.b[off] {
	case IPOptEnd:
		it.off = len(it.b)
		return IPv4Option(it.b[off : off+1]), off, true
	case IPOptNOP:
		it.off++
		return IPv4Option(it.b[off : off+1]), off, true
	}
	if off+2 > len(it.b) {
		it.bad, it.off = off, len(it.b)
		return nil, 0, false
	}
	n := int(it.b[off+1])
	if n < 2 || off+n > len(it.b) {
		it.bad, it.off = off, len(it.b)
		return nil, 0, false
	}
	it.off += n
	return IPv4Option(it.b[off : off+n]), off, true
}

// Err returns the offset within the area of the option that stopped the
// walk for being malformed, or -1.
func (it *IPv4OptionIter) Err() int { return it.bad }

// FindIPv4Option returns the first option of type typ in the options area,
// or nil.
func FindIPv4Option(opts []byte, typ uint8) IPv4Option {
	it := NewIPv4OptionIter(opts)
	for {
		o, _, ok := it.Next()
		if !ok {
			return nil
		}
		if o.Type() == typ {
			return o
		}
	}
}
