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
	solicit solicit
	flush   []*pkt.Buffer // queued packets whose neighbour became valid
	flushed *entry
	failed  []*pkt.Buffer // queued packets whose resolution failed
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
	if w.flushed != nil {
		t.drain(w.flushed, w.flush)
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

// drain sends the resolution queue q of entry e, which has just become
// valid, then whatever was queued behind it meanwhile, in order; Linux's
// __neigh_update sends arp_queue the same way, dropping the lock around
// each output. Should e stop being valid or be removed meanwhile, what is
// left is output afresh, in order (it resolves again).
func (t *Table) drain(e *entry, q []*pkt.Buffer) {
	for {
		t.mu.Lock()
		q = append(q, e.queue...)
		e.queue, e.queueBytes = nil, 0
		if e.dead || e.state()&nudValid == 0 || t.closed.Load() {
			e.flushing = false
			t.mu.Unlock()
			for i, p := range q {
				q[i] = nil
				t.Output(p, e.addr, Unicast) // released after Close
			}
			return
		}
		if len(q) == 0 {
			e.flushing = false
			e.word.Store(e.word.Load() | wordHH)
			t.mu.Unlock()
			return
		}
		if e.state()&Stale != 0 {
			t.delayLocked(e, t.now())
		}
		mac := e.mac()
		t.mu.Unlock()
		for i, p := range q {
			q[i] = nil
			t.xmit(p, mac)
		}
		q = q[:0]
	}
}
