package inet_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// The kernel as an oracle: a namespace whose interface owns 198.18.0.1/24,
// reached through a TUN device (IP cases) or a veth pair (Ethernet cases)
// whose far end sits in a second namespace, so that what the kernel
// answers is not counted a second time on the way back. The counters are
// the namespace's /proc/net/snmp and /proc/net/netstat.

// kernelHost is one such namespace, ready to take packets.
type kernelHost struct {
	t       *testing.T
	ns      *nstest.NS
	ifname  string
	snmp    *os.File // the namespace's /proc/net/snmp, opened inside it
	netstat *os.File
	// send injects one IP packet or Ethernet frame; recv returns the next
	// IPv4 packet the kernel sent the peer within d (the IP packet, with
	// any link header removed).
	send func(b []byte)
	recv func(d time.Duration) ([]byte, bool)
	// wrap turns a case's IP packet into what send takes.
	wrap     func(c *inputCase) []byte
	sentinel map[string]uint64 // what the sentinel echo alone moves
	seq      uint16
}

// openCounters opens the namespace's counter files from a thread inside
// it: a /proc/net file shows the namespace it was opened in.
func (k *kernelHost) openCounters() {
	err := k.ns.Do(func() error {
		var err error
		if k.snmp, err = os.Open("/proc/thread-self/net/snmp"); err != nil {
			return err
		}
		k.netstat, err = os.Open("/proc/thread-self/net/netstat")
		return err
	})
	if err != nil {
		k.t.Fatalf("opening the namespace's counters: %v", err)
	}
	k.t.Cleanup(func() { k.snmp.Close(); k.netstat.Close() })
}

// counters reads every counter, keyed as snmp.Stats.Snapshot keys them.
func (k *kernelHost) counters() map[string]uint64 {
	m := make(map[string]uint64)
	for _, f := range []*os.File{k.snmp, k.netstat} {
		if _, err := f.Seek(0, 0); err != nil {
			k.t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(f); err != nil {
			k.t.Fatal(err)
		}
		sc := bufio.NewScanner(&b)
		var names []string
		for sc.Scan() {
			group, rest, _ := strings.Cut(sc.Text(), ": ")
			fields := strings.Fields(rest)
			if names == nil || !strings.HasPrefix(sc.Text(), names[0]) {
				names = append([]string{group + ":"}, fields...)
				continue
			}
			for i, v := range fields {
				if i+1 >= len(names) {
					break
				}
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					k.t.Fatalf("counter %s%s: %q", group, names[i+1], v)
				}
				m[group+":"+names[i+1]] = uint64(n)
			}
			names = nil
		}
	}
	return m
}

// sentinelEcho is the echo request that marks the end of a case's
// answers: the kernel answers it after whatever it did with the case.
func (k *kernelHost) sentinelEcho() []byte {
	k.seq++
	return echo(0xfeed, pktOpts{id: k.seq})
}

func isSentinelReply(b []byte) bool {
	h, err := wire.ParseIPv4(b)
	if err != nil || h.Protocol() != wire.ProtoICMP {
		return false
	}
	m, err := wire.ParseICMP(h.Payload())
	return err == nil && m.Type() == wire.ICMPEchoReply && m.ID() == 0xfeed
}

// exchange sends b, then the sentinel, and returns the kernel's answers to
// b (in order) and the counters that moved, the sentinel's share taken
// off.
func (k *kernelHost) exchange(b []byte, sentinelShare map[string]uint64) ([][]byte, map[string]uint64) {
	k.t.Helper()
	before := k.counters()
	if b != nil {
		k.send(b)
	}
	s := k.sentinelEcho()
	k.send(k.wrap(&inputCase{link: ethHost, pkt: s}))
	var answers [][]byte
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, ok := k.recv(time.Until(deadline))
		if !ok {
			k.t.Fatal("the kernel never answered the sentinel echo")
		}
		if isSentinelReply(p) {
			break
		}
		answers = append(answers, p)
	}
	d := deltas(before, k.counters())
	for name, v := range sentinelShare {
		d[name] -= v
		if d[name] == 0 {
			delete(d, name)
		}
	}
	return answers, d
}

// calibrate measures what the sentinel alone moves.
func (k *kernelHost) calibrate() {
	_, k.sentinel = k.exchange(nil, nil)
	// Twice, to check nothing else moves the counters meanwhile.
	_, again := k.exchange(nil, nil)
	if d := diffCounters(again, k.sentinel, nil); len(d) > 0 {
		k.t.Fatalf("the kernel's counters are not quiet: %v", d)
	}
}

// sysctl sets a setting in the namespace and returns a function that puts
// the old value back.
func (k *kernelHost) sysctl(name, value string) func() {
	name = strings.ReplaceAll(name, ".IF.", "."+k.ifname+".")
	old := strings.TrimSpace(string(k.ns.MustRun("sysctl", "-n", name)))
	k.ns.MustRun("sysctl", "-qw", name+"="+value)
	return func() { k.ns.MustRun("sysctl", "-qw", name+"="+old) }
}

