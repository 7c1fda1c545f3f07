package difftest

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// optVal is a value to set: its bytes, and capabilities to drop first.
type optVal struct {
	name string
	b    []byte
	drop socket.Caps
}

// optSpec is an option to test: every value is set on a fresh socket and
// read back with a large buffer; every get length is tried on a fresh
// socket (after setup, when given).
type optSpec struct {
	level, name int
	vals        []optVal
	getLens     []int
	setup       func(r *R, s int)
}

func iv(name string, v int) optVal { return optVal{name: name, b: Int(v)} }

// intVals are the values every int option is tried with: good, negative,
// out of range, and short, long and odd lengths.
var intVals = []optVal{
	iv("0", 0), iv("1", 1), iv("2", 2), iv("-1", -1), iv("255", 255), iv("256", 256), iv("65536", 65536),
	iv("intmin", math.MinInt32), iv("intmax", math.MaxInt32),
	{name: "len0", b: []byte{}}, {name: "len1", b: []byte{1}}, {name: "len1-ff", b: []byte{0xff}},
	{name: "len2", b: []byte{1, 0}}, {name: "len3", b: []byte{1, 0, 0}},
	{name: "len8", b: append(Int(1), 0xde, 0xad, 0xbe, 0xef)},
	{name: "len64", b: func() []byte { b := make([]byte, 64); b[0] = 1; return b }()},
}

var defaultGetLens = []int{0, 1, 2, 3, 4, 5, 8, 64}

func with(vals []optVal, more ...optVal) []optVal {
	return append(append([]optVal(nil), vals...), more...)
}

func timeval(sec, usec int64) []byte {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint64(b, uint64(sec))
	binary.NativeEndian.PutUint64(b[8:], uint64(usec))
	return b
}

func linger(on, sec int32) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint32(b, uint32(on))
	binary.NativeEndian.PutUint32(b[4:], uint32(sec))
	return b
}

var timeoVals = []optVal{
	{name: "zero", b: timeval(0, 0)}, {name: "1s", b: timeval(1, 0)}, {name: "1us", b: timeval(0, 1)},
	{name: "4ms", b: timeval(0, 4000)}, {name: "4001us", b: timeval(0, 4001)}, {name: "999999us", b: timeval(0, 999999)},
	{name: "1s500us", b: timeval(1, 500)}, {name: "usec-1e6", b: timeval(0, 1000000)}, {name: "usec-neg", b: timeval(0, -1)},
	{name: "sec-neg", b: timeval(-1, 0)}, {name: "sec-neg-usec", b: timeval(-5, 5)}, {name: "huge", b: timeval(1<<40, 0)},
	{name: "max", b: timeval(math.MaxInt64, 999999)}, {name: "max-minus", b: timeval(math.MaxInt64/250-1, 0)},
	{name: "len0", b: []byte{}}, {name: "len8", b: timeval(1, 0)[:8]}, {name: "len15", b: timeval(1, 0)[:15]},
	{name: "len17", b: append(timeval(1, 0), 0)}, {name: "len32", b: append(timeval(2, 0), timeval(3, 0)...)},
}

var lingerVals = []optVal{
	{name: "on-5", b: linger(1, 5)}, {name: "off", b: linger(0, 0)}, {name: "off-7", b: linger(0, 7)},
	{name: "on-neg", b: linger(1, -1)}, {name: "on-max", b: linger(2, math.MaxInt32)}, {name: "on-0", b: linger(1, 0)},
	{name: "len0", b: []byte{}}, {name: "len4", b: Int(1)}, {name: "len7", b: linger(1, 5)[:7]},
	{name: "len12", b: append(linger(1, 5), 1, 2, 3, 4)},
}

var devVals = []optVal{
	{name: "a0", b: []byte("a0")}, {name: "lo", b: []byte("lo")}, {name: "a0-nul", b: []byte("a0\x00")},
	{name: "a0-nul-junk", b: []byte("a0\x00zz")}, {name: "empty", b: []byte{}}, {name: "nul", b: []byte{0}},
	{name: "unknown", b: []byte("nosuchdev")}, {name: "prefix", b: []byte("a")},
	{name: "a0-15-bytes", b: append([]byte("a0"), make([]byte, 13)...)},
	{name: "16-bytes", b: []byte("0123456789abcdef")}, {name: "15-chars", b: []byte("0123456789abcde")},
	{name: "long-a0", b: append([]byte("a0"), make([]byte, 30)...)},
	{name: "a0-no-cap", b: []byte("a0"), drop: socket.CapNetRaw},
}

