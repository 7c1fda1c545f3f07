package tun_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/link/tun"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

var (
	kernelAddr = netip.MustParseAddr("198.18.0.1")
	ourAddr    = netip.MustParseAddr("198.18.0.2")
)

// queue is a Dispatcher that passes packets to a channel.
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

// next returns the first packet that match accepts, releasing the others,
// or fails the test when ctx ends first.
func (q queue) next(t *testing.T, ctx context.Context, what string, match func(wire.IPv4) bool) wire.IPv4 {
	t.Helper()
	for {
		select {
		case b := <-q:
			ip, err := wire.ParseIPv4(b.Bytes())
			if err == nil && match(ip) {
				return append(wire.IPv4(nil), ip...)
			}
			b.Release()
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

func icmpOf(ip wire.IPv4) (wire.ICMP, bool) {
	if ip.Protocol() != wire.ProtoICMP || ip.IsFragment() {
		return nil, false
	}
	m, err := wire.ParseICMP(ip.Payload())
	return m, err == nil
}

// open makes a TUN device inside a fresh namespace.
func open(t *testing.T, name string, opts tun.Options) (*nstest.NS, *tun.Endpoint) {
	t.Helper()
	ns := nstest.New(t)
	var ep *tun.Endpoint
	if err := ns.Do(func() (err error) {
		ep, err = tun.Open(name, opts)
		return err
	}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ep.Close() })
	return ns, ep
}

func echoRequest(id, seq uint16, payload []byte) *pkt.Buffer {
	n := wire.IPv4MinHeaderLen + wire.ICMPHeaderLen + len(payload)
	b := pkt.Get(pkt.DefaultHeadroom, n)
	p := b.Bytes()
	h := wire.IPv4Header{TotalLen: n, ID: 1, TTL: 64, Protocol: wire.ProtoICMP, Src: ourAddr, Dst: kernelAddr}
	h.Emit(p)
	ih := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(id, seq)}
	ih.Emit(p[20:])
	copy(p[28:], payload)
	wire.ICMP(p[20:]).ComputeChecksum()
	return b
}

func TestTUNKernelPing(t *testing.T) {
	ns, ep := open(t, "inettun0", tun.Options{MTU: 1400, Up: true})
	if ep.Name() != "inettun0" || ep.MTU() != 1400 {
		t.Fatalf("name %q mtu %d", ep.Name(), ep.MTU())
	}
	out := string(ns.MustRun("ip", "link", "show", "inettun0"))
	if !strings.Contains(out, "mtu 1400") || !strings.Contains(out, ",UP") {
		t.Errorf("MTU and UP not applied: %s", out)
	}
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inettun0")
	ns.MustRun("ip", "link", "set", "inettun0", "up")
	q := make(queue, 256)
	if err := ep.Attach(q); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// (a) The kernel's ping reaches us as echo requests.
	nstest.RequireTool(t, "ping")
	ns.Start("ping", "-c", "3", "-W", "1", ourAddr.String())
	seen := map[uint16]bool{}
	for len(seen) < 3 {
		ip := q.next(t, ctx, "the kernel's echo requests", func(ip wire.IPv4) bool {
			m, ok := icmpOf(ip)
			return ok && m.Type() == wire.ICMPEcho && ip.Src() == kernelAddr && ip.Dst() == ourAddr
		})
		if !ip.ValidChecksum() {
			t.Errorf("bad IP checksum")
		}
		m, _ := icmpOf(ip)
		seen[m.Seq()] = true
	}

	// (b) The kernel answers our echo request.
	payload := []byte("inet tun endpoint test")
	if n, err := ep.WriteBatch([]*pkt.Buffer{echoRequest(0x4e54, 7, payload)}); n != 1 || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	ip := q.next(t, ctx, "the kernel's echo reply", func(ip wire.IPv4) bool {
		m, ok := icmpOf(ip)
		return ok && m.Type() == wire.ICMPEchoReply && m.ID() == 0x4e54
	})
	m, _ := icmpOf(ip)
	if ip.Src() != kernelAddr || ip.Dst() != ourAddr || m.Seq() != 7 || !m.ValidChecksum() ||
		string(m.Payload()) != string(payload) {
		t.Errorf("reply %v -> %v seq %d payload %q checksum ok %v", ip.Src(), ip.Dst(), m.Seq(), m.Payload(), m.ValidChecksum())
	}
	if s := ep.Stats(); s.TxPackets != 1 || s.RxPackets < 4 {
		t.Errorf("stats %+v", s)
	}
}

// Close wakes a reader blocked on an idle device promptly, and the
// endpoint refuses writes afterwards.
func TestTUNClosePrompt(t *testing.T) {
	_, ep := open(t, "inettun1", tun.Options{Up: true})
	q := make(queue, 16)
	ep.Attach(q)
	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- ep.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not interrupt the blocked read")
	}
	t.Logf("Close took %v", time.Since(start))
	if n, err := ep.WriteBatch([]*pkt.Buffer{echoRequest(1, 1, nil)}); n != 0 || err == nil {
		t.Errorf("write after Close: %d, %v", n, err)
	}
	if ep.Err() != nil {
		t.Errorf("Err after Close: %v", ep.Err())
	}
}

