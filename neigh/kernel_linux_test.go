//go:build linux

package neigh

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
)

// kernelLab is a namespace with a veth pair: the kernel owns veth0
// (198.18.0.1/24, MAC ourMAC), and the test speaks raw Ethernet on veth1
// (MAC peerMAC, ARP off) through an AF_PACKET socket of its own.
type kernelLab struct {
	t  *testing.T
	ns *nstest.NS
	fd int
}

func newKernelLab(t *testing.T) *kernelLab {
	ns := nstest.New(t)
	ns.MustRun("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	ns.MustRun("ip", "link", "set", "veth1", "address", peerMAC.String(), "arp", "off", "up")
	ns.MustRun("ip", "link", "set", "veth0", "address", ourMAC.String(), "up")
	ns.MustRun("ip", "addr", "add", ourIP.String()+"/24", "dev", "veth0")
	l := &kernelLab{t: t, ns: ns, fd: -1}
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName("veth1")
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ARP)))
		if err != nil {
			return err
		}
		l.fd = fd
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: ifi.Index}); err != nil {
			return err
		}
		tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
		return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	})
	if l.fd >= 0 {
		t.Cleanup(func() { unix.Close(l.fd) })
	}
	if err != nil {
		t.Fatalf("AF_PACKET socket in %s: %v", ns.Name(), err)
	}
	return l
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// send puts a frame on veth1, towards the kernel's veth0.
func (l *kernelLab) send(b []byte) {
	l.t.Helper()
	if _, err := unix.Write(l.fd, b); err != nil {
		l.t.Fatalf("write: %v", err)
	}
}

// recv collects the ARP frames the kernel sends within d.
func (l *kernelLab) recv(d time.Duration) [][]byte {
	var out [][]byte
	buf := make([]byte, 2048)
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, from, err := unix.Recvfrom(l.fd, buf, 0)
		if err != nil {
			continue // EAGAIN on timeout, EINTR
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		out = append(out, append([]byte(nil), buf[:n]...))
	}
	return out
}

func (l *kernelLab) drain() { l.recv(20 * time.Millisecond) }

// neigh returns the kernel's `ip neigh show ADDR dev veth0` line.
func (l *kernelLab) neigh(a netip.Addr) string {
	return strings.TrimSpace(string(l.ns.MustRun("ip", "neigh", "show", a.String(), "dev", "veth0")))
}

// ours returns the neighbour line ours would print, in the same format.
func ours(e *env, a netip.Addr) string {
	en, ok := e.tbl.Lookup(a)
	if !ok || en.State == NoARP {
		return ""
	}
	if en.State.Valid() {
		return fmt.Sprintf("%v lladdr %v %v", a, en.MAC, en.State)
	}
	return fmt.Sprintf("%v %v", a, en.State)
}

func frameBytes(p *pkt.Buffer) []byte {
	b := append([]byte(nil), p.Bytes()...)
	p.Release()
	return b
}

// sameFrame checks that our 60-byte frame is the kernel's 42-byte one plus
// zero padding (veth does not pad; a NIC would pad with zeros).
func sameFrame(t *testing.T, what string, kernel, our []byte) {
	t.Helper()
	const n = wire.EthernetHeaderLen + wire.ARPLen
	if len(kernel) < n || len(our) != wire.EthernetMinFrame || !bytes.Equal(kernel[:n], our[:n]) ||
		!bytes.Equal(our[n:], make([]byte, wire.EthernetMinFrame-n)) {
		t.Fatalf("%s:\nkernel %x (%d bytes)\n  ours %x (%d bytes)", what, kernel, len(kernel), our, len(our))
	}
	if len(kernel) > n && !bytes.Equal(kernel[n:], make([]byte, len(kernel)-n)) {
		t.Fatalf("%s: kernel padding not zero: %x", what, kernel[n:])
	}
}

