package mem_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
)

// A lossy, slow link driven by a manual clock, as a TCP test would build
// it: the same seed gives the same losses and arrival order every run, and
// nothing delayed arrives until the clock gets there.
func Example_impairment() {
	clk := clock.NewManual()
	nw := mem.NewNetwork()
	lossy := mem.Random{Seed: 1, Loss: 0.1, Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond}
	a, b := mem.Pipe(nw, mem.Options{Clock: clk, Impair: lossy.Impair})
	defer a.Close()
	defer b.Close()

	var arrived atomic.Int64
	b.Attach(dispatchFunc(func(pkts []*pkt.Buffer) {
		arrived.Add(int64(len(pkts)))
		for _, p := range pkts {
			p.Release()
		}
	}))
	for range 100 {
		a.WriteBatch([]*pkt.Buffer{pkt.Get(pkt.DefaultHeadroom, 40)})
	}
	ctx := context.Background()
	nw.WaitIdle(ctx) // returns at once: everything kept is still delayed
	fmt.Println("at 0 ms:", arrived.Load(), "arrived,", nw.Delayed(), "delayed")
	clk.Advance(25 * time.Millisecond)
	nw.WaitIdle(ctx) // now the delivery goroutine has handed them over
	fmt.Println("at 25 ms:", arrived.Load(), "arrived,", nw.Delayed(), "delayed")
	fmt.Println("lost:", a.Stats().ImpairDropped)
	// Output:
	// at 0 ms: 0 arrived, 89 delayed
	// at 25 ms: 89 arrived, 0 delayed
	// lost: 11
}
