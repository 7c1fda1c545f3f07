package udp_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"golang.org/x/sys/unix"
)

// corkPair returns a sender on a and a receiver bound on b at
// 198.18.0.2:7000.
func corkPair(t testing.TB) (cli, srv *inet.Socket) {
	_, a, b := pair(t)
	srv, cli = udpSock(t, b), udpSock(t, a)
	if err := srv.BindAddr(ap("198.18.0.2:7000")); err != nil {
		t.Fatal(err)
	}
	srv.SetReadDeadline(time.Now().Add(time.Minute))
	return cli, srv
}

// TestCorkJoinsAcrossLink: three corked sends arrive as one datagram with
// a good checksum (the receiver checks it), and the counters count it once.
func TestCorkJoinsAcrossLink(t *testing.T) {
	_, a, b := pair(t)
	srv, cli := udpSock(t, b), udpSock(t, a)
	if err := srv.BindAddr(ap("198.18.0.2:7000")); err != nil {
		t.Fatal(err)
	}
	dst := ap("198.18.0.2:7000")
	if _, err := cli.SendTo([]byte("one "), unix.MSG_MORE, dst); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetsockoptInt(unix.SOL_UDP, unix.UDP_CORK, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.SendTo([]byte("two "), 0, ap("198.18.0.2:9")); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Send([]byte("three"), 0); err != nil {
		t.Fatalf("send to the pending datagram: %v", err)
	}
	if v, _ := a.Stats().Get("Udp:OutDatagrams"); v != 0 {
		t.Fatalf("OutDatagrams %d while corked", v)
	}
	if err := cli.SetsockoptInt(unix.SOL_UDP, unix.UDP_CORK, 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := srv.RecvFrom(buf, 0)
	if err != nil || string(buf[:n]) != "one two three" {
		t.Fatalf("recv %q %v", buf[:n], err)
	}
	if v, _ := a.Stats().Get("Udp:OutDatagrams"); v != 1 {
		t.Fatalf("OutDatagrams %d, want 1", v)
	}
	if v, _ := b.Stats().Get("Udp:InCsumErrors"); v != 0 {
		t.Fatalf("InCsumErrors %d", v)
	}
	// Close throws a pending datagram away.
	if _, err := cli.SendTo([]byte("lost"), unix.MSG_MORE, dst); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	if _, err := srv.Recv(buf, unix.MSG_DONTWAIT); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("after close: %v", err)
	}
}

// TestCorkSteadyStateAllocs: a datagram corked from three sends and
// received allocates nothing once warm (the pending datagram's buffer
// comes from the packet pools), and neither does an uncorked one.
func TestCorkSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are not checked under the race detector")
	}
	cli, srv := corkPair(t)
	dst := ap("198.18.0.2:7000")
	part, buf := bytes.Repeat([]byte("p"), 400), make([]byte, 2048)
	for _, c := range []struct {
		name string
		send func() error
	}{
		{"corked", func() error {
			for range 2 {
				if _, err := cli.SendTo(part, unix.MSG_MORE, dst); err != nil {
					return err
				}
			}
			_, err := cli.SendTo(part, 0, dst)
			return err
		}},
		{"uncorked", func() error { _, err := cli.SendTo(part, 0, dst); return err }},
	} {
		var err error
		f := func() {
			if e := c.send(); e != nil {
				err = e
				return
			}
			if _, _, e := srv.RecvFrom(buf, 0); e != nil {
				err = e
			}
		}
		for range 100 {
			f()
		}
		allocs := testing.AllocsPerRun(1000, f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per datagram, want 0", c.name, allocs)
		}
	}
}

// BenchmarkSend is the sending side: 64 bytes as one datagram, uncorked
// or corked from four sends, into the in-memory link, with the receiver
// draining on its own goroutine.
func BenchmarkSend(b *testing.B) {
	for _, c := range []struct {
		name  string
		parts int
	}{{"uncorked-64", 1}, {"corked-4x16", 4}} {
		b.Run(c.name, func(b *testing.B) {
			cli, srv := corkPair(b)
			dst := ap("198.18.0.2:7000")
			part := make([]byte, 64/c.parts)
			got := make(chan int, 1)
			go func() {
				buf := make([]byte, 2048)
				n := 0
				for {
					if _, _, err := srv.RecvFrom(buf, 0); err != nil {
						break
					}
					n++
				}
				got <- n
			}()
			b.ReportAllocs()
			b.SetBytes(64)
			for b.Loop() {
				for i := range c.parts {
					flags := unix.MSG_MORE
					if i == c.parts-1 {
						flags = 0
					}
					if _, err := cli.SendTo(part, flags, dst); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			srv.Close()
			<-got
		})
	}
}
