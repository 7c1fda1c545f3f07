package difftest

import (
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/link/packet"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/stack"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// The topology's addresses and names, the same in both worlds.
var (
	AddrA      = netip.MustParseAddr("198.18.0.1")      // the host under test
	AddrB      = netip.MustParseAddr("198.18.0.2")      // the peer
	AddrNone   = netip.MustParseAddr("198.18.0.3")      // on the link, nobody answers ARP
	Bcast      = netip.MustParseAddr("198.18.0.255")    // the link's directed broadcast
	AddrBeyond = netip.MustParseAddr("198.18.1.2")      // routed through B (B forwards)
	AddrB1     = netip.MustParseAddr("198.18.1.1")      // B's address on its far side
	NoRoute    = netip.MustParseAddr("198.19.0.1")      // A has no route to it
	Limited    = netip.MustParseAddr("255.255.255.255") // limited broadcast
	IfA        = "a0"                                   // A's interface
	IfIndexA   = 2                                      // its index, in both worlds
	MACA       = "02:00:00:00:00:0a"
	MACB       = "02:00:00:00:00:0b"
)

// Topology is the two worlds a test function compares: in each, A on one
// end of a veth pair and the kernel peer B on the other.
type Topology struct {
	Kernel, Inet *World
}

// World is one run's A and B.
type World struct {
	Host Host
	Peer *Peer
	// Stack is A in the inet world (nil in the kernel world).
	Stack *stack.Stack

	nsA, nsB *nstest.NS
	closeAll func()
}

// New builds both worlds; they are torn down when t ends. Build one per
// test function and run many cases on it.
//
//	kernel world: [ns A: a0 198.18.0.1/24] ==veth== [ns B: b0 198.18.0.2/24]
//	inet world:   [ns W: a0, no address] <- AF_PACKET <- inet stack A 198.18.0.1/24
//	              [ns W: a0] ==veth== [ns B': b0 198.18.0.2/24]
//
// In both, A routes 198.18.1.0/24 through B, and B forwards to its c0
// (198.18.1.1/24), so a datagram with TTL 1 draws B's time exceeded.
func New(t *testing.T) *Topology {
	t.Helper()
	nstest.Require(t)
	return &Topology{Kernel: newKernelWorld(t), Inet: newInetWorld(t)}
}

// setupA prepares namespace ns to hold A's end of the veth (a0) and B's
// namespace: IPv6 off, the veth made with fixed MACs, B configured.
func setupPair(t *testing.T, nsA, nsB *nstest.NS) {
	for _, ns := range []*nstest.NS{nsA, nsB} {
		ns.MustRun("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	nsA.MustRun("ip", "link", "add", IfA, "address", MACA, "type", "veth", "peer", "name", "b0", "address", MACB, "netns", nsB.Name())
	// Keep the kernel's ends from building GSO super-frames (link/packet
	// drops them) and from leaving checksums partial, so B's captures
	// see A's checksums as sent.
	nsA.MustRun("ip", "link", "set", IfA, "gso_max_segs", "1")
	nsB.MustRun("ip", "link", "set", "b0", "gso_max_segs", "1")
	nsB.MustRun("ip", "addr", "add", AddrB.String()+"/24", "dev", "b0")
	nsB.MustRun("ip", "link", "set", "b0", "up")
	// B's far side: a veth pair inside B (no dummy module needed).
	nsB.MustRun("ip", "link", "add", "c0", "type", "veth", "peer", "name", "c1")
	nsB.MustRun("ip", "addr", "add", AddrB1.String()+"/24", "dev", "c0")
	nsB.MustRun("ip", "link", "set", "c0", "up")
	nsB.MustRun("ip", "link", "set", "c1", "up")
	// B knows A's MAC (and A B's, below): no ARP between them, whose
	// timing would otherwise decide whether a first datagram waits.
	nsB.MustRun("ip", "neigh", "replace", AddrA.String(), "lladdr", MACA, "dev", "b0", "nud", "permanent")
	// B forwards, and answers every error without rate limits, so its
	// behaviour does not depend on timing.
	nsB.MustRun("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.icmp_ratemask=0")
}

func newKernelWorld(t *testing.T) *World {
	nsA, nsB := nstest.New(t), nstest.New(t)
	setupPair(t, nsA, nsB)
	if err := nsA.Do(func() error { return ethtoolTxCsum(IfA, false) }); err != nil {
		t.Fatalf("turning off a0's checksum offload: %v", err)
	}
	nsA.MustRun("ip", "addr", "add", AddrA.String()+"/24", "dev", IfA)
	nsA.MustRun("ip", "link", "set", IfA, "up")
	nsA.MustRun("ip", "route", "add", "198.18.1.0/24", "via", AddrB.String())
	nsA.MustRun("ip", "neigh", "replace", AddrB.String(), "lladdr", MACB, "dev", IfA, "nud", "permanent")
	k := &kernelHost{w: newWorker(t, nsA.Name()), fds: make(map[int]bool)}
	w := &World{Host: k, nsA: nsA, nsB: nsB, closeAll: k.closeAll}
	w.Peer = newPeer(t, nsB)
	w.init(t)
	t.Cleanup(k.closeAll)
	return w
}

func newInetWorld(t *testing.T) *World {
	nsW, nsB := nstest.New(t), nstest.New(t)
	setupPair(t, nsW, nsB)
	var ep *packet.Endpoint
	if err := nsW.Do(func() (err error) {
		ep, err = packet.Open(IfA, packet.Options{Up: true})
		return err
	}); err != nil {
		t.Fatalf("packet.Open: %v", err)
	}
	s := stack.New(stack.Options{Caps: socket.AllCaps, Seed: 1})
	t.Cleanup(func() { _ = s.Close() })
	nic, err := s.AddInterface(ep, stack.InterfaceOptions{Name: IfA})
	if err != nil {
		t.Fatalf("AddInterface: %v", err)
	}
	if nic.Index() != IfIndexA {
		t.Fatalf("inet's a0 has index %d, want %d", nic.Index(), IfIndexA)
	}
	if err := s.AddAddress(nic.Index(), netip.PrefixFrom(AddrA, 24)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRoute(route.Route{Dst: netip.MustParsePrefix("198.18.1.0/24"), Gateway: AddrB}); err != nil {
		t.Fatal(err)
	}
	hw, err := net.ParseMAC(MACB)
	if err != nil {
		t.Fatal(err)
	}
	mac, _ := wire.MACFrom(hw)
	if err := nic.Neighbours().Set(AddrB, mac, true); err != nil {
		t.Fatal(err)
	}
	h := newInetHost(s)
	// Settings Linux keeps for the whole host (a new namespace inherits
	// them) are the environment, not behaviour: inet is given the
	// kernel's.
	for _, name := range hostSettings {
		v, err := readHostSysctl(name)
		if err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		if err := s.Settings().Set(name, v); err != nil {
			t.Fatalf("inet: sysctl %s=%s: %v", name, v, err)
		}
	}
	w := &World{Host: h, Stack: s, nsA: nsW, nsB: nsB, closeAll: h.closeAll}
	w.Peer = newPeer(t, nsB)
	w.init(t)
	t.Cleanup(h.closeAll)
	return w
}

// hostSettings are the sysctls a new network namespace takes from the
// host (tuned on many machines: rmem_max is 4 MiB here, not Linux's
// 212992).
var hostSettings = []string{"net.core.rmem_max", "net.core.wmem_max", "net.core.rmem_default",
	"net.core.wmem_default", "net.core.optmem_max"}

func readHostSysctl(name string) (string, error) {
	b, err := os.ReadFile(sysctlPath(name))
	return strings.TrimSpace(string(b)), err
}

// init applies the settings both A's share: no per-destination ICMP rate
// limit (its buckets would make results depend on timing across cases; the
// rate-limit case sets it back itself), and fast ARP failure.
func (w *World) init(t *testing.T) {
	for _, kv := range [][2]string{
		{"net.ipv4.icmp_ratelimit", "0"},
		{"net.ipv4.neigh." + IfA + ".mcast_solicit", "1"},
		{"net.ipv4.neigh." + IfA + ".retrans_time_ms", "100"},
	} {
		if err := w.Host.SetSysctl(kv[0], kv[1]); err != nil {
			t.Fatalf("%s: sysctl %s=%s: %v", w.Host.Name(), kv[0], kv[1], err)
		}
	}
}

// ethtoolTxCsum turns a device's transmit checksum offload on or off
// (ETHTOOL_STXCSUM, what `ethtool -K dev tx off` does), in the calling
// thread's namespace.
func ethtoolTxCsum(dev string, on bool) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	val := struct{ cmd, data uint32 }{cmd: 0x17} // ETHTOOL_STXCSUM
	if on {
		val.data = 1
	}
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [16]byte
	}
	copy(ifr.name[:], dev)
	ifr.data = unsafe.Pointer(&val)
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	if e != 0 {
		return e
	}
	return nil
}
