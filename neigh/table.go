package neigh

import (
	"maps"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/sysctl"
	"github.com/seed96fbdc48/inet/wire"
)

// Link is what a Table needs from its interface. The table never calls it
// with its own lock held, so implementations may call back into the table.
type Link interface {
	// HardwareAddr returns the interface's MAC address.
	HardwareAddr() wire.MAC
	// WriteFrame sends one complete Ethernet frame; it takes ownership
	// of p.
	WriteFrame(p *pkt.Buffer)
	// IsLocal reports whether a is one of the stack's own addresses that
	// this interface answers ARP requests for (arp_ignore=0: any local
	// address of the host, on any interface).
	IsLocal(a netip.Addr) bool
	// SourceFor picks the sender protocol address of an ARP request for
	// target (arp_solicit with arp_announce=0): pktSrc, the source of the
	// newest packet waiting for the resolution (invalid if none), when it
	// is local; else the interface's primary address in target's subnet,
	// else its primary address (inet_select_addr). ok false sends the
	// request from 0.0.0.0, as Linux does on an interface without
	// addresses.
	SourceFor(target, pktSrc netip.Addr) (netip.Addr, bool)
}

// Config configures a Table.
type Config struct {
	Clock clock.Clock
	Link  Link
	// Settings holds net.ipv4.neigh.<IfName>.* (create them with
	// Settings.AddInterface(IfName) before New) and .default.*; nil uses
	// Linux's defaults.
	Settings *sysctl.Table
	IfName   string
	// Unreachable receives every packet that was queued for a resolution
	// that failed (arp_error_report -> dst_link_failure: the stack sends
	// the local sender an ICMP host unreachable). It takes ownership of p.
	// Nil releases them.
	Unreachable func(p *pkt.Buffer)
	// Rand draws reachable_time (neigh_rand_reach_time). Seed it for
	// reproducible runs; it is called with the table's lock held, so it
	// must not call back into the table. Nil seeds one at random.
	Rand rand.Source
}

// Table is the neighbour table of one Ethernet interface.
type Table struct {
	clk         clock.Clock
	link        Link
	unreachable func(p *pkt.Buffer)
	p           params
	base        time.Time     // clock reading at New; entry times are offsets from it
	tick        time.Duration // one jiffy (1/HZ)
	minTimer    time.Duration // HZ/100 jiffies: the shortest re-arm of an entry timer

	// tab maps IPv4 addresses to entries. It is copied on write with mu
	// held and read without a lock (the output fast path).
	tab    atomic.Pointer[map[uint32]*entry]
	closed atomic.Bool

	mu        sync.Mutex
	rnd       *rand.Rand    // guarded by mu
	reachable time.Duration // guarded by mu; neigh_parms.reachable_time
	reachBase time.Duration // guarded by mu; base_reachable_time reachable was drawn for
	lastRand  int64         // guarded by mu; when reachable was last drawn
	lastFlush int64         // guarded by mu; last complete forced gc
	gcList    entryList     // guarded by mu; entries subject to gc, oldest first
	gcTimer   clock.Timer   // guarded by mu; periodic work

	st counters
}

// entry is one neighbour (struct neighbour).
type entry struct {
	key  uint32
	addr netip.Addr

	// word holds the state, the MAC and the hh flag, so that the output
	// fast path reads a consistent snapshot with one atomic load. Written
	// with Table.mu held.
	word atomic.Uint64
	// used and confirmed are written without a lock (output fast path,
	// Confirm), as Linux writes neigh->used and neigh->confirmed.
	used      atomic.Int64
	confirmed atomic.Int64

	updated    int64         // guarded by Table.mu
	probes     int           // guarded by Table.mu
	queue      []*pkt.Buffer // guarded by Table.mu; arp_queue
	queueBytes int           // guarded by Table.mu; arp_queue_len_bytes, in truesize
	flushing   bool          // guarded by Table.mu; the queue is being sent: later packets queue behind it
	timer      clock.Timer   // guarded by Table.mu; created on first use
	due        int64         // guarded by Table.mu; when the armed timer is due
	armed      bool          // guarded by Table.mu
	dead       bool          // guarded by Table.mu
	onGC       bool          // guarded by Table.mu; on Table.gcList
	prev, next *entry        // guarded by Table.mu; Table.gcList links
}