// kernelSetup is common to both links: no rate limit per destination (so
// the table's errors are never limited) and no IPv6 noise.
func kernelSetup(ns *nstest.NS, ifs ...string) {
	ns.MustRun("sysctl", "-qw", "net.ipv4.icmp_ratelimit=0")
	for _, i := range ifs {
		ns.MustRun("sysctl", "-qw", "net.ipv6.conf."+i+".disable_ipv6=1")
	}
}

const tunSetIff = 0x400454ca // TUNSETIFF

// newTUNHost makes the namespace with a TUN device inet0 (198.18.0.1/24)
// whose other side is a file descriptor of the test's own.
func newTUNHost(t *testing.T) *kernelHost {
	ns := nstest.New(t)
	k := &kernelHost{t: t, ns: ns, ifname: "inet0"}
	fd := openTUN(t, ns, "inet0")
	openTUN(t, ns, "inet1")
	kernelSetup(ns, "inet0", "inet1")
	ns.MustRun("ip", "addr", "add", hostIP+"/24", "dev", "inet0")
	ns.MustRun("ip", "link", "set", "inet0", "up")
	// A second TUN device, never read, is where forwarded packets leave.
	ns.MustRun("ip", "link", "set", "inet1", "mtu", "576")
	ns.MustRun("ip", "addr", "add", fwdNet, "dev", "inet1")
	ns.MustRun("ip", "link", "set", "inet1", "up")
	k.openCounters()
	k.wrap = func(c *inputCase) []byte { return c.pkt }
	k.send = func(b []byte) {
		if _, err := unix.Write(fd, b); err != nil && err != unix.EINVAL {
			t.Fatalf("TUN write: %v", err)
		}
	}
	buf := make([]byte, 65536)
	k.recv = func(d time.Duration) ([]byte, bool) {
		deadline := time.Now().Add(d)
		for {
			n, err := unix.Read(fd, buf)
			if err == nil {
				if n > 0 && buf[0]>>4 == 4 {
					return append([]byte(nil), buf[:n]...), true
				}
				continue
			}
			if err != unix.EAGAIN && err != unix.EINTR {
				t.Fatalf("TUN read: %v", err)
			}
			left := time.Until(deadline)
			if left <= 0 {
				return nil, false
			}
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			_, _ = unix.Poll(pfd, int(left/time.Millisecond)+1)
		}
	}
	k.calibrate()
	return k
}

