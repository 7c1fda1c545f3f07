package wire

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"golang.org/x/sys/unix"
)

// linuxOptionsOracle sends IPv4 packets carrying option areas to 127.0.0.1
// inside a fresh namespace and reports, for each, whether the kernel's
// ip_options_compile refused them (the namespace's Ip InHdrErrors counter
// moved) and the pointer of the ICMP parameter problem it sent, if it sent
// one.
//
// A probe is an ICMP echo reply, which draws no answer of its own when it
// passes. After each probe a plain echo request follows, and the oracle
// waits for its reply: loopback delivers in order, so the answer to the
// probe, if any, has been sent by then. Answers are read with an AF_PACKET
// socket on lo as they are sent: a parameter problem echoes the options
// the check accepted before the bad one, so one echoing a CIPSO option is
// dropped again when loopback delivers it. One echoing a source route that
// was partly travelled is sent toward the reversed route's first hop,
// which has no route here, so it is not sent at all; then only the counter
// speaks.
type linuxOptionsOracle struct {
	tx, rx int
	snmp   *os.File
	seq    uint16
	buf    []byte
}

const (
	oracleProbeID  = 0x4f50
	oracleMarkerID = 0x4d4b
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func newLinuxOptionsOracle(t *testing.T) *linuxOptionsOracle {
	ns := nstest.New(t)
	// No ICMP rate limiting in this namespace.
	ns.MustRun("sysctl", "-qw", "net.ipv4.icmp_ratemask=0")
	o := &linuxOptionsOracle{buf: make([]byte, 1500)}
	err := ns.Do(func() error {
		var err error
		if o.snmp, err = os.Open("/proc/thread-self/net/snmp"); err != nil {
			return err
		}
		if o.tx, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW); err != nil {
			return err
		}
		proto := int(htons(unix.ETH_P_IP))
		if o.rx, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, proto); err != nil {
			return err
		}
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		if err := unix.Bind(o.rx, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: lo.Index}); err != nil {
			return err
		}
		tv := unix.NsecToTimeval(int64(2 * time.Second))
		return unix.SetsockoptTimeval(o.rx, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	})
	if err != nil {
		t.Fatalf("sockets in namespace: %v", err)
	}
	t.Cleanup(func() {
		unix.Close(o.tx)
		unix.Close(o.rx)
		o.snmp.Close()
	})
	return o
}

// inHdrErrors reads the namespace's Ip InHdrErrors counter.
func (o *linuxOptionsOracle) inHdrErrors(t *testing.T) int {
	t.Helper()
	n, err := o.snmp.ReadAt(o.buf, 0)
	if err != nil && err != io.EOF {
		t.Fatalf("read snmp: %v", err)
	}
	lines := strings.Split(string(o.buf[:n]), "\n")
	if len(lines) < 2 {
		t.Fatalf("short snmp file")
	}
	names, values := strings.Fields(lines[0]), strings.Fields(lines[1])
	for i, name := range names {
		if name == "InHdrErrors" && i < len(values) {
			v, err := strconv.Atoi(values[i])
			if err != nil {
				t.Fatalf("InHdrErrors %q: %v", values[i], err)
			}
			return v
		}
	}
	t.Fatalf("no InHdrErrors in %q", lines[0])
	return 0
}

// oracleICMP builds an IPv4 ICMP message of type typ from and to 127.0.0.1
// with the given options area (a multiple of 4 bytes, at most 40).
func oracleICMP(typ uint8, opts []byte, id, seq uint16) []byte {
	icmp := make([]byte, 16)
	icmp[0] = typ
	binary.BigEndian.PutUint32(icmp[4:], EchoRest(id, seq))
	ICMP(icmp).ComputeChecksum()
	h := IPv4Header{TTL: 64, Protocol: ProtoICMP, Src: loopback, Dst: loopback, Options: opts}
	b := make([]byte, h.Len()+len(icmp))
	h.TotalLen = len(b)
	h.Emit(b)
	copy(b[h.Len():], icmp)
	return b
}

func (o *linuxOptionsOracle) send(b []byte) error {
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	return unix.Sendto(o.tx, b, 0, sa)
}

