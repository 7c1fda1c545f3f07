package socket

import (
	"net/netip"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/rnd"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/sysctl"
)

// Caps are the capabilities a stack's owner grants its sockets, as Linux's
// CAP_* bits checked by the socket calls.
type Caps uint32

const (
	// CapNetBindService allows binding ports below
	// net.ipv4.ip_unprivileged_port_start (CAP_NET_BIND_SERVICE).
	CapNetBindService Caps = 1 << iota
	// CapNetAdmin allows IP_TRANSPARENT, SO_MARK, SO_PRIORITY above 6,
	// SO_RCVBUFFORCE and SO_SNDBUFFORCE (CAP_NET_ADMIN).
	CapNetAdmin
	// CapNetRaw allows raw sockets, and what CAP_NET_ADMIN allows for
	// IP_TRANSPARENT, SO_MARK and SO_PRIORITY (CAP_NET_RAW).
	CapNetRaw

	// AllCaps is what root has.
	AllCaps = CapNetBindService | CapNetAdmin | CapNetRaw
)

// Env is what sockets need from the stack they belong to.
type Env struct {
	Clock    clock.Clock
	Settings *sysctl.Table
	FIB      *route.FIB
	Stats    *snmp.Stats
	Rand     *rnd.Source
	// Caps are the capabilities granted when the stack is made; Init
	// copies them, and SetCaps changes them later.
	Caps Caps

	caps atomic.Uint32 // the capabilities in force

	nextCookie  atomic.Uint64 // last SO_COOKIE given out
	netnsCookie uint64        // SO_NETNS_COOKIE, drawn at Init

	// Settings read on hot paths, looked up once.
	rmemDefault, wmemDefault, rmemMax, wmemMax, optmemMax *sysctl.Var
	defaultTTL, nonlocalBind, portRange, unprivPort       *sysctl.Var
}

// Init looks up the settings the socket layer reads.
func (e *Env) Init() {
	s := e.Settings
	e.rmemDefault = s.MustVar("net.core.rmem_default")
	e.wmemDefault = s.MustVar("net.core.wmem_default")
	e.rmemMax = s.MustVar("net.core.rmem_max")
	e.wmemMax = s.MustVar("net.core.wmem_max")
	e.optmemMax = s.MustVar("net.core.optmem_max")
	e.defaultTTL = s.MustVar("net.ipv4.ip_default_ttl")
	e.nonlocalBind = s.MustVar("net.ipv4.ip_nonlocal_bind")
	e.portRange = s.MustVar("net.ipv4.ip_local_port_range")
	e.unprivPort = s.MustVar("net.ipv4.ip_unprivileged_port_start")
	e.caps.Store(uint32(e.Caps))
	e.netnsCookie = e.Rand.Uint64() | 1
}

// NetnsCookie is SO_NETNS_COOKIE: a value identifying the stack, as a
// network namespace's cookie identifies it.
func (e *Env) NetnsCookie() uint64 { return e.netnsCookie }

// SetCaps changes the capabilities the stack's sockets have from now on
// (as a process dropping or regaining capabilities: checks made later see
// the new set).
func (e *Env) SetCaps(c Caps) { e.caps.Store(uint32(c)) }

// Capabilities returns the capabilities in force.
func (e *Env) Capabilities() Caps { return Caps(e.caps.Load()) }

// Capable reports whether the owner granted c.
func (e *Env) Capable(c Caps) bool { return Caps(e.caps.Load())&c != 0 }

// DefaultTTL is net.ipv4.ip_default_ttl.
func (e *Env) DefaultTTL() int { return e.defaultTTL.Int() }

// NonlocalBind is net.ipv4.ip_nonlocal_bind.
func (e *Env) NonlocalBind() bool { return e.nonlocalBind.Bool() }

// PortRange is net.ipv4.ip_local_port_range.
func (e *Env) PortRange() (lo, hi int) { return e.portRange.IntAt(0), e.portRange.IntAt(1) }

// PortReserved reports whether port is in ip_local_reserved_ports.
func (e *Env) PortReserved(port int) bool {
	v := e.Settings.Var("net.ipv4.ip_local_reserved_ports")
	return v != nil && v.Has(port)
}

// PortNeedsCap reports whether binding port needs CapNetBindService
// (inet_port_requires_bind_service: below ip_unprivileged_port_start).
func (e *Env) PortNeedsCap(port int) bool { return port < e.unprivPort.Int() }

// AddrType is inet_addr_type for a bind address.
func (e *Env) AddrType(a netip.Addr) route.Type { return e.FIB.AddrType(a) }
