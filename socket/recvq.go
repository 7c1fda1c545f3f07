package socket

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/pkt"
)

// RecvQueue is a datagram socket's receive queue (sk_receive_queue), with
// Linux's memory accounting: every queued packet charges its truesize to
// the socket (sk_rmem_alloc), and a packet arriving while the charge is
// above SO_RCVBUF is refused, always allowing one packet.
type RecvQueue struct {
	b    *Base
	mu   sync.Mutex
	q    []entry // guarded by mu; a ring: q[head:] then q[:head]
	head int     // guarded by mu
	n    int     // guarded by mu
	rmem *atomic.Int64
}

type entry struct {
	p     *pkt.Buffer
	size  int    // truesize charged
	drops uint32 // sk_drops when queued, with SO_RXQ_OVFL on (SOCK_SKB_CB dropcount)
}

// rmemCounter is sk_rmem_alloc, shared by the receive and error queues of
// one socket.
type rmemCounter struct{ v atomic.Int64 }

func (q *RecvQueue) init(b *Base) {
	q.b = b
	q.rmem = &b.rmemAlloc().v
}

// Enqueue appends p, charging size bytes, unless that would take the
// socket's receive memory above SO_RCVBUF while something is queued
// already (__udp_enqueue_schedule_skb: an empty socket always takes one
// packet). It reports whether p was queued; if not, p still belongs to the
// caller.
func (q *RecvQueue) Enqueue(p *pkt.Buffer, size int) bool {
	rmem, rcvbuf := q.rmem.Load(), int64(q.b.Opts.RcvBuf.Load())
	if rmem+int64(size) > rcvbuf && (rmem != 0 || rcvbuf > math.MaxInt32>>1) {
		return false
	}
	q.rmem.Add(int64(size))
	var drops uint32
	if q.b.Opts.flag(flagRxqOvfl) {
		drops = q.b.drops.Load()
	}
	q.mu.Lock()
	if q.n == len(q.q) {
		q.grow()
	}
	q.q[(q.head+q.n)%len(q.q)] = entry{p, size, drops}
	q.n++
	q.mu.Unlock()
	q.b.Wq.Notify(Readable)
	return true
}

func (q *RecvQueue) grow() {
	n := make([]entry, max(8, 2*len(q.q)))
	for i := 0; i < q.n; i++ {
		n[i] = q.q[(q.head+i)%len(q.q)]
	}
	q.q, q.head = n, 0
}

// Peek returns the first packet without removing it (nil if empty). The
// packet stays owned by the queue.
func (q *RecvQueue) Peek() *pkt.Buffer {
	p, _ := q.PeekDrops()
	return p
}

// PeekDrops is Peek that also returns the drop count recorded with the
// packet (for SO_RXQ_OVFL).
func (q *RecvQueue) PeekDrops() (*pkt.Buffer, uint32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil, 0
	}
	return q.q[q.head].p, q.q[q.head].drops
}

// Dequeue removes and returns the first packet (nil if empty), uncharging
// it; the caller owns it.
func (q *RecvQueue) Dequeue() *pkt.Buffer {
	p, _ := q.DequeueDrops()
	return p
}

// DequeueDrops is Dequeue that also returns the packet's drop count.
func (q *RecvQueue) DequeueDrops() (*pkt.Buffer, uint32) {
	q.mu.Lock()
	if q.n == 0 {
		q.mu.Unlock()
		return nil, 0
	}
	e := q.q[q.head]
	q.q[q.head] = entry{}
	q.head = (q.head + 1) % len(q.q)
	q.n--
	q.mu.Unlock()
	q.rmem.Add(-int64(e.size))
	return e.p, e.drops
}

// Len returns the number of queued packets.
func (q *RecvQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Purge releases every queued packet.
func (q *RecvQueue) Purge() {
	for {
		p := q.Dequeue()
		if p == nil {
			return
		}
		p.Release()
	}
}

// RmemAlloc returns the bytes charged to the socket's receive memory
// (sk_rmem_alloc).
func (b *Base) RmemAlloc() int64 { return b.rmemAlloc().v.Load() }

func (b *Base) rmemAlloc() *rmemCounter { return b.rmem }