// probe reports whether Linux refused opts, and the parameter problem
// pointer it sent (-1 for none).
func (o *linuxOptionsOracle) probe(t *testing.T, opts []byte) (refused bool, ptr int) {
	t.Helper()
	o.seq++
	before := o.inHdrErrors(t)
	ptr = -1
	o.exchange(t, oracleICMP(ICMPEchoReply, opts, oracleProbeID, o.seq), func(ip IPv4, m ICMP) {
		if m.Type() != ICMPParameterProb {
			return
		}
		q, err := m.Quoted()
		if err != nil {
			return
		}
		typ, _, id, seq, ok := q.ICMPEcho()
		if ok && typ == ICMPEchoReply && id == oracleProbeID && seq == o.seq {
			ptr = int(m.Pointer())
		}
	})
	return o.inHdrErrors(t) != before, ptr
}

// exchange sends b, then a marker echo request, and hands each ICMP
// message the kernel sends until the marker's reply to seen.
func (o *linuxOptionsOracle) exchange(t *testing.T, b []byte, seen func(ip IPv4, m ICMP)) {
	t.Helper()
	if err := o.send(b); err != nil {
		t.Fatalf("send %x: %v", b, err)
	}
	if err := o.send(oracleICMP(ICMPEcho, nil, oracleMarkerID, o.seq)); err != nil {
		t.Fatalf("send marker: %v", err)
	}
	for range 64 {
		n, _, err := unix.Recvfrom(o.rx, o.buf, 0)
		if err != nil {
			t.Fatalf("waiting for the marker reply: %v", err)
		}
		ip, err := ParseIPv4(o.buf[:n])
		if err != nil {
			continue
		}
		m, err := ParseICMP(ip.Payload())
		if err != nil {
			continue
		}
		if m.Type() == ICMPEchoReply && m.ID() == oracleMarkerID && m.Seq() == o.seq {
			return
		}
		seen(ip, m)
	}
	t.Fatalf("no marker reply after %x", b)
}

