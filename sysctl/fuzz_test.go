package sysctl

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzSet writes arbitrary bytes to every kind of setting. A write never
// panics and fails only with the errnos Linux uses for sysctl writes; a
// refused write to an all-or-nothing setting changes nothing; and a value
// read back can be written again to the same effect (except where the
// kernel itself does not round-trip: hundredths of a second, which
// truncate twice, and millisecond values past 2^31, which wrap).
func FuzzSet(f *testing.F) {
	names := []string{
		"net.ipv4.tcp_max_syn_backlog", "net.ipv4.ip_default_ttl", "net.ipv4.tcp_notsent_lowat",
		"net.ipv4.tcp_rmem", "net.ipv4.ip_local_port_range", "net.ipv4.ping_group_range",
		"net.ipv4.ipfrag_high_thresh", "net.ipv4.tcp_mem", "net.ipv4.tcp_fin_timeout",
		"net.ipv4.icmp_ratelimit", "net.ipv4.neigh.default.retrans_time", "net.ipv4.neigh.default.unres_qlen",
		"net.ipv4.neigh.default.interval_probe_time_ms", "net.ipv4.tcp_congestion_control",
		"net.ipv4.ip_local_reserved_ports", "net.ipv4.conf.default.rp_filter", "net.ipv4.ip_forward",
		"net.ipv4.tcp_reordering", "net.ipv4.ip_unprivileged_port_start",
	}
	for i, s := range []string{"", " ", "7", "-1", "0x10", "1 2 3", "5 x", "1-3,5", "reno\n", "\xa07",
		"18446744073709551615", "-2147483649", "4294967296", "1,\n2-3\n"} {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		tab := New()
		v := tab.MustVar(names[int(which)%len(names)])
		before := v.String()
		err := v.Set(value)
		var e unix.Errno
		if err != nil {
			if !errors.As(err, &e) || (e != unix.EINVAL && e != unix.ENOENT && e != unix.EPERM) {
				t.Fatalf("%s=%q: unexpected error %v", v.Name(), value, err)
			}
			partial := v.spec.Check == nil && (v.spec.Kind == KindInt || v.spec.Kind == KindUlong) && v.Len() > 1
			if !partial && v.String() != before {
				t.Fatalf("%s=%q refused (%v) but changed %q to %q", v.Name(), value, err, before, v.String())
			}
			return
		}
		if v.spec.Kind == KindUserHZ || v.spec.Kind == KindMs {
			return
		}
		after := v.String()
		w := after
		if v.spec.Kind == KindBitmap && w == "" {
			w = "\n"
		}
		if err := v.Set(w); err != nil || v.String() != after {
			t.Fatalf("%s: %q read back as %q; writing that gives %v, %q", v.Name(), value, after, err, v.String())
		}
	})
}
