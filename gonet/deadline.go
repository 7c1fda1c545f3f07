package gonet

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/clock"
)

// deadline is one direction's Go deadline. Calls check it before they try
// (net's prepareRead and prepareWrite). A call that blocks waits on the
// socket with no deadline of the socket's own while this one is in the
// future; one timer per deadline, re-armed on every change, puts it on the
// socket when it passes, and the socket wakes the blocked calls with
// socket.ErrDeadline. So a blocking call arms no timer of its own, and
// neither it nor a SetDeadline allocates: a server that moves its read
// deadline before every read stays allocation-free.
type deadline struct {
	clk clock.Clock
	set func(time.Time) // the socket's SetReadDeadline or SetWriteDeadline

	at atomic.Int64 // Unix nanoseconds on clk; 0 = none. Written under mu, read anywhere.

	mu    sync.Mutex
	timer clock.Timer // guarded by mu; made at the first future deadline
}

func (d *deadline) init(clk clock.Clock, set func(time.Time)) {
	d.clk, d.set = clk, set
}

// Set changes the deadline; the zero time means none.
func (d *deadline) Set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	if t.IsZero() {
		d.at.Store(0)
		d.set(time.Time{})
		return
	}
	d.at.Store(t.UnixNano())
	wait := t.Sub(d.clk.Now())
	if wait <= 0 {
		d.set(t)
		return
	}
	d.set(time.Time{})
	if d.timer == nil {
		d.timer = d.clk.AfterFunc(wait, d.fire)
	} else {
		d.timer.Reset(wait)
	}
}

// fire runs when a timer expires: if the deadline in force has passed (a
// timer stopped too late may fire for an earlier one), it goes on the
// socket.
func (d *deadline) fire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.expired() {
		d.set(time.Unix(0, d.at.Load()))
	}
}

// expired reports whether the deadline has passed.
func (d *deadline) expired() bool {
	n := d.at.Load()
	return n != 0 && d.clk.Now().UnixNano() >= n
}

// stop stops the timer (on Close).
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
}