// linuxOptionCases are hand-made option areas, each aimed at one rule of
// ip_options_compile.
var linuxOptionCases = [][]byte{
	{},
	{IPOptNOP, IPOptNOP, IPOptNOP, IPOptEnd},
	{IPOptEnd, 0x07, 0x00, 0x00},            // garbage after End is ignored
	{IPOptNOP, IPOptNOP, IPOptNOP, IPOptRR}, // type at the last byte
	{IPOptRR, 0x00, 0x04, 0x00},             // length 0
	{IPOptRR, 0x01, 0x04, 0x00},             // length 1
	{IPOptRR, 0x09, 0x04, 0x00, 0, 0, 0, 0}, // past the area
	{IPOptRR, 0x02, IPOptEnd, IPOptEnd},     // RR length 2
	{IPOptRR, 0x03, 0x04, IPOptEnd},         // RR length 3, pointer 4 > length: full
	{IPOptRR, 0x03, 0x03, IPOptEnd},         // pointer 3
	{IPOptRR, 0x07, 0x04, 0, 0, 0, 0, IPOptEnd},
	{IPOptRR, 0x07, 0x05, 0, 0, 0, 0, IPOptEnd}, // pointer leaves 3 bytes
	{IPOptRR, 0x07, 0x08, 0, 0, 0, 0, IPOptEnd}, // full, pointer = length+1
	{IPOptRR, 0x07, 0x07, 0, 0, 0, 0, IPOptEnd}, // pointer = length
	{IPOptRR, 0x07, 0xff, 0, 0, 0, 0, IPOptEnd}, // pointer far past
	{IPOptRR, 0x06, 0x04, 0, 0, 0, IPOptEnd, IPOptEnd},
	{IPOptRR, 0x03, 0x08, IPOptRR, 0x03, 0x08, IPOptEnd, IPOptEnd}, // duplicate
	{IPOptRR, 0x03, 0x08, IPOptRR, 0x01, 0x08, IPOptEnd, IPOptEnd}, // duplicate before length
	{IPOptTimestamp, 0x03, 0x05, IPOptEnd},
	{IPOptTimestamp, 0x04, 0x04, 0x00},
	{IPOptTimestamp, 0x04, 0x05, 0x00}, // full at once: overflow
	{IPOptTimestamp, 0x04, 0x05, 0xf0}, // overflow at 15
	{IPOptTimestamp, 0x04, 0x05, 0xf3}, // prespecified, full, overflow 15: fine
	{IPOptTimestamp, 0x04, 0x05, 0xe1},
	{IPOptTimestamp, 0x08, 0x05, 0x00, 0, 0, 0, 0},
	{IPOptTimestamp, 0x08, 0x06, 0x00, 0, 0, 0, 0},
	{IPOptTimestamp, 0x08, 0x05, 0x01, 0, 0, 0, 0}, // address entry does not fit
	{IPOptTimestamp, 0x0c, 0x05, 0x01, 0, 0, 0, 0, 0, 0, 0, 0},
	{IPOptTimestamp, 0x0c, 0x05, 0x03, 198, 18, 0, 1, 0, 0, 0, 0},
	{IPOptTimestamp, 0x0c, 0x05, 0x03, 127, 0, 0, 1, 0, 0, 0, 0},
	{IPOptTimestamp, 0x0c, 0x09, 0x03, 127, 0, 0, 1, 0, 0, 0, 0},
	{IPOptTimestamp, 0x0c, 0x05, 0x02, 0, 0, 0, 0, 0, 0, 0, 0}, // unknown flags
	{IPOptTimestamp, 0x0c, 0x05, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0},
	{IPOptTimestamp, 0x04, 0x05, 0x00, IPOptTimestamp, 0x04, 0x05, 0x00}, // duplicate
	{IPOptLSRR, 0x02, IPOptEnd, IPOptEnd},
	{IPOptLSRR, 0x03, 0x03, IPOptEnd},
	{IPOptLSRR, 0x03, 0x04, IPOptEnd},
	{IPOptLSRR, 0x07, 0x04, 198, 18, 0, 9, IPOptEnd},
	{IPOptSSRR, 0x07, 0x04, 198, 18, 0, 9, IPOptEnd},
	{IPOptSSRR, 0x07, 0x08, 198, 18, 0, 9, IPOptEnd},
	{IPOptLSRR, 0x07, 0x04, 198, 18, 0, 9, IPOptSSRR, 0x01, 0x04, 0x00}, // second route, bad length
	{IPOptLSRR, 0x03, 0x04, IPOptSSRR, 0x03, 0x04, IPOptEnd, IPOptEnd},  // duplicate route
	{IPOptLSRR, 0x03, 0x04, IPOptSSRR, 0x03, 0x02, IPOptEnd, IPOptEnd},  // duplicate with bad pointer
	{IPOptRouterAlert, 0x04, 0x00, 0x00},
	{IPOptRouterAlert, 0x04, 0x12, 0x34},
	{IPOptRouterAlert, 0x03, 0x00, IPOptEnd},
	{IPOptRouterAlert, 0x02, IPOptEnd, IPOptEnd},
	{IPOptRouterAlert, 0x04, 0x00, 0x00, IPOptRouterAlert, 0x04, 0x00, 0x00},
	{IPOptSecurity, 0x03, 0xab, IPOptEnd},
	{IPOptSecurity, 0x04, 0xab, 0x80, IPOptSecurity, 0x04, 0xab, 0x80},
	{IPOptSecurity, 0x02, IPOptEnd, IPOptEnd},
	{IPOptSID, 0x04, 0x12, 0x34},
	{0x99, 0x02, IPOptNOP, IPOptEnd},
	{0x19, 0x04, 0x00, 0x00},
	{IPOptCIPSO, 0x02, IPOptEnd, IPOptEnd},
	{IPOptCIPSO, 0x06, 0, 0, 0, 1, IPOptEnd, IPOptEnd},
	{IPOptCIPSO, 0x08, 0, 0, 0, 1, 0x01, 0x02},
	{IPOptCIPSO, 0x08, 0, 0, 0, 0, 0x01, 0x02},
	{IPOptCIPSO, 0x0a, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x00, IPOptEnd, IPOptEnd},
	{IPOptCIPSO, 0x03, 0x00, IPOptCIPSO, 0x03, 0x00, IPOptEnd, IPOptEnd},
}

