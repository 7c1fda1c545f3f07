package socket

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"golang.org/x/sys/unix"
)

// ErrDeadline is returned by a blocking call whose Go deadline (SetDeadline,
// SetReadDeadline, SetWriteDeadline) passed. SO_RCVTIMEO and SO_SNDTIMEO
// expiring return unix.EAGAIN, as Linux does.
var ErrDeadline = errors.New("socket: deadline exceeded")

// Waiter is one party waiting for events on a WaitQueue: a blocked call
// (with a channel) or a Poller registration (with a function).
type Waiter struct {
	mask Events
	ch   chan struct{} // capacity 1; nil for function waiters
	fn   func(Events)
	next *Waiter // guarded by the queue's mu

	// The timer of a blocked call with a timeout, kept with the pooled
	// waiter (only its owner touches these).
	tclk  clock.Clock
	timer clock.Timer
	fired chan struct{}
	fire  func()
	prev  *Waiter // guarded by the queue's mu
	in    bool    // guarded by the queue's mu
}

// WaitQueue is the set of waiters of one socket (Linux's sk_wq).
type WaitQueue struct {
	n    atomic.Int32 // number of waiters, for a lock-free empty check
	mu   sync.Mutex
	head *Waiter // guarded by mu
}

// Add registers w.
func (q *WaitQueue) Add(w *Waiter) {
	q.mu.Lock()
	if !w.in {
		w.in = true
		w.prev = nil
		w.next = q.head
		if q.head != nil {
			q.head.prev = w
		}
		q.head = w
		q.n.Add(1)
	}
	q.mu.Unlock()
}

// Remove unregisters w.
func (q *WaitQueue) Remove(w *Waiter) {
	q.mu.Lock()
	if w.in {
		w.in = false
		if w.prev != nil {
			w.prev.next = w.next
		} else {
			q.head = w.next
		}
		if w.next != nil {
			w.next.prev = w.prev
		}
		w.next, w.prev = nil, nil
		q.n.Add(-1)
	}
	q.mu.Unlock()
}

// Notify wakes every waiter interested in ev. It allocates nothing and
// never blocks. Function waiters run with the queue's lock held and must
// not touch the queue.
func (q *WaitQueue) Notify(ev Events) {
	if q.n.Load() == 0 {
		return
	}
	q.mu.Lock()
	for w := q.head; w != nil; w = w.next {
		if w.mask&(ev|eventWake) == 0 && ev&eventWake == 0 {
			continue
		}
		if w.fn != nil {
			w.fn(ev)
			continue
		}
		select {
		case w.ch <- struct{}{}:
		default:
		}
	}
	q.mu.Unlock()
}

var waiterPool = sync.Pool{New: func() any { return &Waiter{ch: make(chan struct{}, 1)} }}

// getWaiter returns a pooled channel waiter for mask, drained.
func getWaiter(mask Events) *Waiter {
	w := waiterPool.Get().(*Waiter)
	w.mask = mask
	select {
	case <-w.ch:
	default:
	}
	return w
}

func putWaiter(w *Waiter) { waiterPool.Put(w) }

// deadline is a Go deadline settable from any goroutine.
type deadline struct {
	t atomic.Int64 // Unix nanoseconds; 0 means none
}

func (d *deadline) set(t time.Time) {
	if t.IsZero() {
		d.t.Store(0)
		return
	}
	d.t.Store(t.UnixNano())
}

func (d *deadline) get() (time.Time, bool) {
	n := d.t.Load()
	if n == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// sleep blocks on w until it is woken, the relative timeout (SO_RCVTIMEO,
// 0 = none, negative = do not wait) expires (EAGAIN), the Go deadline passes (ErrDeadline), or the
// socket is closed (EBADF, reported by the caller's next check). It returns
// nil when woken. Timers run on clk, so a manual clock drives timeouts.
func sleep(clk clock.Clock, w *Waiter, timeout time.Duration, start time.Time, dl *deadline) error {
	var wait time.Duration
	var why error
	if timeout < 0 {
		return unix.EAGAIN
	}
	now := clk.Now()
	if timeout > 0 {
		wait = start.Add(timeout).Sub(now)
		why = unix.EAGAIN
		if wait <= 0 {
			return unix.EAGAIN
		}
	}
	if t, ok := dl.get(); ok {
		d := t.Sub(now)
		if d <= 0 {
			return ErrDeadline
		}
		if wait == 0 || d < wait {
			wait, why = d, ErrDeadline
		}
	}
	if wait == 0 {
		<-w.ch
		return nil
	}
	due := now.Add(wait)
	w.arm(clk, wait)
	defer w.disarm()
	for {
		select {
		case <-w.ch:
			return nil
		case <-w.fired:
			// A fire may be stale (a timer of an earlier wait whose
			// function ran late): only the deadline decides.
			if !clk.Now().Before(due) {
				return why
			}
		}
	}
}

// arm starts the waiter's own timer, reused from wait to wait (created on
// first use, or anew for another clock), so blocking with a timeout does
// not allocate.
func (w *Waiter) arm(clk clock.Clock, d time.Duration) {
	select {
	case <-w.fired:
	default:
	}
	if w.timer == nil || w.tclk != clk {
		if w.fired == nil {
			w.fired = make(chan struct{}, 1)
			w.fire = func() {
				select {
				case w.fired <- struct{}{}:
				default:
				}
			}
		}
		w.tclk = clk
		w.timer = clk.AfterFunc(d, w.fire)
		return
	}
	w.timer.Reset(d)
}

func (w *Waiter) disarm() {
	if w.timer != nil {
		w.timer.Stop()
	}
}
