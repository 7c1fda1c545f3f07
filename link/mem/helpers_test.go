package mem_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/pkt"
)

// collector is a Dispatcher that keeps what it receives.
type collector struct {
	mu   sync.Mutex
	pkts []*pkt.Buffer // guarded by mu
	hook func(*pkt.Buffer)
}

func (c *collector) DeliverBatch(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		if c.hook != nil {
			c.hook(b)
		}
	}
	c.mu.Lock()
	c.pkts = append(c.pkts, pkts...)
	c.mu.Unlock()
}

// take returns and forgets what was received so far.
func (c *collector) take() []*pkt.Buffer {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pkts
	c.pkts = nil
	return p
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pkts)
}

// seqs returns the sequence numbers (see numbered) of the packets, from
// byte off on.
func seqs(pkts []*pkt.Buffer, off int) []uint32 {
	var s []uint32
	for _, b := range pkts {
		s = append(s, binary.BigEndian.Uint32(b.Bytes()[off:]))
	}
	return s
}

// numbered returns a packet of n bytes carrying seq at byte off, after the
// prefix.
func numbered(prefix []byte, off int, seq uint32, n int) *pkt.Buffer {
	b := pkt.Get(pkt.DefaultHeadroom, n)
	p := b.Bytes()
	clear(p)
	copy(p, prefix)
	binary.BigEndian.PutUint32(p[off:], seq)
	return b
}

func idle(t testing.TB, w interface{ WaitIdle(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

func releaseAll(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		b.Release()
	}
}