// randomOptionArea builds an options area from pieces that are mostly
// nearly well-formed, so that the walk reaches the deeper rules.
func randomOptionArea(r *rand.Rand) []byte {
	var b []byte
	types := []uint8{IPOptRR, IPOptTimestamp, IPOptLSRR, IPOptSSRR, IPOptRouterAlert, IPOptSecurity, IPOptCIPSO, IPOptSID, IPOptNOP, IPOptEnd, 0x55, 0xd2}
	for len(b) < 40 && r.IntN(4) != 0 {
		typ := types[r.IntN(len(types))]
		if typ == IPOptNOP || typ == IPOptEnd {
			b = append(b, typ)
			continue
		}
		n := 2 + r.IntN(14)
		if r.IntN(8) == 0 {
			n = r.IntN(64)
		}
		o := []byte{typ, uint8(n)}
		if n > 2 {
			p := 4 + 4*r.IntN(4)
			if typ == IPOptTimestamp {
				p++
			}
			if r.IntN(5) == 0 {
				p = r.IntN(20)
			}
			o = append(o, uint8(p))
		}
		if n > 3 {
			fl := []uint8{0, 1, 3, 2}[r.IntN(4)]
			if r.IntN(4) == 0 {
				fl |= uint8(r.IntN(16)) << 4
			}
			o = append(o, fl)
		}
		for len(o) < n && len(o) < 40 {
			o = append(o, uint8(r.IntN(3)))
		}
		b = append(b, o...)
	}
	if len(b) > 40 {
		b = b[:40]
	}
	for len(b)%4 != 0 {
		b = append(b, uint8(r.IntN(2))) // End or No-op padding
	}
	return b
}

// TestCheckIPv4OptionsLinux compares CheckIPv4Options on received packets
// with the kernel: refused or not, and where the kernel sent a parameter
// problem, the same pointer.
func TestCheckIPv4OptionsLinux(t *testing.T) {
	o := newLinuxOptionsOracle(t)
	cases := append([][]byte(nil), linuxOptionCases...)
	r := rand.New(rand.NewPCG(7, 11))
	for range 1500 {
		cases = append(cases, randomOptionArea(r))
	}
	var refused, pointed int
	for _, opts := range cases {
		padded := append([]byte(nil), opts...)
		for len(padded)%4 != 0 {
			padded = append(padded, IPOptEnd)
		}
		linuxRefused, linuxPtr := o.probe(t, padded)
		_, err := CheckIPv4Options(padded, IPv4OptionsReceived)
		if (err != nil) != linuxRefused {
			t.Errorf("options %x: CheckIPv4Options error %v, Linux refused %v", padded, err, linuxRefused)
			continue
		}
		if err == nil {
			if linuxPtr >= 0 {
				t.Errorf("options %x: accepted, but Linux sent pointer %d", padded, linuxPtr)
			}
			continue
		}
		refused++
		var oe IPv4OptionError
		if !errors.As(err, &oe) {
			t.Fatalf("%x: error %v is not an IPv4OptionError", padded, err)
		}
		if linuxPtr < 0 {
			continue // the answer could not be sent; see linuxOptionsOracle
		}
		pointed++
		if oe.Pointer() != linuxPtr {
			t.Errorf("options %x: CheckIPv4Options pointer %d, Linux %d", padded, oe.Pointer(), linuxPtr)
		}
	}
	t.Logf("%d option areas, %d refused, %d of those with a pointer from Linux", len(cases), refused, pointed)
	if pointed < refused/2 {
		t.Errorf("too few parameter problems seen (%d of %d)", pointed, refused)
	}
}

