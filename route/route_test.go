package route

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

var (
	mp = netip.MustParsePrefix
	ma = netip.MustParseAddr
)

// newTestFIB has lo (1, 127.0.0.1/8) and eth0 (2, up).
func newTestFIB(t *testing.T) *FIB {
	t.Helper()
	f := New()
	must(t, f.AddIface(Iface{Index: 1, Name: "lo", MTU: 65536, Flags: FlagLoopback}))
	must(t, f.SetUp(1, true))
	must(t, f.AddAddr(1, Addr{Prefix: mp("127.0.0.1/8")}))
	must(t, f.AddIface(Iface{Index: 2, Name: "eth0", MTU: 1500, Flags: FlagBroadcast | FlagMulticast}))
	must(t, f.SetUp(2, true))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// show renders a table like `ip route show table X` (dst type dev src).
func show(f *FIB, table uint8) string {
	var b strings.Builder
	for _, r := range f.Routes(table) {
		fmt.Fprintf(&b, "%s %s dev%d", r.Type, r.Dst, r.IfIndex)
		if r.Gateway.IsValid() {
			fmt.Fprintf(&b, " via %s", r.Gateway)
		}
		if r.Src.IsValid() {
			fmt.Fprintf(&b, " src %s", r.Src)
		}
		fmt.Fprintf(&b, " scope %s\n", r.Scope)
	}
	return b.String()
}

// The routes a set of addresses implies, as the kernel showed them in a
// namespace: `ip addr add` of 198.18.0.1/24, 198.18.0.7/24 (secondary),
// 198.19.1.1/16, 198.18.5.5/32, 198.18.2.1/31 and 198.18.3.1/24 brd
// 198.18.3.200 on a veth.
func TestDerivedRoutesMatchKernel(t *testing.T) {
	f := newTestFIB(t)
	for _, a := range []Addr{
		{Prefix: mp("198.18.0.1/24")},
		{Prefix: mp("198.18.0.7/24")},
		{Prefix: mp("198.19.1.1/16")},
		{Prefix: mp("198.18.5.5/32")},
		{Prefix: mp("198.18.2.1/31")},
		{Prefix: mp("198.18.3.1/24"), Broadcast: ma("198.18.3.200")},
	} {
		must(t, f.AddAddr(2, a))
	}
	wantLocal := `local 127.0.0.1/32 dev1 src 127.0.0.1 scope host
broadcast 127.255.255.255/32 dev1 src 127.0.0.1 scope link
local 198.18.0.1/32 dev2 src 198.18.0.1 scope host
local 198.18.0.7/32 dev2 src 198.18.0.1 scope host
broadcast 198.18.0.255/32 dev2 src 198.18.0.1 scope link
local 198.18.2.1/32 dev2 src 198.18.2.1 scope host
local 198.18.3.1/32 dev2 src 198.18.3.1 scope host
broadcast 198.18.3.200/32 dev2 src 198.18.3.1 scope link
broadcast 198.18.3.255/32 dev2 src 198.18.3.1 scope link
local 198.18.5.5/32 dev2 src 198.18.5.5 scope host
local 198.19.1.1/32 dev2 src 198.19.1.1 scope host
broadcast 198.19.255.255/32 dev2 src 198.19.1.1 scope link
local 127.0.0.0/8 dev1 src 127.0.0.1 scope host
`
	if got := show(f, TableLocal); got != wantLocal {
		t.Errorf("local table:\n%s\nwant:\n%s", got, wantLocal)
	}
	wantMain := `unicast 198.18.2.0/31 dev2 src 198.18.2.1 scope link
unicast 198.18.0.0/24 dev2 src 198.18.0.1 scope link
unicast 198.18.3.0/24 dev2 src 198.18.3.1 scope link
unicast 198.19.0.0/16 dev2 src 198.19.1.1 scope link
`
	if got := show(f, TableMain); got != wantMain {
		t.Errorf("main table:\n%s\nwant:\n%s", got, wantMain)
	}
	// Address order: primaries in insertion order, the secondary last.
	i, _ := f.Iface(2)
	var order []string
	for _, a := range i.Addrs {
		s := a.Prefix.String()
		if a.Secondary {
			s += "(sec)"
		}
		order = append(order, s)
	}
	want := "198.18.0.1/24 198.19.1.1/16 198.18.5.5/32 198.18.2.1/31 198.18.3.1/24 198.18.0.7/24(sec)"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("address order %s, want %s", got, want)
	}
}

