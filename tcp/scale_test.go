package tcp_test

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"golang.org/x/sys/unix"
)

// TestTenThousandConnections opens 10,000 connections between two stacks
// on a manual clock, moves a byte each way on every one, and checks that
// no goroutine per connection exists and memory stays bounded.
func TestTenThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 10000
	clk := clock.NewManual()
	p := newPair(t, clk, ethOpts())
	ln, err := p.b.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	mustNil(t, err)
	mustNil(t, ln.BindAddr(netip.MustParseAddrPort("198.18.0.2:9000")))
	mustNil(t, ln.Listen(4096))
	p.n.Idle()
	// Warm up the link (ARP) with one connection.
	warm := dialN(t, p, ln, 1)
	warm[0][0].Close()
	warm[0][1].Close()
	p.n.Idle()

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()

	conns := dialN(t, p, ln, n)

	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	g1 := runtime.NumGoroutine()
	per := (int64(m1.HeapAlloc) - int64(m0.HeapAlloc)) / (2 * n)
	t.Logf("%d connections: %d goroutines before, %d after; %d bytes of heap per idle socket", n, g0, g1, per)
	if g1-g0 > 4 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if per > 8192 {
		t.Errorf("%d bytes per idle socket", per)
	}
	if v, _ := p.a.Stats().Get("Tcp:CurrEstab"); v != n {
		t.Errorf("client CurrEstab %d", v)
	}

	// A byte each way, in batches the link's queues (1000 packets)
	// take.
	buf := make([]byte, 4)
	for i, c := range conns {
		if _, err := c[0].Send([]byte("p"), 0); err != nil {
			t.Fatal(err)
		}
		if i%500 == 499 {
			p.n.Idle()
		}
	}
	p.n.Idle()
	for i, c := range conns {
		if k, err := c[1].Recv(buf, 0); err != nil || k != 1 {
			t.Fatalf("connection %d: recv %d %v", i, k, err)
		}
		if _, err := c[1].Send([]byte("q"), 0); err != nil {
			t.Fatal(err)
		}
		if i%500 == 499 {
			p.n.Idle()
		}
	}
	p.n.Idle()
	for i, c := range conns {
		if k, err := c[0].Recv(buf, 0); err != nil || k != 1 {
			t.Fatalf("connection %d: reply %d %v", i, k, err)
		}
	}
	// Idle again after use: the queues gave their buffers back.
	clk.Advance(time.Second)
	p.n.Idle()
	runtime.GC()
	runtime.GC() // and the buffer pools' victims
	var m2 runtime.MemStats
	runtime.ReadMemStats(&m2)
	per2 := (int64(m2.HeapAlloc) - int64(m0.HeapAlloc)) / (2 * n)
	t.Logf("%d bytes of heap per idle socket after use", per2)
	if per2 > 8192 {
		t.Errorf("%d bytes per idle socket after use", per2)
	}
	for i, c := range conns {
		c[0].Close()
		c[1].Close()
		if i%250 == 249 {
			p.n.Idle()
		}
	}
	p.n.Idle()
	clk.Advance(2 * 60e9)
	p.n.Idle()
	if v, _ := p.a.Stats().Get("Tcp:CurrEstab"); v != 0 {
		t.Errorf("client CurrEstab %d after closing", v)
	}
}

// dialN opens n connections from a to the listener on b, in batches the
// accept queue takes, and returns them (client, server).
func dialN(t *testing.T, p *pair, ln *inet.Socket, n int) [][2]*inet.Socket {
	var out [][2]*inet.Socket
	for len(out) < n {
		batch := min(1000, n-len(out))
		var cli []*inet.Socket
		for i := 0; i < batch; i++ {
			c, err := p.a.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
			mustNil(t, err)
			if err := c.ConnectAddr(netip.MustParseAddrPort("198.18.0.2:9000")); err != unix.EINPROGRESS {
				t.Fatalf("connect %d: %v", len(out)+i, err)
			}
			cli = append(cli, c)
		}
		p.n.Idle()
		byAddr := make(map[netip.AddrPort]*inet.Socket, batch)
		for _, c := range cli {
			a, _ := c.GetSockName()
			byAddr[a] = c
		}
		for i := 0; i < batch; i++ {
			s, from, err := ln.Accept(unix.SOCK_NONBLOCK)
			if err != nil {
				t.Fatalf("accept %d: %v", len(out)+i, err)
			}
			c := byAddr[from]
			if c == nil {
				t.Fatalf("accepted %v, which no client is", from)
			}
			out = append(out, [2]*inet.Socket{c, s})
		}
	}
	return out
}
