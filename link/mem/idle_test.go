package mem_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
)

type dispatchFunc func([]*pkt.Buffer)

func (f dispatchFunc) DeliverBatch(p []*pkt.Buffer) { f(p) }

// bouncer writes every packet it receives back out of ep until limit
// packets have been bounced, then releases them.
func bouncer(ep *mem.Endpoint, count *atomic.Int64, limit int64) link.Dispatcher {
	return dispatchFunc(func(pkts []*pkt.Buffer) {
		for _, b := range pkts {
			if count.Add(1) <= limit {
				ep.WriteBatch([]*pkt.Buffer{b})
			} else {
				b.Release()
			}
		}
	})
}

// Packets sent from inside a delivery keep the network busy: WaitIdle
// returns only when the whole ping-pong is over.
func TestWaitIdleNestedSends(t *testing.T) {
	for round := range 20 {
		nw := mem.NewNetwork()
		a, b := mem.Pipe(nw, mem.Options{})
		var count atomic.Int64
		const limit = 200
		a.Attach(bouncer(a, &count, limit))
		b.Attach(bouncer(b, &count, limit))
		// Several packets bounce at once.
		for i := range 3 {
			a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, uint32(i), 40)})
		}
		idle(t, nw)
		if got := count.Load(); got != limit+3 {
			t.Fatalf("round %d: WaitIdle returned after %d deliveries, want %d", round, got, limit+3)
		}
		if nw.InFlight() != 0 {
			t.Fatalf("InFlight = %d after WaitIdle", nw.InFlight())
		}
		a.Close()
		b.Close()
	}
}

// Flooding inside deliveries on a hub is covered too.
func TestWaitIdleHubStorm(t *testing.T) {
	nw := mem.NewNetwork()
	sw := mem.NewSwitch(nw, link.KindIP)
	var count atomic.Int64
	const limit = 300
	var eps []*mem.Endpoint
	for range 4 {
		eps = append(eps, sw.NewPort(mem.Options{}))
	}
	for _, ep := range eps {
		ep.Attach(bouncer(ep, &count, limit))
		defer ep.Close()
	}
	eps[0].WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 1, 40)})
	idle(t, nw)
	// Each bounce of the first limit deliveries makes 3 more, so at least
	// limit deliveries happened and every packet made has been delivered.
	if got := count.Load(); got < limit {
		t.Fatalf("WaitIdle returned after %d deliveries", got)
	}
	var rx int64
	for _, ep := range eps {
		rx += int64(ep.Stats().RxPackets)
	}
	if rx != count.Load() {
		t.Errorf("delivered %d, dispatchers saw %d", rx, count.Load())
	}
}

func TestWaitIdleContext(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{})
	gate := make(chan struct{})
	b.Attach(dispatchFunc(func(p []*pkt.Buffer) { <-gate; releaseAll(p) }))
	a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 1, 40)})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := nw.WaitIdle(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitIdle with a stuck dispatcher: %v", err)
	}
	close(gate)
	idle(t, nw)
	a.Close()
	b.Close()
}
