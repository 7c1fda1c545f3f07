package neigh

import (
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// Output sends an IPv4 packet (p starts at the IP header, with headroom for
// the 14-byte Ethernet header) to nexthop. Broadcast goes to
// ff:ff:ff:ff:ff:ff and Multicast to the RFC 1112 group MAC, through a
// NOARP entry; so do 255.255.255.255 and multicast next hops passed as
// Unicast. A unicast next hop is resolved: the packet leaves at once when
// the MAC is known (in STALE it starts DELAY), else it waits in the
// resolution queue. Output takes ownership of p.
//
// To a neighbour in REACHABLE, DELAY, PROBE, PERMANENT or NOARP, Output
// takes no lock and allocates nothing (Linux's neigh_hh_output, and
// neigh_resolve_output after the header cache is set up).
//
// The error is ENOBUFS when the table is full and no entry can be made for
// nexthop (ip_finish_output2 returns neigh_create's error; UDP reports it
// only with IP_RECVERR), EINVAL for a next hop that is not IPv4; the packet
// is dropped. After Close packets are dropped silently.
func (t *Table) Output(p *pkt.Buffer, nexthop netip.Addr, cast Cast) error {
	key, ok := key4(nexthop)
	if !ok {
		p.Release()
		return unix.EINVAL
	}
	if t.closed.Load() {
		p.Release()
		return nil
	}
	if cast == Unicast {
		if key>>28 == 0xe {
			cast = Multicast
		} else if key == 0xffffffff {
			cast = Broadcast
		}
	}
	if cast != Unicast {
		return t.outputNoARP(p, key, cast)
	}
	if e := t.get(key); e != nil {
		w := e.word.Load()
		if w&wordHH != 0 {
			s := wordState(w)
			if s&nudConnected != 0 {
				// neigh_hh_output: neigh->used is not touched.
				t.xmit(p, wordMAC(w))
				return nil
			}
			if s&(Delay|Probe) != 0 {
				// neigh_resolve_output -> neigh_event_send.
				e.used.Store(t.now())
				t.xmit(p, wordMAC(w))
				return nil
			}
		}
	}
	return t.outputSlow(p, key, nexthop)
}

// outputNoARP sends to a broadcast or multicast next hop, creating the
// NOARP entry arp_constructor would (RTN_BROADCAST or RTN_MULTICAST).
func (t *Table) outputNoARP(p *pkt.Buffer, key uint32, cast Cast) error {
	mac := wire.BroadcastMAC
	if cast == Multicast {
		mac = wire.MulticastMAC([4]byte{byte(key >> 24), byte(key >> 16), byte(key >> 8), byte(key)})
	}
	if t.get(key) == nil {
		t.mu.Lock()
		ok := !t.closed.Load()
		if ok && t.get(key) == nil {
			e := t.createLocked(key, addrOf(key), false, t.now())
			if e != nil {
				e.setLocked(NoARP, mac)
				e.word.Store(e.word.Load() | wordHH)
			}
			ok = e != nil
		}
		t.mu.Unlock()
		if !ok {
			// ip_finish_output2: no neighbour could be created.
			p.Release()
			return unix.ENOBUFS
		}
	}
	t.xmit(p, mac)
	return nil
}

// outputSlow is neigh_resolve_output: __neigh_event_send under the lock,
// then transmission or queueing.
func (t *Table) outputSlow(p *pkt.Buffer, key uint32, a netip.Addr) error {
	var w work
	t.mu.Lock()
	if t.closed.Load() {
		t.mu.Unlock()
		p.Release()
		return nil
	}
	now := t.now()
	e := t.get(key)
	if e == nil {
		if e = t.createLocked(key, a, false, now); e == nil {
			t.mu.Unlock()
			p.Release()
			return unix.ENOBUFS
		}
	}
	e.used.Store(now)
	send := t.eventSendLocked(e, p, now, &w)
	var mac wire.MAC
	if send {
		// neigh_hh_init: later packets take the fast path.
		e.word.Store(e.word.Load() | wordHH)
		mac = e.mac()
	}
	t.mu.Unlock()
	if send {
		t.xmit(p, mac)
	}
	t.run(&w)
	return nil
}

// eventSendLocked is __neigh_event_send: it starts resolution in NONE or
// FAILED, DELAY in STALE, and queues p in INCOMPLETE. It reports whether p
// is to be sent now; otherwise p has been queued or released.
func (t *Table) eventSendLocked(e *entry, p *pkt.Buffer, now int64, w *work) bool {
	s := e.state()
	switch {
	case e.flushing:
		// The resolution queue is still draining: keep the order.
	case s&(nudConnected|Delay|Probe) != 0:
		return true
	case s&(Stale|Incomplete) == 0:
		if t.p.mcastSolicit.get()+t.p.appSolicit.get() == 0 {
			e.setStateLocked(Failed)
			e.updated = now
			p.Release()
			return false
		}
		e.probes = t.p.ucastSolicit.get()
		t.stopTimerLocked(e)
		e.setStateLocked(Incomplete)
		e.updated = now
		t.armLocked(e, now+int64(t.retrans()), now)
		t.enqueueLocked(e, p)
		// The first request goes out at once (immediate_probe), sent
		// for the packet just queued.
		t.solicitLocked(e, w)
		return false
	case s&Stale != 0:
		t.delayLocked(e, now)
		return true
	}
	t.enqueueLocked(e, p)
	return false
}

// delayLocked moves e from STALE to DELAY: a packet is being sent to it.
func (t *Table) delayLocked(e *entry, now int64) {
	t.stopTimerLocked(e)
	e.setStateLocked(Delay)
	e.updated = now
	t.armLocked(e, now+int64(t.p.delayProbeTime()), now)
}

// enqueueLocked appends p to the resolution queue, first dropping the
// oldest packets while the queue's truesize would exceed unres_qlen_bytes
// (a packet is always queued, even alone over the limit).
func (t *Table) enqueueLocked(e *entry, p *pkt.Buffer) {
	ts := truesize(p.Len())
	limit := t.p.unresQlenBytes.get()
	for e.queueBytes+ts > limit && len(e.queue) > 0 {
		old := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.queueBytes -= truesize(old.Len())
		old.Release()
		t.st.unresDiscards.Add(1)
	}
	e.queue = append(e.queue, p)
	e.queueBytes += ts
}

// xmit prepends the Ethernet header and hands the frame to the link.
func (t *Table) xmit(p *pkt.Buffer, dst wire.MAC) {
	src := t.link.HardwareAddr()
	h := p.Prepend(wire.EthernetHeaderLen)
	copy(h[0:6], dst[:])
	copy(h[6:12], src[:])
	h[12], h[13] = byte(wire.EtherTypeIPv4>>8), byte(wire.EtherTypeIPv4&0xff)
	t.link.WriteFrame(p)
}

func addrOf(key uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(key >> 24), byte(key >> 16), byte(key >> 8), byte(key)})
}

// ipSource returns the source address of the IPv4 packet p, if it looks
// like one.
func ipSource(p *pkt.Buffer) netip.Addr {
	b := p.Bytes()
	if len(b) < 20 || b[0]>>4 != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(b[12:16]))
}
