package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Epoch is where every Manual clock starts: a fixed instant, so that tests
// that print times are reproducible.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Manual is a clock that moves only when Advance is called. Timers whose
// deadline is reached run synchronously inside Advance, in deadline order
// (ties in the order they were armed), with Now equal to their deadline.
// The zero value is not usable; call NewManual.
type Manual struct {
	mu     sync.Mutex
	now    time.Time       // guarded by mu
	timers manualHeap      // guarded by mu
	seq    uint64          // guarded by mu; arming order, breaks deadline ties
	wake   []chan struct{} // guarded by mu; closed whenever the clock moves or a timer is armed
}

// NewManual returns a manual clock reading Epoch.
func NewManual() *Manual { return &Manual{now: Epoch} }

// Now returns the clock's current reading.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Since returns how long the clock has advanced since Epoch.
func (m *Manual) Since() time.Duration { return m.Now().Sub(Epoch) }

// AfterFunc arms a timer that runs f once the clock has advanced by d.
// A d of zero or less fires at the next Advance (even Advance(0)).
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer {
	t := &manualTimer{m: m, f: f, index: -1}
	m.mu.Lock()
	m.armLocked(t, d)
	m.mu.Unlock()
	return t
}

func (m *Manual) armLocked(t *manualTimer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t.when = m.now.Add(d)
	m.seq++
	t.seq = m.seq
	heap.Push(&m.timers, t)
	m.notifyLocked()
}

func (m *Manual) notifyLocked() {
	for _, c := range m.wake {
		close(c)
	}
	m.wake = m.wake[:0]
}

// Advance moves the clock forward by d, running every timer that falls due
// on the way, including timers armed by those timers.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	target := m.now.Add(d)
	m.mu.Unlock()
	m.AdvanceTo(target)
}

// AdvanceTo moves the clock to t (if t is in the future) running timers on
// the way.
func (m *Manual) AdvanceTo(target time.Time) {
	for m.fireNext(target, true) {
	}
	m.mu.Lock()
	if target.After(m.now) {
		m.now = target
	}
	m.notifyLocked()
	m.mu.Unlock()
}

// fireNext runs the earliest timer, moving the clock to its deadline, if
// there is one due by target (any, when bounded is false). It reports
// whether one ran.
func (m *Manual) fireNext(target time.Time, bounded bool) bool {
	m.mu.Lock()
	if len(m.timers) == 0 || (bounded && m.timers[0].when.After(target)) {
		m.mu.Unlock()
		return false
	}
	t := heap.Pop(&m.timers).(*manualTimer)
	if t.when.After(m.now) {
		m.now = t.when
	}
	f := t.f
	m.notifyLocked()
	m.mu.Unlock()
	f()
	return true
}

// Next reports the deadline of the earliest pending timer.
func (m *Manual) Next() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.timers) == 0 {
		return time.Time{}, false
	}
	return m.timers[0].when, true
}

// Pending reports how many timers are armed.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// RunUntilIdle fires pending timers one deadline at a time, advancing the
// clock to each, until none remain or limit timers have run. It returns the
// number run. The limit bounds tests against timers that re-arm forever.
func (m *Manual) RunUntilIdle(limit int) int {
	n := 0
	for n < limit && m.fireNext(time.Time{}, false) {
		n++
	}
	return n
}

// Changed returns a channel closed the next time the clock moves or a timer
// is armed. Waiters that poll a manual clock use it instead of sleeping.
func (m *Manual) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := make(chan struct{})
	m.wake = append(m.wake, c)
	return c
}

type manualTimer struct {
	m     *Manual
	f     func()
	when  time.Time // guarded by m.mu
	seq   uint64    // guarded by m.mu
	index int       // guarded by m.mu; position in the heap, -1 when not armed
}

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.m.timers, t.index)
	return true
}

func (t *manualTimer) Reset(d time.Duration) bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	active := t.index >= 0
	if active {
		heap.Remove(&t.m.timers, t.index)
	}
	t.m.armLocked(t, d)
	return active
}

type manualHeap []*manualTimer

func (h manualHeap) Len() int { return len(h) }
func (h manualHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h manualHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *manualHeap) Push(x any) {
	t := x.(*manualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *manualHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

var _ Clock = (*Manual)(nil)