// The kernel refuses a packet that is neither IPv4 nor IPv6 with EINVAL
// (tun_get_user) and the batch stops there.
func TestTUNWriteRefused(t *testing.T) {
	_, ep := open(t, "inettun2", tun.Options{Up: true})
	bad := pkt.Get(pkt.DefaultHeadroom, 20)
	clear(bad.Bytes())
	n, err := ep.WriteBatch([]*pkt.Buffer{echoRequest(1, 1, nil), bad, echoRequest(1, 2, nil)})
	if n != 1 || !errors.Is(err, unix.EINVAL) {
		t.Errorf("WriteBatch = %d, %v; want 1, EINVAL", n, err)
	}
	if s := ep.Stats(); s.TxPackets != 1 || s.TxErrors != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestTUNOpenErrors(t *testing.T) {
	ns, _ := open(t, "inettun3", tun.Options{})
	// A second open of the same device: busy.
	err := ns.Do(func() error {
		ep, err := tun.Open("inettun3", tun.Options{})
		if err == nil {
			ep.Close()
		}
		return err
	})
	if !errors.Is(err, unix.EBUSY) || !strings.Contains(err.Error(), "busy") {
		t.Errorf("second open: %v", err)
	}
	// An existing interface of another kind.
	ns.MustRun("ip", "link", "add", "inetveth0", "type", "veth", "peer", "name", "inetveth1")
	err = ns.Do(func() error {
		_, err := tun.Open("inetveth0", tun.Options{})
		return err
	})
	if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "not a TUN device") {
		t.Errorf("open of a veth: %v", err)
	}
	_, err = tun.Open("a-name-that-is-too-long", tun.Options{})
	if !errors.Is(err, unix.EINVAL) {
		t.Errorf("long name: %v", err)
	}
	// An MTU the device cannot take (tun's range is 68..65535).
	err = ns.Do(func() error {
		_, err := tun.Open("inettun4", tun.Options{MTU: 70000})
		return err
	})
	if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "MTU") {
		t.Errorf("MTU 70000: %v", err)
	}
}

// A pattern name lets the kernel choose.
func TestTUNPatternName(t *testing.T) {
	_, ep := open(t, "inet%d", tun.Options{})
	if ep.Name() != "inet0" || ep.MTU() != 1500 {
		t.Errorf("name %q mtu %d", ep.Name(), ep.MTU())
	}
}

// An echo round trip through the kernel allocates nothing on our side:
// WriteBatch, the reader and delivery reuse pooled buffers.
func TestTUNAllocs(t *testing.T) {
	ns, ep := open(t, "inettun5", tun.Options{Up: true})
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inettun5")
	replies := make(chan *pkt.Buffer, 1)
	ep.Attach(dispatchFunc(func(pkts []*pkt.Buffer) {
		for _, b := range pkts {
			if ip, err := wire.ParseIPv4(b.Bytes()); err == nil && ip.Protocol() == wire.ProtoICMP && ip.Src() == kernelAddr {
				replies <- b
			} else {
				b.Release()
			}
		}
	}))
	one := make([]*pkt.Buffer, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var seq uint16
	roundTrip := func() {
		seq++
		b := pkt.Get(pkt.DefaultHeadroom, 28)
		fillEcho(b.Bytes(), seq)
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

type dispatchFunc func([]*pkt.Buffer)

func (f dispatchFunc) DeliverBatch(p []*pkt.Buffer) { f(p) }

// fillEcho writes a 28-byte echo request from us to the kernel into p.
func fillEcho(p []byte, seq uint16) {
	h := wire.IPv4Header{TotalLen: 28, ID: seq, TTL: 64, Protocol: wire.ProtoICMP, Src: ourAddr, Dst: kernelAddr}
	h.Emit(p)
	ih := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(1, seq)}
	ih.Emit(p[20:])
	wire.ICMP(p[20:]).ComputeChecksum()
}