// withoutNetRaw runs f on a locked thread whose effective capabilities lack
// CAP_NET_RAW, and restores them afterwards. If restoring fails the thread
// stays locked, so the runtime discards it.
func withoutNetRaw(f func() error) error {
	runtime.LockOSThread()
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data, saved [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	saved = data
	data[0].Effective &^= 1 << unix.CAP_NET_RAW
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := f()
	if err := unix.Capset(&hdr, &saved[0]); err != nil {
		return err
	}
	runtime.UnlockOSThread()
	return ferr
}

// TestCheckIPv4OptionsSetsockopt compares the socket-side modes with
// setsockopt(IP_OPTIONS), which runs ip_options_compile on the user's
// bytes and answers EINVAL when it refuses them: as root (CAP_NET_RAW) and
// with CAP_NET_RAW dropped from the thread. No packet is sent, so no
// namespace is needed.
func TestCheckIPv4OptionsSetsockopt(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cases := append([][]byte(nil), linuxOptionCases...)
	cases = append(cases,
		[]byte{IPOptLSRR, 0x07, 0x04, 198, 18, 0, 9, IPOptEnd},
		[]byte{IPOptLSRR, 0x0b, 0x04, 198, 18, 0, 9, 198, 18, 0, 10, IPOptEnd},
		[]byte{IPOptLSRR, 0x0a, 0x04, 198, 18, 0, 9, 198, 18, 0, IPOptEnd, IPOptEnd},
		[]byte{IPOptSSRR, 0x07, 0x08, 198, 18, 0, 9, IPOptEnd},
	)
	r := rand.New(rand.NewPCG(13, 17))
	for range 1500 {
		cases = append(cases, randomOptionArea(r))
	}
	set := func(opts []byte) error {
		return unix.SetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, string(opts))
	}
	// Linux 6.18 (stable commit "ipv4: restrict IPOPT_SSRR and
	// IPOPT_LSRR options", also in older stable series) answers EPERM,
	// after the check passes, when the options carry a source route and
	// the caller lacks CAP_NET_RAW. Older kernels accept them: find out
	// which this one is, then hold it to that.
	var restricted bool
	if err := withoutNetRaw(func() error {
		restricted = set([]byte{IPOptLSRR, 7, 4, 198, 18, 0, 9, IPOptEnd}) == unix.EPERM
		return nil
	}); err != nil {
		t.Fatalf("dropping CAP_NET_RAW: %v", err)
	}
	var eperm int
	check := func(mode IPv4OptionsMode, opts []byte, linux error) {
		info, err := CheckIPv4Options(opts, mode)
		if err == nil && mode == IPv4OptionsUser && info.SRR != 0 && restricted {
			eperm++
			if linux != unix.EPERM {
				t.Errorf("options %x with a source route: Linux %v, want EPERM", opts, linux)
			}
			return
		}
		if linux != nil && linux != unix.EINVAL {
			t.Fatalf("mode %d: setsockopt(IP_OPTIONS, %x): %v", mode, opts, linux)
		}
		if (err != nil) != (linux != nil) {
			t.Errorf("mode %d, options %x: CheckIPv4Options error %v, Linux %v", mode, opts, err, linux)
		}
	}
	for _, opts := range cases {
		for len(opts)%4 != 0 {
			opts = append(opts, IPOptEnd)
		}
		if os.Geteuid() == 0 {
			check(IPv4OptionsUserRaw, opts, set(opts))
		}
		var linux error
		if err := withoutNetRaw(func() error { linux = set(opts); return nil }); err != nil {
			t.Fatalf("dropping CAP_NET_RAW: %v", err)
		}
		check(IPv4OptionsUser, opts, linux)
	}
	t.Logf("%d option areas; source routes restricted: %v (%d refused with EPERM)", len(cases), restricted, eperm)
}

const oracleEchoID = 0x4543

// answer sends an echo request from 127.0.0.1 to itself carrying opts and
// returns the answer the kernel sent (nil for none): its echo reply, or the
// parameter problem quoting the request.
func (o *linuxOptionsOracle) answer(t *testing.T, opts []byte) IPv4 {
	t.Helper()
	o.seq++
	var got IPv4
	o.exchange(t, oracleICMP(ICMPEcho, opts, oracleEchoID, o.seq), func(ip IPv4, m ICMP) {
		if got != nil {
			return
		}
		switch m.Type() {
		case ICMPEchoReply:
			if m.ID() == oracleEchoID && m.Seq() == o.seq {
				got = append(IPv4(nil), ip...)
			}
		case ICMPParameterProb:
			q, err := m.Quoted()
			if err != nil {
				return
			}
			typ, _, id, seq, ok := q.ICMPEcho()
			if ok && typ == ICMPEcho && id == oracleEchoID && seq == o.seq {
				got = append(IPv4(nil), ip...)
			}
		}
	})
	return got
}

// notUnicastLo is inet_addr_type != RTN_UNICAST in a namespace with only
// lo (127.0.0.1/8) up.
func notUnicastLo(a netip.Addr) bool {
	b := a.As4()
	return b[0] == 127 || b == [4]byte{} || a.IsMulticast() || b == [4]byte{255, 255, 255, 255}
}

