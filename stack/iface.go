package stack

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/neigh"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/wire"
)

// Interface is one link of the stack.
type Interface struct {
	s     *Stack
	index int
	name  string
	ep    link.Endpoint
	kind  link.Kind
	mac   wire.MAC
	up    atomic.Bool
	neigh *neigh.Table // Ethernet links only

	batches sync.Pool // of *[1]*pkt.Buffer, so single writes do not allocate
}

var (
	_ link.Dispatcher = (*Interface)(nil)
	_ neigh.Link      = (*Interface)(nil)
)

func newInterface(s *Stack, index int, name string, ep link.Endpoint) *Interface {
	nic := &Interface{s: s, index: index, name: name, ep: ep, kind: ep.Kind()}
	nic.batches.New = func() any { return new([1]*pkt.Buffer) }
	if nic.kind == link.KindEthernet {
		nic.mac, _ = wire.MACFrom(ep.HardwareAddr())
		nic.neigh = neigh.New(neigh.Config{
			Clock:       s.clk,
			Link:        nic,
			Settings:    s.sys,
			IfName:      name,
			Rand:        s.rand,
			Unreachable: nic.unreachable,
		})
	}
	return nic
}

// Index returns the interface index.
func (i *Interface) Index() int { return i.index }

// Name returns the interface name.
func (i *Interface) Name() string { return i.name }

// Endpoint returns the link.
func (i *Interface) Endpoint() link.Endpoint { return i.ep }

// Kind returns the link kind.
func (i *Interface) Kind() link.Kind { return i.kind }

// MTU returns the link MTU.
func (i *Interface) MTU() int { return i.ep.MTU() }

// Up reports whether the interface is administratively up.
func (i *Interface) Up() bool { return i.up.Load() }

// Neighbours returns the neighbour table (nil for non-Ethernet links).
func (i *Interface) Neighbours() *neigh.Table { return i.neigh }

// HardwareAddr returns the interface's MAC address (zero for non-Ethernet).
func (i *Interface) HardwareAddr() wire.MAC { return i.mac }

// HWAddr returns the MAC address as a net.HardwareAddr (nil if none).
func (i *Interface) HWAddr() net.HardwareAddr { return i.ep.HardwareAddr() }

// DeliverBatch receives packets from the link (link.Dispatcher).
func (i *Interface) DeliverBatch(pkts []*pkt.Buffer) {
	now := i.s.clk.Now().UnixNano()
	for _, p := range pkts {
		if !i.up.Load() {
			p.Release()
			continue
		}
		p.Stamp = now
		switch i.kind {
		case link.KindEthernet:
			i.receiveFrame(p)
		case link.KindLoopback:
			if p.Flags&pkt.FlagLoopedBack == 0 || p.IfIndex == 0 {
				p.IfIndex = i.index
			}
			p.PktType = pkt.PacketHost
			i.s.ip.Input(p)
		default:
			p.IfIndex = i.index
			p.PktType = pkt.PacketHost
			if b := p.Bytes(); len(b) == 0 || b[0]>>4 != 4 {
				p.Release() // not IPv4 (an IPv6 packet on a TUN device)
				continue
			}
			i.s.ip.Input(p)
		}
	}
}

// receiveFrame handles an Ethernet frame: classify the destination MAC,
// then dispatch IPv4 and ARP by EtherType.
func (i *Interface) receiveFrame(p *pkt.Buffer) {
	e, err := wire.ParseEthernet(p.Bytes())
	if err != nil {
		p.Release()
		return
	}
	p.IfIndex = i.index
	switch dst := e.Dst(); {
	case dst == i.mac:
		p.PktType = pkt.PacketHost
	case dst.IsBroadcast():
		p.PktType = pkt.PacketBroadcast
	case dst.IsMulticast():
		p.PktType = pkt.PacketMulticast
	default:
		p.PktType = pkt.PacketOtherHost
	}
	switch e.EtherType() {
	case wire.EtherTypeIPv4:
		p.TrimFront(wire.EthernetHeaderLen)
		i.s.ip.Input(p)
	case wire.EtherTypeARP:
		i.neigh.HandleARP(p)
	default:
		p.Release()
	}
}

// Transmit sends an IPv4 packet towards nexthop (ipv4.Device).
func (i *Interface) Transmit(p *pkt.Buffer, nexthop netip.Addr, t route.Type) {
	if !i.up.Load() {
		p.Release()
		return
	}
	if i.kind == link.KindEthernet {
		cast := neigh.Unicast
		switch t {
		case route.TypeBroadcast:
			cast = neigh.Broadcast
		case route.TypeMulticast:
			cast = neigh.Multicast
		}
		i.neigh.Output(p, nexthop, cast)
		return
	}
	i.write(p)
}

// write hands one packet to the link.
func (i *Interface) write(p *pkt.Buffer) {
	b := i.batches.Get().(*[1]*pkt.Buffer)
	b[0] = p
	_, _ = i.ep.WriteBatch(b[:])
	b[0] = nil
	i.batches.Put(b)
}

// WriteFrame sends a finished Ethernet frame (neigh.Link).
func (i *Interface) WriteFrame(p *pkt.Buffer) { i.write(p) }

// IsLocal reports whether a is one of the stack's addresses (neigh.Link):
// with arp_ignore at 0, Linux answers ARP for any local address on any
// interface.
func (i *Interface) IsLocal(a netip.Addr) bool {
	_, ok := i.s.fib.IsLocal(a)
	return ok
}

// SourceFor picks the sender address of an ARP request (neigh.Link), as
// arp_solicit does with arp_announce at 0: the triggering packet's source if
// it is local, else the interface's best address for the target.
func (i *Interface) SourceFor(target, pktSrc netip.Addr) (netip.Addr, bool) {
	if pktSrc.IsValid() && i.IsLocal(pktSrc) {
		return pktSrc, true
	}
	a := i.s.fib.SelectSource(i.index, target, route.ScopeLink)
	return a, a.IsValid()
}

// unreachable is told of each packet whose next hop did not resolve: the
// sender gets ICMP host unreachable, as Linux's arp_error_report does.
func (i *Interface) unreachable(p *pkt.Buffer) {
	i.s.ip.SendError(p, wire.ICMPDestUnreach, wire.ICMPHostUnreach, 0)
	p.Release()
}

// arpNotify reports whether net.ipv4.conf.{all,<if>}.arp_notify asks for
// gratuitous ARP on link up (IN_DEV_ARP_NOTIFY takes the larger of the two).
func (i *Interface) arpNotify() bool {
	for _, n := range [...]string{"net.ipv4.conf.all.arp_notify", "net.ipv4.conf." + i.name + ".arp_notify"} {
		if v := i.s.sys.Var(n); v != nil && v.Bool() {
			return true
		}
	}
	return false
}

// announce sends a gratuitous ARP for a on an Ethernet interface.
func (i *Interface) announce(a netip.Addr) {
	if i.neigh != nil && !a.IsLoopback() {
		i.neigh.Announce(a)
	}
}

func (i *Interface) close() {
	i.up.Store(false)
	if i.neigh != nil {
		i.neigh.Close()
	}
	_ = i.ep.Close()
}
