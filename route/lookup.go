package route

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// InputResult is the input route decision for one packet.
type InputResult struct {
	// Type is TypeLocal, TypeBroadcast (deliver locally),
	// TypeMulticast (deliver if a member), TypeUnicast (forward) or
	// TypeUnreachable (ip_error: not ours and not forwarded, or no route).
	Type Type
	// Err, for TypeUnreachable, is the error ip_error turns into counters
	// and ICMP: EHOSTUNREACH or ENETUNREACH.
	Err unix.Errno
	// Route is the matched route (the forwarding route for TypeUnicast).
	Route *Route
	// SpecDst is the local address the packet is for (ipi_spec_dst).
	SpecDst netip.Addr
}

// Martian reasons returned by Input, as Linux's rt_cache statistics name
// them (in_martian_src, in_martian_dst). The packet is dropped silently.
var (
	ErrMartianSource = martian("martian source")
	ErrMartianDest   = martian("martian destination")
)

type martian string

func (m martian) Error() string { return string(m) }

// InputOptions are the per-interface settings the input decision reads.
type InputOptions struct {
	Forwarding    bool  // conf.<iif>.forwarding
	RouteLocalnet bool  // conf.<iif>.route_localnet
	AcceptLocal   bool  // conf.<iif>.accept_local
	Proto         uint8 // the packet's protocol (IGMP may come from 0.0.0.0)
}

// Input decides what to do with a packet from src to dst that arrived on
// interface iif, as Linux's ip_route_input_slow (net/ipv4/route.c) does for
// unicast and broadcast destinations; multicast destinations come back as
// TypeMulticast for the IGMP layer to judge membership.
func (f *FIB) Input(dst, src netip.Addr, iif int, o InputOptions) (InputResult, error) {
	s := f.snap()
	d, sa := u32(dst), u32(src)
	// The most weird martians, not caught by the table.
	if isMulticast(sa) || sa == 0xffffffff {
		return InputResult{}, ErrMartianSource
	}
	if isMulticast(d) {
		// ip_route_input_mc: a zero source only for link-local groups or
		// IGMP, a loopback source only with route_localnet.
		if sa>>24 == 127 && !o.RouteLocalnet {
			return InputResult{}, ErrMartianSource
		}
		if sa == 0 {
			if !isLocalMulticast(d) && o.Proto != 2 {
				return InputResult{}, ErrMartianSource
			}
		} else if !s.validSource(sa, o) {
			return InputResult{}, ErrMartianSource
		}
		return InputResult{Type: TypeMulticast, SpecDst: s.specDst(iif, src)}, nil
	}
	if d == 0xffffffff || (sa == 0 && d == 0) {
		return s.broadcastInput(dst, src, iif, o)
	}
	// Zero addresses are accepted only towards the limited broadcast.
	// Since Linux 5.3 ("Allow 0.0.0.0/8 as a valid address range") only
	// 0.0.0.0 itself is a zero-network martian.
	if sa == 0 {
		return InputResult{}, ErrMartianSource
	}
	if d == 0 {
		return InputResult{}, ErrMartianDest
	}
	if d>>24 == 127 {
		if !o.RouteLocalnet {
			return InputResult{}, ErrMartianDest
		}
	} else if sa>>24 == 127 && !o.RouteLocalnet {
		return InputResult{}, ErrMartianSource
	}
	r := s.lookup(d, 0)
	if r == nil {
		err := unix.ENETUNREACH
		if !o.Forwarding {
			err = unix.EHOSTUNREACH
		}
		return InputResult{Type: TypeUnreachable, Err: err}, nil
	}
	switch r.Type {
	case TypeBroadcast:
		return s.broadcastInput(dst, src, iif, o)
	case TypeLocal:
		if !s.validSource(sa, o) {
			return InputResult{}, ErrMartianSource
		}
		return InputResult{Type: TypeLocal, Route: r, SpecDst: dst}, nil
	}
	if !o.Forwarding {
		return InputResult{Type: TypeUnreachable, Err: unix.EHOSTUNREACH, Route: r}, nil
	}
	if r.Type != TypeUnicast {
		if r.Type == TypeUnreachable || r.Type == TypeBlackhole || r.Type == TypeProhibit {
			return InputResult{Type: r.Type, Route: r}, nil
		}
		return InputResult{}, ErrMartianDest
	}
	return InputResult{Type: TypeUnicast, Route: r, SpecDst: s.specDst(iif, src)}, nil
}