func TestAddAddrErrors(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	if err := f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}); err != unix.EEXIST {
		t.Errorf("duplicate: %v, want EEXIST", err)
	}
	if err := f.AddAddr(9, Addr{Prefix: mp("198.18.0.2/24")}); err != unix.ENODEV {
		t.Errorf("unknown interface: %v, want ENODEV", err)
	}
	if err := f.DelAddr(2, mp("198.18.0.9/24")); err != unix.EADDRNOTAVAIL {
		t.Errorf("delete missing: %v, want EADDRNOTAVAIL", err)
	}
	// Deleting a primary takes its secondaries (promote_secondaries=0).
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.2/24")}))
	must(t, f.DelAddr(2, mp("198.18.0.1/24")))
	if i, _ := f.Iface(2); len(i.Addrs) != 0 {
		t.Errorf("addresses left: %v", i.Addrs)
	}
	if _, ok := f.IsLocal(ma("198.18.0.2")); ok {
		t.Error("198.18.0.2 still local")
	}
}

// Linux: link down removes every route through the interface, static ones
// for good, but keeps the local routes; link up derives the others again.
func TestDownUp(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	must(t, f.AddRoute(Route{Dst: mp("198.20.0.0/16"), Gateway: ma("198.18.0.2")}))
	must(t, f.SetUp(2, false))
	if got := show(f, TableMain); got != "" {
		t.Errorf("main table while down:\n%s", got)
	}
	if !strings.Contains(show(f, TableLocal), "local 198.18.0.1/32 dev2") {
		t.Error("local route lost while down")
	}
	if _, err := f.Output(Flow{Dst: ma("198.18.0.5")}); err != unix.ENETUNREACH {
		t.Errorf("output while down: %v, want ENETUNREACH", err)
	}
	must(t, f.SetUp(2, true))
	want := "unicast 198.18.0.0/24 dev2 src 198.18.0.1 scope link\n"
	if got := show(f, TableMain); got != want {
		t.Errorf("main table after up:\n%s\nwant %s", got, want)
	}
}

func TestRoutesAndMetrics(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	must(t, f.AddRoute(Route{Dst: mp("198.20.0.0/16"), Gateway: ma("198.18.0.3"), Metric: 10}))
	must(t, f.AddRoute(Route{Dst: mp("198.20.0.0/16"), Gateway: ma("198.18.0.2")}))
	must(t, f.AddRoute(Route{Dst: mp("198.20.5.0/24"), Gateway: ma("198.18.0.4")}))
	must(t, f.AddRoute(Route{Dst: mp("0.0.0.0/0"), Gateway: ma("198.18.0.254")}))
	if err := f.AddRoute(Route{Dst: mp("198.20.0.0/16"), Gateway: ma("198.18.0.2")}); err != unix.EEXIST {
		t.Errorf("duplicate route: %v, want EEXIST", err)
	}
	if err := f.AddRoute(Route{Dst: mp("198.21.0.0/16"), Gateway: ma("198.30.0.1")}); err != unix.ENETUNREACH {
		t.Errorf("unreachable gateway: %v, want ENETUNREACH", err)
	}
	for _, c := range []struct{ dst, hop string }{
		{"198.20.1.1", "198.18.0.2"},     // lowest metric of the /16
		{"198.20.5.9", "198.18.0.4"},     // longer prefix wins
		{"198.18.0.9", "198.18.0.9"},     // on link
		{"8.8.8.8", "198.18.0.254"},      // default
		{"198.18.0.255", "198.18.0.255"}, // broadcast
	} {
		r, err := f.Output(Flow{Dst: ma(c.dst)})
		if err != nil {
			t.Fatalf("%s: %v", c.dst, err)
		}
		if r.NextHop != ma(c.hop) || r.Src != ma("198.18.0.1") || r.IfIndex != 2 {
			t.Errorf("%s: next hop %s src %s if %d, want %s 198.18.0.1 2", c.dst, r.NextHop, r.Src, r.IfIndex, c.hop)
		}
	}
	must(t, f.DelRoute(Route{Dst: mp("198.20.0.0/16"), Gateway: ma("198.18.0.2")}))
	if r, _ := f.Output(Flow{Dst: ma("198.20.1.1")}); r.NextHop != ma("198.18.0.3") {
		t.Errorf("after delete: next hop %s, want the metric-10 route", r.NextHop)
	}
	if err := f.DelRoute(Route{Dst: mp("198.22.0.0/16")}); err != unix.ESRCH {
		t.Errorf("delete missing route: %v, want ESRCH", err)
	}
}

