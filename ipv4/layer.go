package ipv4

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/rnd"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/sysctl"
)

// Device is an interface as the IP layer transmits through it.
type Device interface {
	// Transmit sends p, whose front is the IPv4 header, towards nexthop
	// (the gateway or the destination itself). t says whether nexthop is
	// a unicast, broadcast or multicast address (for the link's address
	// mapping). The device takes ownership of p.
	Transmit(p *pkt.Buffer, nexthop netip.Addr, t route.Type)
}

// Protocol is a transport protocol registered with the layer.
type Protocol interface {
	// Receive takes a packet for this host. p's front is the transport
	// header; p.NetworkHeader() is the IPv4 header; p.Meta says where it
	// came from (IfIndex, SpecDst, RouteType, Stamp). It takes ownership.
	Receive(p *pkt.Buffer)
	// Error reports an ICMP error about a datagram of this protocol.
	Error(e *ICMPError)
}

// RawHandler delivers copies of received packets to raw sockets.
type RawHandler interface {
	// Deliver gives every raw socket bound to proto a copy of p (front at
	// the IP header) and reports whether any did. It must not keep p.
	Deliver(proto uint8, p *pkt.Buffer) bool
}

// Config holds what a Layer is built from.
type Config struct {
	Clock    clock.Clock
	FIB      *route.FIB
	Stats    *snmp.Stats
	Settings *sysctl.Table
	Rand     *rnd.Source
}

// Layer is the IPv4 layer of one stack.
type Layer struct {
	clk   clock.Clock
	fib   *route.FIB
	stats *snmp.Stats
	sys   *sysctl.Table
	rand  *rnd.Source

	defaultTTL      *sysctl.Var
	echoIgnoreAll   *sysctl.Var
	echoIgnoreBcast *sysctl.Var
	icmpRatelimit   *sysctl.Var
	icmpRatemask    *sysctl.Var
	icmpPerSec      *sysctl.Var
	icmpBurst       *sysctl.Var
	noPMTUDisc      *sysctl.Var

	devs   atomic.Pointer[[]*devEntry] // by interface index
	devsMu sync.Mutex                  // serialises writers of devs

	protos [256]atomic.Pointer[protoEntry]
	raw    atomic.Pointer[rawEntry]
	filter atomic.Pointer[filterEntry]

	ids   idents
	icmp  icmpState
	echos echoTable
}

type protoEntry struct{ p Protocol }
type rawEntry struct{ h RawHandler }
type filterEntry struct{ f Filter }

// devEntry is a device with the per-interface settings input reads.
type devEntry struct {
	index int
	name  string
	dev   Device
	conf  ifConf
}

// ifConf holds an interface's net.ipv4.conf.<if> settings, looked up once.
type ifConf struct {
	forwarding    *sysctl.Var
	routeLocalnet *sysctl.Var
	allLocalnet   *sysctl.Var
	acceptLocal   *sysctl.Var
	allAcceptLoc  *sysctl.Var
}

// New builds a layer.
func New(c Config) *Layer {
	l := &Layer{clk: c.Clock, fib: c.FIB, stats: c.Stats, sys: c.Settings, rand: c.Rand}
	l.defaultTTL = c.Settings.MustVar("net.ipv4.ip_default_ttl")
	l.echoIgnoreAll = c.Settings.MustVar("net.ipv4.icmp_echo_ignore_all")
	l.echoIgnoreBcast = c.Settings.MustVar("net.ipv4.icmp_echo_ignore_broadcasts")
	l.icmpRatelimit = c.Settings.MustVar("net.ipv4.icmp_ratelimit")
	l.icmpRatemask = c.Settings.MustVar("net.ipv4.icmp_ratemask")
	l.icmpPerSec = c.Settings.MustVar("net.ipv4.icmp_msgs_per_sec")
	l.icmpBurst = c.Settings.MustVar("net.ipv4.icmp_msgs_burst")
	l.noPMTUDisc = c.Settings.MustVar("net.ipv4.ip_no_pmtu_disc")
	empty := []*devEntry{}
	l.devs.Store(&empty)
	l.ids.init(c.Rand)
	l.icmp.init()
	l.echos.init(c.Rand)
	l.Register(1, icmpProto{l})
	return l
}

// AddDevice makes interface index reachable for output and input. The
// per-interface settings must already exist in the settings table.
func (l *Layer) AddDevice(index int, name string, d Device) {
	l.devsMu.Lock()
	defer l.devsMu.Unlock()
	old := *l.devs.Load()
	n := make([]*devEntry, max(len(old), index+1))
	copy(n, old)
	v := func(s string) *sysctl.Var { return l.sys.Var("net.ipv4.conf." + name + "." + s) }
	a := func(s string) *sysctl.Var { return l.sys.Var("net.ipv4.conf.all." + s) }
	n[index] = &devEntry{index: index, name: name, dev: d, conf: ifConf{
		forwarding:    v("forwarding"),
		routeLocalnet: v("route_localnet"),
		allLocalnet:   a("route_localnet"),
		acceptLocal:   v("accept_local"),
		allAcceptLoc:  a("accept_local"),
	}}
	l.devs.Store(&n)
}

// RemoveDevice forgets interface index.
func (l *Layer) RemoveDevice(index int) {
	l.devsMu.Lock()
	defer l.devsMu.Unlock()
	old := *l.devs.Load()
	if index >= len(old) {
		return
	}
	n := make([]*devEntry, len(old))
	copy(n, old)
	n[index] = nil
	l.devs.Store(&n)
}

func (l *Layer) dev(index int) *devEntry {
	d := *l.devs.Load()
	if index <= 0 || index >= len(d) {
		return nil
	}
	return d[index]
}

// Register sets the handler for a transport protocol number.
func (l *Layer) Register(proto uint8, p Protocol) { l.protos[proto].Store(&protoEntry{p}) }

// SetRaw sets the raw-socket handler.
func (l *Layer) SetRaw(h RawHandler) { l.raw.Store(&rawEntry{h}) }

// SetFilter installs the packet filter (nil removes it).
func (l *Layer) SetFilter(f Filter) {
	if f == nil {
		l.filter.Store(nil)
		return
	}
	l.filter.Store(&filterEntry{f})
}

// DefaultTTL returns net.ipv4.ip_default_ttl.
func (l *Layer) DefaultTTL() uint8 { return uint8(l.defaultTTL.Int()) }

// FIB returns the routing state the layer uses.
func (l *Layer) FIB() *route.FIB { return l.fib }

// Stats returns the counters the layer bumps.
func (l *Layer) Stats() *snmp.Stats { return l.stats }

func on(v *sysctl.Var) bool { return v != nil && v.Bool() }