func (s *snapshot) broadcastInput(dst, src netip.Addr, iif int, o InputOptions) (InputResult, error) {
	if sa := u32(src); sa != 0 && !s.validSource(sa, o) {
		return InputResult{}, ErrMartianSource
	}
	return InputResult{Type: TypeBroadcast, SpecDst: s.specDst(iif, src)}, nil
}

// validSource is fib_validate_source without reverse-path filtering (the
// router issue adds rp_filter): a source that is one of our own addresses
// is martian unless accept_local is set.
func (s *snapshot) validSource(sa uint32, o InputOptions) bool {
	if o.AcceptLocal {
		return true
	}
	_, local := s.localDev(sa)
	return !local
}

// specDst is fib_compute_spec_dst for a packet not addressed to one of our
// addresses: the address of the input interface best suited to answer src.
func (s *snapshot) specDst(iif int, src netip.Addr) netip.Addr {
	scope := ScopeLink
	if i, ok := s.byIndex[iif]; ok {
		if a := selectAddr(i, src, scope); a.IsValid() {
			return a
		}
	}
	return s.anyAddr(scope)
}

// lookup searches the local table, then the main table, for a usable route
// to d; with oif set, only routes through that interface match.
func (s *snapshot) lookup(d uint32, oif int) *Route { return s.lookupScope(d, oif, ScopeUniverse) }

// lookupScope is lookup accepting only routes of scope at least scope
// (fib_table_lookup skips narrower ones: RTO_ONLINK asks for link).
func (s *snapshot) lookupScope(d uint32, oif int, scope Scope) *Route {
	ok := func(r *Route) bool {
		if r.Scope < scope {
			return false
		}
		// fib_lookup_good_nhc: with an oif, only a route whose
		// nexthop device is that interface matches, local and
		// broadcast routes included (127.0.0.0/8 is lo's).
		if oif != 0 && r.IfIndex != oif {
			return false
		}
		return s.usable(r) || r.Type == TypeLocal
	}
	if r := s.local.lookup(d, ok); r != nil {
		return r
	}
	return s.main.lookup(d, ok)
}

// Flow is what an output route lookup is asked.
type Flow struct {
	Dst   netip.Addr
	Src   netip.Addr // required source, or invalid to choose one
	Oif   int        // required output interface (SO_BINDTODEVICE, IP_PKTINFO ...), or 0
	Proto uint8
	// AnySrc lets Src be a non-local address (IP_FREEBIND, IP_TRANSPARENT,
	// ip_nonlocal_bind): FLOWI_FLAG_ANYSRC.
	AnySrc bool
	// OnLink restricts the lookup to routes of link scope or narrower,
	// so no gateway is used (SO_DONTROUTE, MSG_DONTROUTE: RTO_ONLINK).
	OnLink bool
}

// OutputResult is the output route decision.
type OutputResult struct {
	Type    Type       // TypeUnicast, TypeLocal, TypeBroadcast or TypeMulticast
	Dst     netip.Addr // the destination (0.0.0.0 becomes the local address it means)
	IfIndex int        // output interface (the loopback for TypeLocal)
	NextHop netip.Addr // the gateway, or the destination itself
	Src     netip.Addr // the source address to use
	MTU     int        // the route's MTU, or the interface's
	Route   *Route     // nil when no table entry was used
}

