package pcap_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/loopback"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/link/pcap"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

var (
	addrA = netip.MustParseAddr("198.18.0.1")
	addrB = netip.MustParseAddr("198.18.0.2")
)

// echo builds an ICMP echo request from src to dst, behind an Ethernet
// header when eth is set.
func echo(src, dst netip.Addr, seq uint16, eth *wire.EthernetHeader) *pkt.Buffer {
	off := 0
	if eth != nil {
		off = wire.EthernetHeaderLen
	}
	b := pkt.Get(pkt.DefaultHeadroom, off+28)
	p := b.Bytes()
	if eth != nil {
		eth.Emit(p)
	}
	ih := wire.IPv4Header{TotalLen: 28, ID: seq, TTL: 64, Protocol: wire.ProtoICMP, Src: src, Dst: dst}
	ih.Emit(p[off:])
	mh := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(7, seq)}
	mh.Emit(p[off+20:])
	wire.ICMP(p[off+20:]).ComputeChecksum()
	return b
}

type sink struct{}

func (sink) DeliverBatch(p []*pkt.Buffer) {
	for _, b := range p {
		b.Release()
	}
}

// record is one parsed pcap record.
type record struct {
	sec, frac uint32
	orig      uint32
	data      []byte
}

// parse checks a pcap stream's header and returns its records.
func parse(t *testing.T, b []byte, magic, link uint32) []record {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < pcap.FileHeaderLen {
		t.Fatalf("stream of %d bytes", len(b))
	}
	if le.Uint32(b) != magic || le.Uint16(b[4:]) != 2 || le.Uint16(b[6:]) != 4 ||
		le.Uint32(b[8:]) != 0 || le.Uint32(b[12:]) != 0 || le.Uint32(b[16:]) != 262144 || le.Uint32(b[20:]) != link {
		t.Fatalf("file header % x", b[:pcap.FileHeaderLen])
	}
	var rs []record
	for b = b[pcap.FileHeaderLen:]; len(b) > 0; {
		if len(b) < pcap.RecordHeaderLen {
			t.Fatalf("truncated record header")
		}
		incl := le.Uint32(b[8:])
		r := record{sec: le.Uint32(b), frac: le.Uint32(b[4:]), orig: le.Uint32(b[12:])}
		b = b[pcap.RecordHeaderLen:]
		if uint32(len(b)) < incl {
			t.Fatalf("truncated record")
		}
		r.data, b = b[:incl], b[incl:]
		rs = append(rs, r)
	}
	return rs
}

// capture sends two echo requests across a pipe of the given kind, a
// millisecond and a half apart on a manual clock, with both ends tapped
// into one stream.
func capture(t *testing.T, kind link.Kind, opts pcap.Options) []byte {
	clk := clock.NewManual()
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{Kind: kind})
	var buf bytes.Buffer
	// One stream for both ends, as one tcpdump on a shared wire would see.
	ta := pcap.New(a, &buf, clk, opts)
	opts.NoHeader = true
	tb := pcap.New(b, &buf, clk, opts)
	if err := tb.Attach(sink{}); err != nil {
		t.Fatal(err)
	}
	var eth *wire.EthernetHeader
	if kind == link.KindEthernet {
		eth = &wire.EthernetHeader{Dst: wire.MAC(b.HardwareAddr()), Src: wire.MAC(a.HardwareAddr()), EtherType: wire.EtherTypeIPv4}
	}
	for seq := uint16(1); seq <= 2; seq++ {
		if _, err := ta.WriteBatch([]*pkt.Buffer{echo(addrA, addrB, seq, eth)}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := nw.WaitIdle(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(1500 * time.Microsecond)
	}
	ta.Close()
	tb.Close()
	if ta.Packets() != 2 || tb.Packets() != 2 || ta.Errors()+tb.Errors() != 0 {
		t.Errorf("packets %d/%d errors %d/%d", ta.Packets(), tb.Packets(), ta.Errors(), tb.Errors())
	}
	return buf.Bytes()
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		kind  link.Kind
		link  uint32
		nano  bool
		magic uint32
		unit  uint32
	}{
		{link.KindIP, pcap.LinkTypeRaw, false, pcap.MagicMicro, 1500},
		{link.KindEthernet, pcap.LinkTypeEthernet, false, pcap.MagicMicro, 1500},
		{link.KindEthernet, pcap.LinkTypeEthernet, true, pcap.MagicNano, 1500000},
	} {
		t.Run(fmt.Sprintf("%v/nano=%v", c.kind, c.nano), func(t *testing.T) {
			rs := parse(t, capture(t, c.kind, pcap.Options{Nanosecond: c.nano}), c.magic, c.link)
			if len(rs) != 4 {
				t.Fatalf("%d records, want 4 (each packet out and in)", len(rs))
			}
			epoch := uint32(clock.Epoch.Unix())
			for i, r := range rs {
				// Sent and received at the same instant, then the
				// clock moves on by 1.5 ms.
				want := uint32(i/2) * c.unit
				if r.sec != epoch || r.frac != want {
					t.Errorf("record %d at %d.%d, want %d.%d", i, r.sec, r.frac, epoch, want)
				}
				if int(r.orig) != len(r.data) {
					t.Errorf("record %d: orig %d, incl %d", i, r.orig, len(r.data))
				}
			}
			if !bytes.Equal(rs[0].data, rs[1].data) {
				t.Errorf("sent and received bytes differ")
			}
		})
	}
}

