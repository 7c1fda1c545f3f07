package mem_test

import (
	"errors"
	"net"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// Packets arrive in write order, and the buffers written are the buffers
// delivered.
func TestPipeOrderAndOwnership(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{})
	defer a.Close()
	defer b.Close()
	var rx collector
	if err := b.Attach(&rx); err != nil {
		t.Fatal(err)
	}
	const total = 1000
	var sent []*pkt.Buffer
	for i := 0; i < total; {
		batch := make([]*pkt.Buffer, 0, 7)
		for ; len(batch) < cap(batch) && i < total; i++ {
			batch = append(batch, numbered([]byte{0x45}, 4, uint32(i), 100))
		}
		sent = append(sent, batch...)
		if n, err := a.WriteBatch(batch); n != len(batch) || err != nil {
			t.Fatalf("WriteBatch = %d, %v", n, err)
		}
	}
	idle(t, nw)
	got := rx.take()
	if len(got) != total {
		t.Fatalf("received %d packets, want %d", len(got), total)
	}
	for i, p := range got {
		if p != sent[i] {
			t.Fatalf("packet %d is not the buffer written: copied", i)
		}
		if s := seqs(got[i:i+1], 4)[0]; s != uint32(i) {
			t.Fatalf("packet %d carries seq %d: out of order", i, s)
		}
		if p.PktType != pkt.PacketHost || p.Flags != 0 {
			t.Fatalf("packet %d meta = %+v", i, p.Meta)
		}
	}
	releaseAll(got)
	if s := b.Stats(); s.RxPackets != total || s.RxDropped != 0 {
		t.Errorf("receiver stats %+v", s)
	}
	if s := a.Stats(); s.TxPackets != total {
		t.Errorf("sender stats %+v", s)
	}
	if a.Kind() != link.KindIP || a.MTU() != 1500 || a.HardwareAddr() != nil || a.Capabilities() != 0 {
		t.Errorf("defaults: kind %v mtu %d mac %v caps %v", a.Kind(), a.MTU(), a.HardwareAddr(), a.Capabilities())
	}
}

func frame(dst, src wire.MAC, payload int) *pkt.Buffer {
	b := pkt.Get(pkt.DefaultHeadroom, wire.EthernetHeaderLen+payload)
	clear(b.Bytes())
	h := wire.EthernetHeader{Dst: dst, Src: src, EtherType: wire.EtherTypeIPv4}
	h.Emit(b.Bytes())
	return b
}

func mac(h net.HardwareAddr) wire.MAC { m, _ := wire.MACFrom(h); return m }

// Ethernet delivery classifies frames as eth_type_trans does and gives the
// receiver fresh metadata.
func TestPipeEthernetPktType(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{Kind: link.KindEthernet, MTU: 9000, ChecksumOffload: true})
	defer a.Close()
	defer b.Close()
	if got := a.HardwareAddr().String(); got != "02:00:00:00:00:01" {
		t.Errorf("first MAC %s", got)
	}
	if got := b.HardwareAddr().String(); got != "02:00:00:00:00:02" {
		t.Errorf("second MAC %s", got)
	}
	if b.Capabilities() != link.CapChecksumOffload || b.MTU() != 9000 || b.Kind() != link.KindEthernet {
		t.Errorf("caps %v mtu %d kind %v", b.Capabilities(), b.MTU(), b.Kind())
	}
	var rx collector
	b.Attach(&rx)
	src := mac(a.HardwareAddr())
	cases := []struct {
		dst  wire.MAC
		want uint8
	}{
		{mac(b.HardwareAddr()), pkt.PacketHost},
		{wire.BroadcastMAC, pkt.PacketBroadcast},
		{wire.MulticastMAC([4]byte{224, 0, 0, 1}), pkt.PacketMulticast},
		{wire.MAC{0x02, 9, 9, 9, 9, 9}, pkt.PacketOtherHost},
	}
	for _, c := range cases {
		f := frame(c.dst, src, 9000)
		f.Mark, f.Flags, f.IfIndex = 7, pkt.FlagLocalOut, 3
		if _, err := a.WriteBatch([]*pkt.Buffer{f}); err != nil {
			t.Fatal(err)
		}
	}
	idle(t, nw)
	got := rx.take()
	defer releaseAll(got)
	if len(got) != len(cases) {
		t.Fatalf("got %d frames", len(got))
	}
	for i, c := range cases {
		want := pkt.Meta{PktType: c.want, Flags: pkt.FlagChecksumOK}
		if got[i].Meta != want {
			t.Errorf("frame to %v: meta %+v, want %+v", c.dst, got[i].Meta, want)
		}
	}
}

