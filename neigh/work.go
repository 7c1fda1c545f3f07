package neigh

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// work is what a locked section leaves to be done once the lock is
// released: calls into the Link and Config.Unreachable, which may re-enter
// the table (Linux likewise drops neigh->lock around solicit, output and
// error_report).
type work struct {
	solicit   solicit
	flush     []*pkt.Buffer // queued packets whose neighbour became valid
	flushAddr netip.Addr
	failed    []*pkt.Buffer // queued packets whose resolution failed
}

// solicit is one ARP request to send (arp_solicit).
type solicit struct {
	ok      bool
	target  netip.Addr
	unicast bool     // a PROBE-state probe to the known MAC
	dst     wire.MAC // the known MAC, when unicast
	pktSrc  netip.Addr
}

// solicitLocked decides the next solicitation of e from its probe count,
// as arp_solicit does, and counts it (neigh_probe's atomic_inc): the first
// ucast_solicit probes are unicast to the cached MAC, the next app_solicit
// go to user space (not supported: nothing is sent), the rest broadcast.
func (t *Table) solicitLocked(e *entry, w *work) {
	n := e.probes - t.p.ucastSolicit.get()
	e.probes++
	s := solicit{ok: true, target: e.addr}
	if q := len(e.queue); q > 0 {
		s.pktSrc = ipSource(e.queue[q-1]) // skb_peek_tail
	}
	if n < 0 {
		s.unicast = true
		s.dst = e.mac()
	} else if n-t.p.appSolicit.get() < 0 {
		return // neigh_app_ns
	}
	w.solicit = s
}

// invalidateLocked is neigh_invalidate: the resolution failed, and every
// queued packet goes to the error report.
func (t *Table) invalidateLocked(e *entry, now int64, w *work) {
	t.st.resFailed.Add(1)
	e.updated = now
	if len(e.queue) > 0 {
		if w.failed == nil {
			w.failed = e.queue
		} else {
			w.failed = append(w.failed, e.queue...)
		}
	}
	e.queue, e.queueBytes = nil, 0
}

// run does the work, without the lock.
func (t *Table) run(w *work) {
	if w.solicit.ok {
		s := &w.solicit
		src, ok := t.link.SourceFor(s.target, s.pktSrc)
		if !ok || !src.Is4() {
			src = netip.IPv4Unspecified()
		}
		dst := wire.BroadcastMAC
		if s.unicast {
			dst = s.dst
		}
		t.sendARP(dst, wire.ARPRequest, src, wire.MAC{}, s.target)
	}
	for i, p := range w.flush {
		w.flush[i] = nil
		t.Output(p, w.flushAddr, Unicast)
	}
	for i, p := range w.failed {
		w.failed[i] = nil
		if t.unreachable != nil {
			t.unreachable(p)
		} else {
			p.Release()
		}
	}
}
