package neigh

import (
	"net/netip"
	"time"

	"github.com/seed96fbdc48/inet/wire"
)

// State is a neighbour entry's NUD state, with Linux's values
// (include/uapi/linux/neighbour.h), so that sets of states are bit masks.
type State uint8

// NUD states.
const (
	None       State = 0x00
	Incomplete State = 0x01
	Reachable  State = 0x02
	Stale      State = 0x04
	Delay      State = 0x08
	Probe      State = 0x10
	Failed     State = 0x20
	NoARP      State = 0x40
	Permanent  State = 0x80
)

// Sets of states, as include/net/neighbour.h defines them.
const (
	nudInTimer   = Incomplete | Reachable | Delay | Probe
	nudValid     = Permanent | NoARP | Reachable | Probe | Stale | Delay
	nudConnected = Permanent | NoARP | Reachable
)

// String returns the name `ip neigh` prints.
func (s State) String() string {
	switch s {
	case None:
		return "NONE"
	case Incomplete:
		return "INCOMPLETE"
	case Reachable:
		return "REACHABLE"
	case Stale:
		return "STALE"
	case Delay:
		return "DELAY"
	case Probe:
		return "PROBE"
	case Failed:
		return "FAILED"
	case NoARP:
		return "NOARP"
	case Permanent:
		return "PERMANENT"
	}
	return "UNKNOWN"
}

// Valid reports whether the state holds a usable MAC address (NUD_VALID).
func (s State) Valid() bool { return s&nudValid != 0 }

// Entry is a snapshot of one neighbour, as `ip -s neigh show` prints it.
type Entry struct {
	Addr netip.Addr
	// MAC is the link-layer address; zero unless State is Valid (Linux
	// prints lladdr only for NUD_VALID entries).
	MAC   wire.MAC
	State State
	// Probes is the solicitation counter ("probes N").
	Probes int
	// Used, Confirmed and Updated are the times `ip -s neigh` prints as
	// "used A/B/C" ages: last use for output, last reachability
	// confirmation, last state or address change. A new entry's Confirmed
	// lies 2*base_reachable_time in the past, as Linux sets it.
	Used, Confirmed, Updated time.Time
}

// Cast says how Output addresses a next hop.
type Cast uint8

const (
	// Unicast next hops are resolved through the table.
	Unicast Cast = iota
	// Broadcast next hops go to ff:ff:ff:ff:ff:ff.
	Broadcast
	// Multicast next hops go to the RFC 1112 group MAC (wire.MulticastMAC).
	Multicast
)

// Stats are the table's counters, named as Linux's /proc/net/stat/arp_cache
// columns, plus Malformed.
type Stats struct {
	Entries            uint64 // entries in the table now
	Allocs             uint64
	Destroys           uint64
	HashGrows          uint64 // always 0: the table does not hash in buckets
	Lookups            uint64 // neigh_lookup calls: ARP input and Lookup
	Hits               uint64
	ResFailed          uint64 // resolutions that ended in FAILED
	RcvProbesMcast     uint64 // always 0 for ARP, as in Linux (IPv6 ndisc only)
	RcvProbesUcast     uint64 // always 0 for ARP, as in Linux
	PeriodicGCRuns     uint64
	ForcedGCRuns       uint64
	UnresolvedDiscards uint64 // packets dropped from a full resolution queue
	TableFulls         uint64
	// Malformed counts ARP frames dropped as malformed or unsupported
	// (inet's own counter; Linux records only a drop reason).
	Malformed uint64
}
