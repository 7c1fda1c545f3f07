package sysctl

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// writeCase is one write and what Linux 6.18 answered to it (observed with
// write(2) on the /proc/sys file in a fresh network namespace, HZ=250):
// the errno (0 for success) and the value read back.
type writeCase struct {
	name, value string
	errno       unix.Errno
	want        string
}

// runCases applies each case to a fresh table with loopback "lo", after
// the writes in pre.
func runCases(t *testing.T, pre [][2]string, cases []writeCase) {
	t.Helper()
	for _, c := range cases {
		tab := New()
		tab.AddLoopback("lo")
		for _, p := range pre {
			if err := tab.Set(p[0], p[1]); err != nil {
				t.Fatalf("pre %s=%q: %v", p[0], p[1], err)
			}
		}
		err := tab.Set(c.name, c.value)
		var got unix.Errno
		if err != nil && !errors.As(err, &got) {
			t.Errorf("%s=%q: error %v is not a unix.Errno", c.name, c.value, err)
			continue
		}
		val, _ := tab.Get(c.name)
		if got != c.errno || val != c.want {
			t.Errorf("%s=%q: got errno %d (%v) value %q, want errno %d (%v) value %q",
				c.name, c.value, int(got), got, val, int(c.errno), c.errno, c.want)
		}
	}
}

const einval = unix.EINVAL

// Syntax shared by the integer handlers (proc_get_long): white space,
// signs, bases, separators, lengths.
func TestIntSyntax(t *testing.T) {
	const n = "net.ipv4.tcp_max_syn_backlog" // proc_dointvec
	runCases(t, nil, []writeCase{
		{n, "", 0, "2048"}, // an empty write succeeds and changes nothing
		{n, " ", einval, "2048"},
		{n, "\n", einval, "2048"}, // what `echo "" >` writes
		{n, "\t", einval, "2048"},
		{n, "7\n", 0, "7"},
		{n, " 7 ", 0, "7"},
		{n, "\t7\n", 0, "7"},
		{n, "\n7\n", 0, "7"},
		{n, "\r7", 0, "7"}, // any isspace before a number
		{n, "\v7", 0, "7"},
		{n, "\f7", 0, "7"},
		{n, "\xa07", 0, "7"},         // the kernel's isspace includes Latin-1 NBSP
		{n, "\x857", einval, "2048"}, // but not NEL
		{n, "7\r", einval, "2048"},   // only space, tab, newline after one
		{n, "7\t", 0, "7"},
		{n, "7\x00", einval, "2048"},
		{n, "7\xa0", einval, "2048"},
		{n, "abc", einval, "2048"},
		{n, "5x", einval, "2048"},
		{n, "5 x", 0, "5"}, // text after a separator is ignored
		{n, "7,8", einval, "2048"},
		{n, "1 2", 0, "1"}, // extra values are ignored
		{n, "1 2 3 4", 0, "1"},
		{n, "7\n8", 0, "7"},
		{n, "0x10", 0, "16"},
		{n, "0X1f", 0, "31"},
		{n, "0x", einval, "2048"},
		{n, "0xg", einval, "2048"},
		{n, "010", 0, "8"}, // a leading zero is octal
		{n, "08", einval, "2048"},
		{n, "0b1", einval, "2048"},
		{n, "1e3", einval, "2048"},
		{n, "+1", einval, "2048"},
		{n, "-", einval, "2048"},
		{n, "-0", 0, "0"},
		{n, "-1", 0, "-1"},
		{n, "-0x10", 0, "-16"},
		{n, "--1", einval, "2048"},
		{n, "2147483647", 0, "2147483647"},
		{n, "2147483648", einval, "2048"},
		{n, "-2147483648", 0, "-2147483648"},
		{n, "-2147483649", einval, "2048"},
		{n, "0x7fffffff", 0, "2147483647"},
		{n, "0x80000000", einval, "2048"},
		{n, "-0x80000000", 0, "-2147483648"},
		{n, "4294967296", einval, "2048"},
		{n, "18446744073709551616", einval, "2048"}, // overflows 64 bits
		{n, "0x10000000000000000", einval, "2048"},
		// proc_get_long copies 21 bytes; a number that fills them is refused.
		{n, "00000000000000000017", 0, "15"},
		{n, "-0000000000000000017", 0, "-15"},
		{n, "000000000000000000001", einval, "2048"},
		{n, "-00000000000000000017", einval, "2048"},
		// Only the first page (4095 bytes) of a write is read.
		{n, "7" + strings.Repeat(" ", 5000), 0, "7"},
		{n, strings.Repeat(" ", 5000) + "7", einval, "2048"},
		{n, strings.Repeat(" ", 4094) + "7", 0, "7"},
		{n, strings.Repeat(" ", 4094) + "77", 0, "7"}, // cut after the first 7
	})
}

