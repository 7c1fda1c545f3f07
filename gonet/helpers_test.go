package gonet_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/socket"
)

var (
	ap = netip.MustParseAddrPort
	ip = netip.MustParseAddr
)

// lan is two stacks on one in-memory Ethernet switch: a at 198.18.0.1,
// b at 198.18.0.2 (and 198.18.0.3), on clk (nil: the real clock). b's
// sockets may bind ports below 1024.
type lan struct {
	n    *testnet.Net
	a, b *inet.Stack
}

func newLAN(t testing.TB, clk clock.Clock) *lan {
	t.Helper()
	n := testnet.New(t, clk)
	sw := n.Switch(link.KindEthernet)
	a := n.Stack()
	b := inet.New(inet.Options{Clock: n.Clock, Seed: 99, Network: n.NW, Caps: socket.AllCaps})
	t.Cleanup(func() { _ = b.Close() })
	n.Attach(a, sw.NewPort(mem.Options{}), "eth0", "198.18.0.1/24")
	n.Attach(b, sw.NewPort(mem.Options{}), "eth0", "198.18.0.2/24", "198.18.0.3/24")
	return &lan{n: n, a: a, b: b}
}

func listen(t testing.TB, s *inet.Stack, addr string) *gonet.UDPConn {
	t.Helper()
	pc, err := s.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatalf("ListenPacket %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc.(*gonet.UDPConn)
}

func dial(t testing.TB, s *inet.Stack, addr string) *gonet.UDPConn {
	t.Helper()
	c, err := s.Dial("udp4", addr)
	if err != nil {
		t.Fatalf("Dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*gonet.UDPConn)
}

// within bounds a test's wait for a goroutine's answer.
const within = 10 * time.Second

// result is what a read done on another goroutine returned.
type result struct {
	n    int
	from netip.AddrPort
	err  error
}

// readAsync reads from c on another goroutine.
func readAsync(c *gonet.UDPConn, buf []byte) <-chan result {
	ch := make(chan result, 1)
	go func() {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		ch <- result{n, from, err}
	}()
	return ch
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(within):
		t.Fatal("read did not return")
	}
	return result{}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
