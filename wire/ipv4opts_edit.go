package wire

import (
	"encoding/binary"
	"net/netip"
)

// In-place edits a host or router makes to options it forwards or answers
// (RFC 791, Linux's ip_options_compile, ip_forward_options and
// ip_options_fragment). They change only the option's bytes: the caller
// recomputes the header checksum afterwards.

// RecordRoute stores addr in a Record Route option's next free slot and
// advances the pointer by 4. It reports false, changing nothing, when the
// option is full (pointer past the length) or malformed.
func (o IPv4Option) RecordRoute(addr netip.Addr) bool {
	if len(o) < 3 {
		return false
	}
	p := int(o[2])
	if p < 4 || p+3 > len(o) {
		return false
	}
	a := As4(addr)
	copy(o[p-1:p+3], a[:])
	o[2] += 4
	return true
}

// IPv4StampResult says what IPv4Option.Stamp did.
type IPv4StampResult uint8

const (
	// IPv4Stamped: an entry was written and the pointer advanced.
	IPv4Stamped IPv4StampResult = iota
	// IPv4StampOverflowed: the option was full; its overflow count went up.
	IPv4StampOverflowed
	// IPv4StampIgnored: unknown flags, or a full prespecified option;
	// nothing changed.
	IPv4StampIgnored
	// IPv4StampRefused: full with an overflow count of 15 already, or
	// malformed; nothing changed. Linux answers with a parameter problem
	// pointing at the flags octet (CheckIPv4Options refuses such options).
	IPv4StampRefused
)

// Stamp makes this module's entry in a Timestamp option, as Linux does for
// a packet it receives: time only (flag 0); addr and time (flag 1); for
// prespecified addresses (flag 3) the time beside the pending address,
// which the caller has found to be its own (see TSPending; Linux stamps
// when that address is not an ordinary unicast route, inet_addr_type). A
// full option's overflow count is incremented instead (RFC 791). ms is
// milliseconds since midnight UT (ICMPTimeMillis).
func (o IPv4Option) Stamp(addr netip.Addr, ms uint32) IPv4StampResult {
	if len(o) < 4 || o[2] < 5 {
		return IPv4StampRefused
	}
	p, flags := int(o[2]), o[3]&0xf
	if p > len(o) {
		if flags == IPOptTSPrespec {
			return IPv4StampIgnored
		}
		if o[3]>>4 == 15 {
			return IPv4StampRefused
		}
		o[3] += 0x10
		return IPv4StampOverflowed
	}
	switch flags {
	case IPOptTSOnly:
		if p+3 > len(o) {
			return IPv4StampRefused
		}
		binary.BigEndian.PutUint32(o[p-1:], ms)
		o[2] += 4
	case IPOptTSAndAddr, IPOptTSPrespec:
		if p+7 > len(o) {
			return IPv4StampRefused
		}
		if flags == IPOptTSAndAddr {
			a := As4(addr)
			copy(o[p-1:p+3], a[:])
		}
		binary.BigEndian.PutUint32(o[p+3:], ms)
		o[2] += 8
	default:
		return IPv4StampIgnored
	}
	return IPv4Stamped
}

// TSPending returns the address of a prespecified Timestamp option's next
// entry; ok is false for other flags or when no whole entry is left.
func (o IPv4Option) TSPending() (addr netip.Addr, ok bool) {
	if len(o) < 4 || o[3]&0xf != IPOptTSPrespec {
		return netip.Addr{}, false
	}
	p := int(o[2])
	if p < 5 || p+7 > len(o) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(o[p-1 : p+3])), true
}

// SourceRouteNext returns the next hop of a Loose or Strict Source Route:
// the address at the pointer. ok is false when the route is exhausted
// (pointer past the length: the packet is at its final destination) or
// the pointer leaves less than a whole address, which Linux answers with a
// parameter problem pointing at the pointer octet (ip_options_rcv_srr).
func (o IPv4Option) SourceRouteNext() (hop netip.Addr, ok bool) {
	if len(o) < 3 {
		return netip.Addr{}, false
	}
	p := int(o[2])
	if p < 4 || p+3 > len(o) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(o[p-1 : p+3])), true
}

// SourceRouteRecord replaces the address at a source route's pointer with
// addr, the forwarding interface's address, and advances the pointer by 4
// (RFC 791; Linux's ip_forward_options). It reports false, changing
// nothing, when no whole address is left.
func (o IPv4Option) SourceRouteRecord(addr netip.Addr) bool {
	if _, ok := o.SourceRouteNext(); !ok {
		return false
	}
	p := int(o[2])
	a := As4(addr)
	copy(o[p-1:p+3], a[:])
	o[2] += 4
	return true
}

// IPv4OptionsForFragment overwrites with No-op every option of the area
// whose copied flag is clear, for the fragments after the first (RFC 791
// section 3.2; Linux's ip_options_fragment). It stops, as Linux does, at
// End of Option List or at a malformed length.
func IPv4OptionsForFragment(opts []byte) {
	it := NewIPv4OptionIter(opts)
	for {
		o, _, ok := it.Next()
		if !ok {
			return
		}
		if o.Len() >= 2 && !IPOptCopiedFlag(o.Type()) {
			for i := range o {
				o[i] = IPOptNOP
			}
		}
	}
}
