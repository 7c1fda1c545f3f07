// Package clock is the one source of time for a stack. Every timer of every
// layer (neighbour probes, reassembly, TCP retransmission, IGMP reports) is
// started through a Clock, so that tests can run a manual clock and see
// minutes of protocol behaviour happen in microseconds.
//
// A Clock promises:
//   - Now is monotonic non-decreasing for the life of the clock;
//   - a timer's function runs at most once per arming, never while the clock's
//     own lock is held, and never before its deadline on that clock;
//   - Stop and Reset have time.Timer's meaning and return value.
//
// It does not promise which goroutine runs a timer function: the real clock
// runs it on its own goroutine (time.AfterFunc), the manual clock on the
// goroutine that calls Advance.
package clock

import "time"

// Clock supplies the time and timers.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc arranges for f to be called once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a timer started by AfterFunc.
type Timer interface {
	// Stop prevents the timer from firing. It reports whether the call
	// stopped the timer (false if it had already fired or been stopped).
	Stop() bool
	// Reset re-arms the timer to fire d from now. It reports whether the
	// timer had been active.
	Reset(d time.Duration) bool
}

// Real is the system clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return realTimer{time.AfterFunc(d, f)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

var _ Clock = Real{}
