//go:build linux

// Package fdio is what the TUN and AF_PACKET endpoints share: a
// non-blocking descriptor driven by Go's poller, one reader goroutine that
// delivers what it reads in batches, batch writes serialised under a lock,
// a Close that interrupts the reader at once and waits for it, and the
// counters.
package fdio

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
)

// Reader is an endpoint's read side, called on the reader goroutine.
type Reader interface {
	// Read is the RawConn.Read callback: read what is readable without
	// blocking; return false (wait for the poller) only when nothing was
	// read.
	Read(fd uintptr) bool
	// Take returns the packets read this round (the reader keeps the
	// slice; their ownership passes to the dispatcher) and any error other
	// than EAGAIN, and starts a new round.
	Take() ([]*pkt.Buffer, error)
	// ReleaseAll frees every buffer the reader holds.
	ReleaseAll()
}

// Writer is an endpoint's write side, called under the write lock.
type Writer interface {
	// Start begins a batch.
	Start(pkts []*pkt.Buffer)
	// Write is the RawConn.Write callback.
	Write(fd uintptr) bool
	// Done returns how many packets were written and the error that
	// stopped the batch, and forgets the batch.
	Done() (int, error)
}

// FD is a descriptor shared by an endpoint's reader and writers.
type FD struct {
	f  *os.File
	rc syscall.RawConn

	attached atomic.Bool
	closed   atomic.Bool
	done     chan struct{} // closed when the reader goroutine has returned

	errMu   sync.Mutex
	readErr error // guarded by errMu; why the reader stopped, if not Close

	wmu sync.Mutex // serialises batches of writes

	RxPackets, RxDropped, TxPackets, TxErrors atomic.Uint64
}

// New wraps an open, non-blocking file and its RawConn.
func New(f *os.File, rc syscall.RawConn) *FD {
	return &FD{f: f, rc: rc, done: make(chan struct{})}
}

// Closed reports whether Close was called.
func (e *FD) Closed() bool { return e.closed.Load() }

// Err returns the error that stopped the reader other than Close, or nil.
func (e *FD) Err() error {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.readErr
}

// Start starts the reader goroutine delivering to d. It fails with EINVAL
// for a nil dispatcher, net.ErrClosed after Close and EBUSY when called
// twice.
func (e *FD) Start(d link.Dispatcher, r Reader) error {
	if d == nil {
		return unix.EINVAL
	}
	if e.closed.Load() {
		return net.ErrClosed
	}
	if e.attached.Swap(true) {
		return unix.EBUSY
	}
	go e.run(d, r)
	return nil
}

func (e *FD) run(d link.Dispatcher, r Reader) {
	defer close(e.done)
	defer r.ReleaseAll()
	read := r.Read
	for {
		err := e.rc.Read(read)
		if e.closed.Load() {
			return // ReleaseAll frees what was read
		}
		pkts, rerr := r.Take()
		if len(pkts) > 0 {
			e.RxPackets.Add(uint64(len(pkts)))
			d.DeliverBatch(pkts)
			clear(pkts)
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			if !e.closed.Load() {
				e.errMu.Lock()
				e.readErr = err
				e.errMu.Unlock()
			}
			return
		}
	}
}

// WriteBatch writes pkts[:lim] with w, takes ownership of every packet, and
// counts; after Close it returns net.ErrClosed.
func (e *FD) WriteBatch(pkts []*pkt.Buffer, lim int, w Writer, write func(fd uintptr) bool) (int, error) {
	if e.closed.Load() {
		e.TxErrors.Add(uint64(len(pkts)))
		Release(pkts)
		return 0, net.ErrClosed
	}
	e.wmu.Lock()
	w.Start(pkts[:lim])
	err := e.rc.Write(write)
	n, werr := w.Done()
	e.wmu.Unlock()
	if err == nil {
		err = werr
	}
	Release(pkts)
	e.TxPackets.Add(uint64(n))
	if n < len(pkts) {
		e.TxErrors.Add(uint64(len(pkts) - n))
		if e.closed.Load() {
			err = net.ErrClosed
		}
	}
	return n, err
}

// Close closes the descriptor, which wakes the reader at once, and waits
// for the reader to finish its batch: the dispatcher receives nothing after
// Close returns, so Close must not be called from inside DeliverBatch.
// Closing twice is harmless.
func (e *FD) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	err := e.f.Close()
	if e.attached.Load() {
		<-e.done
	}
	return err
}

// Release frees packets.
func Release(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		b.Release()
	}
}
