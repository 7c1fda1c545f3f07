package mem_test

import (
	"bytes"
	"testing"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

type port struct {
	ep  *mem.Endpoint
	rx  *collector
	mac wire.MAC
}

func newPorts(t *testing.T, sw *mem.Switch, n int) []port {
	var ps []port
	for range n {
		ep := sw.NewPort(mem.Options{})
		rx := new(collector)
		if err := ep.Attach(rx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ep.Close() })
		ps = append(ps, port{ep, rx, mac(ep.HardwareAddr())})
	}
	return ps
}

// write sends one frame from port p and returns the buffer written.
func (p port) write(t *testing.T, dst wire.MAC, seq uint32) *pkt.Buffer {
	t.Helper()
	f := frame(dst, p.mac, 46)
	f.Bytes()[14] = byte(seq)
	if _, err := p.ep.WriteBatch([]*pkt.Buffer{f}); err != nil {
		t.Fatal(err)
	}
	return f
}

// received returns, per port, the frames received since the last call.
func received(ps []port) [][]*pkt.Buffer {
	var r [][]*pkt.Buffer
	for _, p := range ps {
		r = append(r, p.rx.take())
	}
	return r
}

func TestSwitchLearningAndFlooding(t *testing.T) {
	nw := mem.NewNetwork()
	sw := mem.NewSwitch(nw, link.KindEthernet)
	ps := newPorts(t, sw, 3)
	a, b, c := ps[0], ps[1], ps[2]

	// Broadcast floods to every other port: one gets the original, the
	// other a clone with the same bytes.
	orig := a.write(t, wire.BroadcastMAC, 1)
	idle(t, nw)
	r := received(ps)
	if len(r[0]) != 0 || len(r[1]) != 1 || len(r[2]) != 1 {
		t.Fatalf("broadcast reached %d/%d/%d frames", len(r[0]), len(r[1]), len(r[2]))
	}
	if (r[1][0] == orig) == (r[2][0] == orig) {
		t.Errorf("flood: want the original at exactly one port (b %v, c %v)", r[1][0] == orig, r[2][0] == orig)
	}
	if !bytes.Equal(r[1][0].Bytes(), r[2][0].Bytes()) {
		t.Errorf("flooded copies differ")
	}
	for i := 1; i < 3; i++ {
		if r[i][0].PktType != pkt.PacketBroadcast {
			t.Errorf("port %d PktType %d", i, r[i][0].PktType)
		}
		releaseAll(r[i])
	}

	// a's address is learned: b's unicast reply goes to a only.
	orig = b.write(t, a.mac, 2)
	idle(t, nw)
	r = received(ps)
	if len(r[0]) != 1 || len(r[1]) != 0 || len(r[2]) != 0 || r[0][0] != orig || r[0][0].PktType != pkt.PacketHost {
		t.Fatalf("unicast to learned a: %d/%d/%d frames", len(r[0]), len(r[1]), len(r[2]))
	}
	releaseAll(r[0])

	// Unknown unicast floods (and reaches c as otherhost); multicast
	// floods.
	a.write(t, c.mac, 3) // c not learned yet
	a.write(t, wire.MulticastMAC([4]byte{224, 0, 0, 251}), 4)
	idle(t, nw)
	r = received(ps)
	if len(r[0]) != 0 || len(r[1]) != 2 || len(r[2]) != 2 {
		t.Fatalf("unknown+multicast: %d/%d/%d frames", len(r[0]), len(r[1]), len(r[2]))
	}
	if r[1][0].PktType != pkt.PacketOtherHost || r[2][0].PktType != pkt.PacketHost ||
		r[1][1].PktType != pkt.PacketMulticast || r[2][1].PktType != pkt.PacketMulticast {
		t.Errorf("pkt types %d %d %d %d", r[1][0].PktType, r[2][0].PktType, r[1][1].PktType, r[2][1].PktType)
	}
	for _, x := range r {
		releaseAll(x)
	}

	// A frame for an address learned on its own ingress port is dropped.
	a.write(t, a.mac, 5)
	idle(t, nw)
	r = received(ps)
	if len(r[0])+len(r[1])+len(r[2]) != 0 || sw.Dropped() != 1 {
		t.Errorf("hairpin: %d/%d/%d frames, dropped %d", len(r[0]), len(r[1]), len(r[2]), sw.Dropped())
	}

	// A closed port leaves the switch and its addresses are forgotten.
	a.ep.Close()
	if sw.Ports() != 2 {
		t.Errorf("ports after close: %d", sw.Ports())
	}
	b.write(t, a.mac, 6)
	idle(t, nw)
	r = received(ps)
	if len(r[2]) != 1 {
		t.Errorf("frame to a forgotten address not flooded to c: %d", len(r[2]))
	}
	releaseAll(r[2])
}

// A MAC that moves to another port is relearned there.
func TestSwitchRelearn(t *testing.T) {
	nw := mem.NewNetwork()
	sw := mem.NewSwitch(nw, link.KindEthernet)
	ps := newPorts(t, sw, 3)
	a, b, c := ps[0], ps[1], ps[2]
	a.write(t, wire.BroadcastMAC, 1)
	// c now claims a's address.
	f := frame(wire.BroadcastMAC, a.mac, 46)
	c.ep.WriteBatch([]*pkt.Buffer{f})
	idle(t, nw)
	for _, x := range received(ps) {
		releaseAll(x)
	}
	b.write(t, a.mac, 2)
	idle(t, nw)
	r := received(ps)
	if len(r[0]) != 0 || len(r[2]) != 1 {
		t.Errorf("after move: a %d, c %d frames", len(r[0]), len(r[2]))
	}
	releaseAll(r[2])
}

// An IP switch is a hub: everything goes to every other port.
func TestHub(t *testing.T) {
	nw := mem.NewNetwork()
	sw := mem.NewSwitch(nw, link.KindIP)
	var ps []port
	for range 4 {
		ep := sw.NewPort(mem.Options{MAC: nil})
		rx := new(collector)
		ep.Attach(rx)
		defer ep.Close()
		ps = append(ps, port{ep: ep, rx: rx})
		if ep.HardwareAddr() != nil || ep.Kind() != link.KindIP {
			t.Errorf("hub port: mac %v kind %v", ep.HardwareAddr(), ep.Kind())
		}
	}
	b := numbered([]byte{0x45}, 4, 9, 40)
	ps[1].ep.WriteBatch([]*pkt.Buffer{b})
	idle(t, nw)
	r := received(ps)
	origs := 0
	for i, x := range r {
		want := 1
		if i == 1 {
			want = 0
		}
		if len(x) != want {
			t.Fatalf("port %d got %d packets", i, len(x))
		}
		for _, p := range x {
			if p == b {
				origs++
			}
			if p.PktType != pkt.PacketHost {
				t.Errorf("port %d PktType %d", i, p.PktType)
			}
		}
		releaseAll(x)
	}
	if origs != 1 {
		t.Errorf("original delivered %d times", origs)
	}
}

// A port alone on a switch drops what it sends.
func TestSwitchAlone(t *testing.T) {
	nw := mem.NewNetwork()
	sw := mem.NewSwitch(nw, link.KindEthernet)
	ps := newPorts(t, sw, 1)
	ps[0].write(t, wire.BroadcastMAC, 1)
	idle(t, nw)
	if n := ps[0].rx.len(); n != 0 {
		t.Errorf("sender got %d frames back", n)
	}
}
