package gonet_test

import (
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/testnet"
)

// loopPair is a stack on a manual clock with two sockets on loopback: srv
// bound to 127.0.0.1:7000 and cli connected to it.
func loopPair(t *testing.T) (*clock.Manual, *inet.Stack, *gonet.UDPConn, *gonet.UDPConn) {
	t.Helper()
	clk := clock.NewManual()
	n := testnet.New(t, clk)
	s := n.Stack()
	return clk, s, listen(t, s, "127.0.0.1:7000"), dial(t, s, "127.0.0.1:7000")
}

// isTimeout checks err is net's deadline error for op.
func isTimeout(t *testing.T, err error, op string) {
	t.Helper()
	var oe *net.OpError
	var ne net.Error
	if !errors.As(err, &oe) || oe.Op != op || !errors.Is(err, os.ErrDeadlineExceeded) ||
		!errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%v (%T), want a %s *net.OpError with os.ErrDeadlineExceeded and Timeout() true", err, err, op)
	}
}

// waitPending waits until clk has n timers armed (gonet arms one per
// future deadline). Bounded in real time.
func waitPending(t *testing.T, clk *clock.Manual, n int) {
	t.Helper()
	end := time.Now().Add(within)
	for clk.Pending() != n {
		if time.Now().After(end) {
			t.Fatalf("manual clock has %d timers, want %d", clk.Pending(), n)
		}
		runtime.Gosched()
	}
}

// waitBlocked waits until n goroutines are parked inside the socket
// layer's wait (socket.sleep), so that what the test does next happens
// to a blocked call. Bounded in real time.
func waitBlocked(t *testing.T, n int) {
	t.Helper()
	end := time.Now().Add(within)
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		got := 0
		for _, g := range strings.Split(stacks, "\n\n") {
			head, _, _ := strings.Cut(g, "\n")
			parked := strings.Contains(head, "[select") || strings.Contains(head, "[chan receive")
			if parked && strings.Contains(g, "inet/socket.sleep(") {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%d goroutines blocked in the socket layer, want %d", got, n)
		}
		runtime.Gosched()
	}
}

// TestDeadlinePast: a passed deadline fails reads and writes at once, as
// net's do, even with a datagram waiting.
func TestDeadlinePast(t *testing.T) {
	clk, _, srv, cli := loopPair(t)
	if _, err := cli.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	past := clk.Now().Add(-time.Nanosecond)
	srv.SetReadDeadline(past)
	_, _, err := srv.ReadFrom(make([]byte, 10))
	isTimeout(t, err, "read")
	_, _, err = srv.ReadFromUDPAddrPort(make([]byte, 10))
	isTimeout(t, err, "read")
	_, _, _, _, err = srv.ReadMsgUDPAddrPort(make([]byte, 10), nil)
	isTimeout(t, err, "read")
	if want := "read udp4 127.0.0.1:7000: i/o timeout"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	cli.SetWriteDeadline(clk.Now())
	_, err = cli.Write([]byte("x"))
	isTimeout(t, err, "write")
	srv.SetWriteDeadline(past)
	_, err = srv.WriteToUDPAddrPort([]byte("x"), ap("127.0.0.1:9"))
	isTimeout(t, err, "write")
	// Cleared, the datagram is there to read.
	srv.SetReadDeadline(time.Time{})
	if n, _, err := srv.ReadFrom(make([]byte, 10)); n != 1 || err != nil {
		t.Fatalf("after clearing the deadline: %d %v", n, err)
	}
}

// TestDeadlineManualClock: a deadline in the future fires when the stack's
// clock reaches it, not before.
func TestDeadlineManualClock(t *testing.T) {
	clk, _, srv, _ := loopPair(t)
	base := clk.Pending()
	srv.SetReadDeadline(clk.Now().Add(time.Second))
	waitPending(t, clk, base+1)
	ch := readAsync(srv, make([]byte, 10))
	waitBlocked(t, 1)
	clk.Advance(999 * time.Millisecond)
	select {
	case r := <-ch:
		t.Fatalf("read returned %+v before its deadline", r)
	default:
	}
	clk.Advance(time.Millisecond)
	isTimeout(t, await(t, ch).err, "read")
	if clk.Since() != time.Second {
		t.Errorf("clock at %v", clk.Since())
	}
}

