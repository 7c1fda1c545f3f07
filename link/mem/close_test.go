package mem_test

import (
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
)

// Close releases what is queued; the peer's later writes are dropped at
// the closed end; writes and Attach after Close fail.
func TestCloseSemantics(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{})
	for i := range 5 {
		a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, uint32(i), 40)})
	}
	if nw.InFlight() != 5 {
		t.Fatalf("InFlight = %d", nw.InFlight())
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if nw.InFlight() != 0 || b.Stats().RxDropped != 5 {
		t.Errorf("after Close: InFlight %d, stats %+v", nw.InFlight(), b.Stats())
	}
	if n, err := a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 9, 40)}); n != 1 || err != nil {
		t.Errorf("write to a closed peer: %d, %v (the wire accepts it)", n, err)
	}
	if b.Stats().RxDropped != 6 {
		t.Errorf("closed end did not drop: %+v", b.Stats())
	}
	if err := b.Attach(new(collector)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Attach after Close: %v", err)
	}
	if n, err := b.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 9, 40)}); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %d, %v", n, err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	a.Close()
}

// Close waits for a delivery in progress, and nothing is delivered after it
// returns.
func TestCloseWaitsForDelivery(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{})
	defer a.Close()
	entered, gate := make(chan struct{}), make(chan struct{})
	var delivered int
	b.Attach(dispatchFunc(func(p []*pkt.Buffer) {
		delivered += len(p)
		if delivered == 1 {
			close(entered)
			<-gate
		}
		releaseAll(p)
	}))
	a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 1, 40)})
	<-entered
	a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 2, 40)})
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	// Close releases the queued second packet first, then waits; poll for
	// that (bounded), not for time.
	for deadline := time.Now().Add(10 * time.Second); b.Stats().RxDropped != 1; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("Close did not release the queued packet")
		}
	}
	select {
	case <-closed:
		t.Fatal("Close returned while DeliverBatch was running")
	default:
	}
	close(gate)
	<-closed
	a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 3, 40)})
	idle(t, nw)
	// delivered is read after Close returned: the goroutine is gone.
	if delivered != 1 {
		t.Errorf("delivered %d packets, want only the first", delivered)
	}
}

// Closing the sender releases what its impairment still holds.
func TestCloseDropsDelayed(t *testing.T) {
	clk := clock.NewManual()
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{Clock: clk, Impair: mem.Random{Delay: time.Second}.Impair})
	defer b.Close()
	var rx collector
	b.Attach(&rx)
	for i := range 4 {
		a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, uint32(i), 40)})
	}
	if nw.Delayed() != 4 {
		t.Fatalf("Delayed = %d", nw.Delayed())
	}
	a.Close()
	if nw.Delayed() != 0 {
		t.Errorf("Delayed after Close = %d", nw.Delayed())
	}
	clk.Advance(2 * time.Second)
	idle(t, nw)
	if rx.len() != 0 {
		t.Errorf("%d delayed packets delivered after the sender closed", rx.len())
	}
}
