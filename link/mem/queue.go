package mem

import (
	"sync"

	"github.com/seed96fbdc48/inet/pkt"
)

// rxQueue is an endpoint's inbound FIFO: a ring of buffers that grows by
// doubling up to its limit, so that once it has reached the depth a workload
// needs, pushing and popping allocate nothing.
type rxQueue struct {
	limit int
	wake  chan struct{} // capacity 1; signalled when the ring becomes non-empty or the queue closes
	done  chan struct{} // closed when the delivery goroutine has returned

	mu       sync.Mutex
	ring     []*pkt.Buffer // guarded by mu
	head     int           // guarded by mu; index of the oldest packet
	n        int           // guarded by mu; packets queued
	closed   bool          // guarded by mu
	attached bool          // guarded by mu; a delivery goroutine was started
}

func (q *rxQueue) init(limit int) {
	q.limit = limit
	q.wake = make(chan struct{}, 1)
	q.done = make(chan struct{})
	q.ring = make([]*pkt.Buffer, min(limit, 64))
}

// push appends b and counts it in flight on nw. It reports false, leaving b
// to the caller, when the queue is closed or full.
func (q *rxQueue) push(nw *Network, b *pkt.Buffer) bool {
	q.mu.Lock()
	if q.closed || q.n >= q.limit {
		q.mu.Unlock()
		return false
	}
	if q.n == len(q.ring) {
		q.growLocked()
	}
	q.ring[(q.head+q.n)%len(q.ring)] = b
	q.n++
	wasEmpty := q.n == 1
	nw.add(1)
	q.mu.Unlock()
	if wasEmpty {
		q.signal()
	}
	return true
}

func (q *rxQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *rxQueue) growLocked() {
	nr := make([]*pkt.Buffer, min(2*len(q.ring), q.limit))
	for i := 0; i < q.n; i++ {
		nr[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	q.ring, q.head = nr, 0
}

// pop waits for packets and moves up to len(batch) of them into batch. It
// returns 0 once the queue is closed.
func (q *rxQueue) pop(batch []*pkt.Buffer) int {
	q.mu.Lock()
	for q.n == 0 && !q.closed {
		q.mu.Unlock()
		<-q.wake
		q.mu.Lock()
	}
	if q.closed {
		q.mu.Unlock()
		return 0
	}
	k := min(q.n, len(batch))
	for i := 0; i < k; i++ {
		batch[i] = q.ring[q.head]
		q.ring[q.head] = nil
		q.head = (q.head + 1) % len(q.ring)
	}
	q.n -= k
	q.mu.Unlock()
	return k
}

// close marks the queue closed and releases what it holds, returning how
// many packets it released and whether a delivery goroutine must be waited
// for.
func (q *rxQueue) close() (released int, attached bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, false
	}
	q.closed = true
	for q.n > 0 {
		q.ring[q.head].Release()
		q.ring[q.head] = nil
		q.head = (q.head + 1) % len(q.ring)
		q.n--
		released++
	}
	attached = q.attached
	q.mu.Unlock()
	q.signal()
	return released, attached
}
