package neigh

import (
	"encoding/binary"
	"net/netip"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// arpHardwareIEEE802 is ARPHRD_IEEE802, which Linux accepts on Ethernet
// alongside ARPHRD_ETHER (arp_process).
const arpHardwareIEEE802 = 6

// HandleARP processes one received ARP frame (p is the whole Ethernet
// frame), as arp_rcv and arp_process do with arp_ignore=0, arp_accept=0
// and no proxy ARP. It takes ownership of p and keeps nothing of it.
func (t *Table) HandleARP(p *pkt.Buffer) {
	t.handleARP(p.Bytes())
	p.Release()
}

func (t *Table) handleARP(b []byte) {
	if t.closed.Load() {
		return
	}
	// arp_rcv: the header with two Ethernet and two IPv4 addresses.
	if len(b) < wire.EthernetHeaderLen+wire.ARPLen ||
		binary.BigEndian.Uint16(b[12:]) != wire.EtherTypeARP {
		t.st.malformed.Add(1)
		return
	}
	a := wire.ARP(b[wire.EthernetHeaderLen:])
	hrd, pro := binary.BigEndian.Uint16(a[0:]), binary.BigEndian.Uint16(a[2:])
	if a[4] != 6 || a[5] != 4 ||
		hrd != wire.ARPHardwareEthernet && hrd != arpHardwareIEEE802 || pro != wire.EtherTypeIPv4 {
		t.st.malformed.Add(1)
		return
	}
	op := a.Op()
	if op != wire.ARPRequest && op != wire.ARPReply {
		t.st.malformed.Add(1) // "Understand only these message types"
		return
	}
	// The link layer's packet type: frames for other hosts are ignored.
	our := t.link.HardwareAddr()
	dst := wire.MAC(b[0:6])
	host := dst == our
	if !host && !dst.IsMulticast() {
		return // PACKET_OTHERHOST
	}
	sha, sip, tha, tip := a.SenderMAC(), a.SenderIP(), a.TargetMAC(), a.TargetIP()
	// Requests for multicast or loopback addresses are bogus.
	if tip.IsMulticast() || tip.IsLoopback() {
		return
	}
	// drop_gratuitous_arp: ARP with the sender's and target's protocol
	// addresses equal is dropped.
	if sip == tip && (t.p.dropGratuitous.get() != 0 || t.p.dropGratuitousAll.get() != 0) {
		return
	}
	// Duplicate address detection (RFC 2131, RFC 5227): a probe for one
	// of our addresses is answered to the prober, for 0.0.0.0, and
	// nothing is learnt.
	if sip.IsUnspecified() {
		if op == wire.ARPRequest && t.link.IsLocal(tip) {
			t.sendARP(sha, wire.ARPReply, tip, sha, sip)
		}
		return
	}
	key, _ := key4(sip)
	if op == wire.ARPRequest && martianOK(sip) && t.link.IsLocal(tip) && !t.link.IsLocal(sip) {
		// A request for us: neigh_event_ns creates or refreshes the
		// requester's entry (STALE, overriding), then we reply, unless
		// the entry could not be created.
		var w work
		t.mu.Lock()
		if t.closed.Load() {
			t.mu.Unlock()
			return
		}
		now := t.now()
		e := t.lookupLocked(key)
		if e == nil {
			e = t.createLocked(key, sip, false, now)
		}
		if e != nil {
			t.updateLocked(e, &sha, Stale, flagOverride, now, &w)
		}
		t.mu.Unlock()
		t.run(&w) // the queue is flushed inside neigh_update, before the reply
		if e != nil {
			t.sendARP(sha, wire.ARPReply, tip, sha, sip)
		}
		return
	}
	// Anything else only updates an existing entry for the sender
	// (arp_accept=0: unsolicited ARP creates nothing). A gratuitous ARP
	// (arp_is_garp) overrides the locktime rule.
	isGarp := sip == tip && (op == wire.ARPRequest || tha == sha) &&
		unicastAddr(sip) && !t.link.IsLocal(sip)
	var w work
	t.mu.Lock()
	if t.closed.Load() {
		t.mu.Unlock()
		return
	}
	if e := t.lookupLocked(key); e != nil {
		now := t.now()
		// Of several replies back to back take the first
		// (locktime), unless gratuitous.
		flags := 0
		if now > e.updated+int64(t.p.locktime()) || isGarp {
			flags = flagOverride
		}
		// Broadcast replies and requests do not prove reachability.
		state := Reachable
		if op != wire.ARPReply || !host {
			state = Stale
		}
		t.updateLocked(e, &sha, state, flags, now, &w)
	}
	t.mu.Unlock()
	t.run(&w)
}

// martianOK reports whether sip may source a packet routed to us
// (ip_route_input's martian source checks; 0.0.0.0/8 other than 0.0.0.0 is
// accepted by Linux 6.x).
func martianOK(sip netip.Addr) bool {
	return !sip.IsMulticast() && !sip.IsLoopback() && sip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// unicastAddr approximates inet_addr_type(sip) == RTN_UNICAST for a
// non-local address: not 0.0.0.0/8, limited broadcast or multicast.
// (Subnet-directed broadcasts are not known to the table.)
func unicastAddr(a netip.Addr) bool {
	b := a.As4()
	return b[0] != 0 && !a.IsMulticast() && b != [4]byte{255, 255, 255, 255}
}

// lookupLocked is neigh_lookup: a counted lookup.
func (t *Table) lookupLocked(key uint32) *entry {
	t.st.lookups.Add(1)
	e := t.get(key)
	if e != nil {
		t.st.hits.Add(1)
	}
	return e
}

// Announce broadcasts the gratuitous ARP Linux sends for each address of
// an interface on NETDEV_NOTIFY_PEERS, and on link up or a MAC change when
// arp_notify=1 (inetdev_send_gratuitous_arp): a request from our MAC for a,
// with sender and target protocol address a and target MAC zero. Linux 6.18
// sends nothing when an address is added, nor on link up with arp_notify=0
// (checked in a namespace).
func (t *Table) Announce(a netip.Addr) {
	if !a.Is4() || t.closed.Load() {
		return
	}
	t.sendARP(wire.BroadcastMAC, wire.ARPRequest, a, wire.MAC{}, a)
}

// sendARP builds and sends an ARP frame from our MAC (arp_create +
// arp_xmit), padded with zeros to the 60-byte Ethernet minimum as a NIC
// pads it (Linux leaves the 42-byte frame to the driver: veth sends it
// unpadded).
func (t *Table) sendARP(ethDst wire.MAC, op uint16, spa netip.Addr, tha wire.MAC, tpa netip.Addr) {
	our := t.link.HardwareAddr()
	p := pkt.Get(pkt.DefaultHeadroom, wire.EthernetMinFrame)
	b := p.Bytes()
	eh := wire.EthernetHeader{Dst: ethDst, Src: our, EtherType: wire.EtherTypeARP}
	eh.Emit(b)
	ah := wire.ARPHeader{Op: op, SenderMAC: our, SenderIP: spa, TargetMAC: tha, TargetIP: tpa}
	ah.Emit(b[wire.EthernetHeaderLen:])
	clear(b[wire.EthernetHeaderLen+wire.ARPLen:])
	t.link.WriteFrame(p)
}
