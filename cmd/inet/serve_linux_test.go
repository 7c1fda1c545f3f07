package main

import (
	"context"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

var (
	kernelAddr = netip.MustParseAddr("198.18.0.1")
	stackAddr  = netip.MustParseAddr("198.18.0.2")
	stackCIDR  = netip.MustParsePrefix("198.18.0.2/24")
)

// serveIn builds the stack of `inet serve` inside ns and closes it when the
// test ends.
func serveIn(t *testing.T, ns *nstest.NS, c *serveConfig) *inet.Stack {
	t.Helper()
	var s *inet.Stack
	err := ns.Do(func() error {
		var err error
		s, _, err = startServe(c)
		return err
	})
	if err != nil {
		t.Fatalf("startServe: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var pingSummary = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received,.* (\d+(?:\.\d+)?)% packet loss`)

// kernelPing runs iputils ping inside ns (bounded by its count, -W and
// nstest's 60 s) and returns how many requests were sent and answered.
func kernelPing(t *testing.T, ns *nstest.NS, dst netip.Addr, count int) (sent, received int) {
	t.Helper()
	nstest.RequireTool(t, "ping")
	// As root, iputils accepts intervals down to 2 ms without flooding.
	out, err := ns.Run("ping", "-n", "-c", strconv.Itoa(count), "-i", "0.002", "-W", "2", dst.String())
	m := pingSummary.FindSubmatch(out)
	if m == nil {
		t.Fatalf("ping %s: %v: no summary in %q", dst, err, out)
	}
	sent, _ = strconv.Atoi(string(m[1]))
	received, _ = strconv.Atoi(string(m[2]))
	if err != nil && received == count {
		t.Fatalf("ping %s: %v with every reply: %s", dst, err, out)
	}
	return sent, received
}

func stackPing(t *testing.T, s *inet.Stack, dst netip.Addr, count int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.Ping(ctx, dst, inet.PingOptions{Count: count, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("stack ping %s: %v", dst, err)
	}
	if res.Received != count || len(res.Errors) != 0 {
		t.Fatalf("stack ping %s: %d of %d replies, errors %+v", dst, res.Received, count, res.Errors)
	}
	for _, r := range res.Replies {
		if r.From != dst || r.TTL != 64 {
			t.Errorf("stack ping %s: reply %+v, want from %s with ttl 64", dst, r, dst)
		}
	}
}

func stat(t *testing.T, s *inet.Stack, name string) uint64 {
	t.Helper()
	v, ok := s.Stats().Get(name)
	if !ok {
		t.Fatalf("no counter %s", name)
	}
	return v
}

// checkEchoCounters checks the stack answered every echo request it got
// (at least kernelPings of them) and got every reply to its own pings.
func checkEchoCounters(t *testing.T, s *inet.Stack, kernelPings, stackPings int) {
	t.Helper()
	in, out := stat(t, s, "Icmp:InEchos"), stat(t, s, "Icmp:OutEchoReps")
	if in < uint64(kernelPings) || out != in {
		t.Errorf("Icmp InEchos %d, OutEchoReps %d; want >= %d and equal", in, out, kernelPings)
	}
	if v := stat(t, s, "Icmp:InEchoReps"); v != uint64(stackPings) {
		t.Errorf("Icmp InEchoReps %d, want %d", v, stackPings)
	}
	if v := stat(t, s, "Icmp:OutEchos"); v != uint64(stackPings) {
		t.Errorf("Icmp OutEchos %d, want %d", v, stackPings)
	}
	for _, name := range []string{"Ip:InHdrErrors", "Ip:InAddrErrors", "Icmp:InErrors", "Icmp:InCsumErrors", "IpExt:InCsumErrors", "Ip:OutDiscards"} {
		if v := stat(t, s, name); v != 0 {
			t.Errorf("%s = %d, want 0", name, v)
		}
	}
}

// TestServeTUNKernel runs `inet serve --tun` in a namespace and has the
// kernel's iputils ping it through the TUN device, and the stack ping the
// kernel back.
func TestServeTUNKernel(t *testing.T) {
	ns := nstest.New(t)
	nstest.RequireTool(t, "ping")
	s := serveIn(t, ns, &serveConfig{tun: "inet0", addrs: []netip.Prefix{stackCIDR}})
	// The device is up already (tun.Options.Up); the kernel's side gets
	// the other address of the subnet.
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inet0")

	const n = 100
	sent, got := kernelPing(t, ns, stackAddr, n)
	if sent != n || got != n {
		t.Fatalf("kernel ping through the TUN: %d sent, %d received; want %d and no loss", sent, got, n)
	}
	stackPing(t, s, kernelAddr, 10)
	checkEchoCounters(t, s, n, 10)
}

// arpCapture is an AF_PACKET socket of the test's own that sees every ARP
// frame crossing one interface, in both directions.
type arpCapture struct{ fd int }

func captureARP(t *testing.T, ns *nstest.NS, ifname string) *arpCapture {
	t.Helper()
	c := &arpCapture{fd: -1}
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		// Only ETH_P_ALL sockets see what the interface sends
		// (dev_queue_xmit_nit); frames other than ARP are skipped.
		proto := htons(unix.ETH_P_ALL)
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(proto))
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
			unix.Close(fd)
			return err
		}
		c.fd = fd
		return nil
	})
	if err != nil {
		t.Fatalf("ARP capture on %s: %v", ifname, err)
	}
	t.Cleanup(func() { unix.Close(c.fd) })
	return c
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// capturedARP is one ARP frame and the direction the kernel saw it go.
type capturedARP struct {
	eth      wire.Ethernet
	arp      wire.ARP
	outgoing bool // sent by the captured interface (PACKET_OUTGOING)
}

// next returns the next ARP frame seen within d, or false.
func (c *arpCapture) next(t *testing.T, d time.Duration) (capturedARP, bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	buf := make([]byte, 2048)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return capturedARP{}, false
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			t.Fatal(err)
		}
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err == unix.EAGAIN || err == unix.EINTR || err == unix.ENETDOWN {
			// ENETDOWN reports the interface went down (the
			// link-up test does that); capture goes on.
			continue
		}
		if err != nil {
			t.Fatalf("ARP capture: %v", err)
		}
		f := append([]byte(nil), buf[:n]...)
		e, err := wire.ParseEthernet(f)
		if err != nil || e.EtherType() != wire.EtherTypeARP {
			continue
		}
		a, err := wire.ParseARP(e.Payload())
		if err != nil {
			continue
		}
		ll, _ := from.(*unix.SockaddrLinklayer)
		return capturedARP{eth: e, arp: a, outgoing: ll != nil && ll.Pkttype == unix.PACKET_OUTGOING}, true
	}
}

