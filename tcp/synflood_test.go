package tcp_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// TestSYNFlood floods a listener (backlog 128) with SYNs from spoofed
// addresses on an IP hub: the SYN queue takes 129 requests, every later
// SYN is answered with a cookie and leaves no state; a real client on the
// same hub then connects (through a cookie) and exchanges data.
func TestSYNFlood(t *testing.T) {
	clk := clock.NewManual()
	n := testnet.New(t, clk)
	hub := n.Switch(link.KindIP)
	srv, cli := n.Stack(), n.Stack()
	n.Attach(srv, hub.NewPort(mem.Options{}), "hub0", "198.18.0.1/24")
	n.Attach(cli, hub.NewPort(mem.Options{}), "hub0", "198.18.0.3/24")
	probe := &testnet.Probe{EP: hub.NewPort(mem.Options{})}
	mustNil(t, probe.EP.Attach(probe))
	ln, err := srv.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	mustNil(t, err)
	mustNil(t, ln.BindAddr(netip.MustParseAddrPort("198.18.0.1:8080")))
	mustNil(t, ln.Listen(128))
	n.Idle()
	probe.Take()
	c0 := srv.Stats().Snapshot()

	const flood = 5000
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < flood; i++ {
		src := netip.AddrFrom4([4]byte{198, 18, 0, byte(100 + rng.IntN(100))})
		s := seg{sport: uint16(1024 + rng.IntN(60000)), dport: 8080, seq: rng.Uint32(), flags: fSYN, win: 65535,
			opts: cat(oMSS(1460), oSACKOK(), oWS(7))}
		probe.Send(s.build(src, netip.MustParseAddr("198.18.0.1")))
		if i%500 == 0 {
			n.Idle()
		}
	}
	n.Idle()
	synacks := 0
	for _, b := range probe.Take() {
		if s, ok := parseSeg(b); ok && s.flags == fSYN|fACK {
			synacks++
		}
	}
	if synacks != flood {
		t.Errorf("%d SYN-ACKs for %d SYNs", synacks, flood)
	}

	// A real client connects through the flood.
	c, err := cli.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	mustNil(t, err)
	if err := c.ConnectAddr(netip.MustParseAddrPort("198.18.0.1:8080")); err != unix.EINPROGRESS {
		t.Fatal(err)
	}
	n.Idle()
	a, _, err := ln.Accept(unix.SOCK_NONBLOCK)
	if err != nil {
		t.Fatalf("accept after the flood: %v", err)
	}
	if _, err := c.Send([]byte("through the flood"), 0); err != nil {
		t.Fatal(err)
	}
	n.Idle()
	buf := make([]byte, 64)
	if k, err := a.Recv(buf, 0); err != nil || string(buf[:k]) != "through the flood" {
		t.Fatalf("recv %q %v", buf[:k], err)
	}
	d := delta(c0, srv.Stats().Snapshot())
	cookies := int64(flood - 129 + 1)
	if d["TcpExt:TCPReqQFullDoCookies"] != cookies || d["TcpExt:SyncookiesSent"] != cookies ||
		d["TcpExt:SyncookiesRecv"] != 1 || d["Tcp:PassiveOpens"] != 1 || d["TcpExt:ListenDrops"] != 0 {
		t.Errorf("counters %s", fmtDelta(d))
	}
	// The flood's requests die after tcp_synack_retries.
	clk.Advance(2 * time.Minute)
	n.Idle()
	_ = wire.TCPFlagSYN
}
