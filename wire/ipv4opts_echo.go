package wire

import (
	"encoding/binary"
	"net/netip"
)

// Options of the packets a host answers or originates (RFC 791, RFC 1812
// 4.3.2.5 and 5.2.4; Linux's __ip_options_echo, ip_options_undo and
// ip_options_build in net/ipv4/ip_options.c).
//
// Options travel between the layers in the form IP_OPTIONS takes from a
// socket and IP_RETOPTS reports: source routes list the first hop first
// (the final destination is the packet's), Record Route and Timestamp
// pointers stand at the first free slot. BuildIPv4Options turns that form
// into what goes on the wire.

// ScanIPv4Options locates, without checking them, the first Record Route,
// Timestamp, source route and CIPSO options of an options area (offsets
// from the start of the IPv4 header, as CheckIPv4Options reports them),
// stopping at End of Option List or at a malformed length. It is meant for
// areas ProcessIPv4Options accepted, whose structure it trusts.
func ScanIPv4Options(opts []byte) IPv4OptionsInfo {
	var info IPv4OptionsInfo
	it := NewIPv4OptionIter(opts)
	for {
		o, off, ok := it.Next()
		if !ok {
			break
		}
		at := uint8(IPv4MinHeaderLen + off)
		switch o.Type() {
		case IPOptEnd:
			info.End = off
			return info
		case IPOptRR:
			if info.RR == 0 {
				info.RR = at
			}
		case IPOptTimestamp:
			if info.TS == 0 {
				info.TS = at
			}
		case IPOptLSRR, IPOptSSRR:
			if info.SRR == 0 {
				info.SRR, info.StrictRoute = at, o.Type() == IPOptSSRR
			}
		case IPOptCIPSO:
			if info.CIPSO == 0 {
				info.CIPSO = at
			}
		}
	}
	info.End = len(opts)
	return info
}

