package gonet_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// The UDP benchmark of issue 3: datagrams from one stack to another across
// an in-memory Ethernet switch (the sender's goroutine runs UDP, IP and
// the link write; the receiver's link goroutine runs IP and UDP input; the
// reader takes the datagram off the socket), through the socket API and
// through gonet. "oneway" keeps one datagram in flight (latency-bound);
// "window" lets the sender run up to 64 datagrams ahead (throughput). Each
// reports datagrams/s; allocs/op counts the whole process.

const benchWindow = 64

// endpoints is what a benchmark drives: send one datagram, receive one.
type endpoints struct {
	send func() error
	recv func() error
}

func benchUDP(b *testing.B, size int, mk func(b *testing.B, l *lan, payload []byte) endpoints) {
	l := newLAN(b, nil)
	e := mk(b, l, make([]byte, size))
	for range 200 { // ARP, pools and queues warm
		if err := e.send(); err != nil {
			b.Fatal(err)
		}
		if err := e.recv(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("oneway", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			if err := e.send(); err != nil {
				b.Fatal(err)
			}
			if err := e.recv(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datagrams/s")
	})
	b.Run("window", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		credits := make(chan struct{}, benchWindow)
		for range benchWindow {
			credits <- struct{}{}
		}
		n := b.N
		errc := make(chan error, 1)
		b.ResetTimer()
		go func() {
			for range n {
				<-credits
				if err := e.send(); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for range n {
			if err := e.recv(); err != nil {
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

// socketAPI drives inet sockets directly: SendTo and RecvFrom.
func socketAPI(b *testing.B, l *lan, payload []byte) endpoints {
	mk := func(s interface {
		Socket(int, int, int) (*socket.Socket, error)
	}, bind string) *socket.Socket {
		so, err := s.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { so.Close() })
		if err := so.BindAddr(netip.MustParseAddrPort(bind)); err != nil {
			b.Fatal(err)
		}
		return so
	}
	tx, rx := mk(l.a, "198.18.0.1:7001"), mk(l.b, "198.18.0.2:7000")
	dst := ap("198.18.0.2:7000")
	buf := make([]byte, 2048)
	return endpoints{
		send: func() error { _, err := tx.SendTo(payload, 0, dst); return err },
		recv: func() error { _, _, err := rx.RecvFrom(buf, 0); return err },
	}
}

// gonetAPI drives the adapters: a connected UDPConn's Write, a listening
// one's ReadFromUDPAddrPort.
func gonetAPI(b *testing.B, l *lan, payload []byte) endpoints {
	rx := listen(b, l.b, "198.18.0.2:7000")
	tx := dial(b, l.a, "198.18.0.2:7000")
	buf := make([]byte, 2048)
	return endpoints{
		send: func() error { _, err := tx.Write(payload); return err },
		recv: func() error { _, _, err := rx.ReadFromUDPAddrPort(buf); return err },
	}
}

// BenchmarkUDPGonetDeadline is gonet's benchmark with a read deadline an
// hour away, as servers commonly keep one: every read that blocks arms a
// timer on the stack's clock.
func BenchmarkUDPGonetDeadline(b *testing.B) {
	benchUDP(b, 64, func(b *testing.B, l *lan, payload []byte) endpoints {
		rx := listen(b, l.b, "198.18.0.2:7000")
		tx := dial(b, l.a, "198.18.0.2:7000")
		rx.SetReadDeadline(time.Now().Add(time.Hour))
		buf := make([]byte, 2048)
		return endpoints{
			send: func() error { _, err := tx.Write(payload); return err },
			recv: func() error { _, _, err := rx.ReadFromUDPAddrPort(buf); return err },
		}
	})
}

func BenchmarkUDPSocket64(b *testing.B)   { benchUDP(b, 64, socketAPI) }
func BenchmarkUDPSocket1472(b *testing.B) { benchUDP(b, 1472, socketAPI) }
func BenchmarkUDPGonet64(b *testing.B)    { benchUDP(b, 64, gonetAPI) }
func BenchmarkUDPGonet1472(b *testing.B)  { benchUDP(b, 1472, gonetAPI) }
