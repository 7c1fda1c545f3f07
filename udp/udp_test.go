package udp_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

var ap = netip.MustParseAddrPort

func udpSock(t testing.TB, s *inet.Stack) *inet.Socket {
	t.Helper()
	so, err := s.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { so.Close() })
	return so
}

func pair(t testing.TB) (*testnet.Net, *inet.Stack, *inet.Stack) {
	n := testnet.New(t, nil)
	sw := n.Switch(link.KindEthernet)
	a, b := n.Stack(), n.Stack()
	n.Attach(a, sw.NewPort(memOpts()), "eth0", "198.18.0.1/24")
	n.Attach(b, sw.NewPort(memOpts()), "eth0", "198.18.0.2/24")
	return n, a, b
}

func TestEchoAcrossLink(t *testing.T) {
	_, a, b := pair(t)
	srv := udpSock(t, b)
	if err := srv.BindAddr(ap("0.0.0.0:7000")); err != nil {
		t.Fatal(err)
	}
	cli := udpSock(t, a)
	if _, err := cli.SendTo([]byte("hello"), 0, ap("198.18.0.2:7000")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := srv.RecvFrom(buf, 0)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("recv %q %v", buf[:n], err)
	}
	local, _ := cli.GetSockName()
	if from.Addr() != netip.MustParseAddr("198.18.0.1") || from.Port() != local.Port() || local.Port() < 32768 {
		t.Fatalf("from %v local %v", from, local)
	}
	if _, err := srv.SendTo([]byte("world"), 0, from); err != nil {
		t.Fatal(err)
	}
	cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = cli.RecvFrom(buf, 0)
	if err != nil || string(buf[:n]) != "world" {
		t.Fatalf("reply %q %v", buf[:n], err)
	}
}

func TestPortUnreachableToConnectedSocket(t *testing.T) {
	_, a, _ := pair(t)
	cli := udpSock(t, a)
	if err := cli.ConnectAddr(ap("198.18.0.2:9")); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Send([]byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := cli.Recv(make([]byte, 10), 0)
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("recv after port unreachable: %v, want ECONNREFUSED", err)
	}
	if v, _ := a.Stats().Get("Icmp:InDestUnreachs"); v != 1 {
		t.Errorf("InDestUnreachs %d", v)
	}
}

func TestRecvErrQueue(t *testing.T) {
	n, a, _ := pair(t)
	cli := udpSock(t, a)
	if err := cli.SetsockoptInt(unix.SOL_IP, unix.IP_RECVERR, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.SendTo([]byte("payload"), 0, ap("198.18.0.2:9")); err != nil {
		t.Fatal(err)
	}
	n.Idle()
	if ev := cli.Poll(socket.EventIn); ev&socket.EventErr == 0 {
		t.Fatalf("poll %#x, want POLLERR", ev)
	}
	m := socket.Msg{Buf: make([]byte, 100), Control: make([]byte, 200), Flags: unix.MSG_ERRQUEUE}
	got, err := cli.RecvMsg(&m)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Buf[:got]) != "payload" || m.Addr != ap("198.18.0.2:9") || m.OutFlags&unix.MSG_ERRQUEUE == 0 {
		t.Fatalf("errqueue read %q addr %v flags %#x", m.Buf[:got], m.Addr, m.OutFlags)
	}
	cms, err := socket.ParseCmsgs(m.Control[:m.ControlLen])
	if err != nil || len(cms) != 1 || cms[0].Level != unix.SOL_IP || cms[0].Type != unix.IP_RECVERR {
		t.Fatalf("cmsgs %+v %v", cms, err)
	}
	d := cms[0].Data
	if d[0] != byte(unix.ECONNREFUSED) || d[4] != socket.OriginICMP || d[5] != 3 || d[6] != 3 {
		t.Fatalf("sock_extended_err % x", d)
	}
	// Reading the ICMP error from the queue cleared the pending error
	// (sock_dequeue_err_skb), as difftest's port-unreachable cases show.
	if _, err := cli.Recv(make([]byte, 10), unix.MSG_DONTWAIT); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("recv: %v", err)
	}
}

func TestBindRules(t *testing.T) {
	_, a, _ := pair(t)
	s1, s2 := udpSock(t, a), udpSock(t, a)
	if err := s1.BindAddr(ap("0.0.0.0:5000")); err != nil {
		t.Fatal(err)
	}
	if err := s2.BindAddr(ap("198.18.0.1:5000")); !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("specific over wildcard: %v", err)
	}
	if err := s2.BindAddr(ap("198.18.0.99:5001")); !errors.Is(err, unix.EADDRNOTAVAIL) {
		t.Fatalf("non-local: %v", err)
	}
	if err := s2.BindAddr(ap("0.0.0.0:80")); !errors.Is(err, unix.EACCES) {
		t.Fatalf("privileged port: %v", err)
	}
	if err := s1.BindAddr(ap("0.0.0.0:5002")); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("double bind: %v", err)
	}
	if err := s2.Bind([]byte{2, 0}); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("short sockaddr: %v", err)
	}
	sa := socket.SockaddrBytes(ap("0.0.0.0:5003"))
	sa[0] = 10 // AF_INET6
	if err := s2.Bind(sa); !errors.Is(err, unix.EAFNOSUPPORT) {
		t.Fatalf("wrong family: %v", err)
	}
}

func TestBroadcastNeedsSOBroadcast(t *testing.T) {
	_, a, _ := pair(t)
	s := udpSock(t, a)
	if _, err := s.SendTo([]byte("x"), 0, ap("198.18.0.255:9")); !errors.Is(err, unix.EACCES) {
		t.Fatalf("broadcast without SO_BROADCAST: %v", err)
	}
	s.SetsockoptInt(unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
	if _, err := s.SendTo([]byte("x"), 0, ap("198.18.0.255:9")); err != nil {
		t.Fatalf("broadcast with SO_BROADCAST: %v", err)
	}
}
