package tun

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

// Endpoint is an open TUN device. It implements link.Endpoint and
// link.Named.
type Endpoint struct {
	f    *os.File
	rc   syscall.RawConn
	name string
	mtu  int

	attached atomic.Bool
	closed   atomic.Bool
	done     chan struct{} // closed when the reader goroutine has returned

	errMu   sync.Mutex
	readErr error // guarded by errMu; why the reader stopped, if not Close

	wmu sync.Mutex
	w   writer // guarded by wmu

	rxPackets, rxDropped, txPackets, txErrors atomic.Uint64
}

var (
	_ link.Endpoint = (*Endpoint)(nil)
	_ link.Named    = (*Endpoint)(nil)
)

func newEndpoint(f *os.File, rc syscall.RawConn, name string, mtu int) *Endpoint {
	e := &Endpoint{f: f, rc: rc, name: name, mtu: mtu, done: make(chan struct{})}
	e.w.fn = e.w.write
	return e
}

// Kind returns link.KindIP.
func (e *Endpoint) Kind() link.Kind { return link.KindIP }

// MTU returns the device's MTU as read at Open.
func (e *Endpoint) MTU() int { return e.mtu }

// HardwareAddr returns nil: a TUN device has no link-layer address.
func (e *Endpoint) HardwareAddr() net.HardwareAddr { return nil }

// Capabilities returns 0 (no offloads yet).
func (e *Endpoint) Capabilities() link.Capabilities { return 0 }

// Name returns the interface's name.
func (e *Endpoint) Name() string { return e.name }

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() Stats {
	return Stats{RxPackets: e.rxPackets.Load(), RxDropped: e.rxDropped.Load(),
		TxPackets: e.txPackets.Load(), TxErrors: e.txErrors.Load()}
}

// Err returns the error that stopped the reader other than Close (the
// interface was deleted, say), or nil.
func (e *Endpoint) Err() error {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.readErr
}

// Attach starts the reader goroutine. It fails with net.ErrClosed after
// Close and EBUSY when called twice.
func (e *Endpoint) Attach(d link.Dispatcher) error {
	if d == nil {
		return unix.EINVAL
	}
	if e.closed.Load() {
		return net.ErrClosed
	}
	if e.attached.Swap(true) {
		return unix.EBUSY
	}
	r := &reader{e: e, size: e.mtu + 1}
	r.fn = r.read
	go r.run(d)
	return nil
}

// reader is the state of the reader goroutine; fn is its read method
// bound once, so the loop allocates nothing per batch.
type reader struct {
	e    *Endpoint
	size int // read length: one more than the MTU, to detect a cut packet
	fn   func(fd uintptr) bool
	bufs [link.MaxBatch]*pkt.Buffer
	n    int   // packets read in this round
	err  error // a read error other than EAGAIN
}

// read drains what is readable without blocking, up to MaxBatch packets.
// It returns false (wait for the poller) only when it read nothing.
func (r *reader) read(fd uintptr) bool {
	for r.n < link.MaxBatch {
		b := r.bufs[r.n]
		if b == nil {
			b = pkt.Get(pkt.DefaultHeadroom, r.size)
			r.bufs[r.n] = b
		}
		p := b.Bytes()
		m, err := unix.Read(int(fd), p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return r.n > 0
		case err != nil:
			r.err = err
			return true
		case m <= 0:
			continue
		case m > r.e.mtu:
			// Longer than the MTU: the read may have been cut
			// short (tun_put_user truncates silently). Drop it and
			// reuse the buffer.
			r.e.rxDropped.Add(1)
			continue
		}
		b.Truncate(m)
		r.n++
	}
	return true
}

func (r *reader) run(d link.Dispatcher) {
	e := r.e
	defer close(e.done)
	defer func() {
		for i, b := range r.bufs {
			b.Release()
			r.bufs[i] = nil
		}
	}()
	for {
		r.n, r.err = 0, nil
		err := e.rc.Read(r.fn)
		if e.closed.Load() {
			return // the deferred release frees what was read
		}
		if r.n > 0 {
			e.rxPackets.Add(uint64(r.n))
			d.DeliverBatch(r.bufs[:r.n])
			clear(r.bufs[:r.n])
		}
		if err == nil {
			err = r.err
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

// writer writes one batch through the poller; fn is write bound once.
type writer struct {
	fn   func(fd uintptr) bool
	pkts []*pkt.Buffer
	i    int
	err  error
}

func (w *writer) write(fd uintptr) bool {
	for w.i < len(w.pkts) {
		_, err := unix.Write(int(fd), w.pkts[w.i].Bytes())
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false
		case err != nil:
			w.err = err
			return true
		}
		w.i++
	}
	return true
}

// WriteBatch writes each packet to the device, taking ownership of all of
// them. It stops at the first packet the kernel refuses (EINVAL for one
// that is not IPv4 or IPv6, EIO while the device is down) and returns how
// many it wrote with that error; after Close it returns net.ErrClosed.
func (e *Endpoint) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	if e.closed.Load() {
		e.txErrors.Add(uint64(len(pkts)))
		release(pkts)
		return 0, net.ErrClosed
	}
	e.wmu.Lock()
	w := &e.w
	w.pkts, w.i, w.err = pkts, 0, nil
	err := e.rc.Write(w.fn)
	n := w.i
	if err == nil {
		err = w.err
	}
	w.pkts = nil
	e.wmu.Unlock()
	release(pkts)
	e.txPackets.Add(uint64(n))
	if n < len(pkts) {
		e.txErrors.Add(uint64(len(pkts) - n))
		if e.closed.Load() {
			err = net.ErrClosed
		}
	}
	return n, err
}

func release(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		b.Release()
	}
}

// Close closes the device, which wakes the reader at once, and waits for
// the reader to finish its batch: the dispatcher receives nothing after
// Close returns, so Close must not be called from inside DeliverBatch.
// Closing twice is harmless.
func (e *Endpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	err := e.f.Close()
	if e.attached.Load() {
		<-e.done
	}
	return err
}
