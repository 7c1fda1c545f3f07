package wire

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// IPv4OptionsMode says which caller of Linux's ip_options_compile a check
// follows: options on a received packet, or options a socket sets with
// IP_OPTIONS (stricter without CAP_NET_RAW).
type IPv4OptionsMode uint8

const (
	// IPv4OptionsReceived checks the options of a received packet.
	IPv4OptionsReceived IPv4OptionsMode = iota
	// IPv4OptionsUser checks IP_OPTIONS from a caller without CAP_NET_RAW:
	// source routes must be well formed with pointer 4, and unknown,
	// Security, Stream ID and CIPSO options and unknown timestamp flags
	// are refused.
	IPv4OptionsUser
	// IPv4OptionsUserRaw checks IP_OPTIONS from a caller with CAP_NET_RAW.
	IPv4OptionsUserRaw
)

// IPv4OptionError is the error CheckIPv4Options returns: the offset of the
// offending octet from the start of the IPv4 header, the pointer an ICMP
// parameter problem carries (RFC 792). It matches ErrMalformed with
// errors.Is and, being a byte, is stored in an error without allocating.
type IPv4OptionError uint8

// Pointer returns the offset of the offending octet from the start of the
// IPv4 header.
func (e IPv4OptionError) Pointer() int { return int(e) }

func (e IPv4OptionError) Error() string {
	return "wire: malformed IPv4 option at header offset " + strconv.Itoa(int(e))
}

// Unwrap returns ErrMalformed.
func (e IPv4OptionError) Unwrap() error { return ErrMalformed }

// IPv4OptionsInfo is what CheckIPv4Options or ProcessIPv4Options learnt,
// after Linux's struct ip_options. Offsets count from the start of the IPv4
// header; 0 means the option is absent. The Need flags describe the option
// as it was before ProcessIPv4Options made this host's entry: CheckIPv4Options
// does not change the bytes, and where Linux's ip_options_compile records an
// address, stamps or bumps an overflow counter on the fly, they tell the
// caller what is to be done (see IPv4Option.RecordRoute and
// IPv4Option.Stamp). When the area is malformed, the offsets are those of
// the options accepted before the bad one (and of a CIPSO option whose body
// failed), as Linux leaves them for the parameter problem's echo.
type IPv4OptionsInfo struct {
	SRR         uint8 // Loose or Strict Source Route
	RR          uint8 // Record Route
	TS          uint8 // Timestamp
	RouterAlert uint8 // Router Alert with value 0 (RFC 2113)
	CIPSO       uint8 // CIPSO
	StrictRoute bool  // SRR is a Strict Source Route
	RRNeedAddr  bool  // Record Route has a free slot
	TSNeedAddr  bool  // Timestamp (address and time) has a free entry
	TSNeedTime  bool  // Timestamp (time only, or address and time) has a free entry
	TSPrespec   bool  // prespecified Timestamp has a pending entry: stamp it if its address is ours
	TSOverflow  bool  // Timestamp is full: a received packet's overflow counter is incremented
	Changed     bool  // ProcessIPv4Options changed the bytes (Linux's is_changed)
	End         int   // offset within the options area of End of Option List, or the area's length
}

// ipv4OptionsHost is what ProcessIPv4Options writes into a received
// packet's options.
type ipv4OptionsHost struct {
	here       [4]byte                 // the address this host records (spec_dst)
	ms         uint32                  // the timestamp, milliseconds since midnight UT
	notUnicast func(a netip.Addr) bool // inet_addr_type(a) != RTN_UNICAST
}