// proc_dou8vec_minmax and proc_douintvec: one value, no sign at all.
func TestUnsignedHandlers(t *testing.T) {
	const ttl = "net.ipv4.ip_default_ttl" // u8, 1..255
	const lowat = "net.ipv4.tcp_notsent_lowat"
	runCases(t, nil, []writeCase{
		{ttl, "", 0, "64"},
		{ttl, " ", einval, "64"},
		{ttl, "255", 0, "255"},
		{ttl, "256", einval, "64"},
		{ttl, "0", einval, "64"},
		{ttl, "1", 0, "1"},
		{ttl, "-0", einval, "64"}, // any sign is refused
		{ttl, "-1", einval, "64"},
		{ttl, "1 2 3", 0, "1"},
		{ttl, "5 x", 0, "5"},
		{ttl, "0x10", 0, "16"},
		{ttl, "4294967297", einval, "64"},
		{ttl, strings.Repeat(" ", 4094) + "7", 0, "7"},
		{ttl, strings.Repeat(" ", 4095) + "7", einval, "64"},
		{"net.ipv4.tcp_syn_retries", "127", 0, "127"},
		{"net.ipv4.tcp_syn_retries", "128", einval, "6"},
		{"net.ipv4.tcp_syn_retries", "0", einval, "6"},
		{"net.ipv4.tcp_ecn", "3", einval, "2"},
		{"net.ipv4.tcp_app_win", "32", einval, "31"},
		{"net.ipv4.tcp_early_retrans", "4", 0, "4"},
		{"net.ipv4.ip_nonlocal_bind", "255", 0, "255"}, // no max below the u8's
		{lowat, "4294967295", 0, "4294967295"},
		{lowat, "4294967296", einval, "4294967295"},
		{lowat, "0", 0, "0"},
		{lowat, "-1", einval, "4294967295"},
		{"net.ipv4.tcp_tw_reuse_delay", "60000", 0, "60000"},
		{"net.ipv4.tcp_tw_reuse_delay", "60001", einval, "1000"},
		{"net.ipv4.tcp_tw_reuse_delay", "0", einval, "1000"},
		{"net.ipv4.tcp_probe_interval", "17179869", 0, "17179869"}, // UINT_MAX/HZ
		{"net.ipv4.tcp_probe_interval", "17179870", einval, "600"},
	})
}

