package socket_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

func udpPair(t *testing.T) (*testnet.Net, *inet.Stack) {
	n := testnet.New(t, nil)
	return n, n.Stack()
}

func udp(t *testing.T, s *inet.Stack, port uint16) *inet.Socket {
	t.Helper()
	so, err := s.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { so.Close() })
	if err := so.BindAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)); err != nil {
		t.Fatal(err)
	}
	return so
}

// A poller reports exactly the sockets that became readable, level-
// triggered, and blocks until one does.
func TestPollerReportsReadySockets(t *testing.T) {
	n, s := udpPair(t)
	a, b, c := udp(t, s, 5001), udp(t, s, 5002), udp(t, s, 5003)
	p := socket.NewPoller()
	defer p.Close()
	for i, so := range []*inet.Socket{a, b, c} {
		if err := p.Add(so, socket.EventIn, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Add(a, socket.EventIn, 9); err != unix.EEXIST {
		t.Fatalf("second Add: %v, want EEXIST", err)
	}
	// Nothing ready: Wait blocks until the context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	var ev [4]socket.PollEvent
	if got, err := p.Wait(ctx, ev[:]); err != context.DeadlineExceeded || got != 0 {
		t.Fatalf("idle Wait: %d %v", got, err)
	}
	cancel()
	// A datagram to b wakes a Wait blocked in another goroutine.
	done := make(chan []socket.PollEvent, 1)
	go func() {
		var ev [4]socket.PollEvent
		m, err := p.Wait(context.Background(), ev[:])
		if err != nil {
			t.Error(err)
		}
		done <- append([]socket.PollEvent(nil), ev[:m]...)
	}()
	if _, err := a.SendTo([]byte("x"), 0, netip.MustParseAddrPort("127.0.0.1:5002")); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if len(got) != 1 || got[0].Socket != b || got[0].Data != 1 || got[0].Events&socket.EventIn == 0 {
		t.Fatalf("ready %+v, want b readable", got)
	}
	// Level-triggered: still ready until read.
	n.Idle()
	if m, _ := p.Wait(context.Background(), ev[:]); m != 1 || ev[0].Socket != b {
		t.Fatalf("second Wait %d %+v", m, ev[:m])
	}
	buf := make([]byte, 10)
	if _, err := b.Recv(buf, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if m, err := p.Wait(ctx, ev[:]); m != 0 || err == nil {
		t.Fatalf("after reading: %d %v", m, err)
	}
	// Modify to POLLOUT: a UDP socket is always writable.
	if err := p.Modify(c, socket.EventOut, 7); err != nil {
		t.Fatal(err)
	}
	if m, _ := p.Wait(context.Background(), ev[:]); m != 1 || ev[0].Socket != c || ev[0].Data != 7 || ev[0].Events != socket.EventOut {
		t.Fatalf("POLLOUT: %d %+v", m, ev[:m])
	}
	if err := p.Remove(c); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(c); err != unix.ENOENT {
		t.Fatalf("second Remove: %v", err)
	}
}

// Poll is poll(2): revents per entry, POLLNVAL for a closed socket, and it
// blocks until something is ready.
func TestPoll(t *testing.T) {
	_, s := udpPair(t)
	a, b := udp(t, s, 5011), udp(t, s, 5012)
	closed, _ := s.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	closed.Close()
	fds := []socket.PollFd{{Socket: a, Events: socket.EventIn}, {Socket: b, Events: socket.EventIn | socket.EventOut}, {Socket: closed, Events: socket.EventIn}}
	n, err := socket.Poll(context.Background(), fds)
	if err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	if fds[0].Revents != 0 || fds[1].Revents != socket.EventOut || fds[2].Revents != socket.EventNval {
		t.Fatalf("revents %#x %#x %#x", fds[0].Revents, fds[1].Revents, fds[2].Revents)
	}
	go func() { b.SendTo([]byte("y"), 0, netip.MustParseAddrPort("127.0.0.1:5011")) }()
	fds = fds[:1]
	if n, err := socket.Poll(context.Background(), fds); n != 1 || err != nil || fds[0].Revents != socket.EventIn {
		t.Fatalf("blocking Poll = %d %v %#x", n, err, fds[0].Revents)
	}
}
