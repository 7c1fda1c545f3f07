package sysctl

import (
	"fmt"
	"sync"
	"testing"
)

// expect checks settings' values.
func expect(t *testing.T, tab *Table, want map[string]string) {
	t.Helper()
	for n, w := range want {
		if got, err := tab.Get(n); err != nil || got != w {
			t.Errorf("%s = %q (%v), want %q", n, got, err, w)
		}
	}
}

func mustSet(t *testing.T, tab *Table, name, value string) {
	t.Helper()
	if err := tab.Set(name, value); err != nil {
		t.Fatalf("%s=%q: %v", name, value, err)
	}
}

// ip_forward and conf.all.forwarding are one value; changing it reaches
// "default", every interface, and conf.all.accept_redirects (the negation).
// Observed on Linux 6.18 with two veth interfaces in a namespace.
func TestForwarding(t *testing.T) {
	tab := New()
	tab.AddLoopback("lo")
	tab.AddInterface("eth0")
	mustSet(t, tab, "net.ipv4.conf.default.forwarding", "1") // default alone
	expect(t, tab, map[string]string{
		"net.ipv4.ip_forward": "0", "net.ipv4.conf.all.forwarding": "0",
		"net.ipv4.conf.lo.forwarding": "0", "net.ipv4.conf.eth0.forwarding": "0",
	})
	tab.AddInterface("eth1") // copies default's forwarding
	expect(t, tab, map[string]string{"net.ipv4.conf.eth1.forwarding": "1"})

	mustSet(t, tab, "net.ipv4.conf.all.forwarding", "5")
	expect(t, tab, map[string]string{
		"net.ipv4.ip_forward": "5", "net.ipv4.conf.default.forwarding": "5",
		"net.ipv4.conf.lo.forwarding": "5", "net.ipv4.conf.eth0.forwarding": "5",
		"net.ipv4.conf.eth1.forwarding":      "5",
		"net.ipv4.conf.all.accept_redirects": "0", "net.ipv4.conf.default.accept_redirects": "1",
		"net.ipv4.conf.eth0.accept_redirects": "1",
	})
	if !tab.MustVar("net.ipv4.ip_forward").Bool() {
		t.Error("ip_forward Bool")
	}
	mustSet(t, tab, "net.ipv4.conf.eth0.forwarding", "-3") // one interface, any int
	mustSet(t, tab, "net.ipv4.ip_forward", "0")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.all.forwarding": "0", "net.ipv4.conf.default.forwarding": "0",
		"net.ipv4.conf.eth0.forwarding": "0", "net.ipv4.conf.all.accept_redirects": "1",
	})
	// Writing the value it already has changes nothing else.
	mustSet(t, tab, "net.ipv4.conf.eth0.forwarding", "1")
	mustSet(t, tab, "net.ipv4.conf.all.accept_redirects", "0")
	mustSet(t, tab, "net.ipv4.ip_forward", "0")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.eth0.forwarding": "1", "net.ipv4.conf.all.accept_redirects": "0",
	})
	// A refused write changes nothing either.
	if err := tab.Set("net.ipv4.ip_forward", "x"); err != einval {
		t.Errorf("ip_forward=x: %v", err)
	}
	expect(t, tab, map[string]string{"net.ipv4.conf.eth0.forwarding": "1"})
}