// EchoIPv4Options writes into dst (room for IPv4MaxOptionLen bytes) the
// options with which this host answers a received packet, and returns
// their length, a multiple of 4. hdr is the packet's IPv4 header as
// ProcessIPv4Options left it; info locates its options (ProcessIPv4Options'
// result, or ScanIPv4Options'). It is Linux's __ip_options_echo followed by
// ip_options_undo, what IP_RETOPTS reports:
//   - Record Route, then Timestamp, then the source route, then CIPSO,
//     whatever their order in the packet; every other option is left out;
//   - Record Route and Timestamp are copied with their entries; the free
//     slot the answer will fill (for a prespecified Timestamp, when its
//     address is not ordinary unicast: notUnicast) is zeroed;
//   - a Loose or Strict Source Route becomes the recorded route reversed:
//     first hop the last address recorded, then the others back to the
//     first, which is dropped when it is the packet's source (RFC 1812
//     5.2.4.1); none when nothing was recorded;
//   - End of Option List pads the result.
//
// It fails with ErrMalformed, as Linux's -EINVAL, when a Record Route or
// Timestamp pointer leaves part of an entry (Linux then sends no answer,
// and IP_RETOPTS sets MSG_CTRUNC), and when the options are ones input
// never accepts (a pointer below its minimum) or info does not fit hdr.
func EchoIPv4Options(dst []byte, hdr []byte, info *IPv4OptionsInfo, notUnicast func(a netip.Addr) bool) (int, error) {
	if len(dst) < IPv4MaxOptionLen || len(hdr) < IPv4MinHeaderLen {
		return 0, ErrMalformed
	}
	hl := int(hdr[0]&0xf) * 4
	if hl > len(hdr) {
		return 0, ErrMalformed
	}
	// opt returns the option at header offset at, checked to lie within
	// the header with at least min bytes.
	opt := func(at uint8, min int) []byte {
		a := int(at)
		if a < IPv4MinHeaderLen || a+2 > hl {
			return nil
		}
		n := int(hdr[a+1])
		if n < min || a+n > hl {
			return nil
		}
		return hdr[a : a+n]
	}
	clear(dst[:IPv4MaxOptionLen])
	n := 0
	rrAt, tsAt, srrAt := -1, -1, -1
	var rrNeed, tsNeedAddr, tsNeedTime bool
	var faddr [4]byte
	if info.RR != 0 {
		s := opt(info.RR, 3)
		if s == nil || n+len(s) > IPv4MaxOptionLen {
			return 0, ErrMalformed
		}
		optlen, soffset := len(s), int(s[2])
		if soffset < 4 {
			return 0, ErrMalformed // never accepted on input
		}
		d := dst[n : n+optlen]
		copy(d, s)
		if soffset <= optlen {
			if soffset+3 > optlen {
				return 0, ErrMalformed
			}
			d[2] = uint8(soffset + 4)
			rrNeed = true
		}
		rrAt = n
		n += optlen
	}
	if info.TS != 0 {
		s := opt(info.TS, 4)
		if s == nil || n+len(s) > IPv4MaxOptionLen {
			return 0, ErrMalformed
		}
		optlen, soffset := len(s), int(s[2])
		if soffset < 5 {
			return 0, ErrMalformed // never accepted on input
		}
		d := dst[n : n+optlen]
		copy(d, s)
		if soffset <= optlen {
			// What ip_options_compile found on input: entries wanted
			// when there was room (the pointer has moved past ours
			// since).
			flags := s[3] & 0xf
			if flags == IPOptTSAndAddr {
				if soffset+3 > optlen {
					return 0, ErrMalformed
				}
				tsNeedAddr = true
				soffset += 4
			}
			if flags == IPOptTSOnly || flags == IPOptTSAndAddr || flags == IPOptTSPrespec {
				if soffset+3 > optlen {
					return 0, ErrMalformed
				}
				if flags != IPOptTSPrespec {
					tsNeedTime = true
					soffset += 4
				} else if soffset+7 <= optlen && notUnicast(netip.AddrFrom4([4]byte(d[soffset-1:soffset+3]))) {
					tsNeedTime = true
					soffset += 8
				}
			}
			d[2] = uint8(soffset)
		}
		tsAt = n
		n += optlen
	}
	if info.SRR != 0 {
		start := opt(info.SRR, 3)
		if start == nil {
			return 0, ErrMalformed
		}
		optlen, soffset, doffset := len(start), int(start[2]), 0
		if soffset > optlen {
			soffset = optlen + 1
		}
		soffset -= 4
		d := dst[n:IPv4MaxOptionLen]
		if soffset > 3 {
			if soffset+3 > len(d) {
				return 0, ErrMalformed
			}
			copy(faddr[:], start[soffset-1:soffset+3])
			for soffset, doffset = soffset-4, 4; soffset > 3; soffset, doffset = soffset-4, doffset+4 {
				copy(d[doffset-1:doffset+3], start[soffset-1:soffset+3])
			}
			// RFC 1812 5.2.4.1: a route whose first hop is the
			// source itself is fixed.
			if [4]byte(hdr[12:16]) == [4]byte(start[soffset+3:soffset+7]) {
				doffset -= 4
			}
		}
		if doffset > 3 {
			d[0], d[1], d[2] = start[0], uint8(doffset+3), 4
			clear(d[doffset-1 : doffset+3]) // the final destination's slot
			srrAt = n
			n += doffset + 3
		}
	}
	if info.CIPSO != 0 {
		s := opt(info.CIPSO, 2)
		if s == nil || n+len(s) > IPv4MaxOptionLen {
			return 0, ErrMalformed
		}
		copy(dst[n:], s)
		n += len(s)
	}
	for n&3 != 0 {
		dst[n] = IPOptEnd
		n++
	}
	// ip_options_undo: back to the form a socket gives and IP_RETOPTS
	// reports.
	if srrAt >= 0 {
		d := dst[srrAt : srrAt+int(dst[srrAt+1])]
		copy(d[7:], d[3:len(d)-4])
		copy(d[3:7], faddr[:])
	}
	if rrNeed {
		d := dst[rrAt:]
		d[2] -= 4
		clear(d[d[2]-1 : d[2]+3])
	}
	if tsAt >= 0 {
		d := dst[tsAt:]
		if tsNeedTime {
			d[2] -= 4
			clear(d[d[2]-1 : d[2]+3])
			if d[3]&0xf == IPOptTSPrespec {
				d[2] -= 4
			}
		}
		if tsNeedAddr {
			d[2] -= 4
			clear(d[d[2]-1 : d[2]+3])
		}
	}
	return n, nil
}