func TestOutputSpecialCases(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	cases := []struct {
		name string
		fl   Flow
		typ  Type
		dev  int
		src  string
		err  error
	}{
		{"local address goes through lo", Flow{Dst: ma("198.18.0.1")}, TypeLocal, 1, "198.18.0.1", nil},
		{"loopback net", Flow{Dst: ma("127.9.9.9")}, TypeLocal, 1, "127.0.0.1", nil},
		{"to 0.0.0.0 is to ourselves", Flow{Dst: ma("0.0.0.0")}, TypeLocal, 1, "127.0.0.1", nil},
		{"limited broadcast without oif: no route", Flow{Dst: ma("255.255.255.255")}, 0, 0, "", unix.ENETUNREACH},
		{"limited broadcast from a local source", Flow{Dst: ma("255.255.255.255"), Src: ma("198.18.0.1")}, TypeBroadcast, 2, "198.18.0.1", nil},
		{"limited broadcast with oif", Flow{Dst: ma("255.255.255.255"), Oif: 2}, TypeBroadcast, 2, "198.18.0.1", nil},
		{"no route", Flow{Dst: ma("198.30.0.1")}, 0, 0, "", unix.ENETUNREACH},
		{"non-local source", Flow{Dst: ma("198.18.0.5"), Src: ma("198.18.0.99")}, 0, 0, "", unix.ENETUNREACH},
		{"non-local source with AnySrc", Flow{Dst: ma("198.18.0.5"), Src: ma("198.18.0.99"), AnySrc: true}, TypeUnicast, 2, "198.18.0.99", nil},
		{"multicast source", Flow{Dst: ma("198.18.0.5"), Src: ma("224.0.0.1")}, 0, 0, "", unix.EINVAL},
		{"unknown oif", Flow{Dst: ma("198.18.0.5"), Oif: 7}, 0, 0, "", unix.ENODEV},
		{"oif without a route: assume on link", Flow{Dst: ma("198.30.0.1"), Oif: 2}, TypeUnicast, 2, "198.18.0.1", nil},
		{"loopback source leaving by eth0", Flow{Dst: ma("198.18.0.5"), Src: ma("127.0.0.1")}, 0, 0, "", unix.EINVAL},
	}
	for _, c := range cases {
		r, err := f.Output(c.fl)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		if r.Type != c.typ || r.IfIndex != c.dev || r.Src.String() != c.src {
			t.Errorf("%s: %s dev %d src %s, want %s dev %d src %s", c.name, r.Type, r.IfIndex, r.Src, c.typ, c.dev, c.src)
		}
	}
}