// Output chooses the route and source address for a locally generated
// packet, as Linux's ip_route_output_key_hash_rcu does. Errors: EINVAL for
// a multicast or broadcast source, or a loopback source leaving by a
// non-loopback interface; ENETUNREACH for a source that is not local (without
// AnySrc), for no route and for a down oif; ENODEV for an unknown oif;
// EHOSTUNREACH, EACCES, EINVAL for unreachable, prohibit and blackhole routes.
func (f *FIB) Output(fl Flow) (OutputResult, error) {
	s := f.snap()
	d := u32(fl.Dst)
	src := fl.Src
	if !src.IsValid() || !src.Is4() {
		src = netip.Addr{}
	}
	var out OutputResult
	var dev *Iface
	if src.IsValid() {
		sa := u32(src)
		if isMulticast(sa) || sa == 0xffffffff || sa>>24 == 0 {
			if sa != 0 {
				return out, unix.EINVAL
			}
			src = netip.Addr{}
		}
	}
	if src.IsValid() {
		idx, local := s.localDev(u32(src))
		if fl.Oif == 0 && (isMulticast(d) || d == 0xffffffff) {
			// Multicast and limited broadcast leave by the interface
			// owning the source address.
			if !local {
				return out, unix.ENETUNREACH
			}
			dev = s.byIndex[idx]
			return s.makeOutput(fl, dev, src, nil, TypeUnspec)
		}
		if !local && !fl.AnySrc {
			return out, unix.ENETUNREACH
		}
	}
	if fl.Oif != 0 {
		var ok bool
		dev, ok = s.byIndex[fl.Oif]
		if !ok {
			return out, unix.ENODEV
		}
		if !dev.Up() {
			return out, unix.ENETUNREACH
		}
		if isLocalMulticast(d) || d == 0xffffffff || fl.Proto == 2 /* IGMP */ {
			if !src.IsValid() {
				src = s.selectSource(dev, netip.Addr{}, ScopeLink)
			}
			return s.makeOutput(fl, dev, src, nil, TypeUnspec)
		}
		if !src.IsValid() {
			if isMulticast(d) {
				src = s.selectSource(dev, netip.Addr{}, ScopeUniverse)
			} else if d == 0 {
				src = s.selectSource(dev, netip.Addr{}, ScopeHost)
			}
		}
	}
	if d == 0 {
		// Sending to 0.0.0.0 means sending to ourselves.
		dst := src
		if !dst.IsValid() {
			dst = netip.AddrFrom4([4]byte{127, 0, 0, 1})
			src = dst
		}
		fl.Dst = dst
		lo := s.byIndex[s.lo]
		if lo == nil {
			return out, unix.ENETUNREACH
		}
		return s.makeOutput(fl, lo, src, nil, TypeLocal)
	}
	scope := ScopeUniverse
	if fl.OnLink {
		scope = ScopeLink
	}
	r := s.lookupScope(d, fl.Oif, scope)
	if r == nil || r.Type == TypeUnreachable || r.Type == TypeBlackhole || r.Type == TypeProhibit || r.Type == TypeThrow {
		if r != nil {
			switch r.Type {
			case TypeBlackhole:
				return out, unix.EINVAL
			case TypeProhibit:
				return out, unix.EACCES
			case TypeUnreachable:
				return out, unix.EHOSTUNREACH
			}
		}
		if fl.Oif != 0 {
			// With an output interface and no route, assume the
			// destination is on link (route.c: "we are allowed to send
			// to iface even if it has NO routes").
			if !src.IsValid() {
				src = s.selectSource(dev, netip.Addr{}, ScopeLink)
			}
			return s.makeOutput(fl, dev, src, nil, TypeUnicast)
		}
		return out, unix.ENETUNREACH
	}
	if r.Type == TypeLocal {
		if !src.IsValid() {
			src = r.Src
			if !src.IsValid() {
				src = fl.Dst
			}
		}
		lo := s.byIndex[s.lo]
		if lo == nil {
			return out, unix.ENETUNREACH
		}
		return s.makeOutput(fl, lo, src, r, TypeLocal)
	}
	dev = s.byIndex[r.IfIndex]
	if dev == nil {
		return out, unix.ENETUNREACH
	}
	if !src.IsValid() {
		src = r.Src
		if !src.IsValid() {
			src = s.selectSource(dev, r.Gateway, r.Scope)
			if !src.IsValid() {
				src = s.anyAddr(r.Scope)
			}
		}
	}
	return s.makeOutput(fl, dev, src, r, r.Type)
}

