package sysctl

import "golang.org/x/sys/unix"

// catalogue lists every setting with Linux's default and validation, as a
// fresh network namespace on Linux 6.x shows them.
var catalogue = []Spec{
	{Name: "net.ipv4.ip_default_ttl", Default: []int64{64}, Min: 1, Max: 255},
	{Name: "net.ipv4.ip_forward", Default: []int64{0}, Min: 0, Max: 1},
	{Name: "net.ipv4.ip_nonlocal_bind", Default: []int64{0}, Min: 0, Max: 1},
	{Name: "net.ipv4.ip_no_pmtu_disc", Default: []int64{0}, Min: 0, Max: 3},
	{Name: "net.ipv4.ip_local_port_range", Default: []int64{32768, 60999}, Check: checkPortRange},
	{Name: "net.ipv4.icmp_echo_ignore_all", Default: []int64{0}, Min: 0, Max: 1},
	{Name: "net.ipv4.icmp_echo_ignore_broadcasts", Default: []int64{1}, Min: 0, Max: 1},
	{Name: "net.ipv4.icmp_ratelimit", Default: []int64{1000}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.icmp_ratemask", Default: []int64{6168}, Min: -1 << 31, Max: 1<<31 - 1},
	{Name: "net.ipv4.icmp_msgs_per_sec", Default: []int64{1000}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.icmp_msgs_burst", Default: []int64{50}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.conf.*.forwarding", Default: []int64{0}, Min: -1 << 31, Max: 1<<31 - 1},
	{Name: "net.ipv4.conf.*.rp_filter", Default: []int64{0}, Min: 0, Max: 2},
	{Name: "net.ipv4.conf.*.accept_source_route", Default: []int64{0}, Min: -1 << 31, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.base_reachable_time_ms", Default: []int64{30000}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.retrans_time_ms", Default: []int64{1000}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.delay_first_probe_time", Default: []int64{5}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.gc_stale_time", Default: []int64{60}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.mcast_solicit", Default: []int64{3}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.ucast_solicit", Default: []int64{3}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.app_solicit", Default: []int64{0}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.unres_qlen", Default: []int64{101}, Min: 0, Max: 1<<31 - 1},
	{Name: "net.ipv4.neigh.*.unres_qlen_bytes", Default: []int64{212992}, Min: 0, Max: 1<<31 - 1},
}

// checkPortRange is ipv4_local_port_range's rule: both ends in 1..65535 and
// the first not above the second.
func checkPortRange(_, all []int64) error {
	if len(all) != 2 || all[0] < 1 || all[1] > 65535 || all[0] > all[1] {
		return unix.EINVAL
	}
	return nil
}
