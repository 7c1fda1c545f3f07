package neigh

import (
	"net/netip"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/wire"
)

// Confirm records upper-layer proof that a is reachable (a TCP ACK of new
// data: dst_confirm -> neigh_confirm). Like Linux it only stamps the
// confirmation time: a REACHABLE entry then stays REACHABLE when its timer
// runs, and a DELAY entry returns to REACHABLE instead of probing. It takes
// no lock and allocates nothing.
func (t *Table) Confirm(a netip.Addr) {
	key, ok := key4(a)
	if !ok {
		return
	}
	if e := t.get(key); e != nil {
		e.confirmed.Store(t.now())
	}
}

// Lookup returns the entry for a (`ip neigh get`), counted in Stats as
// neigh_lookup counts.
func (t *Table) Lookup(a netip.Addr) (Entry, bool) {
	key, ok := key4(a)
	if !ok {
		return Entry{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.lookupLocked(key)
	if e == nil {
		return Entry{}, false
	}
	return t.snapshotLocked(e), true
}

// Entries returns every entry, sorted by address, like
// `ip -s neigh show nud all` (plain `ip neigh show` hides NOARP ones).
func (t *Table) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := *t.tab.Load()
	out := make([]Entry, 0, len(m))
	for _, e := range m {
		out = append(out, t.snapshotLocked(e))
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Addr.Compare(b.Addr) })
	return out
}

func (t *Table) snapshotLocked(e *entry) Entry {
	w := e.word.Load()
	s := wordState(w)
	en := Entry{
		Addr:      e.addr,
		State:     s,
		Probes:    e.probes,
		Used:      t.timeAt(e.used.Load()),
		Confirmed: t.timeAt(e.confirmed.Load()),
		Updated:   t.timeAt(e.updated),
	}
	if s.Valid() {
		en.MAC = wordMAC(w)
	}
	return en
}

// Set adds or replaces the entry for a, as `ip neigh replace a lladdr mac
// nud permanent` (permanent) or `nud reachable` does: an administrative,
// overriding update. Permanent entries are exempt from garbage collection.
// Packets waiting for a are sent. The error is EINVAL for an address that
// is not IPv4 and ENOBUFS when the table is full. After Close it does
// nothing.
func (t *Table) Set(a netip.Addr, mac wire.MAC, permanent bool) error {
	key, ok := key4(a)
	if !ok {
		return unix.EINVAL
	}
	state := Reachable
	if permanent {
		state = Permanent
	}
	var w work
	t.mu.Lock()
	if t.closed.Load() {
		t.mu.Unlock()
		return nil
	}
	now := t.now()
	e := t.lookupLocked(key)
	if e == nil {
		if e = t.createLocked(key, addrOf(key), permanent, now); e == nil {
			t.mu.Unlock()
			return unix.ENOBUFS
		}
	}
	t.updateLocked(e, &mac, state, flagOverride|flagAdmin, now, &w)
	t.mu.Unlock()
	t.run(&w)
	return nil
}

// Delete removes the entry for a (`ip neigh del`), reporting whether there
// was one. Packets waiting for its resolution go to Config.Unreachable, as
// neigh_delete's update to FAILED reports them.
func (t *Table) Delete(a netip.Addr) bool {
	key, ok := key4(a)
	if !ok {
		return false
	}
	var w work
	t.mu.Lock()
	e := t.lookupLocked(key)
	if e == nil || t.closed.Load() {
		t.mu.Unlock()
		return false
	}
	t.deleteLocked(e, &w)
	t.mu.Unlock()
	t.run(&w)
	return true
}

func (t *Table) deleteLocked(e *entry, w *work) {
	t.updateLocked(e, nil, Failed, flagOverride|flagAdmin, t.now(), w)
	t.removeLocked(e)
}

// Flush deletes every entry except PERMANENT and NOARP ones, as
// `ip neigh flush dev IFNAME` does.
func (t *Table) Flush() {
	var w work
	t.mu.Lock()
	if t.closed.Load() {
		t.mu.Unlock()
		return
	}
	for _, e := range *t.tab.Load() {
		if e.state()&^(Permanent|NoARP) != 0 {
			t.deleteLocked(e, &w)
		}
	}
	t.mu.Unlock()
	t.run(&w)
}

// Down removes every entry, PERMANENT ones included, and drops queued
// packets without error reports, as Linux's neigh_ifdown does when the
// interface goes down (and neigh_changeaddr when its MAC changes). The
// table stays usable.
func (t *Table) Down() {
	t.mu.Lock()
	defer t.mu.Unlock()
	var all []*entry
	for _, e := range *t.tab.Load() {
		all = append(all, e)
	}
	t.removeLocked(all...)
}