// The layout of entry.word.
const (
	wordStateShift = 48
	wordHH         = 1 << 56 // the header cache is initialised (neigh->hh.hh_len != 0)
)

func packWord(s State, mac wire.MAC, hh bool) uint64 {
	w := uint64(mac[0])<<40 | uint64(mac[1])<<32 | uint64(mac[2])<<24 |
		uint64(mac[3])<<16 | uint64(mac[4])<<8 | uint64(mac[5]) |
		uint64(s)<<wordStateShift
	if hh {
		w |= wordHH
	}
	return w
}

func wordState(w uint64) State { return State(w >> wordStateShift) }

func wordMAC(w uint64) wire.MAC {
	return wire.MAC{byte(w >> 40), byte(w >> 32), byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w)}
}

func (e *entry) state() State  { return wordState(e.word.Load()) }
func (e *entry) mac() wire.MAC { return wordMAC(e.word.Load()) }

// setLocked changes the state and MAC, keeping the hh flag.
func (e *entry) setLocked(s State, mac wire.MAC) {
	e.word.Store(packWord(s, mac, e.word.Load()&wordHH != 0))
}

func (e *entry) setStateLocked(s State) { e.setLocked(s, e.mac()) }

// counters are the Stats, updated atomically.
type counters struct {
	allocs, destroys, lookups, hits, resFailed, periodicGC, forcedGC,
	unresDiscards, tableFulls, malformed atomic.Uint64
}

// New returns the neighbour table of one interface and starts its periodic
// work on cfg.Clock. Clock and Link are required.
func New(cfg Config) *Table {
	if cfg.Clock == nil || cfg.Link == nil {
		panic("neigh: Config.Clock and Config.Link are required")
	}
	src := cfg.Rand
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	t := &Table{
		clk:         cfg.Clock,
		link:        cfg.Link,
		unreachable: cfg.Unreachable,
		p:           lookupParams(cfg.Settings, cfg.IfName),
		base:        cfg.Clock.Now(),
		rnd:         rand.New(src),
	}
	hz := 250 // CONFIG_HZ, as sysctl assumes by default
	if cfg.Settings != nil {
		hz = cfg.Settings.HZ()
	}
	t.tick = time.Second / time.Duration(hz)
	t.minTimer = time.Duration(hz/100) * t.tick
	m := map[uint32]*entry{}
	t.tab.Store(&m)
	t.mu.Lock()
	defer t.mu.Unlock()
	// neigh_table_init: the first periodic run comes reachable_time
	// after the table is set up, and reachable_time is first drawn again
	// 20 reachable_times later.
	first := t.reachableLocked()
	t.lastRand = int64(20 * first)
	t.gcTimer = t.clk.AfterFunc(first, t.periodic)
	return t
}

// now returns the clock as an offset from t.base.
func (t *Table) now() int64 { return int64(t.clk.Now().Sub(t.base)) }

func (t *Table) timeAt(off int64) time.Time { return t.base.Add(time.Duration(off)) }

// reachableLocked returns neigh_parms.reachable_time, drawing it again when
// base_reachable_time has changed (as the sysctl handler does).
func (t *Table) reachableLocked() time.Duration {
	base := t.p.baseReachableTime()
	if base != t.reachBase {
		t.reachBase = base
		t.reachable = t.randReachLocked(base)
	}
	return t.reachable
}

// randReach is neigh_rand_reach_time: uniform in [base/2, 3*base/2), in
// whole jiffies.
func (t *Table) randReachLocked(base time.Duration) time.Duration {
	j := int64(base / t.tick)
	if j <= 0 {
		return 0
	}
	return time.Duration(t.rnd.Int64N(j)+j/2) * t.tick
}

func key4(a netip.Addr) (uint32, bool) {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if !a.Is4() {
		return 0, false
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), true
}

func (t *Table) get(key uint32) *entry { return (*t.tab.Load())[key] }

