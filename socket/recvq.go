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
	p      *pkt.Buffer
	size   int    // truesize charged
	drops  uint32 // sk_drops when queued, with SO_RXQ_OVFL on (SOCK_SKB_CB dropcount)
	peeked bool   // skb->peeked: read with MSG_PEEK at least once
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
	q.q[(q.head+q.n)%len(q.q)] = entry{p: p, size: size, drops: drops}
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
	q.q[q.head].peeked = true
	return q.q[q.head].p, q.q[q.head].drops
}

// PeekAt is __skb_try_recv_from_queue for MSG_PEEK with SO_PEEK_OFF: it
// skips whole packets while the offset covers them (a zero-length packet
// already peeked counts as covered), and returns the packet the offset
// falls in with the offset left within it. length gives a packet's
// payload length. The packet stays owned by the queue.
func (q *RecvQueue) PeekAt(off int, length func(*pkt.Buffer) int) (p *pkt.Buffer, rest int, drops uint32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < q.n; i++ {
		e := &q.q[(q.head+i)%len(q.q)]
		if l := length(e.p); off >= l && (off != 0 || e.peeked) {
			off -= l
			continue
		}
		e.peeked = true
		return e.p, off, e.drops
	}
	return nil, 0, 0
}

// Remove takes p out of the queue wherever it is (a peeked datagram found
// bad), uncharging it; the caller owns it. It reports whether p was there.
func (q *RecvQueue) Remove(p *pkt.Buffer) bool {
	q.mu.Lock()
	for i := 0; i < q.n; i++ {
		if q.q[(q.head+i)%len(q.q)].p != p {
			continue
		}
		size := q.q[(q.head+i)%len(q.q)].size
		for j := i; j < q.n-1; j++ {
			q.q[(q.head+j)%len(q.q)] = q.q[(q.head+j+1)%len(q.q)]
		}
		q.q[(q.head+q.n-1)%len(q.q)] = entry{}
		q.n--
		q.mu.Unlock()
		q.rmem.Add(-int64(size))
		return true
	}
	q.mu.Unlock()
	return false
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
