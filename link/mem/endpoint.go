package mem

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// sink carries a packet an endpoint wrote to its receivers: a pipe's peer,
// a switch's ports, or the endpoint itself for a loop.
type sink interface {
	// forward takes ownership of b, written by from.
	forward(from *Endpoint, b *pkt.Buffer)
}

// peer is the sink of a pipe end or a loop: everything goes to one endpoint.
type peer struct{ to *Endpoint }

func (p peer) forward(_ *Endpoint, b *pkt.Buffer) { p.to.receive(b) }

// Endpoint is one end of an in-memory link. It implements link.Endpoint.
type Endpoint struct {
	nw       *Network
	kind     link.Kind
	mtu      int
	maxFrame int // mtu plus the link header
	mac      wire.MAC
	hw       net.HardwareAddr // nil unless KindEthernet
	caps     link.Capabilities
	clk      clock.Clock
	out      sink    // set once before the endpoint is returned
	sw       *Switch // the switch of a port, else nil
	fire     func()  // e.releaseDue, bound once so arming a timer allocates nothing

	rx     rxQueue
	closed atomic.Bool

	txMu  sync.Mutex
	imp   Impairment // guarded by txMu
	delay delayLine  // guarded by txMu

	stats counters
}

var _ link.Endpoint = (*Endpoint)(nil)

func newEndpoint(nw *Network, kind link.Kind, opts *Options, mac wire.MAC, side int) *Endpoint {
	e := &Endpoint{nw: nw, kind: kind, mtu: opts.mtu(), clk: opts.clock()}
	e.maxFrame = e.mtu
	if kind == link.KindEthernet {
		e.mac = mac
		e.hw = net.HardwareAddr(mac[:])
		e.maxFrame += wire.EthernetHeaderLen
	}
	if opts.ChecksumOffload {
		e.caps |= link.CapChecksumOffload
	}
	if opts.Impair != nil {
		e.imp = opts.Impair(side)
	}
	e.fire = e.releaseDue
	e.rx.init(opts.queueLen())
	return e
}

// Kind returns the endpoint's kind.
func (e *Endpoint) Kind() link.Kind { return e.kind }

// MTU returns the endpoint's MTU.
func (e *Endpoint) MTU() int { return e.mtu }

// HardwareAddr returns the endpoint's MAC address (KindEthernet) or nil.
// The slice is shared: do not modify it.
func (e *Endpoint) HardwareAddr() net.HardwareAddr { return e.hw }

// Capabilities reports link.CapChecksumOffload when configured.
func (e *Endpoint) Capabilities() link.Capabilities { return e.caps }

// SetImpairment replaces the impairment of packets this endpoint writes
// (nil removes it). Packets already delayed keep their schedule.
func (e *Endpoint) SetImpairment(imp Impairment) {
	e.txMu.Lock()
	e.imp = imp
	e.txMu.Unlock()
}

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() Stats { return e.stats.snapshot() }

// Attach starts the delivery goroutine. It fails with net.ErrClosed after
// Close and with EBUSY when called a second time.
func (e *Endpoint) Attach(d link.Dispatcher) error {
	if d == nil {
		return unix.EINVAL
	}
	e.rx.mu.Lock()
	defer e.rx.mu.Unlock()
	if e.rx.closed {
		return net.ErrClosed
	}
	if e.rx.attached {
		return unix.EBUSY
	}
	e.rx.attached = true
	go e.deliver(d)
	return nil
}

// deliver is the endpoint's one delivery goroutine.
func (e *Endpoint) deliver(d link.Dispatcher) {
	defer close(e.rx.done)
	batch := make([]*pkt.Buffer, link.MaxBatch)
	for {
		n := e.rx.pop(batch)
		if n == 0 {
			return
		}
		for _, b := range batch[:n] {
			e.prepare(b)
		}
		e.stats.rxPackets.Add(uint64(n))
		d.DeliverBatch(batch[:n])
		clear(batch[:n])
		e.nw.done(n)
	}
}

// prepare gives a delivered packet the metadata a receiving NIC would.
func (e *Endpoint) prepare(b *pkt.Buffer) {
	b.ResetOffsets()
	m := &b.Meta
	switch e.kind {
	case link.KindLoopback:
		// Linux's loopback_xmit keeps skb->mark, skb->priority and the
		// output route (skb_dst_force), so the receiving stack need not
		// route the packet again: IfIndex (the interface the packet is to
		// appear on) and RouteType carry that decision. The packet is
		// ours and never left memory.
		*m = pkt.Meta{PktType: pkt.PacketHost, Mark: m.Mark, Priority: m.Priority,
			IfIndex: m.IfIndex, RouteType: m.RouteType,
			Flags: pkt.FlagLoopedBack | pkt.FlagChecksumOK}
		return
	case link.KindEthernet:
		*m = pkt.Meta{PktType: e.pktType(b.Bytes())}
	default:
		*m = pkt.Meta{PktType: pkt.PacketHost}
	}
	if e.caps&link.CapChecksumOffload != 0 {
		m.Flags = pkt.FlagChecksumOK
	}
}

