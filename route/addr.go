package route

import (
	"net/netip"
	"slices"

	"golang.org/x/sys/unix"
)

// AddAddr configures an address on an interface as `ip addr add` does
// (devinet.c __inet_insert_ifa): a second address in the subnet of an
// existing one becomes secondary; primaries stay before secondaries; the
// same address twice is EEXIST; a non-IPv4 prefix is EINVAL. The local,
// broadcast and on-link routes follow (fib_add_ifaddr). A loopback address
// (127.0.0.0/8) without a scope gets host scope, as iproute2 gives it.
func (f *FIB) AddAddr(index int, a Addr) error {
	return f.edit(func(s *snapshot) error {
		i, ok := s.byIndex[index]
		if !ok {
			return unix.ENODEV
		}
		if !a.Prefix.IsValid() || !a.Prefix.Addr().Is4() {
			return unix.EINVAL
		}
		if a.Scope == ScopeUniverse && a.Prefix.Addr().IsLoopback() {
			a.Scope = ScopeHost
		}
		a.Secondary = false
		lastPrimary := 0
		for n, x := range i.Addrs {
			if !x.Secondary && a.Scope <= x.Scope {
				lastPrimary = n + 1
			}
			if x.Prefix.Bits() == a.Prefix.Bits() && x.Prefix.Masked() == a.Prefix.Masked() {
				if x.Local() == a.Local() {
					return unix.EEXIST
				}
				if x.Scope != a.Scope {
					return unix.EINVAL
				}
				a.Secondary = true
			}
		}
		if a.Secondary {
			i.Addrs = append(i.Addrs, a)
		} else {
			// Linux inserts a primary after the last primary of equal or
			// wider scope (the loop above tracks it).
			i.Addrs = slices.Insert(i.Addrs, lastPrimary, a)
		}
		if _, taken := s.addrs[u32(a.Local())]; !taken {
			s.addrs[u32(a.Local())] = index
		}
		s.deriveRoutes(i)
		return nil
	})
}

// DelAddr removes an address (matched by address and prefix length). When
// a primary goes, the secondaries of its subnet go with it, as Linux does
// while promote_secondaries is off. EADDRNOTAVAIL if it is not configured.
func (f *FIB) DelAddr(index int, p netip.Prefix) error {
	return f.edit(func(s *snapshot) error {
		i, ok := s.byIndex[index]
		if !ok {
			return unix.ENODEV
		}
		at := slices.IndexFunc(i.Addrs, func(x Addr) bool { return x.Prefix == p })
		if at < 0 {
			return unix.EADDRNOTAVAIL
		}
		gone := i.Addrs[at]
		i.Addrs = slices.Delete(i.Addrs, at, at+1)
		if !gone.Secondary {
			i.Addrs = slices.DeleteFunc(i.Addrs, func(x Addr) bool {
				return x.Secondary && x.Prefix.Bits() == gone.Prefix.Bits() && x.Prefix.Masked() == gone.Prefix.Masked()
			})
		}
		// Rebuild the address index from every interface.
		clear(s.addrs)
		for _, x := range s.ifaces {
			for _, a := range x.Addrs {
				if _, taken := s.addrs[u32(a.Local())]; !taken {
					s.addrs[u32(a.Local())] = x.Index
				}
			}
		}
		s.deriveRoutes(i)
		return nil
	})
}

// deriveRoutes replaces the kernel routes of interface i with those its
// addresses imply (fib_add_ifaddr): for every address a local /32 route
// (kept while the interface is down); while up, for every primary the
// on-link prefix route (a local route on a loopback interface) unless /32
// or NoPrefixRoute, the prefix broadcast route below /31, and an explicit
// broadcast address's route.
func (s *snapshot) deriveRoutes(i *Iface) {
	s.dropRoutes(func(r *Route) bool { return r.IfIndex == i.Index && r.Proto == ProtoKernel })
	add := func(table uint8, t Type, dst netip.Prefix, src netip.Addr, scope Scope) {
		r := &Route{Table: table, Type: t, Dst: dst.Masked(), IfIndex: i.Index, Src: src, Scope: scope, Proto: ProtoKernel}
		tbl := s.table(table)
		if tbl.lookupExact(r) {
			return
		}
		tbl.add(r)
	}
	for _, a := range i.Addrs {
		prim := a
		if a.Secondary {
			for _, x := range i.Addrs {
				if !x.Secondary && x.Prefix.Bits() == a.Prefix.Bits() && x.Prefix.Masked() == a.Prefix.Masked() {
					prim = x
					break
				}
			}
		}
		src := prim.Local()
		add(TableLocal, TypeLocal, netip.PrefixFrom(a.Local(), 32), src, ScopeHost)
		if !i.Up() {
			continue
		}
		if a.Broadcast.IsValid() && a.Broadcast != netip.AddrFrom4([4]byte{255, 255, 255, 255}) && !a.Broadcast.IsUnspecified() {
			add(TableLocal, TypeBroadcast, netip.PrefixFrom(a.Broadcast, 32), src, ScopeLink)
		}
		prefix := a.Prefix.Masked()
		if a.Secondary || prefix.Addr().IsUnspecified() || (prefix.Addr() == a.Local() && a.Prefix.Bits() == 32) {
			continue
		}
		if !a.NoPrefixRoute {
			if i.Loopback() {
				add(TableLocal, TypeLocal, prefix, src, ScopeHost)
			} else {
				add(TableMain, TypeUnicast, prefix, src, ScopeLink)
			}
		}
		if a.Prefix.Bits() < 31 {
			bcast := addrFrom(u32(prefix.Addr()) | ^mask(a.Prefix.Bits()))
			add(TableLocal, TypeBroadcast, netip.PrefixFrom(bcast, 32), src, ScopeLink)
		}
	}
}

// IsLocal reports whether a is an address of this host, and on which
// interface, as __ip_dev_find does: an interface address, or else any
// address the local table routes locally (127.1.2.3 through 127.0.0.0/8).
func (f *FIB) IsLocal(a netip.Addr) (ifindex int, ok bool) {
	if !a.Is4() {
		return 0, false
	}
	return f.snap().localDev(u32(a))
}

func (s *snapshot) localDev(a uint32) (int, bool) {
	if i, ok := s.addrs[a]; ok {
		return i, true
	}
	if r := s.local.lookup(a, func(*Route) bool { return true }); r != nil && r.Type == TypeLocal {
		return r.IfIndex, true
	}
	return 0, false
}

// AddrType classifies a as Linux's inet_addr_type does: TypeLocal,
// TypeBroadcast, TypeMulticast, TypeUnicast, or TypeUnspec for 0.0.0.0/8 and
// invalid addresses.
func (f *FIB) AddrType(a netip.Addr) Type {
	if !a.Is4() {
		return TypeUnspec
	}
	if isZeronet(a) {
		return TypeUnspec
	}
	if a.IsMulticast() {
		return TypeMulticast
	}
	if a == limitedBroadcast {
		return TypeBroadcast
	}
	s := f.snap()
	if r := s.local.lookup(u32(a), func(*Route) bool { return true }); r != nil {
		return r.Type
	}
	return TypeUnicast
}

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

func isZeronet(a netip.Addr) bool { return a.As4()[0] == 0 }