// openTUN creates a TUN device in ns and returns its file descriptor
// (non-blocking), closed when the test ends.
func openTUN(t *testing.T, ns *nstest.NS, name string) int {
	fd := -1
	err := ns.Do(func() error {
		var err error
		fd, err = unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		var req [unix.IFNAMSIZ + 64]byte
		copy(req[:], name)
		binary.NativeEndian.PutUint16(req[unix.IFNAMSIZ:], unix.IFF_TUN|unix.IFF_NO_PI)
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), tunSetIff, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
			unix.Close(fd)
			return e
		}
		return nil
	})
	if err != nil {
		t.Fatalf("TUN device %s: %v", name, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// newVethHost makes the namespace with veth0 (198.18.0.1/24) whose peer
// veth1 lives in a second namespace, where an AF_PACKET socket of the
// test's own sends and receives whole frames.
func newVethHost(t *testing.T) (*kernelHost, wire.MAC, wire.MAC) {
	ns := nstest.New(t)
	wireNS := nstest.New(t)
	k := &kernelHost{t: t, ns: ns, ifname: "veth0"}
	ns.MustRun("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", wireNS.Name())
	kernelSetup(ns, "veth0")
	wireNS.MustRun("sysctl", "-qw", "net.ipv6.conf.veth1.disable_ipv6=1")
	ns.MustRun("ip", "addr", "add", hostIP+"/24", "dev", "veth0")
	ns.MustRun("ip", "link", "set", "veth0", "up")
	wireNS.MustRun("ip", "link", "set", "veth1", "up")
	hostMAC := macIn(t, ns, "veth0")
	peerMAC := macIn(t, wireNS, "veth1")
	ns.MustRun("ip", "neigh", "replace", peerIP, "lladdr", peerMAC.String(), "dev", "veth0", "nud", "permanent")
	fd, index := -1, 0
	err := wireNS.Do(func() error {
		ifi, err := net.InterfaceByName("veth1")
		if err != nil {
			return err
		}
		index = ifi.Index
		proto := int(htons(unix.ETH_P_ALL))
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: index})
	})
	if err != nil {
		t.Fatalf("AF_PACKET socket on veth1: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	k.openCounters()
	k.wrap = func(c *inputCase) []byte { return frame(c, hostMAC, peerMAC) }
	k.send = func(b []byte) {
		if err := unix.Sendto(fd, b, 0, &unix.SockaddrLinklayer{Ifindex: index}); err != nil {
			t.Fatalf("AF_PACKET send: %v", err)
		}
	}
	buf := make([]byte, 65536)
	k.recv = func(d time.Duration) ([]byte, bool) {
		deadline := time.Now().Add(d)
		for {
			left := time.Until(deadline)
			if left <= 0 {
				return nil, false
			}
			tv := unix.NsecToTimeval(left.Nanoseconds())
			_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				if err == unix.EAGAIN || err == unix.EINTR {
					continue
				}
				t.Fatalf("AF_PACKET read: %v", err)
			}
			e, err := wire.ParseEthernet(buf[:n])
			if err != nil || e.EtherType() != wire.EtherTypeIPv4 || e.Src() != hostMAC {
				continue
			}
			if e.Dst() != peerMAC {
				t.Errorf("the kernel sent an IPv4 frame to %v, not the peer", e.Dst())
			}
			return append([]byte(nil), e.Payload()...), true
		}
	}
	k.calibrate()
	return k, hostMAC, peerMAC
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func macIn(t *testing.T, ns *nstest.NS, ifname string) wire.MAC {
	t.Helper()
	s := strings.TrimSpace(string(ns.MustRun("cat", "/sys/class/net/"+ifname+"/address")))
	hw, err := net.ParseMAC(s)
	if err != nil {
		t.Fatalf("MAC of %s: %q", ifname, s)
	}
	m, _ := wire.MACFrom(hw)
	return m
}

// kernelComparable says which counters the kernel comparison checks:
// those both keep, the route-cache statistics aside (Linux keeps them for
// the whole machine, not per namespace).
func kernelComparable(stack map[string]uint64) func(string) bool {
	return func(name string) bool {
		if strings.HasPrefix(name, "RtCache:") {
			return false
		}
		_, ok := stack[name]
		return ok || strings.HasPrefix(name, "IcmpMsg:")
	}
}

// TestInputValidationKernel runs the table against Linux and against the
// stack, and requires both to match the table: the kernel's counters
// (those the stack keeps) and answers, including octets, must equal the
// stack's.
func TestInputValidationKernel(t *testing.T) {
	nstest.Require(t)
	tunHost := newTUNHost(t)
	vethHost, _, _ := newVethHost(t)
	known := testnetStackCounters(t)
	keep := kernelComparable(known)
	for _, c := range inputCases() {
		t.Run(c.name, func(t *testing.T) {
			k := tunHost
			if c.link != onIP {
				k = vethHost
			}
			for _, kv := range c.sysctls {
				defer k.sysctl(kv[0], kv[1])()
			}
			answers, got := k.exchange(k.wrap(&c), k.sentinel)
			var desc []string
			for _, a := range answers {
				desc = append(desc, describe(a))
			}
			checkTable(t, "kernel", got, desc, c.want, c.answer, keep)
			// Whatever the kernel counts that the stack does not keep
			// at all is worth knowing.
			for _, name := range sortedKeys(got) {
				if _, ok := known[name]; !ok && !strings.HasPrefix(name, "IcmpMsg:") && !ignoredInTable(name) {
					t.Errorf("the kernel moved %s by %d, a counter the stack does not keep", name, got[name])
				}
			}
			if c.gap != "" {
				t.Logf("known gap: %s", c.gap)
				return
			}
			// Octets too: the stack must count the same bytes.
			r := runOnStack(t, &c)
			if len(r.raw) == len(answers) {
				for i := range answers {
					compareAnswer(t, answers[i], r.raw[i])
				}
			}
			for _, name := range sortedKeys(got, r.counters) {
				if strings.HasSuffix(name, "Octets") && got[name] != r.counters[name] {
					t.Errorf("%s: kernel %+d, stack %+d", name, int64(got[name]), int64(r.counters[name]))
				}
			}
		})
	}
}

// testnetStackCounters returns the names of every counter a stack keeps.
func testnetStackCounters(t *testing.T) map[string]uint64 {
	return testnet.New(t, nil).Stack().Stats().Snapshot()
}

// compareAnswer compares an ICMP error or reply the kernel sent with the
// stack's: the IP header fields that do not vary (TOS, TTL, DF, protocol,
// addresses, options), and the whole ICMP message but for timestamp
// replies, whose times differ.
func compareAnswer(t *testing.T, kernel, stack []byte) {
	t.Helper()
	kh, err1 := wire.ParseIPv4(kernel)
	sh, err2 := wire.ParseIPv4(stack)
	if err1 != nil || err2 != nil {
		t.Errorf("answers: kernel %v, stack %v", err1, err2)
		return
	}
	type fields struct {
		TOS, TTL, Proto uint8
		DF              bool
		Src, Dst        string
		Options         string
	}
	f := func(h wire.IPv4) fields {
		return fields{h.TOS(), h.TTL(), h.Protocol(), h.DF(), h.Src().String(), h.Dst().String(), fmt.Sprintf("% x", h.Options())}
	}
	if kf, sf := f(kh), f(sh); kf != sf {
		t.Errorf("answer header: kernel %+v, stack %+v", kf, sf)
	}
	km, sm := kh.Payload(), sh.Payload()
	if kh.Protocol() == wire.ProtoICMP && len(km) > 0 && km[0] == wire.ICMPTimestampReply {
		return
	}
	if !bytes.Equal(km, sm) {
		t.Errorf("answer payload:\n\tkernel % x\n\tstack  % x", km, sm)
	}
}