// pktType classifies a frame by its destination address as Linux's
// eth_type_trans does.
func (e *Endpoint) pktType(frame []byte) uint8 {
	if len(frame) < wire.EthernetHeaderLen {
		return pkt.PacketOtherHost
	}
	dst := wire.MAC(frame[0:6])
	switch {
	case dst == e.mac:
		return pkt.PacketHost
	case dst.IsBroadcast():
		return pkt.PacketBroadcast
	case dst.IsMulticast():
		return pkt.PacketMulticast
	}
	return pkt.PacketOtherHost
}

// WriteBatch sends the packets to the link, taking ownership of all of them.
// It stops at the first packet it refuses (EMSGSIZE when longer than the MTU
// allows, EINVAL for an empty packet or an Ethernet frame shorter than its
// header), releases that one and the rest, and returns how many it sent.
// After Close it returns net.ErrClosed. A packet the receiver drops (queue
// full, receiver closed) or the impairment loses still counts as sent.
func (e *Endpoint) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	e.txMu.Lock()
	defer e.txMu.Unlock()
	if e.closed.Load() {
		e.stats.txErrors.Add(uint64(len(pkts)))
		releaseAll(pkts)
		return 0, net.ErrClosed
	}
	for i, b := range pkts {
		if err := e.check(b); err != nil {
			e.stats.txErrors.Add(uint64(len(pkts) - i))
			releaseAll(pkts[i:])
			return i, err
		}
		e.stats.txPackets.Add(1)
		if e.imp == nil {
			e.out.forward(e, b)
		} else {
			e.impairLocked(b)
		}
	}
	return len(pkts), nil
}

func releaseAll(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		b.Release()
	}
}

func (e *Endpoint) check(b *pkt.Buffer) error {
	n := b.Len()
	switch {
	case n > e.maxFrame:
		return unix.EMSGSIZE
	case n == 0, e.kind == link.KindEthernet && n < wire.EthernetHeaderLen:
		return unix.EINVAL
	}
	return nil
}

// impairLocked applies the impairment's verdict to b. Duplicates are cloned
// before b is sent: once b is queued the receiver's goroutine may own it.
func (e *Endpoint) impairLocked(b *pkt.Buffer) {
	v := e.imp.Decide(b.Bytes())
	if v.Drop {
		e.stats.impairDropped.Add(1)
		b.Release()
		return
	}
	var dup [MaxDuplicates]*pkt.Buffer
	n := min(max(v.Duplicates, 0), MaxDuplicates)
	for i := range n {
		dup[i] = b.Clone()
	}
	e.stats.impairDuplicated.Add(uint64(n))
	e.sendLocked(b, v.Delay)
	for i := range n {
		e.sendLocked(dup[i], v.Delay)
	}
}

// sendLocked forwards b now, or puts it on the delay line until the clock
// reaches now+delay.
func (e *Endpoint) sendLocked(b *pkt.Buffer, delay time.Duration) {
	if delay <= 0 {
		e.out.forward(e, b)
		return
	}
	e.stats.impairDelayed.Add(1)
	now := e.clk.Now()
	e.delay.push(now.Add(delay), b)
	e.nw.delayed.Add(1)
	e.delay.arm(e.clk, now, e.delay.peek(), e.fire)
}

// releaseDue is the delay line's timer function: it sends every packet that
// has come due and re-arms for the next.
func (e *Endpoint) releaseDue() {
	e.txMu.Lock()
	defer e.txMu.Unlock()
	e.delay.armed = false
	if e.closed.Load() {
		return
	}
	now := e.clk.Now()
	for e.delay.len() > 0 && !e.delay.peek().After(now) {
		b := e.delay.pop()
		e.nw.delayed.Add(-1)
		e.out.forward(e, b)
	}
	if e.delay.len() > 0 {
		e.delay.arm(e.clk, now, e.delay.peek(), e.fire)
	}
}

// receive queues b for delivery, or drops it.
func (e *Endpoint) receive(b *pkt.Buffer) {
	if b.Len() > e.maxFrame || !e.rx.push(e.nw, b) {
		e.stats.rxDropped.Add(1)
		b.Release()
	}
}

// Close stops delivery, releases the packets queued for this endpoint and
// those its impairment still delays, and detaches it from its switch. When
// it returns the dispatcher receives nothing more; it must therefore not be
// called from inside this endpoint's own DeliverBatch. Writes after Close
// fail with net.ErrClosed. Closing twice is harmless.
func (e *Endpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	e.txMu.Lock()
	e.nw.delayed.Add(-int64(e.delay.drop()))
	e.txMu.Unlock()
	if e.sw != nil {
		e.sw.remove(e)
	}
	released, attached := e.rx.close()
	e.stats.rxDropped.Add(uint64(released))
	e.nw.done(released)
	if attached {
		<-e.rx.done
	}
	return nil
}

// Network returns the network the endpoint counts its packets on.
func (e *Endpoint) Network() *Network { return e.nw }
