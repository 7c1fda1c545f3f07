package mem_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// pingPong measures one packet written on a and handed back by b's
// dispatcher, the same buffer each time, so the pools play no part.
func pingPong(t *testing.T, a, b *mem.Endpoint, first *pkt.Buffer) float64 {
	back := make(chan *pkt.Buffer, 1)
	b.Attach(dispatchFunc(func(p []*pkt.Buffer) {
		for _, x := range p {
			back <- x
		}
	}))
	one := []*pkt.Buffer{first}
	step := func() {
		if _, err := a.WriteBatch(one); err != nil {
			t.Fatal(err)
		}
		one[0] = <-back
	}
	for range 100 {
		step()
	}
	n := testing.AllocsPerRun(1000, step)
	one[0].Release()
	return n
}

func TestAllocsPipe(t *testing.T) {
	a, b := mem.Pipe(nil, mem.Options{})
	defer a.Close()
	defer b.Close()
	if n := pingPong(t, a, b, numbered([]byte{0x45}, 4, 1, 1400)); n != 0 {
		t.Errorf("IP pipe: %v allocations per packet", n)
	}
}

func TestAllocsEthernetSwitch(t *testing.T) {
	sw := mem.NewSwitch(nil, link.KindEthernet)
	a, b := sw.NewPort(mem.Options{}), sw.NewPort(mem.Options{})
	defer a.Close()
	defer b.Close()
	// Teach the switch where b lives.
	b.WriteBatch([]*pkt.Buffer{frame(wire.BroadcastMAC, mac(b.HardwareAddr()), 46)})
	if n := pingPong(t, a, b, frame(mac(b.HardwareAddr()), mac(a.HardwareAddr()), 1400)); n != 0 {
		t.Errorf("switch: %v allocations per frame", n)
	}
}

func TestAllocsImpairedPipe(t *testing.T) {
	a, b := mem.Pipe(nil, mem.Options{Impair: mem.Random{Seed: 1}.Impair})
	defer a.Close()
	defer b.Close()
	if n := pingPong(t, a, b, numbered([]byte{0x45}, 4, 1, 1400)); n != 0 {
		t.Errorf("impaired pipe: %v allocations per packet", n)
	}
}

// BenchmarkPipe pushes 1400-byte packets through a pipe in batches of
// link.MaxBatch, with at most 512 in flight, and reports packets per second.
func BenchmarkPipe(b *testing.B) {
	for _, kind := range []link.Kind{link.KindIP, link.KindEthernet} {
		b.Run(kind.String(), func(b *testing.B) { benchPipe(b, kind) })
	}
}

func benchPipe(b *testing.B, kind link.Kind) {
	tx, rx := mem.Pipe(nil, mem.Options{Kind: kind, QueueLen: 1024})
	defer tx.Close()
	defer rx.Close()
	var delivered atomic.Int64
	wake := make(chan struct{}, 1)
	rx.Attach(dispatchFunc(func(p []*pkt.Buffer) {
		for _, x := range p {
			x.Release()
		}
		delivered.Add(int64(len(p)))
		select {
		case wake <- struct{}{}:
		default:
		}
	}))
	hdr := frame(mac(rx.HardwareAddr()), mac(tx.HardwareAddr()), 0).Bytes()
	batch := make([]*pkt.Buffer, link.MaxBatch)
	b.ReportAllocs()
	b.SetBytes(1400)
	b.ResetTimer()
	start := time.Now()
	sent := 0
	for sent < b.N {
		k := min(link.MaxBatch, b.N-sent)
		for i := range k {
			batch[i] = pkt.Get(pkt.DefaultHeadroom, 1400)
			copy(batch[i].Bytes(), hdr)
		}
		if _, err := tx.WriteBatch(batch[:k]); err != nil {
			b.Fatal(err)
		}
		sent += k
		for int64(sent)-delivered.Load() > 512 {
			<-wake
		}
	}
	for delivered.Load() < int64(b.N) {
		<-wake
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pkts/s")
}