func TestPipeGivenMACs(t *testing.T) {
	ma, mb := net.HardwareAddr{2, 1, 1, 1, 1, 1}, net.HardwareAddr{2, 2, 2, 2, 2, 2}
	a, b := mem.Pipe(nil, mem.Options{Kind: link.KindEthernet, MAC: ma, PeerMAC: mb})
	defer a.Close()
	defer b.Close()
	if a.HardwareAddr().String() != ma.String() || b.HardwareAddr().String() != mb.String() {
		t.Errorf("MACs %v %v", a.HardwareAddr(), b.HardwareAddr())
	}
}

// WriteBatch refuses what a packet socket would, stopping at the first
// refused packet.
func TestWriteBatchErrors(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{Kind: link.KindEthernet, MTU: 1000})
	defer a.Close()
	defer b.Close()
	var rx collector
	b.Attach(&rx)
	ok := frame(mac(b.HardwareAddr()), mac(a.HardwareAddr()), 1000)
	big := frame(mac(b.HardwareAddr()), mac(a.HardwareAddr()), 1001)
	n, err := a.WriteBatch([]*pkt.Buffer{ok, big, frame(wire.BroadcastMAC, wire.MAC{2}, 10)})
	if n != 1 || !errors.Is(err, unix.EMSGSIZE) {
		t.Errorf("oversize: WriteBatch = %d, %v; want 1, EMSGSIZE", n, err)
	}
	runt := pkt.Get(0, 13)
	if n, err := a.WriteBatch([]*pkt.Buffer{runt}); n != 0 || !errors.Is(err, unix.EINVAL) {
		t.Errorf("runt: WriteBatch = %d, %v; want 0, EINVAL", n, err)
	}
	idle(t, nw)
	releaseAll(rx.take())
	if s := a.Stats(); s.TxPackets != 1 || s.TxErrors != 3 {
		t.Errorf("stats %+v", s)
	}
	ip, ip2 := mem.Pipe(nw, mem.Options{})
	defer ip.Close()
	defer ip2.Close()
	if n, err := ip.WriteBatch([]*pkt.Buffer{pkt.Get(0, 0)}); n != 0 || !errors.Is(err, unix.EINVAL) {
		t.Errorf("empty: WriteBatch = %d, %v; want 0, EINVAL", n, err)
	}
}

// A full queue drops and counts, as a NIC ring would; queued packets wait
// for Attach.
func TestQueueLimit(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{QueueLen: 4})
	defer a.Close()
	defer b.Close()
	var batch []*pkt.Buffer
	for i := range 10 {
		batch = append(batch, numbered([]byte{0x45}, 4, uint32(i), 20))
	}
	if n, err := a.WriteBatch(batch); n != 10 || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if got := nw.InFlight(); got != 4 {
		t.Errorf("InFlight = %d, want 4", got)
	}
	var rx collector
	b.Attach(&rx)
	idle(t, nw)
	got := rx.take()
	defer releaseAll(got)
	if s := seqs(got, 4); !slices.Equal(s, []uint32{0, 1, 2, 3}) {
		t.Errorf("delivered %v", s)
	}
	if s := b.Stats(); s.RxDropped != 6 || s.RxPackets != 4 {
		t.Errorf("stats %+v", s)
	}
	if err := b.Attach(&rx); !errors.Is(err, unix.EBUSY) {
		t.Errorf("second Attach: %v", err)
	}
}