// createLocked makes a new entry (neigh_alloc + arp_constructor) for
// Output or ARP input, running forced gc when the table is large, and
// returns nil when the table is full. exempt entries (permanent ones from
// Set) are not counted against the gc thresholds.
func (t *Table) createLocked(key uint32, a netip.Addr, exempt bool, now int64) *entry {
	if !exempt {
		n := t.gcList.n
		th3 := t.p.gcThresh3.get()
		if n >= th3 || n >= t.p.gcThresh2.get() && now > t.lastFlush+int64(5*time.Second) {
			if t.forcedGCLocked(now) == 0 && n >= th3 {
				t.st.tableFulls.Add(1)
				return nil
			}
		}
	}
	e := &entry{key: key, addr: a}
	e.used.Store(now)
	e.updated = now
	// ___neigh_create: a new entry was last confirmed long ago.
	e.confirmed.Store(now - int64(2*t.p.baseReachableTime()))
	t.st.allocs.Add(1)
	old := *t.tab.Load()
	m := make(map[uint32]*entry, len(old)+1)
	maps.Copy(m, old)
	m[key] = e
	t.tab.Store(&m)
	if !exempt {
		t.gcList.pushBack(e)
	}
	return e
}

// removeLocked deletes entries from the table (neigh_mark_dead and
// release). Their queues must already be empty or handed to w.
func (t *Table) removeLocked(es ...*entry) {
	if len(es) == 0 {
		return
	}
	old := *t.tab.Load()
	m := make(map[uint32]*entry, len(old))
	maps.Copy(m, old)
	for _, e := range es {
		e.dead = true
		t.stopTimerLocked(e)
		if e.onGC {
			t.gcList.remove(e)
		}
		if !e.flushing { // else drain owns the queue, and outputs it again
			for _, p := range e.queue {
				p.Release()
			}
			e.queue, e.queueBytes = nil, 0
		}
		delete(m, e.key)
		t.st.destroys.Add(1)
	}
	t.tab.Store(&m)
}

// armLocked is neigh_add_timer / mod_timer: the entry's timer fires at due.
func (t *Table) armLocked(e *entry, due, now int64) {
	e.due = due
	e.armed = true
	d := time.Duration(due - now)
	if e.timer == nil {
		e.timer = t.clk.AfterFunc(d, func() { t.fire(e) })
		return
	}
	e.timer.Reset(d)
}

// stopTimerLocked is neigh_del_timer.
func (t *Table) stopTimerLocked(e *entry) {
	if e.armed {
		e.armed = false
		e.timer.Stop()
	}
}

// Stats returns the counters.
func (t *Table) Stats() Stats {
	return Stats{
		Entries:            uint64(len(*t.tab.Load())),
		Allocs:             t.st.allocs.Load(),
		Destroys:           t.st.destroys.Load(),
		Lookups:            t.st.lookups.Load(),
		Hits:               t.st.hits.Load(),
		ResFailed:          t.st.resFailed.Load(),
		PeriodicGCRuns:     t.st.periodicGC.Load(),
		ForcedGCRuns:       t.st.forcedGC.Load(),
		UnresolvedDiscards: t.st.unresDiscards.Load(),
		TableFulls:         t.st.tableFulls.Load(),
		Malformed:          t.st.malformed.Load(),
	}
}

// Close stops the table's timers and releases every queued packet (as an
// interface going down purges arp_queue, without error reports). Output and
// HandleARP release their packets afterwards.
func (t *Table) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Swap(true) {
		return
	}
	t.gcTimer.Stop()
	var all []*entry
	for _, e := range *t.tab.Load() {
		all = append(all, e)
	}
	t.removeLocked(all...)
}

// entryList is the gc_list: entries in creation order.
type entryList struct {
	head, tail *entry
	n          int
}

func (l *entryList) pushBack(e *entry) {
	e.prev, e.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = e
	} else {
		l.head = e
	}
	l.tail = e
	e.onGC = true
	l.n++
}

func (l *entryList) remove(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
	e.onGC = false
	l.n--
}
