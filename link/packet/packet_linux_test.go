package packet_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/packet"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

var (
	kernelAddr = netip.MustParseAddr("198.18.0.1")
	ourAddr    = netip.MustParseAddr("198.18.0.2")
)

// queue is a Dispatcher that passes frames to a channel.
type queue chan *pkt.Buffer

func (q queue) DeliverBatch(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		select {
		case q <- b:
		default:
			b.Release()
		}
	}
}

// frame is a received frame, copied, with its packet type.
type frame struct {
	eth     wire.Ethernet
	pktType uint8
}

// next returns the first frame match accepts, releasing the others; it
// fails the test when ctx ends first. Frames skipped are passed to skip,
// when set.
func (q queue) next(t *testing.T, ctx context.Context, what string, match func(frame) bool) frame {
	t.Helper()
	for {
		select {
		case b := <-q:
			f := frame{append(wire.Ethernet(nil), b.Bytes()...), b.PktType}
			b.Release()
			if len(f.eth) >= wire.EthernetHeaderLen && match(f) {
				return f
			}
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

func (f frame) ipv4() (wire.IPv4, bool) {
	if f.eth.EtherType() != wire.EtherTypeIPv4 {
		return nil, false
	}
	ip, err := wire.ParseIPv4(f.eth.Payload())
	return ip, err == nil
}

func (f frame) icmp() (wire.IPv4, wire.ICMP, bool) {
	ip, ok := f.ipv4()
	if !ok || ip.Protocol() != wire.ProtoICMP {
		return nil, nil, false
	}
	m, err := wire.ParseICMP(ip.Payload())
	return ip, m, err == nil
}

// lab is a namespace with a veth pair: the kernel's veth0 with
// 198.18.0.1/24, and our veth1 up without an address, opened by the
// endpoint.
type lab struct {
	ns        *nstest.NS
	ep        *packet.Endpoint
	q         queue
	kernelMAC wire.MAC
	ourMAC    wire.MAC
}

func newLab(t *testing.T) *lab {
	t.Helper()
	ns := nstest.New(t)
	ns.MustRun("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "veth0")
	ns.MustRun("ip", "link", "set", "veth0", "up")
	var ep *packet.Endpoint
	if err := ns.Do(func() (err error) {
		ep, err = packet.Open("veth1", packet.Options{Up: true})
		return err
	}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ep.Close() })
	k, err := net.ParseMAC(strings.TrimSpace(string(ns.MustRun("cat", "/sys/class/net/veth0/address"))))
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{ns: ns, ep: ep, q: make(queue, 1024)}
	l.kernelMAC, _ = wire.MACFrom(k)
	l.ourMAC, _ = wire.MACFrom(ep.HardwareAddr())
	out := string(ns.MustRun("ip", "link", "show", "veth1"))
	if !strings.Contains(out, l.ourMAC.String()) || !strings.Contains(out, ",UP") {
		t.Fatalf("endpoint MAC %v or Up not matching: %s", l.ourMAC, out)
	}
	if ep.Kind() != link.KindEthernet || ep.MTU() != 1500 || ep.Name() != "veth1" {
		t.Fatalf("kind %v mtu %d name %q", ep.Kind(), ep.MTU(), ep.Name())
	}
	if err := ep.Attach(l.q); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *lab) send(t *testing.T, etherType uint16, dst wire.MAC, payload []byte) {
	t.Helper()
	b := pkt.Get(pkt.DefaultHeadroom, wire.EthernetHeaderLen+len(payload))
	h := wire.EthernetHeader{Dst: dst, Src: l.ourMAC, EtherType: etherType}
	h.Emit(b.Bytes())
	copy(b.Bytes()[wire.EthernetHeaderLen:], payload)
	if n, err := l.ep.WriteBatch([]*pkt.Buffer{b}); n != 1 || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
}

// The kernel pings us: we see its ARP request, answer it, see the echo
// request addressed to our MAC, answer it, and ping succeeds.
func TestPacketKernelPing(t *testing.T) {
	nstest.RequireTool(t, "ping")
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ping := l.ns.Command(ctx, "ping", "-c", "1", "-W", "10", ourAddr.String())
	var out bytes.Buffer
	ping.Stdout, ping.Stderr = &out, &out
	if err := ping.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- ping.Wait() }()
	t.Cleanup(func() {
		_ = ping.Process.Kill()
		<-exited
	})

	req := l.q.next(t, ctx, "the kernel's ARP request", func(f frame) bool {
		a, err := wire.ParseARP(f.eth.Payload())
		return f.eth.EtherType() == wire.EtherTypeARP && err == nil && a.Op() == wire.ARPRequest && a.TargetIP() == ourAddr
	})
	if req.pktType != pkt.PacketBroadcast || req.eth.Dst() != wire.BroadcastMAC || req.eth.Src() != l.kernelMAC {
		t.Errorf("ARP request: type %d dst %v src %v", req.pktType, req.eth.Dst(), req.eth.Src())
	}
	reply := make([]byte, wire.ARPLen)
	ah := wire.ARPHeader{Op: wire.ARPReply, SenderMAC: l.ourMAC, SenderIP: ourAddr, TargetMAC: l.kernelMAC, TargetIP: kernelAddr}
	ah.Emit(reply)
	l.send(t, wire.EtherTypeARP, l.kernelMAC, reply)

	echo := l.q.next(t, ctx, "the kernel's echo request", func(f frame) bool {
		_, m, ok := f.icmp()
		return ok && m.Type() == wire.ICMPEcho
	})
	ip, m, _ := echo.icmp()
	if echo.pktType != pkt.PacketHost || echo.eth.Dst() != l.ourMAC || ip.Src() != kernelAddr || ip.Dst() != ourAddr {
		t.Errorf("echo request: type %d dst %v, %v -> %v", echo.pktType, echo.eth.Dst(), ip.Src(), ip.Dst())
	}
	n := wire.IPv4MinHeaderLen + len(m)
	p := make([]byte, n)
	ih := wire.IPv4Header{TotalLen: n, ID: 99, TTL: 64, Protocol: wire.ProtoICMP, Src: ourAddr, Dst: kernelAddr}
	ih.Emit(p)
	copy(p[20:], m)
	p[20] = wire.ICMPEchoReply
	wire.ICMP(p[20:]).ComputeChecksum()
	l.send(t, wire.EtherTypeIPv4, l.kernelMAC, p)

	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("ping failed: %v\n%s", err, out.String())
		}
	case <-ctx.Done():
		t.Fatal("ping did not finish")
	}
}

