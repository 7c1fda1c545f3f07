package neigh

import (
	"time"

	"github.com/seed96fbdc48/inet/wire"
)

// Flags of updateLocked (NEIGH_UPDATE_F_*).
const (
	// flagOverride lets a new MAC replace a valid one.
	flagOverride = 1 << iota
	// flagAdmin is an administrative change (ip neigh): it may change
	// NOARP and PERMANENT entries, and STALE is applied even when the
	// MAC is unchanged.
	flagAdmin
)

// updateLocked is __neigh_update: it moves e to state ns with link-layer
// address mac (nil: keep the current one), under Linux's rules:
//
//   - NOARP and PERMANENT entries change only by administration;
//   - a new MAC replaces a valid one only with flagOverride;
//   - an unchanged MAC with ns STALE keeps the current state;
//   - entering REACHABLE (or PERMANENT, NOARP) confirms the entry, a new
//     MAC in another state backdates the confirmation by
//     2*base_reachable_time;
//   - leaving INCOMPLETE/PROBE for FAILED reports the queued packets, and
//     becoming valid sends them.
func (t *Table) updateLocked(e *entry, mac *wire.MAC, ns State, flags int, now int64, w *work) {
	if e.dead {
		return
	}
	old := e.state()
	if flags&flagAdmin == 0 && old&(NoARP|Permanent) != 0 {
		return
	}
	if flags&flagAdmin != 0 && (ns^old)&Permanent != 0 {
		// neigh_update_gc_list: permanent entries are exempt from gc.
		if ns&Permanent != 0 && e.onGC {
			t.gcList.remove(e)
		} else if ns&Permanent == 0 && !e.onGC {
			t.gcList.pushBack(e)
		}
	}
	if ns&nudValid == 0 {
		t.stopTimerLocked(e)
		e.setStateLocked(ns)
		if old&(Incomplete|Probe) != 0 && ns&Failed != 0 {
			t.invalidateLocked(e, now, w)
		}
		return
	}
	cur := e.mac()
	newMAC, changed := cur, false
	if mac != nil {
		// Linux compares the new address with the cached one only
		// when the entry is valid; otherwise it is always copied.
		newMAC = *mac
		changed = old&nudValid == 0 || newMAC != cur
	} else if old&nudValid == 0 {
		return
	}
	if ns&nudConnected != 0 {
		e.confirmed.Store(now)
	}
	if old&nudValid != 0 {
		if changed && flags&flagOverride == 0 {
			return
		}
		if !changed && ns == Stale && flags&flagAdmin == 0 {
			ns = old
		}
	}
	if ns != old || changed {
		e.updated = now
	}
	if ns != old {
		t.stopTimerLocked(e)
		if ns&Probe != 0 {
			e.probes = 0
		}
		if ns&nudInTimer != 0 {
			var d time.Duration
			if ns&Reachable != 0 {
				d = t.reachableLocked()
			}
			t.armLocked(e, now+int64(d), now)
		}
	}
	flush := old&nudValid == 0 && ns&nudValid != 0 && len(e.queue) > 0
	if flush {
		// Packets sent while the queue drains must not pass it: they
		// queue behind it (the fast path is closed until it is empty).
		e.flushing = true
		e.word.Store(packWord(ns, newMAC, false))
	} else {
		e.setLocked(ns, newMAC)
	}
	if changed && ns&nudConnected == 0 {
		e.confirmed.Store(now - int64(2*t.p.baseReachableTime()))
	}
	if ns == old {
		return
	}
	if flush {
		w.flush, w.flushed = e.queue, e
		e.queue, e.queueBytes = nil, 0
	}
}
