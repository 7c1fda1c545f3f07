package stack

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/rnd"
	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/loopback"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/sysctl"
	"github.com/seed96fbdc48/inet/tcp"
	"github.com/seed96fbdc48/inet/udp"
	"golang.org/x/sys/unix"
)

// Options configure a new stack.
type Options struct {
	// Clock drives every timer; nil means the real clock.
	Clock clock.Clock
	// Seed makes every random choice reproducible; 0 draws a seed from
	// crypto/rand.
	Seed uint64
	// Network, when set, carries the loopback interface, so that its
	// WaitIdle covers traffic a stack sends itself.
	Network *mem.Network
	// Caps are the capabilities the stack's sockets have (binding ports
	// below 1024, IP_TRANSPARENT, raw sockets ...). The zero value grants
	// none, as for an unprivileged Linux process; socket.AllCaps is root.
	Caps socket.Caps
}

// Stack is one IPv4 host or router.
type Stack struct {
	clk      clock.Clock
	rand     *rnd.Source
	sys      *sysctl.Table
	stats    *snmp.Stats
	fib      *route.FIB
	ip       *ipv4.Layer
	env      *socket.Env
	udp      *udp.Proto
	tcpProto *tcp.Proto
	tcp      func() *socket.Socket    // set when TCP is built in
	raw      func(int) *socket.Socket // set when raw sockets are built in

	mu     sync.Mutex
	ifaces map[int]*Interface // guarded by mu
	next   int                // guarded by mu; next interface index
	closed bool               // guarded by mu
}

// New builds a stack with its loopback interface "lo" (index 1, 127.0.0.1/8,
// up), as a fresh Linux network namespace has once lo is up.
func New(o Options) *Stack {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	s := &Stack{
		clk:    o.Clock,
		rand:   rnd.New(o.Seed),
		sys:    sysctl.New(),
		stats:  snmp.New(),
		fib:    route.New(),
		ifaces: make(map[int]*Interface),
		next:   1,
	}
	s.ip = ipv4.New(ipv4.Config{Clock: s.clk, FIB: s.fib, Stats: s.stats, Settings: s.sys, Rand: s.rand})
	s.ip.Register(2, igmpSink{s}) // until the multicast issue brings IGMP
	s.env = &socket.Env{Clock: s.clk, Settings: s.sys, FIB: s.fib, Stats: s.stats, Rand: s.rand, Caps: o.Caps}
	s.env.Init()
	s.udp = udp.New(s.env, s.ip)
	s.tcpProto = tcp.New(s.env, s.ip)
	s.tcp = s.tcpProto.NewSocket
	lo, err := s.AddInterface(loopback.New(o.Network), InterfaceOptions{Name: "lo"})
	if err != nil {
		panic(fmt.Sprintf("stack: loopback: %v", err))
	}
	if err := s.AddAddress(lo.Index(), netip.MustParsePrefix("127.0.0.1/8")); err != nil {
		panic(fmt.Sprintf("stack: loopback address: %v", err))
	}
	return s
}

// Clock returns the stack's clock.
func (s *Stack) Clock() clock.Clock { return s.clk }

// Settings returns the stack's sysctl table.
func (s *Stack) Settings() *sysctl.Table { return s.sys }

// Stats returns the stack's counters.
func (s *Stack) Stats() *snmp.Stats { return s.stats }

// FIB returns the routing state.
func (s *Stack) FIB() *route.FIB { return s.fib }

// IP returns the IPv4 layer.
func (s *Stack) IP() *ipv4.Layer { return s.ip }

// Rand returns the stack's random source.
func (s *Stack) Rand() *rnd.Source { return s.rand }

// InterfaceOptions configure AddInterface.
type InterfaceOptions struct {
	// Name is the interface name; empty means the endpoint's own
	// (link.Named) or "ethN" / "ipN" by kind.
	Name string
	// Down leaves the interface administratively down.
	Down bool
}

// AddInterface attaches a link and starts receiving from it. Names must be
// unique (EEXIST) and at most 15 bytes (EINVAL), as Linux's IFNAMSIZ.
func (s *Stack) AddInterface(ep link.Endpoint, o InterfaceOptions) (*Interface, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, unix.ENODEV
	}
	name := o.Name
	if name == "" {
		if n, ok := ep.(link.Named); ok {
			name = n.Name()
		}
	}
	if name == "" {
		prefix := "ip"
		if ep.Kind() == link.KindEthernet {
			prefix = "eth"
		}
		for i := 0; ; i++ {
			name = fmt.Sprintf("%s%d", prefix, i)
			if s.byNameLocked(name) == nil {
				break
			}
		}
	}
	if len(name) > 15 || name == "all" || name == "default" {
		s.mu.Unlock()
		return nil, unix.EINVAL
	}
	if s.byNameLocked(name) != nil {
		s.mu.Unlock()
		return nil, unix.EEXIST
	}
	index := s.next
	s.next++
	if ep.Kind() == link.KindLoopback {
		s.sys.AddLoopback(name)
	} else {
		s.sys.AddInterface(name)
	}
	nic := newInterface(s, index, name, ep)
	s.ifaces[index] = nic
	s.mu.Unlock()

	flags := route.FlagMulticast
	switch ep.Kind() {
	case link.KindLoopback:
		flags = route.FlagLoopback
	case link.KindEthernet:
		flags |= route.FlagBroadcast
	default:
		flags |= route.FlagPointToPoint | route.FlagNoARP
	}
	if err := s.fib.AddIface(route.Iface{Index: index, Name: name, MTU: ep.MTU(), Flags: flags}); err != nil {
		return nil, err
	}
	s.ip.AddDevice(index, name, nic)
	if err := ep.Attach(nic); err != nil {
		s.removeInterface(nic)
		return nil, err
	}
	if !o.Down {
		if err := s.SetUp(index, true); err != nil {
			return nil, err
		}
	}
	return nic, nil
}