// collect returns the ARP frames seen within d.
func (c *arpCapture) collect(t *testing.T, d time.Duration) []capturedARP {
	t.Helper()
	var out []capturedARP
	deadline := time.Now().Add(d)
	for {
		f, ok := c.next(t, time.Until(deadline))
		if !ok {
			return out
		}
		out = append(out, f)
	}
}

func macOf(t *testing.T, ns *nstest.NS, ifname string) wire.MAC {
	t.Helper()
	out := strings.TrimSpace(string(ns.MustRun("cat", "/sys/class/net/"+ifname+"/address")))
	hw, err := net.ParseMAC(out)
	if err != nil {
		t.Fatalf("MAC of %s: %q: %v", ifname, out, err)
	}
	m, _ := wire.MACFrom(hw)
	return m
}

// vethPair makes veth0 (the kernel's end, 198.18.0.1/24) and veth1 (the
// stack's end, up with no address) in ns, IPv6 off on both so that only
// IPv4 and ARP cross, and GSO off towards the stack as link/packet asks.
func vethPair(t *testing.T, ns *nstest.NS) {
	t.Helper()
	ns.MustRun("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	ns.MustRun("ip", "link", "set", "veth0", "gso_max_segs", "1")
	for _, ifn := range []string{"veth0", "veth1"} {
		ns.MustRun("sysctl", "-qw", "net.ipv6.conf."+ifn+".disable_ipv6=1")
	}
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "veth0")
	ns.MustRun("ip", "link", "set", "veth0", "up")
	ns.MustRun("ip", "link", "set", "veth1", "up")
}

