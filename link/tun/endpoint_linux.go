package tun

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/internal/fdio"
	"github.com/seed96fbdc48/inet/pkt"
)

// Endpoint is an open TUN device. It implements link.Endpoint and
// link.Named.
type Endpoint struct {
	fd   *fdio.FD
	name string
	mtu  int
	w    writer // guarded by fd's write lock
	wfn  func(fd uintptr) bool
}

var (
	_ link.Endpoint = (*Endpoint)(nil)
	_ link.Named    = (*Endpoint)(nil)
)

func newEndpoint(f *os.File, rc syscall.RawConn, name string, mtu int) *Endpoint {
	e := &Endpoint{fd: fdio.New(f, rc), name: name, mtu: mtu}
	e.wfn = e.w.Write
	return e
}

// Kind returns link.KindIP.
func (e *Endpoint) Kind() link.Kind { return link.KindIP }

// MTU returns the device's MTU as read (or set) at Open.
func (e *Endpoint) MTU() int { return e.mtu }

// HardwareAddr returns nil: a TUN device has no link-layer address.
func (e *Endpoint) HardwareAddr() net.HardwareAddr { return nil }

// Capabilities returns 0 (no offloads yet).
func (e *Endpoint) Capabilities() link.Capabilities { return 0 }

// Name returns the interface's name.
func (e *Endpoint) Name() string { return e.name }

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() Stats {
	return Stats{RxPackets: e.fd.RxPackets.Load(), RxDropped: e.fd.RxDropped.Load(),
		TxPackets: e.fd.TxPackets.Load(), TxErrors: e.fd.TxErrors.Load()}
}

// Err returns the error that stopped the reader other than Close (the
// interface was deleted, say), or nil.
func (e *Endpoint) Err() error { return e.fd.Err() }

// Attach starts the reader goroutine. It fails with net.ErrClosed after
// Close and EBUSY when called twice.
func (e *Endpoint) Attach(d link.Dispatcher) error {
	return e.fd.Start(d, &reader{e: e, size: e.mtu + 1})
}

// reader reads batches on the reader goroutine.
type reader struct {
	e    *Endpoint
	size int // read length: one more than the MTU, to detect a cut packet
	bufs [link.MaxBatch]*pkt.Buffer
	n    int   // packets read in this round
	err  error // a read error other than EAGAIN
}

// Read drains what is readable without blocking, up to MaxBatch packets.
// It returns false (wait for the poller) only when it read nothing.
func (r *reader) Read(fd uintptr) bool {
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
			r.e.fd.RxDropped.Add(1)
			continue
		}
		b.Truncate(m)
		r.n++
	}
	return true
}

// Take hands over the packets read (fdio.Reader).
func (r *reader) Take() ([]*pkt.Buffer, error) {
	out, err := r.bufs[:r.n], r.err
	r.n, r.err = 0, nil
	return out, err
}

// ReleaseAll frees the reader's buffers.
func (r *reader) ReleaseAll() {
	for i, b := range r.bufs {
		b.Release()
		r.bufs[i] = nil
	}
}

// writer writes one batch through the poller.
type writer struct {
	pkts []*pkt.Buffer
	i    int
	err  error
}

func (w *writer) Start(pkts []*pkt.Buffer) { w.pkts, w.i, w.err = pkts, 0, nil }

func (w *writer) Done() (int, error) {
	n, err := w.i, w.err
	w.pkts = nil
	return n, err
}

func (w *writer) Write(fd uintptr) bool {
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
	return e.fd.WriteBatch(pkts, len(pkts), &e.w, e.wfn)
}

// Close closes the device, which wakes the reader at once, and waits for
// the reader to finish its batch: the dispatcher receives nothing after
// Close returns, so Close must not be called from inside DeliverBatch.
// Closing twice is harmless.
func (e *Endpoint) Close() error { return e.fd.Close() }