// CheckIPv4Options checks an options area (the header bytes from offset 20
// to the header length) with the acceptance rules of Linux's
// __ip_options_compile (net/ipv4/ip_options.c), in its order:
//   - End of Option List ends the walk (Linux then rewrites any bytes after
//     it to End); No-op is skipped;
//   - any other option needs a length octet inside the area, at least 2
//     and not running past the area (pointer: the type octet);
//   - Loose/Strict Source Route: length >= 3 (pointer: length), pointer
//     >= 4 (pointer: pointer), only one source route (pointer: type); from
//     a socket also pointer == 4, length >= 7 and length-3 a multiple of 4
//     (pointer: length);
//   - Record Route: only one (type), length >= 3 (length), pointer >= 4
//     (pointer), and a pointer within the option must leave a whole slot
//     (pointer);
//   - Timestamp: only one (type), length >= 4 (length), pointer >= 5
//     (pointer); a pointer within the option must leave a whole entry, of
//     8 bytes with addresses (pointer); a full option other than a
//     prespecified one must not have an overflow count of 15 already
//     (pointer: the flags octet); unknown flags are refused from an
//     unprivileged socket (flags octet) and ignored otherwise;
//   - Router Alert: length >= 4 (length); only value 0 counts;
//   - CIPSO: refused from an unprivileged socket and when repeated (type);
//     its body is checked as Linux does with no CIPSO domain (DOI)
//     configured, which refuses every CIPSO option of length >= 8
//     (pointer: the DOI) and shorter ones at the length;
//   - Security, Stream ID and unknown options: refused from an
//     unprivileged socket (type), accepted otherwise, duplicates included.
//
// A malformed area yields an IPv4OptionError (ErrMalformed) whose Pointer
// is what Linux puts in the ICMP parameter problem it sends; setsockopt
// answers EINVAL. Linux 6.18 (stable commit "ipv4: restrict IPOPT_SSRR and
// IPOPT_LSRR options") also refuses, with EPERM, socket options that pass
// this check but carry a source route (info.SRR != 0) when the caller
// lacks CAP_NET_RAW; that is the socket layer's rule to apply.
func CheckIPv4Options(opts []byte, mode IPv4OptionsMode) (IPv4OptionsInfo, error) {
	return compileIPv4Options(opts, mode, nil)
}

// ProcessIPv4Options is Linux's __ip_options_compile for a received packet
// that has its input route (ip_rcv_options): it checks the options area
// with CheckIPv4Options' rules and, walking it in the same order, makes
// this host's entries in place:
//   - the bytes after End of Option List become End;
//   - Record Route with a free slot gets here (the local address the
//     packet came to, fib_compute_spec_dst) and its pointer advances by 4;
//   - Timestamp with a free entry gets ms (milliseconds since midnight UT,
//     ICMPTimeMillis), after here when its flags ask for addresses; a
//     prespecified one gets ms beside the pending address when
//     notUnicast(address) says it is not an ordinary unicast address
//     (inet_addr_type: one of ours, a broadcast, a multicast or 0.0.0.0),
//     and is left alone otherwise; a full one, unless prespecified, has
//     its overflow count incremented.
//
// Entries made before a malformed option stay made, as in Linux; the
// header checksum is left as it was (Linux recomputes it only when it
// forwards the packet). The error is CheckIPv4Options'.
func ProcessIPv4Options(opts []byte, here netip.Addr, ms uint32, notUnicast func(a netip.Addr) bool) (IPv4OptionsInfo, error) {
	return compileIPv4Options(opts, IPv4OptionsReceived, &ipv4OptionsHost{here: As4(here), ms: ms, notUnicast: notUnicast})
}

