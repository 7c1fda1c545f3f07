package bench

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/stack"

	"gvisor.dev/gvisor/pkg/tcpip"
	gvgonet "gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/pipe"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	gvstack "gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// A world is one implementation under test: two hosts (a client and a
// server) that talk over an in-memory link (inet, gVisor), or the
// kernel's loopback in a namespace of the benchmark's own. Everything is
// reached through package net's interfaces, so one benchmark body serves
// all three.
type world struct {
	name string
	// listen returns a TCP listener on the server; dial connects to it
	// from the client.
	listen func(b *testing.B) net.Listener
	dial   func(b *testing.B, addr net.Addr) net.Conn
	// udp returns a connected client socket and the server socket it
	// sends to.
	udp func(b *testing.B) (tx net.Conn, rx net.PacketConn)
	// do runs f where the world's sockets may be made (inside the
	// namespace for the kernel).
	do func(f func())
	// close closes the hosts (once; also at the benchmark's cleanup).
	close func()
}

// closer runs fs once, in reverse order, however often it is called.
func closer(b *testing.B, fs ...func()) func() {
	var once sync.Once
	f := func() {
		once.Do(func() {
			for i := len(fs) - 1; i >= 0; i-- {
				fs[i]()
			}
		})
	}
	b.Cleanup(f)
	return f
}

// worlds are built lazily per benchmark: each b.Run gets fresh hosts.
var worlds = []struct {
	name string
	make func(b *testing.B) *world
}{
	{"inet", inetWorld},
	{"gvisor", gvisorWorld},
	{"kernel", kernelWorld},
}

// eachWorld runs body once per world as a sub-benchmark; skip lists worlds
// the measurement does not apply to.
func eachWorld(b *testing.B, body func(b *testing.B, w *world), skip ...string) {
	for _, wm := range worlds {
		skipped := false
		for _, s := range skip {
			skipped = skipped || s == wm.name
		}
		if skipped {
			continue
		}
		b.Run(wm.name, func(b *testing.B) { body(b, wm.make(b)) })
	}
}

var (
	clientAddr = netip.MustParseAddr("198.18.0.1")
	serverAddr = netip.MustParseAddr("198.18.0.2")
)

// inetWorld is two inet stacks on an in-memory IP pipe (MTU 1500, no ARP),
// driven through inet's gonet adapters.
func inetWorld(b *testing.B) *world {
	nw := mem.NewNetwork()
	mk := func(seed uint64, ep *mem.Endpoint, a netip.Addr) *inet.Stack {
		s := inet.New(inet.Options{Network: nw, Seed: seed})
		nic, err := s.AddInterface(ep, stack.InterfaceOptions{Name: "mem0"})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.AddAddress(nic.Index(), netip.PrefixFrom(a, 24)); err != nil {
			b.Fatal(err)
		}
		return s
	}
	ea, eb := mem.Pipe(nw, mem.Options{})
	cli, srv := mk(1, ea, clientAddr), mk(2, eb, serverAddr)
	return &world{
		name:  "inet",
		close: closer(b, func() { cli.Close() }, func() { srv.Close() }),
		listen: func(b *testing.B) net.Listener {
			ln, err := srv.Listen("tcp4", "198.18.0.2:0")
			if err != nil {
				b.Fatal(err)
			}
			return ln
		},
		dial: func(b *testing.B, addr net.Addr) net.Conn {
			c, err := cli.DialContext(context.Background(), "tcp4", addr.String())
			if err != nil {
				b.Error(err)
				return nil
			}
			return c
		},
		udp: func(b *testing.B) (net.Conn, net.PacketConn) {
			rx, err := srv.ListenPacket("udp4", "198.18.0.2:7000")
			if err != nil {
				b.Fatal(err)
			}
			tx, err := cli.Dial("udp4", "198.18.0.2:7000")
			if err != nil {
				b.Fatal(err)
			}
			return tx, rx
		},
		do: func(f func()) { f() },
	}
}