// TestDeadlineMovedWhileBlocked: a blocked read obeys a deadline moved
// into the past (at once), moved later (waits for it), and cleared (waits
// for data).
func TestDeadlineMovedWhileBlocked(t *testing.T) {
	clk, _, srv, cli := loopPair(t)
	base := clk.Pending()

	// Into the past: the read wakes without the clock moving.
	srv.SetReadDeadline(clk.Now().Add(time.Hour))
	ch := readAsync(srv, make([]byte, 10))
	waitBlocked(t, 1)
	srv.SetReadDeadline(clk.Now().Add(-time.Second))
	isTimeout(t, await(t, ch).err, "read")
	waitPending(t, clk, base)

	// Later: the old deadline passes without effect, the new one fires.
	srv.SetReadDeadline(clk.Now().Add(time.Second))
	ch = readAsync(srv, make([]byte, 10))
	waitBlocked(t, 1)
	armed := clk.Changed()
	srv.SetReadDeadline(clk.Now().Add(3 * time.Second))
	select {
	case <-armed:
	default:
		t.Fatal("no timer armed for the moved deadline")
	}
	waitPending(t, clk, base+1)
	clk.Advance(2 * time.Second)
	select {
	case r := <-ch:
		t.Fatalf("read returned %+v at the old deadline", r)
	default:
	}
	clk.Advance(time.Second)
	isTimeout(t, await(t, ch).err, "read")

	// Cleared: no timer remains; advancing the clock does nothing, and
	// the read returns the datagram when it comes.
	srv.SetReadDeadline(clk.Now().Add(time.Second))
	buf := make([]byte, 10)
	ch = readAsync(srv, buf)
	waitBlocked(t, 1)
	srv.SetReadDeadline(time.Time{})
	waitPending(t, clk, base)
	clk.Advance(time.Hour)
	if _, err := cli.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	r := await(t, ch)
	if r.err != nil || string(buf[:r.n]) != "data" {
		t.Fatalf("read after clearing: %q %v", buf[:r.n], r.err)
	}
}

// TestDeadlineRealClock: on the real clock a short deadline fires about
// when it should.
func TestDeadlineRealClock(t *testing.T) {
	l := newLAN(t, nil)
	c := listen(t, l.a, ":0")
	start := time.Now()
	c.SetReadDeadline(start.Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	isTimeout(t, err, "read")
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("timed out after %v, before the deadline", d)
	}
}

// TestCloseWhileBlocked: Close wakes blocked reads with net.ErrClosed, and
// every later call fails with it, as net's do.
func TestCloseWhileBlocked(t *testing.T) {
	clk, _, srv, cli := loopPair(t)
	srv.SetReadDeadline(clk.Now().Add(time.Hour))
	ch1 := readAsync(srv, make([]byte, 10))
	ch2 := make(chan error, 1)
	go func() {
		_, err := cli.Read(make([]byte, 10))
		ch2 <- err
	}()
	waitBlocked(t, 2)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{await(t, ch1).err, <-ch2} {
		var oe *net.OpError
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) || oe.Op != "read" {
			t.Errorf("blocked read after Close: %v, want net.ErrClosed in a read *net.OpError", err)
		}
	}
	checks := map[string]error{}
	_, checks["Read"] = cli.Read(make([]byte, 1))
	_, checks["Write"] = cli.Write([]byte("x"))
	_, _, checks["ReadFrom"] = srv.ReadFrom(make([]byte, 1))
	_, checks["WriteToUDPAddrPort"] = srv.WriteToUDPAddrPort([]byte("x"), ap("127.0.0.1:9"))
	_, _, checks["WriteMsgUDPAddrPort"] = srv.WriteMsgUDPAddrPort([]byte("x"), nil, ap("127.0.0.1:9"))
	checks["Close"] = cli.Close()
	checks["SetDeadline"] = cli.SetDeadline(time.Time{})
	checks["SetReadBuffer"] = cli.SetReadBuffer(4096)
	for name, err := range checks {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v, want net.ErrClosed", name, err)
		}
	}
	want := map[string]string{
		"Read":        "read udp4 127.0.0.1:%d->127.0.0.1:7000: use of closed network connection",
		"Write":       "write udp4 127.0.0.1:%d->127.0.0.1:7000: use of closed network connection",
		"Close":       "close udp4 127.0.0.1:%d->127.0.0.1:7000: use of closed network connection",
		"SetDeadline": "set udp4 127.0.0.1:%d: use of closed network connection",
	}
	port := cli.LocalAddr().(*net.UDPAddr).Port
	for name, w := range want {
		if got, w := checks[name].Error(), sprintf(w, port); got != w {
			t.Errorf("%s after Close: %q, want %q as net says it", name, got, w)
		}
	}
}