func compileIPv4Options(opts []byte, mode IPv4OptionsMode, host *ipv4OptionsHost) (IPv4OptionsInfo, error) {
	var info IPv4OptionsInfo
	user := mode == IPv4OptionsUser
	l := len(opts)
	bad := func(off int) (IPv4OptionsInfo, error) {
		return info, IPv4OptionError(IPv4MinHeaderLen + off)
	}
	i := 0
	for i < l {
		switch opts[i] {
		case IPOptEnd:
			info.End = i
			if host != nil {
				for j := i + 1; j < l; j++ {
					if opts[j] != IPOptEnd {
						opts[j] = IPOptEnd
						info.Changed = true
					}
				}
			}
			return info, nil
		case IPOptNOP:
			i++
			continue
		}
		if l-i < 2 {
			return bad(i)
		}
		n := int(opts[i+1])
		if n < 2 || n > l-i {
			return bad(i)
		}
		o := opts[i : i+n]
		here := uint8(IPv4MinHeaderLen + i)
		switch o[0] {
		case IPOptSSRR, IPOptLSRR:
			if n < 3 {
				return bad(i + 1)
			}
			if o[2] < 4 {
				return bad(i + 2)
			}
			// RFC 1812 5.2.4.1: at most one source route.
			if info.SRR != 0 {
				return bad(i)
			}
			if mode != IPv4OptionsReceived && (o[2] != 4 || n < 7 || (n-3)&3 != 0) {
				return bad(i + 1)
			}
			info.StrictRoute = o[0] == IPOptSSRR
			info.SRR = here
		case IPOptRR:
			if info.RR != 0 {
				return bad(i)
			}
			if n < 3 {
				return bad(i + 1)
			}
			p := int(o[2])
			if p < 4 {
				return bad(i + 2)
			}
			if p <= n {
				if p+3 > n {
					return bad(i + 2)
				}
				info.RRNeedAddr = true
				if host != nil {
					copy(o[p-1:p+3], host.here[:])
					o[2] += 4
					info.Changed = true
				}
			}
			info.RR = here
		case IPOptTimestamp:
			if info.TS != 0 {
				return bad(i)
			}
			if n < 4 {
				return bad(i + 1)
			}
			p := int(o[2])
			if p < 5 {
				return bad(i + 2)
			}
			flags := o[3] & 0xf
			if p <= n {
				if p+3 > n {
					return bad(i + 2)
				}
				switch flags {
				case IPOptTSOnly:
					info.TSNeedTime = true
					if host != nil {
						binary.BigEndian.PutUint32(o[p-1:], host.ms)
						o[2] += 4
						info.Changed = true
					}
				case IPOptTSAndAddr:
					if p+7 > n {
						return bad(i + 2)
					}
					info.TSNeedAddr, info.TSNeedTime = true, true
					if host != nil {
						copy(o[p-1:p+3], host.here[:])
						binary.BigEndian.PutUint32(o[p+3:], host.ms)
						o[2] += 8
						info.Changed = true
					}
				case IPOptTSPrespec:
					if p+7 > n {
						return bad(i + 2)
					}
					info.TSPrespec = true
					if host != nil && host.notUnicast(netip.AddrFrom4([4]byte(o[p-1:p+3]))) {
						binary.BigEndian.PutUint32(o[p+3:], host.ms)
						o[2] += 8
						info.Changed = true
					}
				default:
					if user {
						return bad(i + 3)
					}
				}
			} else if flags != IPOptTSPrespec {
				if o[3]>>4 == 15 {
					return bad(i + 3)
				}
				info.TSOverflow = true
				if host != nil {
					o[3] += 0x10
					info.Changed = true
				}
			}
			info.TS = here
		case IPOptRouterAlert:
			if n < 4 {
				return bad(i + 1)
			}
			if o[2] == 0 && o[3] == 0 {
				info.RouterAlert = here
			}
		case IPOptCIPSO:
			if user || info.CIPSO != 0 {
				return bad(i)
			}
			info.CIPSO = here
			if p := checkCIPSO(o); p != 0 {
				return bad(i + p)
			}
		default: // Security, Stream ID and unknown options
			if user {
				return bad(i)
			}
		}
		i += n
	}
	info.End = l
	return info, nil
}

// checkCIPSO returns the offset within o of the octet Linux's
// cipso_v4_validate objects to, or 0. With no CIPSO domain of
// interpretation configured (inet configures none), a well-formed option
// still fails its DOI lookup.
func checkCIPSO(o []byte) int {
	if len(o) < 8 {
		return 1
	}
	return 2 // the DOI at o[2:6], whatever it is, is unknown
}