// The kernel's UDP and TCP frames cross a veth with partial checksums
// (veth offers checksum offload); the endpoint completes them. Frames to
// another MAC arrive as otherhost, and our own transmissions never come
// back.
func TestPacketChecksumsAndTypes(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l.ns.MustRun("ip", "neigh", "add", "198.18.0.2", "lladdr", l.ourMAC.String(), "dev", "veth0", "nud", "permanent")
	l.ns.MustRun("ip", "neigh", "add", "198.18.0.3", "lladdr", "02:00:00:00:00:99", "dev", "veth0", "nud", "permanent")

	// Frames leaving veth1 first: ours (a packet socket never sees its
	// own, skb_loop_sk) and another socket's, which the kernel shows to
	// taps as PACKET_OUTGOING. Were they delivered they would arrive
	// before the kernel's frames.
	for range 3 {
		l.send(t, 0x88b5, wire.BroadcastMAC, make([]byte, 46))
	}
	payload := []byte("checksum me")
	err := l.ns.Do(func() error {
		o, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(o)
		f := make([]byte, 60)
		h := wire.EthernetHeader{Dst: wire.BroadcastMAC, Src: l.ourMAC, EtherType: 0x88b5}
		h.Emit(f)
		to := &unix.SockaddrLinklayer{Ifindex: l.ep.Index(), Halen: 6, Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
		for range 3 {
			if err := unix.Sendto(o, f, 0, to); err != nil {
				return err
			}
		}
		s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(s)
		for _, a := range []netip.Addr{ourAddr, netip.MustParseAddr("198.18.0.3")} {
			if err := unix.Sendto(s, payload, 0, &unix.SockaddrInet4{Port: 9, Addr: a.As4()}); err != nil {
				return err
			}
		}
		t, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(t)
		if err := unix.Connect(t, &unix.SockaddrInet4{Port: 80, Addr: ourAddr.As4()}); !errors.Is(err, unix.EINPROGRESS) {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		proto   uint8
		dst     netip.Addr
		pktType uint8
	}{
		{wire.ProtoUDP, ourAddr, pkt.PacketHost},
		{wire.ProtoUDP, netip.MustParseAddr("198.18.0.3"), pkt.PacketOtherHost},
		{wire.ProtoTCP, ourAddr, pkt.PacketHost},
	}
	for _, w := range want {
		f := l.q.next(t, ctx, "the kernel's frames", func(f frame) bool {
			if f.eth.EtherType() == 0x88b5 {
				t.Errorf("our own frame came back")
			}
			ip, ok := f.ipv4()
			return ok && (ip.Protocol() == wire.ProtoUDP || ip.Protocol() == wire.ProtoTCP)
		})
		ip, _ := f.ipv4()
		if ip.Protocol() != w.proto || ip.Dst() != w.dst || f.pktType != w.pktType {
			t.Errorf("got proto %d to %v type %d, want %d to %v type %d", ip.Protocol(), ip.Dst(), f.pktType, w.proto, w.dst, w.pktType)
			continue
		}
		seg := ip.Payload()
		if sum := wire.Sum(seg, wire.PseudoHeaderSum(ip.Src(), ip.Dst(), ip.Protocol(), len(seg))); sum != 0xffff {
			t.Errorf("proto %d: checksum does not verify (sum %#04x)", w.proto, sum)
		}
	}
	if s := l.ep.Stats(); s.TxPackets != 3 || s.RxGSO != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestPacketCloseAndErrors(t *testing.T) {
	l := newLab(t)
	// Oversize and runt frames are refused.
	big := pkt.Get(pkt.DefaultHeadroom, 1500+wire.EthernetHeaderLen+5)
	clear(big.Bytes())
	if n, err := l.ep.WriteBatch([]*pkt.Buffer{big}); n != 0 || !errors.Is(err, unix.EMSGSIZE) {
		t.Errorf("oversize frame: %d, %v", n, err)
	}
	if n, err := l.ep.WriteBatch([]*pkt.Buffer{pkt.Get(0, 10)}); n != 0 || !errors.Is(err, unix.EINVAL) {
		t.Errorf("runt frame: %d, %v", n, err)
	}
	closed := make(chan error, 1)
	go func() { closed <- l.ep.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not interrupt the blocked read")
	}
	if n, err := l.ep.WriteBatch([]*pkt.Buffer{pkt.Get(0, 60)}); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %d, %v", n, err)
	}

	for _, c := range []struct{ name, want string }{
		{"nosuch0", "no such device"},
		{"lo", "not an Ethernet interface"},
		{"a-name-that-is-too-long", "longer than"},
	} {
		err := l.ns.Do(func() error {
			ep, err := packet.Open(c.name, packet.Options{})
			if err == nil {
				ep.Close()
			}
			return err
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q): %v, want %q", c.name, err, c.want)
		}
	}
}

type dispatchFunc func([]*pkt.Buffer)

func (f dispatchFunc) DeliverBatch(p []*pkt.Buffer) { f(p) }

// An echo round trip through the kernel allocates nothing on our side:
// sendmmsg, recvmmsg and delivery reuse pooled buffers and fixed vectors.
func TestPacketAllocs(t *testing.T) {
	ns := nstest.New(t)
	ns.MustRun("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "veth0")
	ns.MustRun("ip", "link", "set", "veth0", "up")
	var ep *packet.Endpoint
	if err := ns.Do(func() (err error) {
		ep, err = packet.Open("veth1", packet.Options{Up: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ourMAC, _ := wire.MACFrom(ep.HardwareAddr())
	ns.MustRun("ip", "neigh", "add", "198.18.0.2", "lladdr", ourMAC.String(), "dev", "veth0", "nud", "permanent")
	k, _ := net.ParseMAC(strings.TrimSpace(string(ns.MustRun("cat", "/sys/class/net/veth0/address"))))
	kernelMAC, _ := wire.MACFrom(k)
	replies := make(chan *pkt.Buffer, 1)
	ep.Attach(dispatchFunc(func(pkts []*pkt.Buffer) {
		for _, b := range pkts {
			f := wire.Ethernet(b.Bytes())
			if f.EtherType() == wire.EtherTypeIPv4 && f.Payload()[9] == wire.ProtoICMP {
				replies <- b
			} else {
				b.Release()
			}
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	one := make([]*pkt.Buffer, 1)
	var seq uint16
	roundTrip := func() {
		seq++
		b := pkt.Get(pkt.DefaultHeadroom, wire.EthernetHeaderLen+28)
		p := b.Bytes()
		eh := wire.EthernetHeader{Dst: kernelMAC, Src: ourMAC, EtherType: wire.EtherTypeIPv4}
		eh.Emit(p)
		ih := wire.IPv4Header{TotalLen: 28, ID: seq, TTL: 64, Protocol: wire.ProtoICMP, Src: ourAddr, Dst: kernelAddr}
		ih.Emit(p[14:])
		mh := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(1, seq)}
		mh.Emit(p[34:])
		wire.ICMP(p[34:]).ComputeChecksum()
		one[0] = b
		if _, err := ep.WriteBatch(one); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-replies:
			r.Release()
		case <-ctx.Done():
			t.Fatal("no echo reply")
		}
	}
	for range 50 {
		roundTrip()
	}
	if raceEnabled {
		t.Skip("allocation budget not checked under the race detector")
	}
	if n := testing.AllocsPerRun(200, roundTrip); n != 0 {
		t.Errorf("%v allocations per round trip", n)
	}
}