var bufVals = []optVal{
	iv("0", 0), iv("1", 1), iv("1000", 1000), iv("1152", 1152), iv("1153", 1153), iv("2304", 2304), iv("4096", 4096),
	iv("100000", 100000), iv("212992", 212992), iv("212993", 212993), iv("1000000", 1000000), iv("-1", -1),
	iv("intmax", math.MaxInt32), iv("intmax-half", math.MaxInt32/2), iv("intmin", math.MinInt32),
	{name: "len0", b: []byte{}}, {name: "len3", b: []byte{0, 0x10, 0}}, {name: "len8", b: append(Int(5000), 1, 2, 3, 4)},
}

func forceVals(vals []optVal) []optVal {
	out := append([]optVal(nil), vals...)
	for _, v := range []optVal{iv("1000000", 1000000), iv("-1", -1), iv("100", 100)} {
		v.name += "-no-cap"
		v.drop = socket.CapNetAdmin
		out = append(out, v)
	}
	return out
}

func noCap(vals []optVal, c socket.Caps, names ...string) []optVal {
	out := append([]optVal(nil), vals...)
	for _, n := range names {
		for _, v := range vals {
			if v.name == n {
				v.name += "-no-cap"
				v.drop = c
				out = append(out, v)
			}
		}
	}
	return out
}