// A conf "default" write reaches interfaces whose entry was never written
// (devinet_conf_proc); any write attempt, even a refused or empty one,
// marks an interface's entry as written; a new interface copies both the
// values and the marks of "default"; the "flushing" entries and
// forwarding never propagate. All observed on Linux 6.18.
func TestConfDefaultPropagation(t *testing.T) {
	tab := New()
	tab.AddLoopback("lo")
	tab.AddInterface("eth0")
	mustSet(t, tab, "net.ipv4.conf.default.rp_filter", "1")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.lo.rp_filter": "1", "net.ipv4.conf.eth0.rp_filter": "1",
	})
	mustSet(t, tab, "net.ipv4.conf.eth0.rp_filter", "2")
	mustSet(t, tab, "net.ipv4.conf.default.rp_filter", "0")
	expect(t, tab, map[string]string{"net.ipv4.conf.lo.rp_filter": "0", "net.ipv4.conf.eth0.rp_filter": "2"})

	// Refused, empty and same-value writes all mark the entry.
	if err := tab.Set("net.ipv4.conf.lo.arp_ignore", "x"); err != einval {
		t.Fatalf("arp_ignore=x: %v", err)
	}
	mustSet(t, tab, "net.ipv4.conf.lo.arp_filter", "")
	mustSet(t, tab, "net.ipv4.conf.lo.arp_notify", "0")
	mustSet(t, tab, "net.ipv4.conf.default.arp_ignore", "2")
	mustSet(t, tab, "net.ipv4.conf.default.arp_filter", "1")
	mustSet(t, tab, "net.ipv4.conf.default.arp_notify", "1")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.lo.arp_ignore": "0", "net.ipv4.conf.lo.arp_filter": "0", "net.ipv4.conf.lo.arp_notify": "0",
		"net.ipv4.conf.eth0.arp_ignore": "2", "net.ipv4.conf.eth0.arp_filter": "1", "net.ipv4.conf.eth0.arp_notify": "1",
	})

	// A new interface copies default's values and its marks: arp_ignore
	// was written on default, log_martians not yet.
	tab.AddInterface("eth1")
	mustSet(t, tab, "net.ipv4.conf.default.arp_ignore", "1")
	mustSet(t, tab, "net.ipv4.conf.default.log_martians", "1")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.eth1.arp_ignore": "2", "net.ipv4.conf.eth0.arp_ignore": "1",
		"net.ipv4.conf.eth1.log_martians": "1",
	})

	// "all" is a value of its own.
	mustSet(t, tab, "net.ipv4.conf.all.arp_announce", "2")
	expect(t, tab, map[string]string{"net.ipv4.conf.default.arp_announce": "0", "net.ipv4.conf.eth0.arp_announce": "0"})

	// Flushing entries reach only interfaces created later.
	for _, k := range []string{"promote_secondaries", "route_localnet", "disable_xfrm", "disable_policy", "drop_unicast_in_l2_multicast"} {
		mustSet(t, tab, "net.ipv4.conf.default."+k, "1")
		expect(t, tab, map[string]string{"net.ipv4.conf.eth0." + k: "0"})
	}
	tab.AddInterface("eth2")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.eth2.promote_secondaries": "1", "net.ipv4.conf.eth2.disable_policy": "1",
		"net.ipv4.conf.lo.disable_policy": "1", "net.ipv4.conf.lo.disable_xfrm": "1", // loopback's own
	})
	// Read-only entries are not touched by a refused write.
	if err := tab.Set("net.ipv4.conf.default.mc_forwarding", "1"); err == nil {
		t.Error("mc_forwarding accepted a write")
	}
}

