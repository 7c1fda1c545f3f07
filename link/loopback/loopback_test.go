package loopback_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/loopback"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
)

type collector struct {
	mu   sync.Mutex
	pkts []*pkt.Buffer // guarded by mu
	then func(*pkt.Buffer)
}

func (c *collector) DeliverBatch(p []*pkt.Buffer) {
	c.mu.Lock()
	c.pkts = append(c.pkts, p...)
	c.mu.Unlock()
	if c.then != nil {
		for _, b := range p {
			c.then(b)
		}
	}
}

func TestLoopback(t *testing.T) {
	nw := mem.NewNetwork()
	lo := loopback.New(nw)
	defer lo.Close()
	if lo.Kind() != link.KindLoopback || lo.MTU() != 65536 || lo.Name() != "lo" ||
		lo.Capabilities() != link.CapChecksumOffload || lo.HardwareAddr() != nil {
		t.Fatalf("kind %v mtu %d name %q caps %v mac %v", lo.Kind(), lo.MTU(), lo.Name(), lo.Capabilities(), lo.HardwareAddr())
	}
	var ep link.Endpoint = lo
	if n, ok := ep.(link.Named); !ok || n.Name() != "lo" {
		t.Errorf("not link.Named")
	}
	// Each delivery sends the packet around again, twice: WaitIdle must
	// cover the whole chain.
	var rx collector
	rounds := 0
	rx.then = func(b *pkt.Buffer) {
		rounds++
		if rounds < 3 {
			lo.WriteBatch([]*pkt.Buffer{b.Clone()})
		}
	}
	lo.Attach(&rx)
	b := pkt.Get(pkt.DefaultHeadroom, 65536)
	b.Mark, b.Priority, b.Flags, b.NextHop = 5, 6, pkt.FlagLocalOut|pkt.FlagDontFrag, b.SpecDst
	if _, err := lo.WriteBatch([]*pkt.Buffer{b}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := nw.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	rx.mu.Lock()
	defer rx.mu.Unlock()
	if len(rx.pkts) != 3 || rx.pkts[0] != b {
		t.Fatalf("got %d packets (first is the written buffer: %v)", len(rx.pkts), len(rx.pkts) > 0 && rx.pkts[0] == b)
	}
	want := pkt.Meta{PktType: pkt.PacketHost, Mark: 5, Priority: 6, Flags: pkt.FlagLoopedBack | pkt.FlagChecksumOK}
	for _, p := range rx.pkts {
		if p.Meta != want {
			t.Errorf("meta %+v, want %+v", p.Meta, want)
		}
		p.Release()
	}
	big := pkt.Get(0, 65537)
	if n, err := lo.WriteBatch([]*pkt.Buffer{big}); n != 0 || err == nil {
		t.Errorf("65537-byte packet: %d, %v", n, err)
	}
}

// A loopback without a network still works.
func TestLoopbackStandalone(t *testing.T) {
	lo := loopback.New(nil)
	got := make(chan *pkt.Buffer, 1)
	lo.Attach(dispatch(func(p []*pkt.Buffer) {
		for _, b := range p {
			got <- b
		}
	}))
	b := pkt.Get(pkt.DefaultHeadroom, 20)
	lo.WriteBatch([]*pkt.Buffer{b})
	select {
	case r := <-got:
		if r != b {
			t.Errorf("got another buffer")
		}
		r.Release()
	case <-time.After(10 * time.Second):
		t.Fatal("nothing looped back")
	}
	lo.Close()
}

type dispatch func([]*pkt.Buffer)

func (f dispatch) DeliverBatch(p []*pkt.Buffer) { f(p) }