// modelAnswer is what ProcessIPv4Options, EchoIPv4Options and
// BuildIPv4Options say 127.0.0.1 answers to an echo request from itself
// carrying opts, with timestamps ms: the answer's ICMP type and options,
// or ok false for no answer.
func modelAnswer(opts []byte, ms uint32) (typ uint8, ptr int, answer []byte, ok bool) {
	h := IPv4(oracleICMP(ICMPEcho, opts, oracleEchoID, 1))
	info, err := ProcessIPv4Options(h.Options(), loopback, ms, notUnicastLo)
	typ = ICMPEchoReply
	switch {
	case err != nil:
		typ, ptr = ICMPParameterProb, err.(IPv4OptionError).Pointer()
	case info.SRR != 0:
		return 0, 0, nil, false // accept_source_route is off
	default:
		info = ScanIPv4Options(h.Options())
	}
	var echo [IPv4MaxOptionLen]byte
	n, err := EchoIPv4Options(echo[:], h, &info, notUnicastLo)
	if err != nil {
		return 0, 0, nil, false
	}
	if hop, ok := IPv4OptionsFirstHop(echo[:n]); ok && hop.As4()[0] != 127 && hop.As4() != [4]byte{} {
		// Only lo: no route to the reversed route's first hop (0.0.0.0
		// is routed to lo, as Linux's ip_route_output does).
		return 0, 0, nil, false
	}
	BuildIPv4Options(echo[:n], loopback, loopback, ms, notUnicastLo)
	return typ, ptr, echo[:n], true
}

// TestEchoIPv4OptionsLinux compares what a host does to the options of a
// packet it answers (ProcessIPv4Options on input, EchoIPv4Options, then
// BuildIPv4Options on output) with the kernel: 127.0.0.1 answers echo
// requests from itself carrying hand-made and random option areas, and the
// options of its echo reply or parameter problem, or its silence, must be
// the model's. Timestamps are compared for plausibility: the positions the
// model stamps are found by running it at two instants.
func TestEchoIPv4OptionsLinux(t *testing.T) {
	o := newLinuxOptionsOracle(t)
	cases := append([][]byte(nil), linuxOptionCases...)
	for _, v := range linuxEchoVectors {
		cases = append(cases, mustHex(strings.ReplaceAll(v.in, " ", "")))
	}
	r := rand.New(rand.NewPCG(13, 17))
	for range 1500 {
		cases = append(cases, randomOptionArea(r))
	}
	var answered, stamped int
	for _, opts := range cases {
		padded := append([]byte(nil), opts...)
		for len(padded)%4 != 0 {
			padded = append(padded, IPOptEnd)
		}
		got := o.answer(t, padded)
		typ, ptr, want, ok := modelAnswer(padded, 0x01010101)
		_, _, want2, _ := modelAnswer(padded, 0x02020202)
		if !ok {
			if got != nil {
				t.Errorf("options %x: Linux answered (% x), the model does not", padded, got.Options())
			}
			continue
		}
		if got == nil {
			t.Errorf("options %x: Linux did not answer, the model answers %d with % x", padded, typ, want)
			continue
		}
		answered++
		m := ICMP(got.Payload())
		if m.Type() != typ || (typ == ICMPParameterProb && int(m.Pointer()) != ptr) {
			t.Errorf("options %x: Linux answered type %d pointer %d, the model %d pointer %d", padded, m.Type(), m.Pointer(), typ, ptr)
			continue
		}
		g := got.Options()
		if len(g) != len(want) {
			t.Errorf("options %x: Linux's answer carries % x, the model's % x", padded, g, want)
			continue
		}
		for i := 0; i < len(want); i++ {
			if want[i] == want2[i] {
				if g[i] != want[i] {
					t.Errorf("options %x: Linux's answer carries % x, the model's % x", padded, g, want)
					break
				}
				continue
			}
			// A timestamp: 4 bytes the model wrote ms into.
			if i+4 > len(want) || binary.BigEndian.Uint32(want[i:]) != 0x01010101 {
				t.Fatalf("model stamps oddly: % x, % x", want, want2)
			}
			ms := binary.BigEndian.Uint32(g[i:])
			if now := ICMPTimeMillis(time.Now()); ms > now || now-ms > 60000 {
				t.Errorf("options %x: Linux's timestamp %d, now %d", padded, ms, now)
			}
			stamped++
			i += 3
		}
	}
	t.Logf("%d option areas, %d answered, %d timestamps", len(cases), answered, stamped)
	if answered < len(cases)/4 || stamped == 0 {
		t.Errorf("too few answers (%d) or timestamps (%d)", answered, stamped)
	}
}