// The neighbour table's twin settings show one value in two units, and a
// neigh "default" write reaches interfaces never written
// (neigh_proc_update); new interfaces start unmarked (neigh_parms_alloc).
func TestNeigh(t *testing.T) {
	tab := New()
	tab.AddLoopback("lo")
	const p = "net.ipv4.neigh.lo."
	mustSet(t, tab, p+"base_reachable_time", "10")
	expect(t, tab, map[string]string{p + "base_reachable_time_ms": "10000"})
	mustSet(t, tab, p+"base_reachable_time_ms", "1001")
	expect(t, tab, map[string]string{p + "base_reachable_time": "1", p + "base_reachable_time_ms": "1004"})
	mustSet(t, tab, p+"base_reachable_time_ms", "999")
	expect(t, tab, map[string]string{p + "base_reachable_time": "1", p + "base_reachable_time_ms": "1000"})
	mustSet(t, tab, p+"base_reachable_time", "-3")
	expect(t, tab, map[string]string{p + "base_reachable_time_ms": "-3000"})
	mustSet(t, tab, p+"retrans_time", "1")
	expect(t, tab, map[string]string{p + "retrans_time": "0", p + "retrans_time_ms": "8"})
	mustSet(t, tab, p+"retrans_time", "3")
	expect(t, tab, map[string]string{p + "retrans_time": "2", p + "retrans_time_ms": "28"})
	mustSet(t, tab, p+"retrans_time_ms", "1001")
	expect(t, tab, map[string]string{p + "retrans_time": "100", p + "retrans_time_ms": "1004"})
	mustSet(t, tab, p+"unres_qlen", "1")
	expect(t, tab, map[string]string{p + "unres_qlen_bytes": "2090"})
	mustSet(t, tab, p+"unres_qlen_bytes", "5000")
	expect(t, tab, map[string]string{p + "unres_qlen": "2"})
	if err := tab.Set(p+"unres_qlen", "1027506"); err != einval { // > INT_MAX/2090
		t.Errorf("unres_qlen too large: %v", err)
	}
	// Even an empty write of unres_qlen stores the count back as bytes.
	mustSet(t, tab, p+"unres_qlen_bytes", "212992")
	mustSet(t, tab, p+"unres_qlen", "")
	expect(t, tab, map[string]string{p + "unres_qlen_bytes": "211090", p + "unres_qlen": "101"})
	mustSet(t, tab, p+"unres_qlen_bytes", "")
	expect(t, tab, map[string]string{p + "unres_qlen_bytes": "211090"})

	// default -> interfaces, per value; a twin write marks its twin.
	tab.AddInterface("eth0")
	mustSet(t, tab, "net.ipv4.neigh.eth0.retrans_time_ms", "500")
	mustSet(t, tab, "net.ipv4.neigh.default.retrans_time", "200")
	mustSet(t, tab, "net.ipv4.neigh.default.mcast_solicit", "7")
	expect(t, tab, map[string]string{
		"net.ipv4.neigh.eth0.retrans_time": "50", "net.ipv4.neigh.lo.retrans_time": "100",
		"net.ipv4.neigh.eth0.mcast_solicit": "7", "net.ipv4.neigh.lo.mcast_solicit": "7",
	})
	// A new interface copies the values but not the marks.
	tab.AddInterface("eth1")
	expect(t, tab, map[string]string{"net.ipv4.neigh.eth1.retrans_time": "200", "net.ipv4.neigh.eth1.mcast_solicit": "7"})
	mustSet(t, tab, "net.ipv4.neigh.default.mcast_solicit", "8")
	expect(t, tab, map[string]string{"net.ipv4.neigh.eth1.mcast_solicit": "8"})
	// There is no neigh "all", and gc settings exist only on "default".
	for _, n := range []string{"net.ipv4.neigh.all.mcast_solicit", "net.ipv4.neigh.eth0.gc_thresh1"} {
		if tab.Var(n) != nil {
			t.Errorf("%s exists", n)
		}
	}
}

// Loopback coming up marks all its settings as written (observed: after
// "ip link set lo up" in a new namespace, conf default writes no longer
// reach lo).
func TestLoopbackUp(t *testing.T) {
	tab := New()
	tab.AddLoopback("lo")
	tab.AddInterface("eth0")
	mustSet(t, tab, "net.ipv4.conf.default.medium_id", "5")
	tab.LoopbackUp("lo")
	mustSet(t, tab, "net.ipv4.conf.default.medium_id", "6")
	mustSet(t, tab, "net.ipv4.neigh.default.ucast_solicit", "9")
	expect(t, tab, map[string]string{
		"net.ipv4.conf.lo.medium_id": "5", "net.ipv4.conf.eth0.medium_id": "6",
		"net.ipv4.neigh.lo.ucast_solicit": "3", "net.ipv4.neigh.eth0.ucast_solicit": "9",
	})
	tab.LoopbackUp("nope") // unknown: nothing happens
}