// proc_dointvec_minmax bounds.
func TestMinMax(t *testing.T) {
	runCases(t, nil, []writeCase{
		{"net.core.somaxconn", "-1", einval, "4096"},
		{"net.core.somaxconn", "0", 0, "0"},
		{"net.ipv4.tcp_adv_win_scale", "-31", 0, "-31"},
		{"net.ipv4.tcp_adv_win_scale", "-32", einval, "1"},
		{"net.ipv4.tcp_adv_win_scale", "32", einval, "1"},
		{"net.ipv4.tcp_min_snd_mss", "47", einval, "48"},
		{"net.ipv4.tcp_min_snd_mss", "65535", 0, "65535"},
		{"net.ipv4.tcp_min_snd_mss", "65536", einval, "48"},
		{"net.ipv4.route.min_pmtu", "67", einval, "552"},
		{"net.ipv4.route.min_pmtu", "68", 0, "68"},
		{"net.ipv4.igmp_qrv", "0", einval, "2"},
		{"net.ipv4.tcp_rto_max_ms", "999", einval, "120000"},
		{"net.ipv4.tcp_rto_max_ms", "120001", einval, "120000"},
		{"net.ipv4.tcp_pacing_ss_ratio", "1001", einval, "200"},
		{"net.ipv4.tcp_min_rtt_wlen", "86401", einval, "300"},
		{"net.ipv4.udp_rmem_min", "0", einval, "4096"},
		{"net.ipv4.icmp_msgs_per_sec", "-1", einval, "1000"},
		{"net.ipv4.icmp_ratemask", "-5", 0, "-5"}, // proc_dointvec: any int
		{"net.ipv4.conf.lo.rp_filter", "-1", 0, "-1"},
		{"net.ipv4.conf.lo.rp_filter", "3", 0, "3"},
		{"net.ipv4.conf.lo.rp_filter", "2147483648", einval, "0"},
	})
}

// Integer vectors: values not given keep theirs; a bad value leaves the
// earlier ones written (tcp_rmem), unless the handler parses into a
// temporary (ip_local_port_range, ping_group_range).
func TestVectors(t *testing.T) {
	const rmem = "net.ipv4.tcp_rmem"
	const ports = "net.ipv4.ip_local_port_range"
	const ping = "net.ipv4.ping_group_range"
	runCases(t, nil, []writeCase{
		{rmem, "1 2 3", 0, "1\t2\t3"},
		{rmem, "5", 0, "5\t131072\t33554432"},
		{rmem, "5 6", 0, "5\t6\t33554432"},
		{rmem, "3 2 1", 0, "3\t2\t1"}, // no ordering rule
		{rmem, "5 6 7 8", 0, "5\t6\t7"},
		{rmem, "5 6 7 x", 0, "5\t6\t7"},
		{rmem, "0 6 7", einval, "4096\t131072\t33554432"},
		{rmem, "5 0 7", einval, "5\t131072\t33554432"}, // the 5 stays
		{rmem, "5 x 7", einval, "5\t131072\t33554432"},
		{rmem, "5 6 x", einval, "5\t6\t33554432"},
		{rmem, "1\t2\n3\n", 0, "1\t2\t3"},
		{rmem, "1,2,3", einval, "4096\t131072\t33554432"},
		{rmem, "5 0x10 010", 0, "5\t16\t8"},
		{rmem, "2147483648 1 1", einval, "4096\t131072\t33554432"},
		{ports, "1024 1024", 0, "1024\t1024"},
		{ports, "2000 1000", einval, "32768\t60999"},
		{ports, "1000 2000", einval, "32768\t60999"}, // below ip_unprivileged_port_start
		{ports, "0 2000", einval, "32768\t60999"},
		{ports, "2000 65536", einval, "32768\t60999"},
		{ports, "2000 x", einval, "32768\t60999"}, // all or nothing
		{ports, "2000", 0, "2000\t60999"},
		{ports, "61000", einval, "32768\t60999"}, // 61000 > 60999
		{ports, "2000 3000 4000", 0, "2000\t3000"},
		{ports, "-1 5", einval, "32768\t60999"},
		{ping, "0 0", 0, "0\t0"},
		{ping, "0 4294967294", 0, "0\t4294967294"},
		{ping, "0 4294967295", einval, "1\t0"},
		{ping, "5 3", 0, "1\t0"}, // a reversed range admits no group
		{ping, "100", 0, "1\t0"}, // 100 > 0: reversed
		{ping, "-1 5", einval, "1\t0"},
		{ping, "1 x", einval, "1\t0"},
		{ping, "0x10 0x20", 0, "16\t32"},
		{ping, "1 2 3", 0, "1\t2"},
		{ping, " ", einval, "1\t0"},
	})
	runCases(t, [][2]string{{"net.ipv4.ip_unprivileged_port_start", "0"}}, []writeCase{
		{ports, "1 1", 0, "1\t1"},
	})
	runCases(t, nil, []writeCase{
		{"net.ipv4.ip_unprivileged_port_start", "32768", 0, "32768"},
		{"net.ipv4.ip_unprivileged_port_start", "32769", einval, "1024"},
		{"net.ipv4.ip_unprivileged_port_start", "-1", einval, "1024"},
	})
}

