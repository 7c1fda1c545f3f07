//go:build linux

package sysctl

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"golang.org/x/sys/unix"
)

// The differential tests compare the table with the kernel's /proc/sys in
// a fresh network namespace: defaults first, then a battery of writes
// applied to both, comparing write(2)'s errno and the values read back.
//
// Safety: everything runs on one thread moved into the namespace (ns.Do),
// which first checks that /proc/sys/net/ipv4/conf lists only the
// namespace's devices. Settings Linux keeps outside namespaces
// (Spec.HostWide), read-only files and files a namespace lacks are never
// written on the kernel; their values are only read.

// procPath is a setting's /proc/sys file.
func procPath(name string) string {
	return "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
}

// kread reads a /proc/sys file as the tests compare it: without the final
// newline.
func kread(name string) (string, error) {
	b, err := os.ReadFile(procPath(name))
	return strings.TrimSuffix(string(b), "\n"), err
}

// kwrite is one write(2) of value to a setting's file at offset 0. It
// returns the errno (0 on success).
func kwrite(name, value string) unix.Errno {
	fd, err := unix.Open(procPath(name), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err.(unix.Errno)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return err.(unix.Errno)
	}
	return 0
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if err != nil && !errors.As(err, &e) {
		return unix.Errno(^uint(0) >> 1) // not an errno: never equal to the kernel's
	}
	return e
}

// writable reports whether the tests may write a setting on the kernel:
// per-namespace, present in the namespace and not read-only there.
func writable(v *Var) bool {
	if v.spec.HostWide || v.spec.ReadOnly {
		return false
	}
	st, err := os.Stat(procPath(v.name))
	return err == nil && st.Mode().Perm()&0o200 != 0
}

// checkInNamespace refuses to go on unless this thread sees a fresh
// namespace: only loopback among the interfaces.
func checkInNamespace() error {
	ents, err := os.ReadDir("/proc/sys/net/ipv4/conf")
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "all default lo" {
		return fmt.Errorf("not in a fresh namespace: /proc/sys/net/ipv4/conf has %v", names)
	}
	return nil
}

// detectHZ finds CONFIG_HZ from the largest tcp_fin_timeout the kernel
// accepts (INT_MAX/HZ seconds), then restores it.
func detectHZ() int {
	orig, _ := kread("net.ipv4.tcp_fin_timeout")
	hz := 0
	for _, c := range []int{1000, 300, 250, 100} {
		if kwrite("net.ipv4.tcp_fin_timeout", strconv.Itoa(intMax/c)) == 0 {
			hz = c
		}
	}
	kwrite("net.ipv4.tcp_fin_timeout", orig)
	return hz
}

// detectTruesize finds SKB_TRUESIZE(ETH_FRAME_LEN): the bytes one
// unres_qlen packet stands for.
func detectTruesize() int {
	orig, _ := kread("net.ipv4.neigh.lo.unres_qlen_bytes")
	kwrite("net.ipv4.neigh.lo.unres_qlen", "1")
	b, _ := kread("net.ipv4.neigh.lo.unres_qlen_bytes")
	kwrite("net.ipv4.neigh.lo.unres_qlen_bytes", orig)
	n, _ := strconv.Atoi(b)
	return n
}

// hostSource names the host setting a fresh namespace copies an inherited
// setting from (see the exceptions below), or "" if it inherits nothing.
func hostSource(name string) string {
	switch {
	case strings.HasPrefix(name, "net.ipv4.conf.lo."):
		return "net.ipv4.conf.default." + strings.TrimPrefix(name, "net.ipv4.conf.lo.")
	case strings.HasPrefix(name, "net.ipv4.neigh.lo."):
		return "net.ipv4.neigh.default." + strings.TrimPrefix(name, "net.ipv4.neigh.lo.")
	case strings.HasPrefix(name, "net.ipv4.conf."), name == "net.ipv4.ip_forward",
		name == "net.ipv4.tcp_rmem", name == "net.ipv4.tcp_wmem",
		name == "net.ipv4.tcp_congestion_control":
		return name
	}
	return ""
}