func (s *Stack) byNameLocked(name string) *Interface {
	for _, i := range s.ifaces {
		if i.name == name {
			return i
		}
	}
	return nil
}

// Interface returns the interface with the given index, or nil.
func (s *Stack) Interface(index int) *Interface {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ifaces[index]
}

// InterfaceByName returns the named interface, or nil.
func (s *Stack) InterfaceByName(name string) *Interface {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byNameLocked(name)
}

// Interfaces returns every interface by ascending index.
func (s *Stack) Interfaces() []*Interface {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Interface, 0, len(s.ifaces))
	for _, i := range s.ifaces {
		out = append(out, i)
	}
	slices.SortFunc(out, func(a, b *Interface) int { return a.index - b.index })
	return out
}

// RemoveInterface detaches and closes an interface (not the loopback).
func (s *Stack) RemoveInterface(index int) error {
	nic := s.Interface(index)
	if nic == nil {
		return unix.ENODEV
	}
	if nic.ep.Kind() == link.KindLoopback {
		return unix.EINVAL
	}
	s.removeInterface(nic)
	return nil
}

func (s *Stack) removeInterface(nic *Interface) {
	s.mu.Lock()
	delete(s.ifaces, nic.index)
	s.mu.Unlock()
	s.ip.RemoveDevice(nic.index)
	_ = s.fib.RemoveIface(nic.index)
	nic.close()
	s.sys.RemoveInterface(nic.name)
}

// SetUp brings an interface up or down.
func (s *Stack) SetUp(index int, up bool) error {
	nic := s.Interface(index)
	if nic == nil {
		return unix.ENODEV
	}
	if err := s.fib.SetUp(index, up); err != nil {
		return err
	}
	was := nic.up.Swap(up)
	if !up && was && nic.neigh != nil {
		nic.neigh.Down() // neigh_ifdown
	}
	if up && !was && nic.kind == link.KindLoopback {
		s.sys.LoopbackUp(nic.name)
	}
	if up && !was && nic.arpNotify() {
		// NETDEV_UP with arp_notify: inetdev_send_gratuitous_arp
		// announces every address of the interface.
		if i, ok := s.fib.Iface(index); ok {
			for _, a := range i.Addrs {
				nic.announce(a.Local())
			}
		}
	}
	return nil
}

// NotifyPeers broadcasts a gratuitous ARP for every address of an Ethernet
// interface that is up, as Linux does on NETDEV_NOTIFY_PEERS (a failover,
// a migrated VM) whatever arp_notify says, and as `arping -U` or an ifup
// script does after configuring an address: neighbours that know the
// address update their entry to this interface's MAC (arp_accept=0 creates
// none). On other interfaces, or one that is down, it sends nothing.
func (s *Stack) NotifyPeers(index int) error {
	nic := s.Interface(index)
	if nic == nil {
		return unix.ENODEV
	}
	i, ok := s.fib.Iface(index)
	if !ok || !nic.up.Load() {
		return nil
	}
	for _, a := range i.Addrs {
		nic.announce(a.Local())
	}
	return nil
}

// AddAddress configures an address with its prefix length on an interface,
// as `ip addr add PREFIX dev IF` does. As in Linux 6.18, adding an address
// sends no gratuitous ARP (only link up with arp_notify=1 does, and
// NotifyPeers).
func (s *Stack) AddAddress(index int, p netip.Prefix) error {
	return s.AddAddr(index, route.Addr{Prefix: p})
}

// AddAddr is AddAddress with every field of the address (broadcast, scope,
// label, noprefixroute).
func (s *Stack) AddAddr(index int, a route.Addr) error {
	nic := s.Interface(index)
	if nic == nil {
		return unix.ENODEV
	}
	return s.fib.AddAddr(index, a)
}

// DelAddress removes an address.
func (s *Stack) DelAddress(index int, p netip.Prefix) error { return s.fib.DelAddr(index, p) }

// AddRoute adds a route (`ip route add`).
func (s *Stack) AddRoute(r route.Route) error { return s.fib.AddRoute(r) }

// DelRoute deletes a route (`ip route del`).
func (s *Stack) DelRoute(r route.Route) error { return s.fib.DelRoute(r) }

// SetDefaultGateway adds the default route through gw (`ip route add
// default via GW`).
func (s *Stack) SetDefaultGateway(gw netip.Addr) error {
	return s.fib.AddRoute(route.Route{Dst: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Gateway: gw})
}

// Close detaches every interface and stops the stack's timers.
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	nics := make([]*Interface, 0, len(s.ifaces))
	for _, i := range s.ifaces {
		nics = append(nics, i)
	}
	s.mu.Unlock()
	for _, nic := range nics {
		s.removeInterface(nic)
	}
	return nil
}

// igmpSink accepts IGMP messages without acting on them, so that they are
// not answered with protocol unreachable before the multicast issue brings
// IGMP itself.
type igmpSink struct{ s *Stack }

func (igmpSink) Receive(p *pkt.Buffer) { p.Release() }
func (igmpSink) Error(*ipv4.ICMPError) {}