// proc_doulongvec_minmax and the ipfrag thresholds bounding each other.
func TestUlong(t *testing.T) {
	const hi, lo = "net.ipv4.ipfrag_high_thresh", "net.ipv4.ipfrag_low_thresh"
	runCases(t, nil, []writeCase{
		{hi, "3145727", einval, "4194304"},
		{hi, "3145728", 0, "3145728"},
		{hi, "18446744073709551615", 0, "18446744073709551615"},
		{hi, "18446744073709551616", einval, "4194304"},
		{hi, "-0", einval, "4194304"},
		{lo, "4194304", 0, "4194304"},
		{lo, "4194305", einval, "3145728"},
		{lo, "0 1", 0, "0"},
		{"net.ipv4.tcp_mem", "1 x 3", einval, "1\t16384\t24576"},
	})
	tab := New()
	v := tab.MustVar(hi)
	if err := v.Set("18446744073709551615"); err != nil {
		t.Fatal(err)
	}
	if v.Uint64() != 1<<64-1 {
		t.Errorf("Uint64 = %d", v.Uint64())
	}
}

// The jiffies handlers, with HZ=250: seconds, milliseconds (rounded up to
// 4 ms), hundredths (truncated twice), and the wraparounds of the
// kernel's 32-bit arithmetic.
func TestJiffies(t *testing.T) {
	const fin = "net.ipv4.tcp_fin_timeout"
	const rl = "net.ipv4.icmp_ratelimit"
	const rt = "net.ipv4.neigh.lo.retrans_time"
	const probe = "net.ipv4.neigh.lo.interval_probe_time_ms"
	runCases(t, nil, []writeCase{
		{fin, "-5", 0, "-5"}, // negative seconds are allowed
		{fin, "8589934", 0, "8589934"},
		{fin, "8589935", einval, "60"}, // > INT_MAX/HZ
		{fin, "-8589935", einval, "60"},
		{rl, "0", 0, "0"},
		{rl, "1", 0, "4"},
		{rl, "5", 0, "8"},
		{rl, "101", 0, "104"},
		{rl, "-1", einval, "1000"},
		{rl, "-2147483648", einval, "1000"},
		{rl, "2147483647", 0, "2147483648"},
		{rl, "-2147483649", 0, "2147483648"}, // -x as an unsigned int is 2^31-1
		{rl, "4294967296", 0, "0"},           // msecs_to_jiffies takes 32 bits
		{rl, "4294967297", 0, "4"},
		{rt, "1", 0, "0"}, // 2 jiffies = 0.8 hundredths
		{rt, "3", 0, "2"},
		{rt, "101", 0, "100"},
		{rt, "-1", 0, "-0"}, // stored as -1 jiffy, printed "-0"
		{rt, "2147483647", 0, "429496728"},
		{rt, "4294967296", 0, "-858993459"},
		{probe, "0", einval, "5000"}, // at least one jiffy
		{probe, "1", 0, "4"},
		{probe, "4294967296", einval, "5000"},
	})
}