// lockedBuffer lets the test read what concurrent writers produced.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer // guarded by mu
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Concurrent writers and the delivery goroutine never interleave records.
func TestConcurrent(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{})
	var buf lockedBuffer
	ta := pcap.Tap(a, &buf, nil)
	tb := pcap.New(b, &buf, nil, pcap.Options{NoHeader: true})
	tb.Attach(sink{})
	ta.Attach(sink{})
	var wg sync.WaitGroup
	const writers, each = 4, 200
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ta.WriteBatch([]*pkt.Buffer{echo(addrA, addrB, uint16(w*each+i), nil)})
				tb.WriteBatch([]*pkt.Buffer{echo(addrB, addrA, uint16(w*each+i), nil)})
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := nw.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	ta.Close()
	tb.Close()
	buf.mu.Lock()
	defer buf.mu.Unlock()
	rs := parse(t, buf.b.Bytes(), pcap.MagicMicro, pcap.LinkTypeRaw)
	if len(rs) != 4*writers*each {
		t.Fatalf("%d records, want %d", len(rs), 4*writers*each)
	}
	for i, r := range rs {
		if ip, err := wire.ParseIPv4(r.data); err != nil || !ip.ValidChecksum() || len(r.data) != 28 {
			t.Fatalf("record %d is not an intact packet: % x", i, r.data)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	if f.n%2 == 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// Write errors are counted and the link keeps working; a Named endpoint
// stays Named.
func TestErrorsAndNamed(t *testing.T) {
	nw := mem.NewNetwork()
	lo := loopback.New(nw)
	var fw failWriter
	tap := pcap.New(lo, &fw, nil, pcap.Options{})
	if n, ok := tap.(link.Named); !ok || n.Name() != "lo" {
		t.Errorf("tap over loopback is not Named lo")
	}
	if tap.Kind() != link.KindLoopback || tap.MTU() != 65536 || tap.Capabilities() != link.CapChecksumOffload {
		t.Errorf("tap does not pass through kind, MTU, capabilities")
	}
	got := make(chan struct{}, 8)
	tap.Attach(deliverFunc(func(p []*pkt.Buffer) {
		for _, b := range p {
			b.Release()
			got <- struct{}{}
		}
	}))
	for seq := range uint16(3) {
		if _, err := tap.WriteBatch([]*pkt.Buffer{echo(addrA, addrA, seq, nil)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := nw.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("%d packets looped back", len(got))
	}
	tap.Close()
	// Every other Write fails: the header, then alternate records.
	if tap.Errors() != 3 || tap.Packets() != 3 {
		t.Errorf("errors %d packets %d: want failures counted", tap.Errors(), tap.Packets())
	}
	if _, ok := pcap.Tap(mem.NewSwitch(nw, link.KindIP).NewPort(mem.Options{}), &fw, nil).(link.Named); ok {
		t.Errorf("tap over an unnamed endpoint is Named")
	}
}

type deliverFunc func([]*pkt.Buffer)

func (f deliverFunc) DeliverBatch(p []*pkt.Buffer) { f(p) }

// Recording a packet allocates nothing.
func TestAllocs(t *testing.T) {
	a, b := mem.Pipe(nil, mem.Options{})
	defer b.Close()
	ta := pcap.Tap(a, discard{}, clock.NewManual())
	defer ta.Close()
	back := make(chan *pkt.Buffer, 1)
	b.Attach(deliverFunc(func(p []*pkt.Buffer) { back <- p[0] }))
	one := []*pkt.Buffer{echo(addrA, addrB, 1, nil)}
	step := func() {
		ta.WriteBatch(one)
		one[0] = <-back
	}
	step()
	if n := testing.AllocsPerRun(500, step); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
	one[0].Release()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