func TestInputDecisions(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	host := InputOptions{}
	router := InputOptions{Forwarding: true}
	cases := []struct {
		name     string
		dst, src string
		o        InputOptions
		typ      Type
		err      error
	}{
		{"for us", "198.18.0.1", "198.18.0.2", host, TypeLocal, nil},
		{"subnet broadcast", "198.18.0.255", "198.18.0.2", host, TypeBroadcast, nil},
		{"limited broadcast", "255.255.255.255", "198.18.0.2", host, TypeBroadcast, nil},
		{"DHCP discover from 0.0.0.0", "255.255.255.255", "0.0.0.0", host, TypeBroadcast, nil},
		{"not ours, host", "198.18.0.9", "198.18.0.2", host, TypeUnreachable, nil},
		{"not ours, router", "198.18.0.9", "198.18.0.2", router, TypeUnicast, nil},
		{"no route, router", "198.30.0.9", "198.18.0.2", router, TypeUnreachable, nil},
		{"multicast source", "198.18.0.1", "224.1.1.1", host, 0, ErrMartianSource},
		{"broadcast source", "198.18.0.1", "255.255.255.255", host, 0, ErrMartianSource},
		{"zero source to unicast", "198.18.0.1", "0.0.0.0", host, 0, ErrMartianSource},
		{"zero destination", "0.0.0.0", "198.18.0.2", host, 0, ErrMartianDest},
		{"0/8 destination (Linux 5.3+)", "0.1.2.3", "198.18.0.2", host, TypeUnreachable, nil},
		{"loopback destination", "127.0.0.1", "198.18.0.2", host, 0, ErrMartianDest},
		{"loopback source", "198.18.0.1", "127.0.0.1", host, 0, ErrMartianSource},
		{"our own address as source", "198.18.0.1", "198.18.0.1", host, 0, ErrMartianSource},
		{"our own address as source, accept_local", "198.18.0.1", "198.18.0.1", InputOptions{AcceptLocal: true}, TypeLocal, nil},
		{"all-hosts multicast", "224.0.0.1", "198.18.0.2", host, TypeMulticast, nil},
		{"multicast from 0.0.0.0, not IGMP", "224.1.2.3", "0.0.0.0", host, 0, ErrMartianSource},
		{"IGMP from 0.0.0.0", "224.1.2.3", "0.0.0.0", InputOptions{Proto: 2}, TypeMulticast, nil},
	}
	for _, c := range cases {
		r, err := f.Input(ma(c.dst), ma(c.src), 2, c.o)
		if err != c.err {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
			continue
		}
		if err == nil && r.Type != c.typ {
			t.Errorf("%s: type %s, want %s", c.name, r.Type, c.typ)
		}
	}
	if r, _ := f.Input(ma("198.18.0.9"), ma("198.18.0.2"), 2, host); r.Err != unix.EHOSTUNREACH {
		t.Errorf("not ours on a host: %v, want EHOSTUNREACH", r.Err)
	}
	if r, _ := f.Input(ma("198.30.0.9"), ma("198.18.0.2"), 2, router); r.Err != unix.ENETUNREACH {
		t.Errorf("no route on a router: %v, want ENETUNREACH", r.Err)
	}
}

func TestSelectSource(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.19.0.1/24")}))
	if a := f.SelectSource(2, ma("198.19.0.7"), ScopeLink); a != ma("198.19.0.1") {
		t.Errorf("same-subnet choice %s", a)
	}
	if a := f.SelectSource(2, ma("198.30.0.7"), ScopeUniverse); a != ma("198.18.0.1") {
		t.Errorf("first primary %s", a)
	}
	// 127.0.0.1 has host scope: never chosen for a wider scope.
	if a := f.SelectSource(1, netip.Addr{}, ScopeUniverse); a != ma("198.18.0.1") {
		t.Errorf("from lo with universe scope %s, want an address of eth0", a)
	}
}

func TestLookupAllocs(t *testing.T) {
	f := newTestFIB(t)
	must(t, f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")}))
	must(t, f.AddRoute(Route{Dst: mp("0.0.0.0/0"), Gateway: ma("198.18.0.254")}))
	dst, src := ma("198.18.0.1"), ma("198.18.0.2")
	out := Flow{Dst: ma("8.8.8.8")}
	n := testing.AllocsPerRun(1000, func() {
		_, _ = f.Input(dst, src, 2, InputOptions{})
		_, _ = f.Output(out)
	})
	if n != 0 {
		t.Errorf("%v allocations per lookup pair, want 0", n)
	}
}

func BenchmarkOutputLookup(b *testing.B) {
	f := New()
	_ = f.AddIface(Iface{Index: 1, Name: "lo", Flags: FlagLoopback | FlagUp})
	_ = f.AddIface(Iface{Index: 2, Name: "eth0", MTU: 1500, Flags: FlagUp})
	_ = f.AddAddr(2, Addr{Prefix: mp("198.18.0.1/24")})
	_ = f.AddRoute(Route{Dst: mp("0.0.0.0/0"), Gateway: ma("198.18.0.254")})
	fl := Flow{Dst: ma("198.19.3.4")}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = f.Output(fl)
	}
}