// gvisorWorld is two gVisor stacks on gVisor's in-memory pipe (MTU 1500),
// with SACK on as Linux has it, driven through gVisor's gonet adapters.
func gvisorWorld(b *testing.B) *world {
	ea, eb := pipe.New("", "", 1500)
	mk := func(ep gvstack.LinkEndpoint, a netip.Addr) *gvstack.Stack {
		s := gvstack.New(gvstack.Options{
			NetworkProtocols:   []gvstack.NetworkProtocolFactory{ipv4.NewProtocol},
			TransportProtocols: []gvstack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol},
		})
		sack := tcpip.TCPSACKEnabled(true)
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateNIC(1, ep); err != nil {
			b.Fatal(err)
		}
		pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(a.As4()), PrefixLen: 24}}
		if err := s.AddProtocolAddress(1, pa, gvstack.AddressProperties{}); err != nil {
			b.Fatal(err)
		}
		s.SetRouteTable([]tcpip.Route{{Destination: pa.AddressWithPrefix.Subnet(), NIC: 1}})
		return s
	}
	cli, srv := mk(ea, clientAddr), mk(eb, serverAddr)
	stop := func(s *gvstack.Stack) func() { return func() { s.Close(); s.Wait() } }
	full := func(a netip.AddrPort) tcpip.FullAddress {
		return tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFrom4(a.Addr().As4()), Port: a.Port()}
	}
	return &world{
		name:  "gvisor",
		close: closer(b, stop(cli), stop(srv)),
		listen: func(b *testing.B) net.Listener {
			ln, err := gvgonet.ListenTCP(srv, full(netip.AddrPortFrom(serverAddr, 8000)), ipv4.ProtocolNumber)
			if err != nil {
				b.Fatal(err)
			}
			return ln
		},
		dial: func(b *testing.B, addr net.Addr) net.Conn {
			ap := addr.(*net.TCPAddr).AddrPort()
			c, err := gvgonet.DialContextTCP(context.Background(), cli, full(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())), ipv4.ProtocolNumber)
			if err != nil {
				b.Error(err)
				return nil
			}
			return c
		},
		udp: func(b *testing.B) (net.Conn, net.PacketConn) {
			la := full(netip.AddrPortFrom(serverAddr, 7000))
			rx, err := gvgonet.DialUDP(srv, &la, nil, ipv4.ProtocolNumber)
			if err != nil {
				b.Fatal(err)
			}
			tx, err := gvgonet.DialUDP(cli, nil, &la, ipv4.ProtocolNumber)
			if err != nil {
				b.Fatal(err)
			}
			return tx, rx
		},
		do: func(f func()) { f() },
	}
}

// kernelWorld is the kernel's loopback inside a network namespace made for
// the benchmark (root only; skipped otherwise), driven through package
// net.
func kernelWorld(b *testing.B) *world {
	ns := nstest.New(b)
	do := func(f func()) {
		if err := ns.Do(func() error { f(); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	return &world{
		name:  "kernel",
		close: func() {}, // nstest removes the namespace
		listen: func(b *testing.B) (ln net.Listener) {
			var err error
			do(func() { ln, err = net.Listen("tcp4", "127.0.0.1:0") })
			if err != nil {
				b.Fatal(err)
			}
			return ln
		},
		dial: func(b *testing.B, addr net.Addr) net.Conn {
			// The caller runs inside do: the socket is the namespace's.
			c, err := net.Dial("tcp4", addr.String())
			if err != nil {
				b.Error(err)
				return nil
			}
			return c
		},
		udp: func(b *testing.B) (tx net.Conn, rx net.PacketConn) {
			var err1, err2 error
			do(func() {
				rx, err1 = net.ListenPacket("udp4", "127.0.0.1:7000")
				tx, err2 = net.Dial("udp4", "127.0.0.1:7000")
			})
			if err1 != nil || err2 != nil {
				b.Fatal(err1, err2)
			}
			return tx, rx
		},
		do: do,
	}
}

// connPair returns a connected client and the server's end of it.
func connPair(b *testing.B, w *world) (cli, srv net.Conn) {
	ln := w.listen(b)
	b.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			b.Error(err)
		}
		accepted <- c
	}()
	w.do(func() { cli = w.dial(b, ln.Addr()) })
	srv = <-accepted
	if cli == nil || srv == nil {
		b.FailNow()
	}
	b.Cleanup(func() { cli.Close(); srv.Close() })
	return cli, srv
}
