package gonet_test

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/gonet"
)

// TestEchoRoundTrip: a datagram out through net.Conn's Write, read by a
// net.PacketConn, sent back with WriteTo and read with Read, with the
// addresses package net would report.
func TestEchoRoundTrip(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.b, "198.18.0.2:7000")
	cli := dial(t, l.a, "198.18.0.2:7000")

	la, ok := cli.LocalAddr().(*net.UDPAddr)
	if !ok || !la.IP.Equal(net.IPv4(198, 18, 0, 1)) || la.Port < 32768 || len(la.IP) != 4 {
		t.Fatalf("client LocalAddr %#v", cli.LocalAddr())
	}
	if ra := cli.RemoteAddr(); ra.String() != "198.18.0.2:7000" || ra.Network() != "udp" {
		t.Fatalf("client RemoteAddr %v", ra)
	}
	if srv.RemoteAddr() != nil {
		t.Fatalf("unconnected RemoteAddr %#v, want nil", srv.RemoteAddr())
	}
	if got := srv.LocalAddr().String(); got != "198.18.0.2:7000" {
		t.Fatalf("server LocalAddr %s", got)
	}

	deadline := time.Now().Add(within)
	srv.SetDeadline(deadline)
	cli.SetDeadline(deadline)
	if n, err := cli.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("Write: %d %v", n, err)
	}
	buf := make([]byte, 100)
	n, from, err := srv.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" || from.String() != la.String() {
		t.Fatalf("ReadFrom: %q from %v, %v", buf[:n], from, err)
	}
	if n, err := srv.WriteTo([]byte("world"), from); n != 5 || err != nil {
		t.Fatalf("WriteTo: %d %v", n, err)
	}
	n, err = cli.Read(buf)
	if err != nil || string(buf[:n]) != "world" {
		t.Fatalf("Read: %q %v", buf[:n], err)
	}
	// The netip variants.
	if _, err := srv.WriteToUDPAddrPort([]byte("again"), netip.MustParseAddrPort(from.String())); err != nil {
		t.Fatal(err)
	}
	n, from2, err := cli.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "again" || from2 != ap("198.18.0.2:7000") {
		t.Fatalf("ReadFromUDPAddrPort: %q from %v, %v", buf[:n], from2, err)
	}
}

// TestListenAnyAndLoopback: ":0" binds INADDR_ANY and an ephemeral port;
// a dial to ":port" reaches this host (Linux connects 0.0.0.0 to
// 127.0.0.1), and "localhost" is 127.0.0.1.
func TestListenAnyAndLoopback(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.a, ":0")
	la := srv.LocalAddr().(*net.UDPAddr)
	if !la.IP.Equal(net.IPv4zero) || la.Port < 32768 || la.Port > 60999 {
		t.Fatalf("LocalAddr %v, want 0.0.0.0 and a port of ip_local_port_range", la)
	}
	port := la.Port
	for _, addr := range []string{":" + strconv.Itoa(port), "localhost:" + strconv.Itoa(port), "0.0.0.0:" + strconv.Itoa(port)} {
		cli := dial(t, l.a, addr)
		if got := cli.RemoteAddr().String(); got != "127.0.0.1:"+strconv.Itoa(port) {
			t.Errorf("Dial %s: RemoteAddr %s, want 127.0.0.1:%d", addr, got, port)
		}
		cli.SetDeadline(time.Now().Add(within))
		srv.SetDeadline(time.Now().Add(within))
		if _, err := cli.Write([]byte(addr)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, from, err := srv.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != addr || from.String() != cli.LocalAddr().String() {
			t.Errorf("Dial %s: server read %q from %v, %v", addr, buf[:n], from, err)
		}
	}
}

// TestTruncation: a datagram longer than the buffer fills it and the rest
// is lost; ReadMsg reports MSG_TRUNC.
func TestTruncation(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.b, "198.18.0.2:7000")
	cli := dial(t, l.a, "198.18.0.2:7000")
	srv.SetDeadline(time.Now().Add(within))
	cli.Write([]byte("0123456789"))
	cli.Write([]byte("abcdefghij"))
	buf := make([]byte, 4)
	n, _, err := srv.ReadFrom(buf)
	if n != 4 || err != nil || string(buf) != "0123" {
		t.Fatalf("ReadFrom: %d %q %v", n, buf, err)
	}
	n, _, flags, _, err := srv.ReadMsgUDPAddrPort(buf, nil)
	if n != 4 || err != nil || flags&0x20 == 0 { // MSG_TRUNC
		t.Fatalf("ReadMsg: %d flags %#x %v", n, flags, err)
	}
}

// TestConcurrent runs readers and writers at once on both sides, for the
// race detector, and checks every datagram arrives once and intact.
func TestConcurrent(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.b, "198.18.0.2:7000")
	const writers, each = 4, 50
	clis := make([]*gonet.UDPConn, writers)
	for i := range clis {
		clis[i] = dial(t, l.a, "198.18.0.2:7000")
		clis[i].SetDeadline(time.Now().Add(within))
	}
	srv.SetDeadline(time.Now().Add(within))
	// Two server goroutines echo everything.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			for {
				n, from, err := srv.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if _, err := srv.WriteToUDPAddrPort(buf[:n], from); err != nil {
					t.Errorf("echo: %v", err)
					return
				}
			}
		}()
	}
	var cw sync.WaitGroup
	for i, c := range clis {
		cw.Add(2)
		go func() {
			defer cw.Done()
			for j := range each {
				if _, err := c.Write([]byte{byte(i), byte(j)}); err != nil {
					t.Errorf("write: %v", err)
					return
				}
			}
		}()
		go func() {
			defer cw.Done()
			seen := make([]bool, each)
			buf := make([]byte, 64)
			for range each {
				n, err := c.Read(buf)
				if err != nil || n != 2 || buf[0] != byte(i) || seen[buf[1]] {
					t.Errorf("client %d read % x, %v", i, buf[:n], err)
					return
				}
				seen[buf[1]] = true
			}
		}()
	}
	cw.Wait()
	srv.Close()
	wg.Wait()
}

// TestWriteMsgAndReadMsgBytes: the Msg calls carry payload and
// destination like the others.
func TestWriteMsgAndReadMsgBytes(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.b, ":7000")
	cli := listen(t, l.a, ":0")
	srv.SetDeadline(time.Now().Add(within))
	n, oobn, err := cli.WriteMsgUDPAddrPort([]byte("msg"), nil, ap("198.18.0.2:7000"))
	if n != 3 || oobn != 0 || err != nil {
		t.Fatalf("WriteMsg: %d %d %v", n, oobn, err)
	}
	buf := make([]byte, 16)
	n, _, _, from, err := srv.ReadMsgUDP(buf, nil)
	if err != nil || !bytes.Equal(buf[:n], []byte("msg")) || from.Port != cli.LocalAddr().(*net.UDPAddr).Port {
		t.Fatalf("ReadMsgUDP: %q from %v, %v", buf[:n], from, err)
	}
}
