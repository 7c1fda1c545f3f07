package bench

import (
	"io"
	"net"
	"runtime"
	"testing"
)

// closeWriter is the half-close both gonet adapters and net have.
type closeWriter interface{ CloseWrite() error }

// BenchmarkTCPBulk: one connection, the client writes 64 KB at a time as
// fast as it can, the server reads into a 64 KB buffer; MB/s is the
// goodput over the in-memory link (kernel: loopback). allocs/op counts the
// whole process per 64 KB written.
func BenchmarkTCPBulk(b *testing.B) {
	eachWorld(b, func(b *testing.B, w *world) {
		cli, srv := connPair(b, w)
		done := make(chan int64, 1)
		go func() {
			buf := make([]byte, 64<<10)
			var n int64
			for {
				m, err := srv.Read(buf)
				n += int64(m)
				if err != nil {
					done <- n
					return
				}
			}
		}()
		buf := make([]byte, 64<<10)
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		var sent int64
		for b.Loop() {
			m, err := cli.Write(buf)
			sent += int64(m)
			if err != nil {
				b.Fatal(err)
			}
		}
		cli.(closeWriter).CloseWrite()
		if got := <-done; got != sent {
			b.Fatalf("received %d of %d bytes", got, sent)
		}
	})
}

// BenchmarkTCPRoundTrip1K: 1 KB from the client to the server and 1 KB
// back, one exchange in flight: latency-bound, the steady-state data path
// of a request-response protocol. allocs/op is per round trip.
func BenchmarkTCPRoundTrip1K(b *testing.B) {
	eachWorld(b, func(b *testing.B, w *world) {
		cli, srv := connPair(b, w)
		go func() {
			buf := make([]byte, 1024)
			for {
				if _, err := io.ReadFull(srv, buf); err != nil {
					return
				}
				if _, err := srv.Write(buf); err != nil {
					return
				}
			}
		}()
		msg, buf := make([]byte, 1024), make([]byte, 1024)
		one := func() {
			if _, err := cli.Write(msg); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(cli, buf); err != nil {
				b.Fatal(err)
			}
		}
		for range 100 {
			one()
		}
		b.ReportAllocs()
		for b.Loop() {
			one()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
	})
}

// BenchmarkUDP64: 64-byte datagrams from a connected client socket to a
// server socket, the sender up to 64 datagrams ahead of the reader (so
// none is dropped for want of room). Reports datagrams/s.
func BenchmarkUDP64(b *testing.B) {
	eachWorld(b, func(b *testing.B, w *world) {
		tx, rx := w.udp(b)
		b.Cleanup(func() { tx.Close(); rx.Close() })
		payload, buf := make([]byte, 64), make([]byte, 2048)
		for range 100 {
			if _, err := tx.Write(payload); err != nil {
				b.Fatal(err)
			}
			if _, _, err := rx.ReadFrom(buf); err != nil {
				b.Fatal(err)
			}
		}
		const window = 64
		credits := make(chan struct{}, window)
		for range window {
			credits <- struct{}{}
		}
		n := b.N
		errc := make(chan error, 1)
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		b.ResetTimer()
		go func() {
			for range n {
				<-credits
				if _, err := tx.Write(payload); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for range n {
			if _, _, err := rx.ReadFrom(buf); err != nil {
				b.Fatal(err)
			}
			credits <- struct{}{}
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "datagrams/s")
	})
}

// BenchmarkTCPConnect: connection setup rate: each operation is a
// three-way handshake (dial returns), the server's accept, and both
// closes (the server's first, so TIME-WAIT stays on the server and the
// client's ephemeral ports are free again at once).
func BenchmarkTCPConnect(b *testing.B) {
	eachWorld(b, func(b *testing.B, w *world) {
		ln := w.listen(b)
		b.Cleanup(func() { ln.Close() })
		closed := make(chan struct{}, 1)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
				closed <- struct{}{}
			}
		}()
		addr := ln.Addr()
		b.ReportAllocs()
		w.do(func() {
			for b.Loop() {
				c := w.dial(b, addr)
				if c == nil {
					return
				}
				<-closed
				c.Close()
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
	})
}

// idleConns is how many connections BenchmarkIdleConnMemory holds open.
const idleConns = 2000

// BenchmarkIdleConnMemory: memory per idle established connection: the Go
// heap (after a collection) and goroutine count with idleConns
// connections open, both ends in this process, less the same before they
// were made, divided by idleConns. Each connection counts its two
// sockets, its two net.Conns and their state in two stacks. Every
// iteration builds fresh hosts and closes them before the next, so no
// earlier connection is freed while one is measured. The kernel's sockets
// live outside the Go heap: not measured.
func BenchmarkIdleConnMemory(b *testing.B) {
	for _, wm := range worlds[:2] {
		b.Run(wm.name, func(b *testing.B) {
			var heap, goroutines float64
			for b.Loop() {
				h, g := idleMemory(b, wm.make(b))
				heap += h
				goroutines += g
			}
			b.ReportMetric(heap/float64(b.N), "B/conn")
			b.ReportMetric(goroutines/float64(b.N), "goroutines/conn")
		})
	}
}

// idleMemory opens idleConns connections on w and returns the heap bytes
// and goroutines each added; it closes w.
func idleMemory(b *testing.B, w *world) (heap, goroutines float64) {
	defer w.close()
	ln := w.listen(b)
	defer ln.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	conns := make([]net.Conn, 0, 2*idleConns)
	accepted := make(chan net.Conn, idleConns)
	go func() {
		for range idleConns {
			c, err := ln.Accept()
			if err != nil {
				b.Error(err)
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	for range idleConns {
		c := w.dial(b, ln.Addr())
		s := <-accepted
		if c == nil || s == nil {
			b.FailNow()
		}
		if k, ok := c.(interface{ SetKeepAlive(bool) error }); ok {
			// inet's adapters turn on Go's keepalive, gVisor's do
			// not: off on both, for the same state.
			k.SetKeepAlive(false)
			s.(interface{ SetKeepAlive(bool) error }).SetKeepAlive(false)
		}
		conns = append(conns, c, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / idleConns
	goroutines = float64(runtime.NumGoroutine()-g0) / idleConns
	for _, c := range conns {
		c.Close()
	}
	return heap, goroutines
}
