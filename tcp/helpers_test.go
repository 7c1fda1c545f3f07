package tcp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"golang.org/x/sys/unix"
)

var ap = netip.MustParseAddrPort

// pair is two stacks on an Ethernet switch: a (198.18.0.1) and b
// (198.18.0.2).
type pair struct {
	n    *testnet.Net
	a, b *inet.Stack
}

func newPair(t *testing.T, clk clock.Clock, opts mem.Options) *pair { return newPairTB(t, clk, opts) }

func newPairTB(t testing.TB, clk clock.Clock, opts mem.Options) *pair {
	t.Helper()
	n := testnet.New(t, clk)
	a, b := n.Stack(), n.Stack()
	ea, eb := mem.Pipe(n.NW, opts)
	n.Attach(a, ea, "eth0", "198.18.0.1/24")
	n.Attach(b, eb, "eth0", "198.18.0.2/24")
	return &pair{n: n, a: a, b: b}
}

func ethOpts() mem.Options { return mem.Options{Kind: link.KindEthernet} }

func tcpSock(t *testing.T, s *inet.Stack) *inet.Socket {
	t.Helper()
	so, err := s.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { so.Close() })
	return so
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// connected returns a connected client (on a) and the accepted server
// socket (on b).
func (p *pair) connected(t *testing.T, port uint16) (cli, srv *inet.Socket) {
	t.Helper()
	ln := tcpSock(t, p.b)
	mustNil(t, ln.BindAddr(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port)))
	mustNil(t, ln.Listen(16))
	cli = tcpSock(t, p.a)
	ln.SetDeadline(time.Now().Add(10 * time.Second))
	cli.SetDeadline(time.Now().Add(10 * time.Second))
	mustNil(t, cli.ConnectAddr(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port)))
	srv, _, err := ln.Accept(0)
	mustNil(t, err)
	t.Cleanup(func() { srv.Close() })
	srv.SetDeadline(time.Now().Add(10 * time.Second))
	return cli, srv
}
