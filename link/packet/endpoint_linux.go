package packet

import (
	"net"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/internal/fdio"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// Endpoint is an AF_PACKET socket bound to one interface. It implements
// link.Endpoint and link.Named.
type Endpoint struct {
	fd    *fdio.FD
	name  string
	ifc   iface
	w     writer // guarded by fd's write lock
	wfn   func(fd uintptr) bool
	rxGSO atomic.Uint64
}

var (
	_ link.Endpoint = (*Endpoint)(nil)
	_ link.Named    = (*Endpoint)(nil)
)

func newEndpoint(f *os.File, rc syscall.RawConn, name string, ifc iface) *Endpoint {
	e := &Endpoint{fd: fdio.New(f, rc), name: name, ifc: ifc}
	e.wfn = e.w.Write
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
	return Stats{RxPackets: e.fd.RxPackets.Load(), RxDropped: e.fd.RxDropped.Load(), RxGSO: e.rxGSO.Load(),
		TxPackets: e.fd.TxPackets.Load(), TxErrors: e.fd.TxErrors.Load()}
}

// Err returns the error that stopped the reader other than Close, or nil.
func (e *Endpoint) Err() error { return e.fd.Err() }

// Attach starts the reader goroutine. It fails with net.ErrClosed after
// Close and EBUSY when called twice.
func (e *Endpoint) Attach(d link.Dispatcher) error {
	// Room for the MTU, the Ethernet header and one VLAN tag, as
	// packet_snd allows on output.
	return e.fd.Start(d, &reader{e: e, size: e.ifc.mtu + wire.EthernetHeaderLen + 4})
}

// WriteBatch sends the frames on the interface, taking ownership of all of
// them. It stops at the first frame refused (EINVAL for one shorter than an
// Ethernet header, EMSGSIZE for one longer than the MTU allows, ENETDOWN
// while the interface is down) and returns how many it sent with that
// error; after Close it returns net.ErrClosed.
func (e *Endpoint) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	// sendmmsg needs a non-empty frame, and packet_snd refuses a frame
	// shorter than the device's header with EINVAL: check before.
	lim := len(pkts)
	for i, b := range pkts {
		if b.Len() < wire.EthernetHeaderLen {
			lim = i
			break
		}
	}
	n, err := e.fd.WriteBatch(pkts, lim, &e.w, e.wfn)
	if err == nil && lim < len(pkts) {
		err = unix.EINVAL
	}
	return n, err
}

// Close closes the socket, which wakes the reader at once, and waits for
// the reader to finish its batch: the dispatcher receives nothing after
// Close returns, so Close must not be called from inside DeliverBatch.
// Closing twice is harmless.
func (e *Endpoint) Close() error { return e.fd.Close() }