// IPv4OptionsFirstHop returns the first hop of the source route in opts,
// options in the form a socket gives (the first address of the route):
// where a packet carrying them must be routed, its header's destination.
// ok is false when opts has no well-formed source route.
func IPv4OptionsFirstHop(opts []byte) (hop netip.Addr, ok bool) {
	it := NewIPv4OptionIter(opts)
	for {
		o, _, more := it.Next()
		if !more {
			return netip.Addr{}, false
		}
		if t := o.Type(); (t == IPOptLSRR || t == IPOptSSRR) && o.Len() >= 7 {
			return netip.AddrFrom4([4]byte(o[3:7])), true
		}
	}
}

// BuildIPv4Options makes, in place, the entries of the host that
// originates a packet in options given in the form a socket gives (and
// EchoIPv4Options writes), as Linux's ip_options_compile for a socket's
// options and ip_options_build on output do:
//   - a source route loses its first hop (IPv4OptionsFirstHop, the
//     header's destination), the others move up a slot and dst, the final
//     destination, takes the last;
//   - Record Route with a free slot gets src, the packet's source address;
//   - Timestamp with a free entry gets ms (milliseconds since midnight UT),
//     after src when its flags ask for addresses; a prespecified one only
//     when notUnicast says its pending address is not ordinary unicast
//     (one of ours, a broadcast, a multicast or 0.0.0.0); a full one is
//     left alone.
//
// Pointers advance past the entries made. Options that do not follow the
// socket form's rules (CheckIPv4Options with IPv4OptionsUser or
// IPv4OptionsUserRaw) are left as they are.
func BuildIPv4Options(opts []byte, src, dst netip.Addr, ms uint32, notUnicast func(a netip.Addr) bool) {
	var rr, ts, srr bool
	it := NewIPv4OptionIter(opts)
	for {
		o, _, ok := it.Next()
		if !ok {
			return
		}
		n := o.Len()
		switch o.Type() {
		case IPOptLSRR, IPOptSSRR:
			if srr || n < 7 || (n-3)&3 != 0 || o[2] != 4 {
				continue
			}
			srr = true
			copy(o[3:], o[7:])
			d := As4(dst)
			copy(o[n-4:], d[:])
		case IPOptRR:
			if rr || n < 3 {
				continue
			}
			rr = true
			if p := int(o[2]); p >= 4 && p+3 <= n {
				s := As4(src)
				copy(o[p-1:p+3], s[:])
				o[2] += 4
			}
		case IPOptTimestamp:
			if ts || n < 4 {
				continue
			}
			ts = true
			p := int(o[2])
			if p < 5 || p+3 > n {
				continue
			}
			switch o[3] & 0xf {
			case IPOptTSOnly:
				binary.BigEndian.PutUint32(o[p-1:], ms)
				o[2] += 4
			case IPOptTSAndAddr:
				if p+7 <= n {
					s := As4(src)
					copy(o[p-1:p+3], s[:])
					binary.BigEndian.PutUint32(o[p+3:], ms)
					o[2] += 8
				}
			case IPOptTSPrespec:
				if p+7 <= n && notUnicast(netip.AddrFrom4([4]byte(o[p-1:p+3]))) {
					binary.BigEndian.PutUint32(o[p+3:], ms)
					o[2] += 8
				}
			}
		}
	}
}