// makeOutput is __mkroute_output: classify by destination and fill in the
// next hop and MTU.
func (s *snapshot) makeOutput(fl Flow, dev *Iface, src netip.Addr, r *Route, t Type) (OutputResult, error) {
	d := u32(fl.Dst)
	if u32(src)>>24 == 127 && !dev.Loopback() {
		return OutputResult{}, unix.EINVAL
	}
	switch {
	case d == 0xffffffff:
		t = TypeBroadcast
	case isMulticast(d):
		t = TypeMulticast
	case d>>24 == 0:
		return OutputResult{}, unix.EINVAL
	}
	if t == TypeUnspec {
		t = TypeUnicast
	}
	if t == TypeUnicast && dev.Loopback() {
		// __mkroute_output: whatever leaves by the loopback device is
		// delivered here (RTCF_LOCAL), even for an address that is
		// not ours (SO_BINDTODEVICE lo).
		t = TypeLocal
	}
	out := OutputResult{Type: t, Dst: fl.Dst, IfIndex: dev.Index, NextHop: fl.Dst, Src: src, MTU: dev.MTU, Route: r}
	if r != nil {
		if r.Gateway.IsValid() && t == TypeUnicast {
			out.NextHop = r.Gateway
		}
		if r.MTU > 0 {
			out.MTU = r.MTU
		}
	}
	return out, nil
}

// SelectSource is inet_select_addr: the first primary address of interface
// index whose subnet holds dst (or, with dst invalid, the first one) with a
// scope no narrower than scope; failing that, the first primary address of
// suitable scope on any interface, loopback first.
func (f *FIB) SelectSource(index int, dst netip.Addr, scope Scope) netip.Addr {
	s := f.snap()
	if i, ok := s.byIndex[index]; ok {
		if a := selectAddr(i, dst, scope); a.IsValid() {
			return a
		}
	}
	return s.anyAddr(scope)
}

func selectAddr(i *Iface, dst netip.Addr, scope Scope) netip.Addr {
	var first netip.Addr
	for _, a := range i.Addrs {
		if a.Secondary || a.Scope > scope {
			continue
		}
		if !dst.IsValid() || a.Prefix.Masked().Contains(dst) {
			return a.Local()
		}
		if !first.IsValid() {
			first = a.Local()
		}
	}
	return first
}

// selectSource is inet_select_addr on a snapshot: dev's own address,
// failing that any interface's (loopback first), as Linux falls back when
// the device has no address of a suitable scope (lo's 127.0.0.1 is host
// scope).
func (s *snapshot) selectSource(dev *Iface, dst netip.Addr, scope Scope) netip.Addr {
	if a := selectAddr(dev, dst, scope); a.IsValid() {
		return a
	}
	return s.anyAddr(scope)
}

func (s *snapshot) anyAddr(scope Scope) netip.Addr {
	for _, i := range s.ifaces {
		for _, a := range i.Addrs {
			if !a.Secondary && a.Scope <= scope {
				return a.Local()
			}
		}
	}
	return netip.Addr{}
}

func isMulticast(a uint32) bool      { return a>>28 == 0xe }
func isLocalMulticast(a uint32) bool { return a>>8 == 0xe00000 }
