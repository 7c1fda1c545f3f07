package neigh

import "time"

// fire is neigh_timer_handler, run by an entry's timer.
func (t *Table) fire(e *entry) {
	var w work
	t.mu.Lock()
	now := t.now()
	// A stopped or re-armed timer may still run once; only the arming
	// that is due counts.
	if e.dead || !e.armed || now < e.due || t.closed.Load() {
		t.mu.Unlock()
		return
	}
	e.armed = false
	s := e.state()
	if s&nudInTimer == 0 {
		t.mu.Unlock()
		return
	}
	next := now + int64(time.Second)
	rt := int64(t.reachableLocked())
	delay := int64(t.p.delayProbeTime())
	confirmed := e.confirmed.Load()
	switch {
	case s&Reachable != 0:
		switch {
		case now <= confirmed+rt:
			next = confirmed + rt // still alive
		case now <= e.used.Load()+delay:
			e.setStateLocked(Delay)
			e.updated = now
			next = now + delay
		default:
			e.setStateLocked(Stale)
			e.updated = now
		}
	case s&Delay != 0:
		if now <= confirmed+delay {
			e.setStateLocked(Reachable)
			e.updated = now
			next = confirmed + rt
		} else {
			e.setStateLocked(Probe)
			e.updated = now
			e.probes = 0
			next = now + int64(t.retrans())
		}
	default: // INCOMPLETE, PROBE
		next = now + int64(t.retrans())
	}
	s = e.state()
	if s&(Incomplete|Probe) != 0 && e.probes >= t.maxProbes(s) {
		e.setStateLocked(Failed)
		t.invalidateLocked(e, now, &w)
		t.mu.Unlock()
		t.run(&w)
		return
	}
	if s&nudInTimer != 0 {
		next = max(next, now+int64(t.minTimer))
		t.armLocked(e, next, now)
	}
	if s&(Incomplete|Probe) != 0 {
		t.solicitLocked(e, &w)
	}
	t.mu.Unlock()
	t.run(&w)
}

// maxProbes is neigh_max_probes.
func (t *Table) maxProbes(s State) int {
	n := t.p.ucastSolicit.get() + t.p.appSolicit.get()
	if s&Probe != 0 {
		return n + t.p.mcastResolicit.get()
	}
	return n + t.p.mcastSolicit.get()
}

// periodic is neigh_periodic_work: every base_reachable_time/2 it draws
// reachable_time again (at most every 300 s) and, once the table holds
// gc_thresh1 entries, removes FAILED entries and entries unused for
// gc_stale_time, except PERMANENT ones and those with a timer running.
func (t *Table) periodic() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return
	}
	t.st.periodicGC.Add(1)
	now := t.now()
	if now > t.lastRand+int64(300*time.Second) {
		t.lastRand = now
		t.reachBase = t.p.baseReachableTime()
		t.reachable = t.randReachLocked(t.reachBase)
	}
	m := *t.tab.Load()
	if len(m) >= t.p.gcThresh1.get() {
		stale := int64(t.p.gcStale())
		var dead []*entry
		for _, e := range m {
			s := e.state()
			if s&(Permanent|nudInTimer) != 0 {
				continue
			}
			used, confirmed := e.used.Load(), e.confirmed.Load()
			if used < confirmed && confirmed <= now {
				used = confirmed
				e.used.Store(used)
			}
			if s == Failed || now < used || now >= used+stale {
				dead = append(dead, e)
			}
		}
		t.removeLocked(dead...)
	}
	t.gcTimer.Reset(max(t.p.defBaseReachableTime()/t.tick>>1*t.tick, t.minTimer))
}

// forcedGCLocked is neigh_forced_gc, run when an entry is created in a
// large table: in creation order, it removes entries without a running
// timer that are FAILED, NOARP or multicast, or were not updated in the
// last 5 s, until the table is back to gc_thresh2. It returns how many went.
func (t *Table) forcedGCLocked(now int64) int {
	t.st.forcedGC.Add(1)
	maxClean := t.gcList.n + 1 - t.p.gcThresh2.get()
	tref := now - int64(5*time.Second)
	var dead []*entry
	for e := t.gcList.head; e != nil; e = e.next {
		s := e.state()
		if s&nudInTimer != 0 {
			continue // the pending timer holds a reference
		}
		if s == Failed || s == NoARP || e.key>>28 == 0xe || e.updated < tref || e.updated > now {
			dead = append(dead, e)
		}
		if len(dead) >= maxClean {
			break
		}
	}
	t.removeLocked(dead...)
	t.lastFlush = now
	return len(dead)
}

// retrans is max(RETRANS_TIME, HZ/100), as the timer handler uses it.
func (t *Table) retrans() time.Duration { return max(t.p.retrans(), t.minTimer) }
