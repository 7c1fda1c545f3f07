package services_test

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/services"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

var ap = netip.MustParseAddrPort

// lan is a client stack (198.18.0.1) and a server stack (198.18.0.2 and
// .3) on one switch, both allowed to bind ports below 1024, and an echo
// service on the server's port 7 (INADDR_ANY).
func lan(t *testing.T) (cli, srv *inet.Stack, echo *services.UDPEcho, s *services.Server) {
	t.Helper()
	n := testnet.New(t, nil)
	sw := n.Switch(link.KindEthernet)
	mk := func(seed uint64) *inet.Stack {
		s := inet.New(inet.Options{Seed: seed, Network: n.NW, Caps: socket.AllCaps})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	cli, srv = mk(1), mk(2)
	n.Attach(cli, sw.NewPort(mem.Options{}), "eth0", "198.18.0.1/24")
	n.Attach(srv, sw.NewPort(mem.Options{}), "eth0", "198.18.0.2/24", "198.18.0.3/24")
	s = services.NewServer(srv)
	t.Cleanup(func() { _ = s.Close() })
	echo, err := s.UDPEcho(ap("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	return cli, srv, echo, s
}

func client(t *testing.T, s *inet.Stack, bind string) *socket.Socket {
	t.Helper()
	so, err := s.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { so.Close() })
	if bind != "" {
		if err := so.BindAddr(ap(bind)); err != nil {
			t.Fatal(err)
		}
	}
	so.SetReadDeadline(time.Now().Add(10 * time.Second))
	return so
}

// TestUDPEcho: datagrams of every size up to what one Ethernet frame
// carries come back byte for byte, from the address they were sent to.
func TestUDPEcho(t *testing.T) {
	cli, _, echo, _ := lan(t)
	so := client(t, cli, "")
	buf := make([]byte, 2000)
	sizes := []int{0, 1, 2, 100, 512, 1000, 1471, 1472}
	for i, size := range sizes {
		msg := make([]byte, size)
		for j := range msg {
			msg[j] = byte(i*31 + j)
		}
		to := ap("198.18.0.2:7")
		if i%2 == 1 {
			to = ap("198.18.0.3:7")
		}
		if _, err := so.SendTo(msg, 0, to); err != nil {
			t.Fatalf("send %d bytes: %v", size, err)
		}
		n, from, err := so.RecvFrom(buf, 0)
		if err != nil || !bytes.Equal(buf[:n], msg) || from != to {
			t.Fatalf("%d bytes to %v: got %d bytes from %v (%v)", size, to, n, from, err)
		}
	}
	// An echo is counted once handed to the link, so the last may not be
	// counted yet when it arrives; another round trip orders it.
	so.SendTo([]byte("last"), 0, ap("198.18.0.2:7"))
	if _, _, err := so.RecvFrom(buf, 0); err != nil {
		t.Fatal(err)
	}
	if e := echo.Echoed(); (e != uint64(len(sizes)) && e != uint64(len(sizes)+1)) || echo.Refused() != 0 {
		t.Errorf("echoed %d refused %d, want %d (or one more) and 0", e, echo.Refused(), len(sizes))
	}
	if echo.Addr() != ap("0.0.0.0:7") {
		t.Errorf("Addr %v", echo.Addr())
	}
}

// TestUDPEchoRefusesReservedPorts: a datagram from a port below 1024 gets
// no answer; the next one from an ordinary port does.
func TestUDPEchoRefusesReservedPorts(t *testing.T) {
	cli, _, echo, _ := lan(t)
	priv := client(t, cli, "198.18.0.1:19") // chargen's port
	so := client(t, cli, "")
	if _, err := priv.SendTo([]byte("loop?"), 0, ap("198.18.0.2:7")); err != nil {
		t.Fatal(err)
	}
	if _, err := so.SendTo([]byte("ok"), 0, ap("198.18.0.2:7")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, _, err := so.RecvFrom(buf, 0); err != nil || string(buf[:n]) != "ok" {
		t.Fatalf("ordinary port: %q %v", buf[:n], err)
	}
	// The service handles datagrams in order: the refused one came first.
	if echo.Refused() != 1 {
		t.Errorf("refused %d, want 1", echo.Refused())
	}
	if _, _, err := priv.RecvFrom(buf, unix.MSG_DONTWAIT); !errors.Is(err, unix.EAGAIN) {
		t.Errorf("reserved port got an answer: %v", err)
	}
}

// TestServerClose: Close stops the service and releases its port; a
// second Close and later starts report ErrServerClosed.
func TestServerClose(t *testing.T) {
	_, srv, _, s := lan(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, services.ErrServerClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.UDPEcho(ap("0.0.0.0:8")); !errors.Is(err, services.ErrServerClosed) {
		t.Errorf("UDPEcho after Close: %v", err)
	}
	s2 := services.NewServer(srv)
	defer s2.Close()
	if _, err := s2.UDPEcho(ap("0.0.0.0:7")); err != nil {
		t.Errorf("port 7 after Close: %v", err)
	}
	if _, err := s2.UDPEcho(ap("198.18.0.2:7")); !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("port 7 twice: %v", err)
	}
}

// TestUDPEchoAllocs: the echo of a datagram, client side included,
// allocates nothing once warm.
func TestUDPEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are not checked under the race detector")
	}
	cli, _, _, _ := lan(t)
	so := client(t, cli, "")
	so.SetReadDeadline(time.Time{})
	msg, buf := make([]byte, 200), make([]byte, 2000)
	var err error
	one := func() {
		if _, e := so.SendTo(msg, 0, ap("198.18.0.2:7")); e != nil {
			err = e
		}
		if _, _, e := so.RecvFrom(buf, 0); e != nil {
			err = e
		}
	}
	for range 100 {
		one()
	}
	if n := testing.AllocsPerRun(1000, one); n != 0 || err != nil {
		t.Errorf("%v allocations per echo (%v), want 0", n, err)
	}
}
