package socket

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// Error origins (SO_EE_ORIGIN_*).
const (
	OriginNone  = 0
	OriginLocal = 1
	OriginICMP  = 2
)

// ExtendedErr is an error queue entry: Linux's struct sock_extended_err and
// what ip_recv_error reports with it.
type ExtendedErr struct {
	Errno  uint32
	Origin uint8
	Type   uint8
	Code   uint8
	Info   uint32
	Data   uint32
	// Addr is the destination of the datagram the error concerns
	// (returned as msg_name), valid when HasAddr.
	Addr    netip.AddrPort
	HasAddr bool
	// Offender is the ICMP message's source (SO_EE_OFFENDER); invalid for
	// local errors.
	Offender netip.Addr
	// Payload is what the error carries as data: for ICMP errors the quoted
	// bytes after the transport header, for local errors nothing.
	Payload []byte
	// The ICMP packet's IP header, interface and local address, for the
	// control messages ip_recv_error adds for ICMP errors.
	IPHeader []byte
	IfIndex  int
	SpecDst  netip.Addr
	Stamp    int64
	size     int  // truesize charged
	setsErr  bool // Enqueue sets sk_err to Errno with the entry
}

// ErrQueue is a socket's error queue (sk_error_queue).
type ErrQueue struct {
	b    *Base
	mu   sync.Mutex
	q    []*ExtendedErr // guarded by mu
	rmem *atomic.Int64
}

func (q *ErrQueue) init(b *Base) {
	q.b = b
	q.rmem = &b.rmemAlloc().v
}

// Enqueue queues e charging size bytes unless that would reach SO_RCVBUF
// (sock_queue_err_skb), and wakes pollers with POLLERR. It reports whether
// e was queued.
func (q *ErrQueue) Enqueue(e *ExtendedErr, size int) bool {
	if q.rmem.Load()+int64(size) >= int64(q.b.Opts.RcvBuf.Load()) {
		return false
	}
	e.size = size
	q.rmem.Add(int64(size))
	q.mu.Lock()
	if e.setsErr {
		// Under the lock, before the entry: a reader that sees sk_err
		// and then dequeues (which takes the lock) finds the entry.
		q.b.soErr.Store(int32(e.Errno))
	}
	q.q = append(q.q, e)
	q.mu.Unlock()
	q.b.Wq.Notify(EventErr)
	return true
}

// Dequeue removes the first entry (nil if none).
func (q *ErrQueue) Dequeue() *ExtendedErr {
	q.mu.Lock()
	if len(q.q) == 0 {
		q.mu.Unlock()
		return nil
	}
	e := q.q[0]
	q.q[0] = nil
	q.q = q.q[1:]
	q.mu.Unlock()
	q.rmem.Add(-int64(e.size))
	return e
}

// dequeueNext removes the first entry and returns it with the one now
// first (either may be nil).
func (q *ErrQueue) dequeueNext() (e, next *ExtendedErr) {
	q.mu.Lock()
	if len(q.q) == 0 {
		q.mu.Unlock()
		return nil, nil
	}
	e = q.q[0]
	q.q[0] = nil
	q.q = q.q[1:]
	if len(q.q) > 0 {
		next = q.q[0]
	}
	q.mu.Unlock()
	q.rmem.Add(-int64(e.size))
	return e, next
}

// Len returns the number of queued errors.
func (q *ErrQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.q)
}

// Purge drops every entry (IP_RECVERR turned off).
func (q *ErrQueue) Purge() {
	for q.Dequeue() != nil {
	}
}