var ipOptionVals = []optVal{
	{name: "empty", b: []byte{}}, {name: "nop", b: []byte{1}}, {name: "nop4", b: []byte{1, 1, 1, 1}},
	{name: "eol", b: []byte{0}}, {name: "nop-eol-junk", b: []byte{1, 0, 7, 7}},
	{name: "rr-8", b: []byte{7, 7, 4, 0, 0, 0, 0}}, {name: "rr-39", b: append([]byte{7, 39, 4}, make([]byte, 36)...)},
	{name: "rr-bad-ptr", b: []byte{7, 7, 3, 0, 0, 0, 0}}, {name: "rr-bad-len", b: []byte{7, 2, 4, 0}},
	{name: "ts", b: []byte{68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, {name: "ts-addr", b: []byte{68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
	{name: "ra", b: []byte{148, 4, 0, 0}}, {name: "lsrr", b: []byte{131, 7, 4, 198, 18, 0, 2}},
	{name: "lsrr-no-cap", b: []byte{131, 7, 4, 198, 18, 0, 2}, drop: socket.CapNetRaw},
	{name: "ssrr", b: []byte{137, 7, 4, 198, 18, 0, 2}}, {name: "unknown-type", b: []byte{30, 4, 0, 0}},
	{name: "truncated", b: []byte{7}}, {name: "40", b: append([]byte{7, 39, 4}, make([]byte, 37)...)},
	{name: "41", b: make([]byte, 41)}, {name: "security", b: []byte{130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	{name: "cipso", b: []byte{134, 6, 0, 0, 0, 1}},
}

func txtime(clk, flags int) []byte { return append(Int(clk), Int(flags)...) }

var txtimeVals = []optVal{
	{name: "mono", b: txtime(unix.CLOCK_MONOTONIC, 0)}, {name: "mono-deadline", b: txtime(unix.CLOCK_MONOTONIC, 1)},
	{name: "mono-report", b: txtime(unix.CLOCK_MONOTONIC, 2)}, {name: "mono-flag4", b: txtime(unix.CLOCK_MONOTONIC, 4)},
	{name: "tai", b: txtime(unix.CLOCK_TAI, 3)}, {name: "tai-no-cap", b: txtime(unix.CLOCK_TAI, 0), drop: socket.CapNetAdmin},
	{name: "realtime", b: txtime(unix.CLOCK_REALTIME, 0)}, {name: "neg-clock", b: txtime(-1, 0)},
	{name: "len4", b: Int(1)}, {name: "len12", b: append(txtime(1, 0), 0, 0, 0, 0)},
}

var timestampingVals = []optVal{
	iv("0", 0), iv("rx-sw", 1<<3|1<<4), iv("tx-sw", 1<<1|1<<4), iv("opt-id", 1<<7), iv("opt-id-tcp", 1<<16),
	iv("opt-id-tcp-and-id", 1<<16|1<<7), iv("stats", 1<<12), iv("stats-tsonly", 1<<12|1<<11),
	iv("bind-phc", 1<<15), iv("rx-filter", 1<<17), iv("bit18", 1<<18), iv("bit19", 1<<19), iv("-1", -1),
	{name: "struct", b: append(Int(1<<3|1<<4), Int(0)...)}, {name: "len3", b: []byte{0x18, 0, 0}},
}

func mreqn(group, addr string, index int) []byte {
	b := append(netip4(group), netip4(addr)...)
	return append(b, Int(index)...)
}

func netip4(s string) []byte { a := AP(s + ":0").Addr().As4(); return a[:] }

var mcIfVals = []optVal{
	{name: "addr-local", b: netip4("198.18.0.1")}, {name: "addr-any", b: netip4("0.0.0.0")},
	{name: "addr-remote", b: netip4("198.18.0.2")}, {name: "addr-loopback", b: netip4("127.0.0.1")},
	{name: "mreq-local", b: append(netip4("224.1.1.1"), netip4("198.18.0.1")...)},
	{name: "mreqn-index", b: mreqn("224.1.1.1", "0.0.0.0", 2)}, {name: "mreqn-index-99", b: mreqn("0.0.0.0", "0.0.0.0", 99)},
	{name: "mreqn-index-and-addr", b: mreqn("0.0.0.0", "198.18.0.1", 1)}, {name: "mreqn-any", b: mreqn("0.0.0.0", "0.0.0.0", 0)},
	{name: "len3", b: []byte{198, 18, 0}}, {name: "len0", b: []byte{}}, {name: "len16", b: append(mreqn("0.0.0.0", "0.0.0.0", 2), 9, 9, 9, 9)},
}

var membershipVals = []optVal{
	{name: "len0", b: []byte{}}, {name: "len4", b: netip4("224.1.1.1")}, {name: "len7", b: make([]byte, 7)},
	{name: "len11", b: make([]byte, 11)}, {name: "len13", b: make([]byte, 13)},
}

func sockoptSpecs() []optSpec {
	so := func(name int, vals []optVal) optSpec { return optSpec{level: unix.SOL_SOCKET, name: name, vals: vals} }
	ip := func(name int, vals []optVal) optSpec { return optSpec{level: unix.SOL_IP, name: name, vals: vals} }
	return []optSpec{
		so(unix.SO_DEBUG, noCap(intVals, socket.CapNetAdmin, "1", "0")),
		so(unix.SO_REUSEADDR, intVals),
		so(unix.SO_TYPE, intVals),
		so(unix.SO_ERROR, intVals),
		so(unix.SO_DONTROUTE, intVals),
		so(unix.SO_BROADCAST, intVals),
		so(unix.SO_SNDBUF, bufVals),
		so(unix.SO_RCVBUF, bufVals),
		so(unix.SO_SNDBUFFORCE, forceVals(bufVals)),
		so(unix.SO_RCVBUFFORCE, forceVals(bufVals)),
		so(unix.SO_KEEPALIVE, intVals),
		so(unix.SO_OOBINLINE, intVals),
		so(unix.SO_NO_CHECK, intVals),
		so(unix.SO_PRIORITY, noCap(with(intVals, iv("6", 6), iv("7", 7)), socket.CapNetAdmin|socket.CapNetRaw, "6", "7", "-1", "0")),
		{level: unix.SOL_SOCKET, name: unix.SO_LINGER, vals: lingerVals, getLens: []int{0, 1, 4, 7, 8, 9, 64}},
		so(unix.SO_BSDCOMPAT, intVals),
		so(unix.SO_REUSEPORT, intVals),
		so(unix.SO_PASSCRED, intVals),
		so(unix.SO_PEERCRED, intVals),
		so(unix.SO_RCVLOWAT, with(intVals, iv("100000", 100000))),
		so(unix.SO_SNDLOWAT, intVals),
		{level: unix.SOL_SOCKET, name: unix.SO_RCVTIMEO, vals: timeoVals, getLens: []int{0, 1, 4, 8, 15, 16, 17, 64}},
		{level: unix.SOL_SOCKET, name: unix.SO_SNDTIMEO, vals: timeoVals, getLens: []int{0, 4, 8, 16, 64}},
		{level: unix.SOL_SOCKET, name: 66, vals: timeoVals, getLens: []int{0, 8, 16, 64}},
		{level: unix.SOL_SOCKET, name: 67, vals: timeoVals[:6], getLens: []int{8, 16}},
		{level: unix.SOL_SOCKET, name: unix.SO_BINDTODEVICE, vals: devVals, getLens: []int{0, 1, 2, 3, 15, 16, 17, 64},
			setup: func(r *R, s int) { r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("a0")) }},
		{level: unix.SOL_SOCKET, name: unix.SO_BINDTODEVICE, vals: nil, getLens: []int{0, 1, 16}},
		so(unix.SO_PEERNAME, intVals[:3]),
		so(29, intVals),
		so(35, intVals),
		so(63, intVals[:4]),
		so(64, intVals[:4]),
		so(unix.SO_ACCEPTCONN, intVals[:3]),
		so(unix.SO_PASSSEC, intVals[:3]),
		so(unix.SO_MARK, noCap(intVals, socket.CapNetAdmin|socket.CapNetRaw, "1", "0")),
		so(unix.SO_PROTOCOL, intVals[:3]),
		so(unix.SO_DOMAIN, intVals[:3]),
		so(unix.SO_RXQ_OVFL, intVals),
		so(unix.SO_PEEK_OFF, intVals),
		so(unix.SO_BUSY_POLL, noCap(intVals, socket.CapNetAdmin, "1", "0")),
		so(unix.SO_SELECT_ERR_QUEUE, intVals),
		so(unix.SO_BINDTOIFINDEX, noCap(with(intVals, iv("99", 99)), socket.CapNetRaw, "2")),
		so(unix.SO_INCOMING_CPU, intVals),
		so(unix.SO_ZEROCOPY, intVals),
		so(unix.SO_TXREHASH, intVals),
		so(72, with(intVals, iv("3", 3), iv("4", 4))), // SO_BUF_LOCK
		so(unix.SO_COOKIE, intVals[:2]),
		so(71, intVals[:2]), // SO_NETNS_COOKIE
		so(unix.SO_WIFI_STATUS, intVals[:3]),
		so(unix.SO_NOFCS, intVals[:3]),
		so(unix.SO_PREFER_BUSY_POLL, intVals[:3]),
		so(unix.SO_BUSY_POLL_BUDGET, intVals[:3]),
		so(unix.SO_RCVMARK, intVals[:3]),
		so(unix.SO_MEMINFO, intVals[:2]),
		so(unix.SO_INCOMING_NAPI_ID, intVals[:2]),
		so(unix.SO_TIMESTAMPING, intVals[:3]),
		so(unix.SO_PEERSEC, intVals[:2]),
		{level: unix.SOL_SOCKET, name: unix.SO_TXTIME, vals: txtimeVals, getLens: []int{0, 4, 7, 8, 12}},
		{level: unix.SOL_SOCKET, name: unix.SO_TIMESTAMPING, vals: timestampingVals, getLens: []int{0, 4, 8, 12}},
		{level: unix.SOL_SOCKET, name: 65, vals: timestampingVals[:4], getLens: []int{8}},
		{level: unix.SOL_SOCKET, name: unix.SO_PEERNAME, vals: nil, getLens: []int{0, 2, 8, 15, 16, 17, 64},
			setup: func(r *R, s int) { r.Connect(s, SA("198.18.0.2:6000")) }},
		{level: unix.SOL_SOCKET, name: unix.SO_COOKIE, vals: nil, getLens: []int{7, 8, 9}},
		{level: unix.SOL_SOCKET, name: 71, vals: nil, getLens: []int{4, 8, 16}},
		{level: unix.SOL_SOCKET, name: 55, vals: nil, getLens: []int{4, 35, 36, 40},
			setup: func(r *R, s int) { r.SetInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF, 5000) }},
		so(unix.SO_DETACH_FILTER, intVals[:2]),
		so(unix.SO_LOCK_FILTER, intVals[:3]),
		so(unix.SO_MAX_PACING_RATE, intVals[:3]),
		so(200, intVals[:2]),
		so(9999, intVals[:2]),
		so(-1, intVals[:2]),

		ip(unix.IP_TOS, with(intVals, iv("0x10", 0x10), iv("0x1c", 0x1c), iv("0x03", 0x03), iv("0xe0", 0xe0), iv("0x1ff", 0x1ff))),
		ip(unix.IP_TTL, with(intVals, iv("64", 64), iv("-2", -2))),
		ip(unix.IP_HDRINCL, intVals),
		{level: unix.SOL_IP, name: unix.IP_OPTIONS, vals: ipOptionVals, getLens: []int{0, 1, 4, 8, 40, 64},
			setup: func(r *R, s int) { r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{7, 7, 4, 0, 0, 0, 0}) }},
		{level: unix.SOL_IP, name: unix.IP_OPTIONS, vals: nil, getLens: []int{0, 4, 40}},
		ip(unix.IP_ROUTER_ALERT, intVals),
		ip(unix.IP_RECVOPTS, intVals),
		ip(unix.IP_RETOPTS, intVals),
		ip(unix.IP_PKTINFO, intVals),
		ip(unix.IP_PKTOPTIONS, intVals[:3]),
		ip(unix.IP_MTU_DISCOVER, with(intVals, iv("3", 3), iv("4", 4), iv("5", 5), iv("6", 6))),
		ip(unix.IP_RECVERR, intVals),
		ip(unix.IP_RECVTTL, intVals),
		ip(unix.IP_RECVTOS, intVals),
		ip(unix.IP_MTU, intVals[:3]),
		ip(unix.IP_FREEBIND, intVals),
		ip(unix.IP_PASSSEC, intVals[:3]),
		ip(unix.IP_TRANSPARENT, noCap(intVals, socket.CapNetAdmin|socket.CapNetRaw, "1", "0", "len1")),
		ip(unix.IP_RECVORIGDSTADDR, intVals),
		ip(unix.IP_MINTTL, with(intVals, iv("64", 64))),
		ip(unix.IP_NODEFRAG, intVals),
		ip(unix.IP_CHECKSUM, intVals),
		ip(unix.IP_BIND_ADDRESS_NO_PORT, intVals),
		ip(unix.IP_RECVFRAGSIZE, intVals),
		ip(26, intVals), // IP_RECVERR_RFC4884
		ip(unix.IP_MULTICAST_TTL, intVals),
		ip(unix.IP_MULTICAST_LOOP, intVals),
		ip(unix.IP_MULTICAST_ALL, intVals),
		ip(unix.IP_UNICAST_IF, with(intVals, iv("htonl-2", 2<<24), iv("htonl-1", 1<<24), iv("htonl-99", 99<<24))),
		ip(51, with(intVals, iv("40000-40009", 40000|40009<<16), iv("40009-40000", 40009|40000<<16),
			iv("0-40000", 40000<<16), iv("40000-0", 40000))), // IP_LOCAL_PORT_RANGE
		ip(52, intVals[:3]), // IP_PROTOCOL
		{level: unix.SOL_IP, name: unix.IP_MULTICAST_IF, vals: mcIfVals, getLens: []int{0, 1, 3, 4, 8, 12},
			setup: func(r *R, s int) { r.Setsockopt(s, unix.SOL_IP, unix.IP_MULTICAST_IF, netip4("198.18.0.1")) }},
		{level: unix.SOL_IP, name: unix.IP_MULTICAST_IF, vals: []optVal{{name: "other-than-bound-device", b: mreqn("0.0.0.0", "0.0.0.0", 1)}}, getLens: []int{},
			setup: func(r *R, s int) { r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("a0")) }},
		ip(unix.IP_ADD_MEMBERSHIP, membershipVals),
		ip(unix.IP_DROP_MEMBERSHIP, membershipVals),
		ip(unix.IP_ADD_SOURCE_MEMBERSHIP, membershipVals),
		ip(unix.IP_BLOCK_SOURCE, membershipVals),
		ip(unix.IP_MSFILTER, membershipVals),
		ip(100, intVals[:2]),
		ip(200, intVals[:2]),
		ip(-1, intVals[:2]),

		{level: unix.SOL_UDP, name: 1, vals: intVals},   // UDP_CORK
		{level: unix.SOL_UDP, name: 100, vals: intVals}, // UDP_ENCAP
		{level: unix.SOL_UDP, name: 101, vals: intVals[:3]},
		{level: unix.SOL_UDP, name: 102, vals: intVals[:3]},
		{level: unix.SOL_UDP, name: 103, vals: with(intVals, iv("1400", 1400))}, // UDP_SEGMENT
		{level: unix.SOL_UDP, name: 104, vals: intVals},                         // UDP_GRO
		{level: unix.SOL_UDP, name: 99, vals: intVals[:2]},
		{level: unix.SOL_TCP, name: unix.TCP_NODELAY, vals: intVals[:2]},
		{level: 1000, name: 1, vals: intVals[:2]},
		{level: unix.SOL_RAW, name: 1, vals: intVals[:2]},
		{level: -1, name: 1, vals: intVals[:2]},
	}
}

func sockoptCases() []Case {
	var cs []Case
	seen := make(map[string]int)
	for _, o := range sockoptSpecs() {
		o := o
		base := fmt.Sprintf("%s/%s", levelName(o.level), optName(o.level, o.name))
		seen[base]++
		if seen[base] > 1 {
			base += fmt.Sprintf("#%d", seen[base])
		}
		for _, v := range o.vals {
			v := v
			cs = append(cs, Case{Name: base + "/set-" + v.name, Run: func(r *R) {
				if v.drop != 0 {
					r.DropCap(v.drop)
				}
				s := r.UDP()
				if o.setup != nil && len(o.getLens) == 0 {
					o.setup(r, s)
				}
				r.Setsockopt(s, o.level, o.name, v.b)
				r.Getsockopt(s, o.level, o.name, 64)
			}})
		}
		lens := o.getLens
		if lens == nil {
			lens = defaultGetLens
		}
		for _, n := range lens {
			n := n
			cs = append(cs, Case{Name: fmt.Sprintf("%s/get-%d", base, n), Run: func(r *R) {
				s := r.UDP()
				if o.setup != nil {
					o.setup(r, s)
				}
				r.Getsockopt(s, o.level, o.name, n)
			}})
		}
	}
	return cs
}

// sweepCases try every option number of a level on a fresh socket: get,
// set 0, get, set 1, get. They catch options the tables above forget.
func sweepCases() []Case {
	var cs []Case
	sweep := func(level, lo, hi int) {
		for n := lo; n <= hi; n++ {
			n := n
			if level == unix.SOL_IP && netfilterOpts[n] {
				continue
			}
			cs = append(cs, Case{Name: fmt.Sprintf("sweep/%s/%d", levelName(level), n), Run: func(r *R) {
				s := r.UDP()
				r.Getsockopt(s, level, n, 64)
				r.Setsockopt(s, level, n, Int(0))
				r.Getsockopt(s, level, n, 64)
				r.Setsockopt(s, level, n, Int(1))
				r.Getsockopt(s, level, n, 64)
			}})
		}
	}
	sweep(unix.SOL_SOCKET, 0, 90)
	sweep(unix.SOL_IP, 0, 80)
	sweep(unix.SOL_IP, 195, 215)
	sweep(unix.SOL_UDP, 0, 110)
	return cs
}

// netfilterOpts are SOL_IP numbers netfilter's modules claim (iptables,
// arptables, conntrack's SO_ORIGINAL_DST) when loaded: the kernel's answer
// depends on the machine; inet has no netfilter sockopts (ENOPROTOOPT).
var netfilterOpts = map[int]bool{64: true, 65: true, 66: true, 67: true, 80: true, 96: true, 97: true, 98: true, 99: true}

func netfilterKnown() []Case {
	var cs []Case
	for _, n := range []int{64, 65} {
		n := n
		cs = append(cs, Case{Name: fmt.Sprintf("netfilter/%d", n),
			Known: "iptables' sockopts: inet has no netfilter tables to configure (ENOPROTOOPT); Linux's answer depends on loaded modules",
			Run: func(r *R) {
				s := r.UDP()
				r.Getsockopt(s, unix.SOL_IP, n, 64)
				r.Setsockopt(s, unix.SOL_IP, n, Int(0))
			},
			Want: []string{"socket(AF_INET, SOCK_DGRAM, 0) = s1",
				fmt.Sprintf("getsockopt(s1, SOL_IP, opt %d, 64) = ENOPROTOOPT", n),
				fmt.Sprintf("setsockopt(s1, SOL_IP, opt %d, [00000000]) = ENOPROTOOPT", n), "counters = none"},
		})
	}
	return cs
}

func TestSockopt(t *testing.T) {
	cs := append(sockoptCases(), sweepCases()...)
	Run(t, New(t), append(cs, netfilterKnown()...))
}