// isAnnouncement checks a gratuitous ARP as Linux's
// inetdev_send_gratuitous_arp builds it: a broadcast request from mac for
// a, asking for a itself, with a zero target MAC.
func isAnnouncement(c capturedARP, mac wire.MAC, a netip.Addr) bool {
	return c.eth.Dst() == wire.BroadcastMAC && c.eth.Src() == mac &&
		c.arp.Op() == wire.ARPRequest && c.arp.SenderMAC() == mac &&
		c.arp.SenderIP() == a && c.arp.TargetIP() == a && c.arp.TargetMAC().IsZero()
}

// TestServeVethKernel runs `inet serve --veth` on one end of a veth pair
// whose other end is the kernel's, and checks ARP both ways, pings both
// ways, and the gratuitous ARP against the kernel's own.
func TestServeVethKernel(t *testing.T) {
	ns := nstest.New(t)
	nstest.RequireTool(t, "ping")
	vethPair(t, ns)
	kmac, smac := macOf(t, ns, "veth0"), macOf(t, ns, "veth1")
	capt := captureARP(t, ns, "veth0")
	// The kernel holds the stack's address with another MAC, as after
	// an earlier run on another device.
	ns.MustRun("ip", "neigh", "replace", stackAddr.String(), "lladdr", "02:00:00:00:00:99", "dev", "veth0", "nud", "stale")

	s := serveIn(t, ns, &serveConfig{veth: "veth1", addrs: []netip.Prefix{stackCIDR}})
	nic := s.InterfaceByName("veth1")
	if nic == nil || nic.HardwareAddr() != smac {
		t.Fatalf("stack interface veth1 %v, want one with veth1's MAC %v", nic, smac)
	}

	// Linux sends no gratuitous ARP when an address is added (arp_notify
	// is 0); inet serve, like a host's ifup (arping -U), announces each
	// address once it is up, and the kernel's entry takes the new MAC.
	var ann int
	for _, f := range capt.collect(t, 300*time.Millisecond) {
		if !f.outgoing && isAnnouncement(f, smac, stackAddr) {
			ann++
		} else {
			t.Errorf("ARP after the address was added: %v -> %v op %d %v", f.eth.Src(), f.eth.Dst(), f.arp.Op(), f.arp.SenderIP())
		}
	}
	if ann != 1 {
		t.Errorf("%d gratuitous ARPs from inet serve, want 1", ann)
	}
	if out := string(ns.MustRun("ip", "neigh", "show", stackAddr.String(), "dev", "veth0")); !strings.Contains(out, "lladdr "+smac.String()) {
		t.Errorf("kernel neighbour entry after the announcement %q, want lladdr %s", out, smac)
	}
	ns.MustRun("ip", "neigh", "flush", "dev", "veth0")

	const n = 100
	sent, got := kernelPing(t, ns, stackAddr, n)
	if sent != n || got != n {
		t.Fatalf("kernel ping through the veth: %d sent, %d received; want %d and no loss", sent, got, n)
	}

	// The kernel asked for the stack's address and the stack answered.
	var request, reply bool
	for _, f := range capt.collect(t, 100*time.Millisecond) {
		switch {
		case f.outgoing && f.arp.Op() == wire.ARPRequest && f.arp.TargetIP() == stackAddr:
			request = true
		case !f.outgoing && f.arp.Op() == wire.ARPReply && f.eth.Src() == smac && f.eth.Dst() == kmac &&
			f.arp.SenderMAC() == smac && f.arp.SenderIP() == stackAddr &&
			f.arp.TargetMAC() == kmac && f.arp.TargetIP() == kernelAddr:
			reply = true
		}
	}
	if !request || !reply {
		t.Errorf("ARP on veth0: kernel request seen %v, stack reply seen %v; want both", request, reply)
	}
	neighOut := string(ns.MustRun("ip", "neigh", "show", stackAddr.String(), "dev", "veth0"))
	if !strings.Contains(neighOut, "lladdr "+smac.String()) || !regexp.MustCompile(`REACHABLE|STALE|DELAY|PROBE`).MatchString(neighOut) {
		t.Errorf("kernel neighbour entry %q, want %s with lladdr %s and a valid state", neighOut, stackAddr, smac)
	}

	stackPing(t, s, kernelAddr, 10)
	var found bool
	for _, e := range nic.Neighbours().Entries() {
		if e.Addr == kernelAddr {
			found = true
			if e.MAC != kmac || !e.State.Valid() {
				t.Errorf("stack neighbour %s: %v %v, want lladdr %v in a valid state", kernelAddr, e.MAC, e.State, kmac)
			}
		}
	}
	if !found {
		t.Errorf("stack neighbour table %+v lacks %s", nic.Neighbours().Entries(), kernelAddr)
	}
	checkEchoCounters(t, s, n, 10)

	// Gratuitous ARP on link up with arp_notify=1: the kernel's (veth0
	// down and up) and the stack's (veth1 down and up in the stack) must
	// have the same form. The kernel's is captured where it arrives, on
	// veth1: a socket on veth0 is unhooked while veth0 is down and may be
	// hooked again only after the announcement has gone.
	capt1 := captureARP(t, ns, "veth1")
	ns.MustRun("sysctl", "-qw", "net.ipv4.conf.veth0.arp_notify=1")
	ns.MustRun("ip", "link", "set", "veth0", "down")
	ns.MustRun("ip", "link", "set", "veth0", "up")
	var kernelAnn int
	for _, f := range capt1.collect(t, 500*time.Millisecond) {
		if !f.outgoing && isAnnouncement(f, kmac, kernelAddr) {
			kernelAnn++
		}
	}
	if kernelAnn != 1 {
		t.Fatalf("the kernel sent %d gratuitous ARPs on link up with arp_notify=1, want 1", kernelAnn)
	}
	capt.collect(t, 50*time.Millisecond)
	if err := s.SetSysctl("net.ipv4.conf.veth1.arp_notify", "1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUp(nic.Index(), false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUp(nic.Index(), true); err != nil {
		t.Fatal(err)
	}
	var stackAnn int
	for _, f := range capt.collect(t, 500*time.Millisecond) {
		if !f.outgoing && isAnnouncement(f, smac, stackAddr) {
			stackAnn++
		}
	}
	if stackAnn != 1 {
		t.Errorf("%d gratuitous ARPs from the stack on link up with arp_notify=1, want 1 as the kernel sends", stackAnn)
	}
}

