package packet

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// Endpoint is an AF_PACKET socket bound to one interface. It implements
// link.Endpoint and link.Named.
type Endpoint struct {
	f    *os.File
	rc   syscall.RawConn
	name string
	ifc  iface

	attached atomic.Bool
	closed   atomic.Bool
	done     chan struct{} // closed when the reader goroutine has returned

	errMu   sync.Mutex
	readErr error // guarded by errMu; why the reader stopped, if not Close

	wmu sync.Mutex
	w   writer // guarded by wmu

	rxPackets, rxDropped, rxGSO, txPackets, txErrors atomic.Uint64
}

var (
	_ link.Endpoint = (*Endpoint)(nil)
	_ link.Named    = (*Endpoint)(nil)
)

func newEndpoint(f *os.File, rc syscall.RawConn, name string, ifc iface) *Endpoint {
	e := &Endpoint{f: f, rc: rc, name: name, ifc: ifc, done: make(chan struct{})}
	e.w.fn = e.w.write
	return e
}

// Kind returns link.KindEthernet.
func (e *Endpoint) Kind() link.Kind { return link.KindEthernet }

// MTU returns the interface's MTU as read at Open.
func (e *Endpoint) MTU() int { return e.ifc.mtu }

// HardwareAddr returns the interface's MAC address. The slice is shared:
// do not modify it.
func (e *Endpoint) HardwareAddr() net.HardwareAddr { return e.ifc.mac }

// Capabilities returns 0: frames cross a real device driver.
func (e *Endpoint) Capabilities() link.Capabilities { return 0 }

// Name returns the interface's name.
func (e *Endpoint) Name() string { return e.name }

// Index returns the interface's index in its namespace.
func (e *Endpoint) Index() int { return e.ifc.index }

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() Stats {
	return Stats{RxPackets: e.rxPackets.Load(), RxDropped: e.rxDropped.Load(), RxGSO: e.rxGSO.Load(),
		TxPackets: e.txPackets.Load(), TxErrors: e.txErrors.Load()}
}

// Err returns the error that stopped the reader other than Close, or nil.
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
	// Room for the MTU, the Ethernet header and one VLAN tag, as
	// packet_snd allows on output.
	r := &reader{e: e, size: e.ifc.mtu + wire.EthernetHeaderLen + 4}
	r.fn = r.read
	go r.run(d)
	return nil
}

func (e *Endpoint) run(r *reader, d link.Dispatcher) {
	defer close(e.done)
	defer r.releaseAll()
	for {
		r.nout, r.err = 0, nil
		err := e.rc.Read(r.fn)
		if e.closed.Load() {
			return // the deferred releaseAll frees what was read
		}
		if r.nout > 0 {
			e.rxPackets.Add(uint64(r.nout))
			d.DeliverBatch(r.out[:r.nout])
			clear(r.out[:r.nout])
			r.nout = 0
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

func release(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		b.Release()
	}
}

// WriteBatch sends the frames on the interface, taking ownership of all of
// them. It stops at the first frame refused (EINVAL for one shorter than an
// Ethernet header, EMSGSIZE for one longer than the MTU allows, ENETDOWN
// while the interface is down) and returns how many it sent with that
// error; after Close it returns net.ErrClosed.
func (e *Endpoint) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	if e.closed.Load() {
		e.txErrors.Add(uint64(len(pkts)))
		release(pkts)
		return 0, net.ErrClosed
	}
	// sendmmsg needs a non-empty frame, and packet_snd refuses a frame
	// shorter than the device's header with EINVAL: check before.
	lim := len(pkts)
	for i, b := range pkts {
		if b.Len() < wire.EthernetHeaderLen {
			lim = i
			break
		}
	}
	e.wmu.Lock()
	w := &e.w
	w.pkts, w.i, w.err = pkts[:lim], 0, nil
	err := e.rc.Write(w.fn)
	n := w.i
	if err == nil {
		err = w.err
	}
	w.pkts = nil
	e.wmu.Unlock()
	release(pkts)
	if err == nil && lim < len(pkts) {
		err = unix.EINVAL
	}
	e.txPackets.Add(uint64(n))
	if n < len(pkts) {
		e.txErrors.Add(uint64(len(pkts) - n))
		if e.closed.Load() {
			err = net.ErrClosed
		}
	}
	return n, err
}

// Close closes the socket, which wakes the reader at once, and waits for
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