// The kernel and the table, given the same ARP frames, answer with the
// same bytes and keep the same entries: the reply to a request, the DAD
// reply, no entry from unsolicited or gratuitous ARP, the gratuitous ARP of
// arp_notify, the first request of a resolution.
func TestKernelARP(t *testing.T) {
	l := newKernelLab(t)
	e := newEnv(t)
	l.drain()

	both := func(what string, frame []byte) (kernel, our [][]byte) {
		t.Helper()
		l.drain()
		l.send(frame)
		kernel = l.recv(300 * time.Millisecond)
		e.tbl.HandleARP(pkt.From(frame))
		our = e.link.take()
		if len(kernel) != len(our) {
			t.Fatalf("%s: kernel sent %d frames, ours %d:\n%x\n%x", what, len(kernel), len(our), kernel, our)
		}
		for i := range kernel {
			sameFrame(t, what, kernel[i], our[i])
		}
		return kernel, our
	}

	// (a) A request for 198.18.0.1 is answered unicast to the sender,
	// and the requester becomes STALE on both sides.
	k, _ := both("reply to request",
		frameBytes(arpFrame(bcast, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP)))
	if len(k) != 1 {
		t.Fatalf("kernel did not answer the request")
	}
	t.Logf("kernel reply: %d bytes on veth", len(k[0]))
	if kn, on := l.neigh(peerIP), ours(e, peerIP); kn != on || !strings.HasSuffix(kn, "STALE") {
		t.Fatalf("after request: kernel %q, ours %q", kn, on)
	}

	// (b) Unsolicited unicast reply, gratuitous request and gratuitous
	// reply from unknown senders create nothing.
	a3, a4, a7 := netip.MustParseAddr("198.18.0.3"), netip.MustParseAddr("198.18.0.4"), netip.MustParseAddr("198.18.0.7")
	both("unsolicited reply", frameBytes(arpFrame(ourMAC, otherMAC, wire.ARPReply, otherMAC, a3, ourMAC, ourIP)))
	both("gratuitous request", frameBytes(arpFrame(bcast, otherMAC, wire.ARPRequest, otherMAC, a4, zeroMAC, a4)))
	both("gratuitous reply", frameBytes(arpFrame(bcast, otherMAC, wire.ARPReply, otherMAC, a7, otherMAC, a7)))
	for _, a := range []netip.Addr{a3, a4, a7} {
		if kn, on := l.neigh(a), ours(e, a); kn != "" || on != "" {
			t.Fatalf("%v: kernel %q, ours %q", a, kn, on)
		}
	}

	// A unicast reply from the STALE neighbour makes it REACHABLE.
	both("reply for stale", frameBytes(arpFrame(ourMAC, peerMAC, wire.ARPReply, peerMAC, peerIP, ourMAC, ourIP)))
	if kn, on := l.neigh(peerIP), ours(e, peerIP); kn != on || !strings.HasSuffix(kn, "REACHABLE") {
		t.Fatalf("after reply: kernel %q, ours %q", kn, on)
	}

	// (c) A DAD probe for our address.
	k, _ = both("DAD reply", frameBytes(arpFrame(bcast, otherMAC, wire.ARPRequest, otherMAC,
		netip.IPv4Unspecified(), zeroMAC, ourIP)))
	if len(k) != 1 {
		t.Fatalf("kernel did not answer the DAD probe")
	}
	if kn, on := l.neigh(netip.IPv4Unspecified()), ours(e, netip.IPv4Unspecified()); kn != "" || on != "" {
		t.Fatalf("DAD left entries: kernel %q, ours %q", kn, on)
	}

	// (d) Adding an address announces nothing; with arp_notify=1, link up
	// broadcasts the gratuitous request that Announce sends.
	l.drain()
	l.ns.MustRun("ip", "addr", "add", "198.18.0.5/24", "dev", "veth0")
	if k := l.recv(300 * time.Millisecond); len(k) != 0 {
		t.Fatalf("kernel sent ARP on address add: %x", k)
	}
	l.ns.MustRun("ip", "addr", "del", "198.18.0.5/24", "dev", "veth0")
	l.ns.MustRun("sysctl", "-qw", "net.ipv4.conf.veth0.arp_notify=1")
	l.ns.MustRun("ip", "link", "set", "veth0", "down")
	l.drain()
	l.ns.MustRun("ip", "link", "set", "veth0", "up")
	k = l.recv(time.Second)
	if len(k) != 1 {
		t.Fatalf("kernel sent %d frames on link up with arp_notify=1", len(k))
	}
	e.tbl.Announce(ourIP)
	sameFrame(t, "gratuitous ARP", k[0], e.link.take()[0])
	t.Logf("kernel gratuitous ARP: %x", k[0])

	// (e) The first request of a resolution (a UDP datagram to .9).
	far := netip.MustParseAddr("198.18.0.9")
	l.drain()
	err := l.ns.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: far.AsSlice(), Port: 9})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("x"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	k = l.recv(200 * time.Millisecond)
	e.tbl.Output(ipPacket(ourIP, far, 29, 0), far, Unicast)
	our := e.link.take()
	if len(k) != 1 || len(our) != 1 {
		t.Fatalf("first requests: kernel %d, ours %d", len(k), len(our))
	}
	sameFrame(t, "resolution request", k[0], our[0])
	if kn, on := l.neigh(far), ours(e, far); kn != on || kn != far.String()+" INCOMPLETE" {
		t.Fatalf("resolving: kernel %q, ours %q", kn, on)
	}
}