// Limits that one setting puts on another.
func TestCrossChecks(t *testing.T) {
	tab := New()
	mustSet(t, tab, "net.ipv4.tcp_max_reordering", "500")
	mustSet(t, tab, "net.ipv4.tcp_reordering", "400")
	if err := tab.Set("net.ipv4.tcp_reordering", "501"); err != einval {
		t.Errorf("tcp_reordering above max: %v", err)
	}
	mustSet(t, tab, "net.ipv4.tcp_max_reordering", "100") // not re-checked
	expect(t, tab, map[string]string{"net.ipv4.tcp_reordering": "400"})
	if err := tab.Set("net.ipv4.tcp_reordering", "0"); err != einval {
		t.Errorf("tcp_reordering 0: %v", err)
	}

	mustSet(t, tab, "net.ipv4.ip_local_port_range", "2000 3000")
	if err := tab.Set("net.ipv4.ip_unprivileged_port_start", "2001"); err != einval {
		t.Errorf("unprivileged start above the port range: %v", err)
	}
	mustSet(t, tab, "net.ipv4.ip_unprivileged_port_start", "2000")
	if err := tab.Set("net.ipv4.ip_local_port_range", "1999 3000"); err != einval {
		t.Errorf("port range below unprivileged start: %v", err)
	}
	mustSet(t, tab, "net.ipv4.ipfrag_low_thresh", "4194304")
	if err := tab.Set("net.ipv4.ipfrag_high_thresh", "4194303"); err != einval {
		t.Errorf("high below low: %v", err)
	}
}

func TestInterfaces(t *testing.T) {
	tab := New()
	mustSet(t, tab, "net.ipv4.conf.default.rp_filter", "2")
	tab.AddInterface("eth0")
	tab.AddInterface("eth0") // no-op
	tab.AddInterface("all")
	tab.AddInterface("")
	tab.AddInterface("a/b")
	expect(t, tab, map[string]string{"net.ipv4.conf.eth0.rp_filter": "2", "net.ipv4.conf.eth0.accept_source_route": "1"})
	mustSet(t, tab, "net.ipv4.conf.eth0.rp_filter", "1")
	tab.RemoveInterface("eth0")
	if tab.Var("net.ipv4.conf.eth0.rp_filter") != nil || tab.Var("net.ipv4.neigh.eth0.ucast_solicit") != nil {
		t.Error("eth0 settings survive RemoveInterface")
	}
	tab.RemoveInterface("default") // refused
	if tab.Var("net.ipv4.conf.default.rp_filter") == nil {
		t.Error("RemoveInterface(default) removed settings")
	}
	mustSet(t, tab, "net.ipv4.conf.default.rp_filter", "0") // must not reach a removed interface
	tab.AddInterface("eth0")
	expect(t, tab, map[string]string{"net.ipv4.conf.eth0.rp_filter": "0"})
	// Dotted interface names, as VLANs have.
	tab.AddInterface("eth0.100")
	if v, err := tab.Get("net/ipv4/conf/eth0.100/rp_filter"); err != nil || v != "0" {
		t.Errorf("eth0.100: %q %v", v, err)
	}
	for _, n := range tab.Names() {
		if tab.Var(n) == nil {
			t.Errorf("Names lists %s, which Var does not find", n)
		}
	}
}

// Concurrent writers and readers (run with -race).
func TestConcurrency(t *testing.T) {
	tab := New()
	tab.AddInterface("eth0")
	fwd := tab.MustVar("net.ipv4.conf.eth0.forwarding")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				_ = tab.Set("net.ipv4.ip_forward", fmt.Sprint((i+j)%2))
				_ = tab.Set("net.ipv4.conf.default.rp_filter", fmt.Sprint(j%3))
				_ = fwd.Int()
				if j%50 == 0 {
					name := fmt.Sprintf("x%d", i)
					tab.AddInterface(name)
					tab.RemoveInterface(name)
				}
			}
		}()
	}
	wg.Wait()
}