// TestServeErrorsKernel checks the one-line messages and exit status 1 of
// failures only a real machine produces: a missing device, and a user
// without the privileges to open one.
func TestServeErrorsKernel(t *testing.T) {
	bin := inetBinary(t)
	ns := nstest.New(t)
	run := func(name string, args ...string) result {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return runCmd(t, ns.Command(ctx, name, args...))
	}
	r := run(bin, "serve", "--veth", "nosuchdev0", "--addr", "198.18.0.2/24")
	checkOneLine(t, "serve --veth nosuchdev0", r, 1, "veth nosuchdev0: no such device")
	r = run(bin, "serve", "--tun", "inet0", "--addr", "198.18.0.2/24", "--pcap", "/nonexistent/dir/x.pcap")
	checkOneLine(t, "serve --pcap /nonexistent/dir/x.pcap", r, 1, "--pcap: open /nonexistent/dir/x.pcap")
	r = run(bin, "serve", "--tun", "inet0", "--addr", "198.18.0.2/24", "--sysctl", "net.ipv4.no_such_setting=1")
	checkOneLine(t, "serve --sysctl net.ipv4.no_such_setting=1", r, 1, "--sysctl net.ipv4.no_such_setting=1")
	r = run(bin, "serve", "--tun", "inet0", "--addr", "198.18.0.2/24", "--sysctl", "net.ipv4.ip_default_ttl=0")
	checkOneLine(t, "serve --sysctl net.ipv4.ip_default_ttl=0", r, 1, "invalid argument")

	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv is not installed: the unprivileged case is not checked")
	}
	nobody := []string{"--reuid=65534", "--regid=65534", "--clear-groups"}
	r = run(setpriv, append(nobody, bin, "serve", "--tun", "inet0", "--addr", "198.18.0.2/24")...)
	checkOneLine(t, "serve --tun inet0 (as nobody)", r, 1, "tun inet0: permission denied (needs root or CAP_NET_ADMIN/CAP_NET_RAW)")
	ns.MustRun("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	r = run(setpriv, append(nobody, bin, "serve", "--veth", "veth1", "--addr", "198.18.0.2/24")...)
	checkOneLine(t, "serve --veth veth1 (as nobody)", r, 1, "veth veth1: permission denied")
}