// arrivals returns the ARP frames the kernel sends within d, with their
// arrival time since start.
func (l *kernelLab) arrivals(start time.Time, d time.Duration) (at []time.Duration, frames [][]byte) {
	buf := make([]byte, 2048)
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, from, err := unix.Recvfrom(l.fd, buf, 0)
		if err != nil {
			continue
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		at = append(at, time.Since(start))
		frames = append(frames, append([]byte(nil), buf[:n]...))
	}
	return at, frames
}

// udpTo makes the kernel send one datagram to a (from 198.18.0.1).
func (l *kernelLab) udpTo(a netip.Addr) {
	l.t.Helper()
	err := l.ns.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: a.AsSlice(), Port: 9})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("x"))
		return err
	})
	if err != nil {
		l.t.Fatal(err)
	}
}

// ourSchedule runs the table on the manual clock in steps of 10 ms for d
// and returns when each ARP frame left and the frames.
func ourSchedule(e *env, d time.Duration) (at []time.Duration, frames [][]byte) {
	start := e.clk.Now()
	for e.clk.Now().Sub(start) <= d {
		for _, f := range e.link.take() {
			at = append(at, e.clk.Now().Sub(start))
			frames = append(frames, f)
		}
		e.clk.Advance(10 * time.Millisecond)
	}
	return at, frames
}

// sameSchedule compares the kernel's real-time schedule with ours, within
// the scheduling slack of a loaded machine.
func sameSchedule(t *testing.T, what string, kat, oat []time.Duration, kf, of [][]byte) {
	t.Helper()
	if len(kat) != len(oat) {
		t.Fatalf("%s: kernel sent %d frames at %v, ours %d at %v", what, len(kat), kat, len(oat), oat)
	}
	for i := range kat {
		if d := kat[i] - oat[i]; d < -150*time.Millisecond || d > 250*time.Millisecond {
			t.Fatalf("%s: frame %d at %v on the kernel, %v ours", what, i, kat[i], oat[i])
		}
		sameFrame(t, what, kf[i], of[i])
	}
}

// Resolution of an absent host: the kernel and the table send the same
// three broadcast requests 1 s apart and end FAILED after 3 s.
func TestKernelIncompleteTimings(t *testing.T) {
	t.Parallel()
	l := newKernelLab(t)
	e := newEnv(t)
	far := netip.MustParseAddr("198.18.0.9")
	l.drain()
	start := time.Now()
	l.udpTo(far)
	kat, kf := l.arrivals(start, 3500*time.Millisecond)
	e.tbl.Output(ipPacket(ourIP, far, 29, 0), far, Unicast)
	oat, of := ourSchedule(e, 3500*time.Millisecond)
	sameSchedule(t, "INCOMPLETE", kat, oat, kf, of)
	if kn, on := l.neigh(far), ours(e, far); kn != on || kn != far.String()+" FAILED" {
		t.Fatalf("after 3.5 s: kernel %q, ours %q", kn, on)
	}
}

// A STALE neighbour that stops answering: DELAY for delay_first_probe_time
// (1 s here), then ucast_solicit unicast probes 1 s apart, then FAILED.
func TestKernelProbeTimings(t *testing.T) {
	t.Parallel()
	l := newKernelLab(t)
	e := newEnv(t)
	l.ns.MustRun("sysctl", "-qw", "net.ipv4.neigh.veth0.delay_first_probe_time=1")
	e.set("delay_first_probe_time", "1")
	req := frameBytes(arpFrame(bcast, peerMAC, wire.ARPRequest, peerMAC, peerIP, zeroMAC, ourIP))
	l.send(req)
	e.tbl.HandleARP(pkt.From(req))
	l.drain()
	e.link.take()
	start := time.Now()
	l.udpTo(peerIP)
	kat, kf := l.arrivals(start, 4500*time.Millisecond)
	e.send(peerIP, 0)
	e.link.take() // the datagram itself
	oat, of := ourSchedule(e, 4500*time.Millisecond)
	sameSchedule(t, "PROBE", kat, oat, kf, of)
	if kn, on := l.neigh(peerIP), ours(e, peerIP); kn != on || kn != peerIP.String()+" FAILED" {
		t.Fatalf("after 4.5 s: kernel %q, ours %q", kn, on)
	}
}