// proc_dostring and tcp_set_default_congestion_control.
func TestCongestionControl(t *testing.T) {
	const cc = "net.ipv4.tcp_congestion_control"
	noent := unix.ENOENT
	runCases(t, nil, []writeCase{
		{cc, "reno", 0, "reno"},
		{cc, "reno\n", 0, "reno"},
		{cc, "reno\n\n", 0, "reno"},
		{cc, "reno\x00junk", 0, "reno"},
		{cc, "cubic", 0, "cubic"},
		{cc, "", 0, "cubic"},
		{cc, "\n", noent, "cubic"},
		{cc, "vegas", noent, "cubic"},
		{cc, "bbr", noent, "cubic"},
		{cc, "Reno", noent, "cubic"},
		{cc, " reno", noent, "cubic"},
		{cc, "reno ", noent, "cubic"},
		{cc, "reno cubic", noent, "cubic"},
		{cc, "0123456789abcdefg", noent, "cubic"}, // cut to 15 bytes
		{"net.ipv4.tcp_available_congestion_control", "reno", unix.EACCES, "reno cubic"},
		{"net.ipv4.tcp_allowed_congestion_control", "reno", unix.EACCES, "reno cubic"},
		{"net.ipv4.conf.all.mc_forwarding", "0", unix.EACCES, "0"},
	})
}