// The explicit exceptions to "the table's default is the namespace's":
//
//   - inherited (hostSource): a new namespace copies these from the host
//     (devconf_inherit_init_net=0 copies conf all/default; tcp_sk_init
//     copies tcp_rmem, tcp_wmem and the default congestion control;
//     interfaces copy neigh_parms from the host's arp_tbl). A difference
//     is accepted, and logged, when the namespace shows the host's value.
//   - memoryDependent: sized from the established hash, which depends on
//     the host's memory; compared only when the hash has the 262144
//     buckets the catalogue assumes.
//   - Spec.HostWide: the host's value; a difference is logged (hosts tune
//     net.core buffers; tcp_mem and udp_mem follow memory; the available
//     congestion controls follow the kernel build).
var memoryDependent = map[string]bool{
	"net.ipv4.tcp_max_tw_buckets":  true,
	"net.ipv4.tcp_max_syn_backlog": true,
}

func TestKernelDefaults(t *testing.T) {
	ns := nstest.New(t)
	var hostOnly []string
	var tab *Table
	err := ns.Do(func() error {
		if err := checkInNamespace(); err != nil {
			return err
		}
		// Read every default before any probe writes.
		kernel := map[string]string{}
		probe := NewWith(Options{})
		probe.AddLoopback("lo")
		for _, n := range probe.Names() {
			if k, err := kread(n); err == nil {
				kernel[n] = k
			}
		}
		hz, ts := detectHZ(), detectTruesize()
		if hz == 0 || ts == 0 {
			return fmt.Errorf("cannot detect HZ (%d) or truesize (%d)", hz, ts)
		}
		t.Logf("kernel HZ=%d, SKB_TRUESIZE(ETH_FRAME_LEN)=%d", hz, ts)
		tab = NewWith(Options{HZ: hz, EthFrameTruesize: ts})
		tab.AddLoopback("lo")
		ehash, _ := kread("net.ipv4.tcp_ehash_entries")
		for _, n := range tab.Names() {
			v := tab.MustVar(n)
			k, ok := kernel[n]
			if !ok {
				hostOnly = append(hostOnly, n)
				continue
			}
			ours := v.String()
			if ours == k {
				continue
			}
			switch {
			case v.spec.HostWide:
				t.Logf("%s: host-wide, namespace shows the host's %q, Linux's default is %q", n, k, ours)
			case memoryDependent[n] && strings.TrimPrefix(ehash, "-") != "262144":
				t.Logf("%s: memory-dependent, %q with %s ehash buckets; ours %q for 262144", n, k, ehash, ours)
			case hostSource(n) != "":
				// Checked against the host outside the namespace.
				hostOnly = append(hostOnly, n+"\x00"+k)
			default:
				t.Errorf("%s: default %q, kernel's fresh namespace shows %q", n, ours, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Outside the namespace: settings a namespace lacks or inherits,
	// compared with the host's values (read only).
	for _, e := range hostOnly {
		n, nsValue, inherited := strings.Cut(e, "\x00")
		v := tab.MustVar(n)
		if inherited {
			host, err := kread(hostSource(n))
			if err != nil || host != nsValue {
				t.Errorf("%s: default %q, namespace shows %q, which is not inherited from the host's %s (%q, %v)",
					n, v.String(), nsValue, hostSource(n), host, err)
			} else {
				t.Logf("%s: namespace inherits the host's %q; Linux's own default is %q", n, host, v.String())
			}
			continue
		}
		if !v.spec.HostWide && !strings.HasPrefix(n, "net.ipv4.neigh.default.") {
			t.Errorf("%s: not in a fresh namespace, but not marked HostWide", n)
			continue
		}
		host, err := kread(n)
		switch {
		case err != nil:
			t.Logf("%s: not on this kernel (%v)", n, err)
		case host != v.String():
			t.Logf("%s: host-wide, host shows %q, Linux's default is %q", n, host, v.String())
		}
	}
}

// kernelTable returns a table set up like the namespace's kernel: the same
// HZ and truesize, loopback "lo", the values the namespace inherited from
// the host loaded without Linux's side effects, tcp_congestion_control set
// to reno on both (the host's default may be one this table lacks), and
// lo up. It runs on the
// namespace's thread, after checkInNamespace.
func kernelTable(t *testing.T) (*Table, error) {
	hz, ts := detectHZ(), detectTruesize()
	if hz == 0 || ts == 0 {
		return nil, fmt.Errorf("cannot detect HZ (%d) or truesize (%d)", hz, ts)
	}
	tab := NewWith(Options{HZ: hz, EthFrameTruesize: ts})
	tab.AddLoopback("lo")
	if e := kwrite("net.ipv4.tcp_congestion_control", "reno"); e != 0 {
		return nil, fmt.Errorf("tcp_congestion_control=reno: %v", e)
	}
	if err := tab.Set("net.ipv4.tcp_congestion_control", "reno"); err != nil {
		return nil, err
	}
	load := func(v *Var, value string) error {
		if v.spec.Kind == KindBitmap && value == "" {
			value = "\n"
		}
		tab.wmu.Lock()
		defer tab.wmu.Unlock()
		return tab.writeLocked(v, []byte(value), false)
	}
	for _, n := range tab.Names() {
		v := tab.MustVar(n)
		k, err := kread(n)
		if err != nil || v.spec.HostWide || v.spec.ReadOnly || k == v.String() {
			continue
		}
		if err := load(v, k); err != nil {
			return nil, fmt.Errorf("loading %s=%q: %v", n, k, err)
		}
	}
	// nstest brought lo up, which marks all its settings as written.
	tab.LoopbackUp("lo")
	// Check that on both, a conf "default" write no longer reaches lo.
	for i := range catalogue {
		s := &catalogue[i]
		if s.scope() != scopeConf || !s.Propagate {
			continue
		}
		def, lo := s.nameFor("default"), s.nameFor("lo")
		d, _ := kread(def)
		x, _ := strconv.Atoi(d)
		next := strconv.Itoa(x + 1)
		kwrite(def, next)
		kl, _ := kread(lo)
		kwrite(def, d)
		if err := tab.Set(def, next); err != nil {
			return nil, err
		}
		ol, _ := tab.Get(lo)
		if err := tab.Set(def, d); err != nil {
			return nil, err
		}
		if kl != ol {
			t.Errorf("after %s=%s: %s is %q on the kernel, %q in the table", def, next, lo, kl, ol)
		}
	}
	return tab, nil
}

// compare reports settings whose value differs between the table and the
// kernel; it skips host-wide settings and files the namespace lacks.
func compare(t *testing.T, tab *Table, names []string, after string) int {
	t.Helper()
	bad := 0
	for _, n := range names {
		v := tab.Var(n)
		if v == nil || v.spec.HostWide {
			continue
		}
		k, err := kread(n)
		if err != nil {
			continue
		}
		if o := v.String(); o != k {
			t.Errorf("after %s: %s is %q, kernel %q", after, n, o, k)
			bad++
		}
	}
	return bad
}

// related lists the settings a write to name may change, which are
// compared after each write.
func related(tab *Table, name string) []string {
	out := []string{name}
	add := func(names ...string) { out = append(out, names...) }
	switch {
	case strings.HasPrefix(name, "net.ipv4.conf."):
		key := name[strings.LastIndexByte(name, '.')+1:]
		for _, d := range []string{"all", "default", "lo"} {
			add("net.ipv4.conf." + d + "." + key)
		}
		if key == "forwarding" {
			add("net.ipv4.ip_forward", "net.ipv4.conf.all.accept_redirects")
		}
	case name == "net.ipv4.ip_forward":
		add("net.ipv4.conf.all.forwarding", "net.ipv4.conf.default.forwarding",
			"net.ipv4.conf.lo.forwarding", "net.ipv4.conf.all.accept_redirects")
	case strings.HasPrefix(name, "net.ipv4.neigh.lo."):
		for _, n := range tab.Names() {
			if strings.HasPrefix(n, "net.ipv4.neigh.lo.") {
				add(n)
			}
		}
	}
	return out
}

// battery returns the writes tried on a setting: syntax common to all
// handlers, numbers around its bounds and the kernel's integer limits,
// and kind-specific values.
func battery(v *Var) []string {
	s := v.spec
	long := strings.Repeat(" ", 4094)
	switch s.Kind {
	case KindString:
		// "cubic" and "bbr" are left out: which of them a namespace
		// may select depends on the host's default (bbr here).
		return []string{"", "reno", "reno\n", "reno\n\n", "reno\x00junk", "\n", " ", "vegas", "Reno",
			" reno", "reno ", "reno cubic", "0123456789abcdefg", "reno" + strings.Repeat(" ", 5000), "reno"}
	case KindBitmap:
		return []string{"", "8080", "8080,9000-9010", "8080\n", "8080, 9000", "8080 9000", "9010-9000",
			"65535", "65536", "0", "-1", "1,2,3,5", "3,1,2", " 8080", "8080,", ",", "\n", " ", "8080-",
			"0x10", "1-65535", "8080x", "8080-9000-1", "5,5", "1-3,2-4", "8080\t", "\n\n5\n\n6", "5-\n",
			"5,\n6", "\n,5", "5\x00", "5-6\x00", "5--6", "010", "08", "1-" + long, long + "1,2"}
	}
	vals := []string{"", " ", "\n", "\t", "x", "abc", "5x", "5 x", " 7 ", "\t7\n", "\n7\n", "7\r", "\r7",
		"\v7", "\xa07", "\x857", "7\x00", "7\t", "0x10", "0X1f", "0x", "0xg", "010", "08", "-0", "-", "+1",
		"--1", "-1", "-5", "1 2", "1 2 3 4", "7,8", "7\n8", "00000000000000000017", "-0000000000000000017",
		"000000000000000000001", "-00000000000000000017", "0", "1", "2", "3", "4", "5", "31", "32", "47",
		"48", "67", "68", "99", "101", "127", "128", "255", "256", "999", "1000", "1001", "1023", "1024",
		"32767", "32768", "60000", "60001", "65535", "65536", "86400", "86401", "120000", "120001",
		"2147483", "2147484", "7158278", "7158279", "8589934", "8589935", "-8589934", "-8589935",
		"17179869", "17179870", "21474836", "1027506", "1027507",
		"2147483647", "2147483648", "-2147483648", "-2147483649", "0x7fffffff", "0x80000000",
		"-0x80000000", "4294967294", "4294967295", "4294967296", "4294967297",
		"18446744073709551615", "18446744073709551616", "0xffffffffffffffff",
		long + "7", long + "77", long + " 7", "7" + strings.Repeat(" ", 5000)}
	for _, x := range []int64{s.Min - 1, s.Min, s.Max, s.Max + 1} {
		vals = append(vals, strconv.FormatInt(x, 10))
	}
	if v.Len() > 1 {
		vals = append(vals, "1 2 3", "5 6", "0 6 7", "5 0 7", "5 x 7", "5 6 x", "3 2 1", "2000 1000",
			"1024 1024", "1000 2000", "2000 65535", "2000 65536", "32768 60999", "0 4294967294",
			"0 4294967295", "5 3", "100 200", "1\t2\n3\n", "1,2,3", "-1 5", "1 x", "0x10 0x20",
			"10 20 30 40", "4096 131072 33554432")
	}
	return vals
}

// TestKernelWrites runs the battery on every per-namespace setting, on the
// kernel and on the table, comparing errno and values after every write,
// and every setting after each one's battery.
func TestKernelWrites(t *testing.T) {
	ns := nstest.New(t)
	err := ns.Do(func() error {
		if err := checkInNamespace(); err != nil {
			return err
		}
		tab, err := kernelTable(t)
		if err != nil {
			return err
		}
		names := tab.Names()
		if compare(t, tab, names, "setup") > 0 {
			return fmt.Errorf("table and kernel differ before any write")
		}
		writes := 0
		for _, n := range names {
			v := tab.MustVar(n)
			if v.spec.ReadOnly {
				// Never written on the kernel: its file must be
				// read-only there too.
				if st, err := os.Stat(procPath(n)); err == nil && st.Mode().Perm()&0o222 != 0 {
					t.Errorf("%s: read-only here, mode %v on the kernel", n, st.Mode().Perm())
				}
				if err := tab.Set(n, "0"); errnoOf(err) != unix.EACCES {
					t.Errorf("%s: write returned %v, want EACCES", n, err)
				}
				continue
			}
			if !writable(v) {
				continue
			}
			orig, _ := kread(n)
			rel := related(tab, n)
			for _, val := range battery(v) {
				ke := kwrite(n, val)
				oe := errnoOf(tab.Set(n, val))
				writes++
				if ke != oe {
					k, _ := kread(n)
					t.Errorf("%s=%q: kernel errno %d (%v) value %q, table errno %d (%v) value %q",
						n, val, int(ke), ke, k, int(oe), oe, v.String())
				}
				if compare(t, tab, rel, fmt.Sprintf("%s=%q", n, val)) > 0 {
					break
				}
			}
			// Back to where the battery started (a bitmap is emptied by
			// a newline: an empty write leaves it alone).
			restore := orig
			if v.spec.Kind == KindBitmap && restore == "" {
				restore = "\n"
			}
			if ke, oe := kwrite(n, restore), errnoOf(tab.Set(n, restore)); ke != oe {
				t.Errorf("restoring %s=%q: kernel %v, table %v", n, restore, ke, oe)
			}
			if compare(t, tab, names, "the battery on "+n) > 0 {
				return fmt.Errorf("stopping after %s", n)
			}
		}
		t.Logf("%d writes compared", writes)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKernelLinkages replays, on the kernel and on the table, sequences
// that exercise the linkages between settings, including the ones that
// involve creating interfaces (veth pairs in the namespace), and compares
// every setting after each step.
func TestKernelLinkages(t *testing.T) {
	ns := nstest.New(t)
	err := ns.Do(func() error {
		if err := checkInNamespace(); err != nil {
			return err
		}
		tab, err := kernelTable(t)
		if err != nil {
			return err
		}
		// addVeth creates a veth pair on the kernel and in the table.
		// Its neigh settings start from the host's neigh "default",
		// which a namespace cannot see: they are loaded if they differ.
		addVeth := func(a, b string) error {
			if out, err := ns.Run("ip", "link", "add", a, "type", "veth", "peer", "name", b); err != nil {
				return fmt.Errorf("ip link add %s: %v: %s", a, err, out)
			}
			for _, dev := range []string{a, b} {
				tab.AddInterface(dev)
				for _, n := range tab.Names() {
					if !strings.HasPrefix(n, "net.ipv4.neigh."+dev+".") {
						continue
					}
					if k, err := kread(n); err == nil && k != tab.MustVar(n).String() {
						t.Logf("%s: inherited %q from the host", n, k)
						v := tab.MustVar(n)
						tab.wmu.Lock()
						err := tab.writeLocked(v, []byte(k), false)
						tab.wmu.Unlock()
						if err != nil {
							return err
						}
					}
				}
			}
			return nil
		}
		type step struct{ name, value string }
		steps := []any{
			// conf default -> interfaces, and what a new interface copies.
			step{"net.ipv4.conf.default.arp_ignore", "2"},
			func() error { return addVeth("d0", "d0p") },
			step{"net.ipv4.conf.default.arp_ignore", "1"},
			step{"net.ipv4.conf.default.log_martians", "1"},
			step{"net.ipv4.conf.d0.rp_filter", "2"},
			step{"net.ipv4.conf.default.rp_filter", "1"},
			step{"net.ipv4.conf.d0.arp_filter", "x"}, // refused, still marks
			step{"net.ipv4.conf.default.arp_filter", "1"},
			step{"net.ipv4.conf.d0p.arp_notify", ""}, // empty, still marks
			step{"net.ipv4.conf.default.arp_notify", "1"},
			step{"net.ipv4.conf.d0.proxy_arp", "0"}, // same value, still marks
			step{"net.ipv4.conf.default.proxy_arp", "1"},
			step{"net.ipv4.conf.all.arp_announce", "2"}, // all is its own
			step{"net.ipv4.conf.default.promote_secondaries", "1"},
			step{"net.ipv4.conf.default.route_localnet", "1"},
			step{"net.ipv4.conf.default.disable_policy", "1"},
			// forwarding
			step{"net.ipv4.conf.default.forwarding", "3"},
			func() error { return addVeth("d1", "d1p") },
			step{"net.ipv4.conf.all.forwarding", "5"},
			step{"net.ipv4.conf.d0.forwarding", "-3"},
			step{"net.ipv4.ip_forward", "0"},
			step{"net.ipv4.conf.d0.forwarding", "1"},
			step{"net.ipv4.conf.all.accept_redirects", "0"},
			step{"net.ipv4.ip_forward", "0"}, // unchanged: nothing spreads
			step{"net.ipv4.ip_forward", "2"},
			step{"net.ipv4.ip_forward", "x"},
			step{"net.ipv4.ip_forward", "1"},
			// neighbour twins and rounding
			step{"net.ipv4.neigh.d0.base_reachable_time_ms", "1001"},
			step{"net.ipv4.neigh.d0.base_reachable_time", "-3"},
			step{"net.ipv4.neigh.d0.retrans_time", "3"},
			step{"net.ipv4.neigh.d0.retrans_time_ms", "1001"},
			step{"net.ipv4.neigh.d0.unres_qlen", "1"},
			step{"net.ipv4.neigh.d0.unres_qlen_bytes", "5000"},
			step{"net.ipv4.neigh.d0.unres_qlen", ""},
			step{"net.ipv4.neigh.d0.anycast_delay", "1"},
			step{"net.ipv4.neigh.d0.locktime", "-1"},
			// limits between settings
			step{"net.ipv4.ip_local_port_range", "2000 3000"},
			step{"net.ipv4.ip_unprivileged_port_start", "2001"},
			step{"net.ipv4.ip_unprivileged_port_start", "2000"},
			step{"net.ipv4.ip_local_port_range", "1999 3000"},
			step{"net.ipv4.ip_unprivileged_port_start", "0"},
			step{"net.ipv4.ip_local_port_range", "1 1"},
			step{"net.ipv4.tcp_max_reordering", "500"},
			step{"net.ipv4.tcp_reordering", "400"},
			step{"net.ipv4.tcp_reordering", "501"},
			step{"net.ipv4.tcp_max_reordering", "100"},
			step{"net.ipv4.tcp_reordering", "200"},
			step{"net.ipv4.ipfrag_low_thresh", "4194304"},
			step{"net.ipv4.ipfrag_high_thresh", "4194303"},
			step{"net.ipv4.ipfrag_low_thresh", "4194305"},
			step{"net.ipv4.ipfrag_high_thresh", "18446744073709551615"},
			step{"net.ipv4.ipfrag_low_thresh", "18446744073709551615"},
			step{"net.ipv4.ping_group_range", "5 3"},
			step{"net.ipv4.ping_group_range", "100 200"},
			step{"net.ipv4.ping_group_range", "300"},
		}
		for i, st := range steps {
			what := ""
			switch st := st.(type) {
			case step:
				ke := kwrite(st.name, st.value)
				oe := errnoOf(tab.Set(st.name, st.value))
				if ke != oe {
					t.Errorf("%s=%q: kernel errno %d (%v), table %d (%v)", st.name, st.value, int(ke), ke, int(oe), oe)
				}
				what = fmt.Sprintf("%s=%q", st.name, st.value)
			case func() error:
				if err := st(); err != nil {
					return err
				}
				what = fmt.Sprintf("step %d (interfaces added)", i)
			}
			if compare(t, tab, tab.Names(), what) > 0 {
				return fmt.Errorf("stopping after %s", what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
