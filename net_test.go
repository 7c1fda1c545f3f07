package inet_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"testing"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/stack"
	"golang.org/x/sys/unix"
)

// TestStackListenPacketAndDial: the root package's ListenPacket and
// DialContext hand out gonet connections that talk to each other across a
// link, and refuse networks the stack does not serve yet as net does.
func TestStackListenPacketAndDial(t *testing.T) {
	h := newThreeHosts(t)
	pc, err := h.bob.ListenPacket("udp", ":5353")
	mustOK(t, err)
	defer pc.Close()
	if _, ok := pc.(*gonet.UDPConn); !ok {
		t.Fatalf("ListenPacket gave %T", pc)
	}
	c, err := h.alice.DialContext(ctx(t), "udp", "198.18.2.2:5353")
	mustOK(t, err)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	pc.SetDeadline(deadline)
	c.SetDeadline(deadline)
	if _, err := c.Write([]byte("across the router")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, from, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "across the router" || from.String() != c.LocalAddr().String() {
		t.Fatalf("ReadFrom: %q from %v (%v), want from %v", buf[:n], from, err, c.LocalAddr())
	}
	for _, network := range []string{"tcp", "udp6", "unix"} {
		_, err := h.alice.Dial(network, "198.18.2.2:80")
		if network == "tcp" {
			// A stream: Dial serves it, ListenPacket does not.
			if !errors.Is(err, unix.ECONNREFUSED) {
				t.Errorf("Dial(tcp) to a closed port: %v, want ECONNREFUSED", err)
			}
			_, err = h.alice.ListenPacket(network, ":0")
			var ue net.UnknownNetworkError
			if !errors.As(err, &ue) {
				t.Errorf("ListenPacket(tcp): %v, want net.UnknownNetworkError", err)
			}
			continue
		}
		var ue net.UnknownNetworkError
		var oe *net.OpError
		if !errors.As(err, &oe) || oe.Op != "dial" || !errors.As(err, &ue) {
			t.Errorf("Dial(%s): %v, want net.UnknownNetworkError in a dial *net.OpError", network, err)
		}
		_, err = h.alice.ListenPacket(network, ":0")
		if !errors.As(err, &oe) || oe.Op != "listen" || !errors.As(err, &ue) {
			t.Errorf("ListenPacket(%s): %v, want net.UnknownNetworkError in a listen *net.OpError", network, err)
		}
	}
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.alice.DialContext(cctx, "udp4", "198.18.2.2:5353"); !errors.Is(err, context.Canceled) {
		t.Errorf("DialContext with a canceled context: %v", err)
	}
}

// Example shows a stack used through package net's interfaces: a
// net.PacketConn on one host, a net.Conn on the other.
func ExampleStack_ListenPacket() {
	nw := mem.NewNetwork()
	sw := mem.NewSwitch(nw, link.KindEthernet)
	host := func(cidr string) *inet.Stack {
		s := inet.New(inet.Options{Network: nw})
		nic, _ := s.AddInterface(sw.NewPort(mem.Options{}), stack.InterfaceOptions{})
		s.AddAddress(nic.Index(), netip.MustParsePrefix(cidr))
		return s
	}
	server, client := host("198.18.0.2/24"), host("198.18.0.1/24")
	defer server.Close()
	defer client.Close()

	pc, _ := server.ListenPacket("udp", "198.18.0.2:9000")
	defer pc.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			pc.WriteTo(buf[:n], from)
		}
	}()

	c, _ := client.Dial("udp", "198.18.0.2:9000")
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("hello"))
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	fmt.Printf("%q from %v, %v\n", buf[:n], c.RemoteAddr(), err)
	// Output: "hello" from 198.18.0.2:9000, <nil>
}
