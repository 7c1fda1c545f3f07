package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv4OptionBuilder is one option ready to be laid out: Len bytes written
// by Emit(b) into b[:Len()].
type IPv4OptionBuilder interface {
	Len() int
	Emit(b []byte)
}

// AppendIPv4Options appends the options to dst and pads the result with
// End of Option List to a multiple of 4 bytes, as Linux pads IP_OPTIONS
// (ip_options_get). The caller keeps the total within 40 bytes.
func AppendIPv4Options(dst []byte, opts ...IPv4OptionBuilder) []byte {
	start := len(dst)
	for _, o := range opts {
		n := o.Len()
		dst = append(dst, make([]byte, n)...)
		o.Emit(dst[len(dst)-n:])
	}
	for (len(dst)-start)%4 != 0 {
		dst = append(dst, IPOptEnd)
	}
	return dst
}

// IPv4OptEndOfList is the one-byte End of Option List.
type IPv4OptEndOfList struct{}

// Len returns 1.
func (IPv4OptEndOfList) Len() int { return 1 }

// Emit writes the option.
func (IPv4OptEndOfList) Emit(b []byte) { b[0] = IPOptEnd }

// IPv4OptNoOp is the one-byte No Operation.
type IPv4OptNoOp struct{}

// Len returns 1.
func (IPv4OptNoOp) Len() int { return 1 }

// Emit writes the option.
func (IPv4OptNoOp) Emit(b []byte) { b[0] = IPOptNOP }

// IPv4OptRoute is a Record Route, Loose Source Route or Strict Source
// Route option (RFC 791): Type, length 3+4*Slots, Pointer, the addresses.
type IPv4OptRoute struct {
	Type    uint8        // IPOptRR, IPOptLSRR or IPOptSSRR
	Pointer uint8        // 0: 4 + 4*len(Addrs) for Record Route, 4 for source routes
	Addrs   []netip.Addr // recorded addresses, or the source route's hops
	Slots   int          // room in addresses; below len(Addrs) means len(Addrs)
}

func (r *IPv4OptRoute) slots() int { return max(r.Slots, len(r.Addrs)) }

// Len returns 3 + 4 per slot.
func (r *IPv4OptRoute) Len() int { return 3 + 4*r.slots() }

// Emit writes the option; empty slots are zero.
func (r *IPv4OptRoute) Emit(b []byte) {
	n := r.Len()
	b[0], b[1] = r.Type, uint8(n)
	p := r.Pointer
	if p == 0 {
		p = 4
		if r.Type == IPOptRR {
			p += uint8(4 * len(r.Addrs))
		}
	}
	b[2] = p
	clear(b[3:n])
	for i, a := range r.Addrs {
		v := As4(a)
		copy(b[3+4*i:], v[:])
	}
}

// RouteOption decodes a route option view into its builder; Slots is the
// number of slots and Addrs holds every slot, empty ones included.
func (o IPv4Option) RouteOption() IPv4OptRoute {
	r := IPv4OptRoute{Type: o.Type(), Pointer: o.Pointer(), Slots: o.RouteSlots()}
	for i := 0; i < r.Slots; i++ {
		r.Addrs = append(r.Addrs, o.RouteAddr(i))
	}
	return r
}

// IPv4TSEntry is one Timestamp option entry. Addr is unused (and not
// emitted) for timestamp-only options.
type IPv4TSEntry struct {
	Addr netip.Addr
	Time uint32 // milliseconds since midnight UT, or with the top bit set any other clock (RFC 791)
}

// IPv4OptTimestamp is an Internet Timestamp option (RFC 791): type 68,
// length, pointer, overflow<<4 | flags, then the entries.
type IPv4OptTimestamp struct {
	Flags    uint8 // IPOptTSOnly, IPOptTSAndAddr or IPOptTSPrespec
	Overflow uint8 // 0..15
	Pointer  uint8 // 0: 5 past the given entries (5 for prespecified ones)
	Entries  []IPv4TSEntry
	Slots    int // room in entries; below len(Entries) means len(Entries)
}

func (t *IPv4OptTimestamp) entrySize() int {
	if t.Flags == IPOptTSOnly {
		return 4
	}
	return 8
}

// Len returns 4 plus 4 or 8 bytes per slot.
func (t *IPv4OptTimestamp) Len() int {
	return 4 + t.entrySize()*max(t.Slots, len(t.Entries))
}

// Emit writes the option; empty slots are zero.
func (t *IPv4OptTimestamp) Emit(b []byte) {
	n, sz := t.Len(), t.entrySize()
	b[0], b[1] = IPOptTimestamp, uint8(n)
	p := t.Pointer
	if p == 0 {
		p = 5
		if t.Flags != IPOptTSPrespec {
			p += uint8(sz * len(t.Entries))
		}
	}
	b[2] = p
	b[3] = t.Overflow<<4 | t.Flags&0xf
	clear(b[4:n])
	for i, e := range t.Entries {
		at := 4 + sz*i
		if sz == 8 {
			v := As4(e.Addr)
			copy(b[at:], v[:])
			at += 4
		}
		binary.BigEndian.PutUint32(b[at:], e.Time)
	}
}

// TimestampOption decodes a Timestamp option view into its builder, every
// slot included.
func (o IPv4Option) TimestampOption() IPv4OptTimestamp {
	t := IPv4OptTimestamp{Flags: o.TSFlags(), Overflow: o.TSOverflow(), Pointer: o.Pointer(), Slots: o.TSSlots()}
	for i := 0; i < t.Slots; i++ {
		a, ts, _ := o.TSEntry(i)
		t.Entries = append(t.Entries, IPv4TSEntry{Addr: a, Time: ts})
	}
	return t
}

// IPv4OptRouterAlert is the Router Alert option (RFC 2113): type 148,
// length 4, a 16-bit value (0 asks every router to examine the packet).
type IPv4OptRouterAlert struct{ Value uint16 }

// Len returns 4.
func (IPv4OptRouterAlert) Len() int { return 4 }

// Emit writes the option.
func (r IPv4OptRouterAlert) Emit(b []byte) {
	b[0], b[1] = IPOptRouterAlert, 4
	binary.BigEndian.PutUint16(b[2:], r.Value)
}

// IPv4OptSecurity is the basic Security option (RFC 1108 section 2):
// type 130, length, classification level, protection authority flags.
type IPv4OptSecurity struct {
	Level     uint8  // e.g. 0xab Unclassified, 0x5a Secret (RFC 1108 2.3)
	Authority []byte // protection authority flag octets
}

// Len returns 3 plus the authority octets.
func (s IPv4OptSecurity) Len() int { return 3 + len(s.Authority) }

// Emit writes the option.
func (s IPv4OptSecurity) Emit(b []byte) {
	b[0], b[1], b[2] = IPOptSecurity, uint8(s.Len()), s.Level
	copy(b[3:], s.Authority)
}

// IPv4OptRaw is any option given as type and data: length 2+len(Data).
type IPv4OptRaw struct {
	Type uint8
	Data []byte
}

// Len returns 2 plus the data.
func (r IPv4OptRaw) Len() int { return 2 + len(r.Data) }

// Emit writes the option.
func (r IPv4OptRaw) Emit(b []byte) {
	b[0], b[1] = r.Type, uint8(r.Len())
	copy(b[2:], r.Data)
}
