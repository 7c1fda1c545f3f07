package mem

import (
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/pkt"
)

// delayLine holds the packets an Impairment delayed, in a min-heap by due
// time (ties by write order), with one clock timer armed for the earliest.
// All of it is guarded by the owning endpoint's txMu.
type delayLine struct {
	heap    []delayed
	seq     uint64
	timer   clock.Timer // nil until first armed
	armed   bool        // timer is pending
	armedAt time.Time   // its deadline when armed
}

type delayed struct {
	due time.Time
	seq uint64
	b   *pkt.Buffer
}

func (d *delayLine) len() int { return len(d.heap) }

func less(a, b *delayed) bool {
	if a.due.Equal(b.due) {
		return a.seq < b.seq
	}
	return a.due.Before(b.due)
}

func (d *delayLine) push(due time.Time, b *pkt.Buffer) {
	d.seq++
	d.heap = append(d.heap, delayed{due: due, seq: d.seq, b: b})
	h := d.heap
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !less(&h[i], &h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// peek returns the earliest due time; the line must not be empty.
func (d *delayLine) peek() time.Time { return d.heap[0].due }

func (d *delayLine) pop() *pkt.Buffer {
	h := d.heap
	b := h[0].b
	last := len(h) - 1
	h[0] = h[last]
	h[last] = delayed{}
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && less(&h[l], &h[m]) {
			m = l
		}
		if r < len(h) && less(&h[r], &h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	d.heap = h
	return b
}

// arm makes sure the timer fires by due.
func (d *delayLine) arm(clk clock.Clock, now, due time.Time, fire func()) {
	if d.armed && !due.Before(d.armedAt) {
		return
	}
	wait := due.Sub(now)
	if d.timer == nil {
		d.timer = clk.AfterFunc(wait, fire)
	} else {
		d.timer.Reset(wait)
	}
	d.armed, d.armedAt = true, due
}

// drop releases everything held and stops the timer; it returns how many
// packets it released.
func (d *delayLine) drop() int {
	if d.timer != nil {
		d.timer.Stop()
	}
	d.armed = false
	n := len(d.heap)
	for i := range d.heap {
		d.heap[i].b.Release()
		d.heap[i] = delayed{}
	}
	d.heap = d.heap[:0]
	return n
}
