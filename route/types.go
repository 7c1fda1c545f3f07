package route

import (
	"net/netip"
)

// Type is a route type, as Linux's RTN_* values.
type Type uint8

const (
	TypeUnspec      Type = 0
	TypeUnicast     Type = 1 // a gateway or directly connected route
	TypeLocal       Type = 2 // accept locally
	TypeBroadcast   Type = 3 // accept locally as broadcast, send as broadcast
	TypeAnycast     Type = 4
	TypeMulticast   Type = 5
	TypeBlackhole   Type = 6 // drop silently
	TypeUnreachable Type = 7 // EHOSTUNREACH / ICMP host unreachable
	TypeProhibit    Type = 8 // EACCES / ICMP administratively prohibited
	TypeThrow       Type = 9 // continue in the next table
)

var typeNames = [...]string{"unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// Scope is a route or address scope, as Linux's RT_SCOPE_* values: the
// smaller, the farther the destination may be.
type Scope uint8

const (
	ScopeUniverse Scope = 0
	ScopeSite     Scope = 200
	ScopeLink     Scope = 253
	ScopeHost     Scope = 254
	ScopeNowhere  Scope = 255
)

func (s Scope) String() string {
	switch s {
	case ScopeUniverse:
		return "global"
	case ScopeSite:
		return "site"
	case ScopeLink:
		return "link"
	case ScopeHost:
		return "host"
	case ScopeNowhere:
		return "nowhere"
	}
	return "unknown"
}

// Proto says who installed a route, as Linux's RTPROT_* values.
type Proto uint8

const (
	ProtoUnspec Proto = 0
	ProtoKernel Proto = 2 // derived from an address
	ProtoBoot   Proto = 3 // added by the administrator (ip route add)
	ProtoStatic Proto = 4
)

// Table identifiers, as Linux's RT_TABLE_*.
const (
	TableMain  = 254
	TableLocal = 255
)

// Route is one entry of a routing table.
type Route struct {
	Table   uint8        // TableLocal or TableMain
	Type    Type         // what to do with matching packets
	Dst     netip.Prefix // destination prefix (masked)
	Gateway netip.Addr   // next hop; invalid for a directly connected route
	IfIndex int          // output interface
	Src     netip.Addr   // preferred source address (prefsrc); may be invalid
	Metric  uint32       // lower wins among routes to the same prefix
	Scope   Scope
	Proto   Proto
	MTU     int // route MTU (0: the interface's)
}

// IfaceFlags are interface flags, as Linux's IFF_*.
type IfaceFlags uint32

const (
	FlagUp           IfaceFlags = 1 << 0
	FlagBroadcast    IfaceFlags = 1 << 1
	FlagLoopback     IfaceFlags = 1 << 3
	FlagPointToPoint IfaceFlags = 1 << 4
	FlagRunning      IfaceFlags = 1 << 6
	FlagNoARP        IfaceFlags = 1 << 7
	FlagMulticast    IfaceFlags = 1 << 12
)

// Addr is an address configured on an interface.
type Addr struct {
	// Prefix is the local address with its prefix length (198.18.0.1/24).
	Prefix netip.Prefix
	// Broadcast is the configured broadcast address (invalid if none).
	Broadcast netip.Addr
	Scope     Scope
	// Secondary marks an address in the same subnet as an earlier one
	// (IFA_F_SECONDARY).
	Secondary bool
	// NoPrefixRoute suppresses the on-link route (IFA_F_NOPREFIXROUTE).
	NoPrefixRoute bool
	Label         string
}

// Local returns the address itself.
func (a Addr) Local() netip.Addr { return a.Prefix.Addr() }

// Iface is an interface as the routing layer sees it.
type Iface struct {
	Index int
	Name  string
	MTU   int
	Flags IfaceFlags
	Addrs []Addr // primaries first, then secondaries, as Linux orders them
}

// Up reports whether the interface is administratively up.
func (i *Iface) Up() bool { return i.Flags&FlagUp != 0 }

// Loopback reports whether the interface is a loopback.
func (i *Iface) Loopback() bool { return i.Flags&FlagLoopback != 0 }