// proc_do_large_bitmap: ip_local_reserved_ports.
func TestReservedPorts(t *testing.T) {
	const n = "net.ipv4.ip_local_reserved_ports"
	runCases(t, nil, []writeCase{
		{n, "8080", 0, "8080"},
		{n, "8080,9000-9010", 0, "8080,9000-9010"},
		{n, "8080\n", 0, "8080"},
		{n, "1,2,3,5", 0, "1-3,5"},
		{n, "3,1,2", 0, "1-3"},
		{n, "5,5", 0, "5"},
		{n, "1-3,2-4", 0, "1-4"},
		{n, "0", 0, "0"},
		{n, "65535", 0, "65535"},
		{n, "1-65535", 0, "1-65535"},
		{n, "0x10", 0, "16"},
		{n, "8080,", 0, "8080"},
		{n, "\n\n5\n\n6", 0, "5-6"},
		{n, "5,\n6", 0, "5-6"},
		{n, "5-6\x00", 0, "5-6"},
		{n, "\n", 0, ""},
		{n, "65536", einval, ""},
		{n, "-1", einval, ""},
		{n, "8080, 9000", einval, ""},
		{n, "8080 9000", einval, ""},
		{n, "9010-9000", einval, ""},
		{n, " 8080", einval, ""},
		{n, ",", einval, ""},
		{n, " ", einval, ""},
		{n, "8080-", einval, ""},
		{n, "5-\n", einval, ""},
		{n, "8080x", einval, ""},
		{n, "8080-9000-1", einval, ""},
		{n, "5--6", einval, ""},
		{n, "5\x00", einval, ""},
		{n, "8080\t", einval, ""},
	})
	tab := New()
	v := tab.MustVar(n)
	if err := v.Set("22,8000-8002"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[int]bool{21: false, 22: true, 7999: false, 8000: true, 8002: true, 8003: false, -1: false, 70000: false} {
		if v.Has(p) != want {
			t.Errorf("Has(%d) = %v", p, !want)
		}
	}
	// An empty write leaves the set alone; a lone newline clears it.
	if err := v.Set(""); err != nil || v.String() != "22,8000-8002" {
		t.Errorf("empty write: %v, %q", err, v.String())
	}
}

func TestUnknownName(t *testing.T) {
	tab := New()
	if err := tab.Set("net.ipv4.nope", "1"); err != unix.ENOENT {
		t.Errorf("Set unknown: %v", err)
	}
	if _, err := tab.Get("net.ipv4.conf.eth9.rp_filter"); err != unix.ENOENT {
		t.Errorf("Get unknown interface: %v", err)
	}
	if v, err := tab.Get("/proc/sys/net/ipv4/ip_default_ttl"); err != nil || v != "64" {
		t.Errorf("path form: %q %v", v, err)
	}
	if v, err := tab.Get("net/ipv4/tcp_rmem"); err != nil || v != "4096\t131072\t33554432" {
		t.Errorf("path form: %q %v", v, err)
	}
}

func TestAccessors(t *testing.T) {
	tab := New()
	tab.AddInterface("eth0")
	rt := tab.MustVar("net.ipv4.neigh.eth0.retrans_time_ms")
	if rt.Int() != 1000 || rt.Duration() != time.Second {
		t.Errorf("retrans_time_ms %d %v", rt.Int(), rt.Duration())
	}
	if err := tab.Set("net.ipv4.neigh.eth0.base_reachable_time_ms", "1001"); err != nil {
		t.Fatal(err)
	}
	brt := tab.MustVar("net.ipv4.neigh.eth0.base_reachable_time_ms")
	if brt.Int() != 1004 || brt.Duration() != 1004*time.Millisecond {
		t.Errorf("base_reachable_time_ms %d %v", brt.Int(), brt.Duration())
	}
	if d := tab.MustVar("net.ipv4.neigh.eth0.base_reachable_time").Duration(); d != 1004*time.Millisecond {
		t.Errorf("base_reachable_time Duration %v", d)
	}
	if d := tab.MustVar("net.ipv4.tcp_rto_min_us").Duration(); d != 200*time.Millisecond {
		t.Errorf("tcp_rto_min_us Duration %v", d)
	}
	if d := tab.MustVar("net.ipv4.neigh.default.proxy_delay").Duration(); d != 800*time.Millisecond {
		t.Errorf("proxy_delay Duration %v", d)
	}
	rmem := tab.MustVar("net.ipv4.tcp_rmem")
	if rmem.Len() != 3 || rmem.IntAt(2) != 32<<20 || rmem.IntAt(3) != 0 || rmem.IntAt(-1) != 0 {
		t.Errorf("tcp_rmem %d %d", rmem.Len(), rmem.IntAt(2))
	}
	cc := tab.MustVar("net.ipv4.tcp_congestion_control")
	if cc.Int() != 0 || cc.String() != "cubic" {
		t.Errorf("string setting: %d %q", cc.Int(), cc.String())
	}
	if err := tab.MustVar("net.ipv4.ip_default_ttl").SetInt(300); err != einval {
		t.Errorf("SetInt(300) = %v", err)
	}
	if !tab.MustVar("net.ipv4.icmp_echo_ignore_broadcasts").Bool() {
		t.Error("icmp_echo_ignore_broadcasts should be on")
	}
	h := NewWith(Options{HZ: 1000})
	if err := h.Set("net.ipv4.icmp_ratelimit", "1"); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Get("net.ipv4.icmp_ratelimit"); v != "1" || h.HZ() != 1000 {
		t.Errorf("HZ=1000: icmp_ratelimit %q", v)
	}
	if v, _ := h.Get("net.ipv4.tcp_probe_interval"); v != "600" {
		t.Errorf("HZ=1000: tcp_probe_interval %q", v)
	}
	if err := h.Set("net.ipv4.tcp_probe_interval", "4294968"); err != einval {
		t.Errorf("HZ=1000: tcp_probe_interval 4294968: %v", err)
	}
}

// Var.Int is one atomic load: it allocates nothing.
func TestIntAllocs(t *testing.T) {
	tab := New()
	v := tab.MustVar("net.ipv4.ip_default_ttl")
	w := tab.MustVar("net.ipv4.tcp_rmem")
	d := tab.MustVar("net.ipv4.icmp_ratelimit")
	sum := 0
	n := testing.AllocsPerRun(1000, func() {
		sum += v.Int() + w.IntAt(1) + d.Int()
		if v.Bool() {
			sum++
		}
		sum += int(d.Duration())
	})
	if n != 0 {
		t.Errorf("Int/IntAt/Bool/Duration allocate %v times per run", n)
	}
	_ = sum
}

func BenchmarkInt(b *testing.B) {
	v := New().MustVar("net.ipv4.ip_default_ttl")
	b.ReportAllocs()
	sum := 0
	for b.Loop() {
		sum += v.Int()
	}
	_ = sum
}
