package sysctl

import (
	"math"
	"time"
)

// catalogue lists every setting with the value a fresh network namespace
// shows on Linux 6.18 (read in one with ip netns exec), and the handler
// that validates it. Where a fresh namespace's value depends on the host
// rather than on Linux, the comment says which value is used and why:
//
//   - memory: Linux sizes tcp_mem and udp_mem (pages) from free memory;
//     the values here are what it computes for 1 GiB of buffer memory
//     (tcp_mem = limit*3/4, limit, limit*3/2 with limit = pages/16;
//     udp_mem the same with pages/8). tcp_max_tw_buckets, tcp_max_orphans
//     and tcp_max_syn_backlog come from the established hash size
//     (ehash/2, ehash/2, max(128, ehash/128)); the values here are those
//     of a 262144-bucket hash, what a host with 4 GiB or more gets.
//     tcp_rmem[2] and tcp_wmem[2] are capped by memory too; the values
//     here (32 MiB, 4 MiB) are the caps, reached from 4 GiB.
//   - host: net.core.{r,w}mem_{default,max}, optmem_max and
//     netdev_max_backlog are the host's (read-only or absent in a
//     namespace); the values here are Linux's compiled-in defaults
//     (SK_RMEM_MAX, SK_WMEM_MAX = 212992), which hosts often raise.
//   - inherited: a new namespace copies the host's conf "all"/"default"
//     entries, tcp_rmem/tcp_wmem and default congestion control, and its
//     interfaces copy the host's neigh "default"; the values here are
//     Linux's compiled-in ones. tcp_congestion_control is "cubic", Linux's
//     Kconfig default (this test host builds in and selects bbr).
var catalogue = []Spec{
	// net.core
	ints("net.core.somaxconn", 4096).rng(0, intMax),
	ints("net.core.rmem_default", 212992).rng(2304, intMax).host(), // min SOCK_MIN_RCVBUF
	ints("net.core.wmem_default", 212992).rng(4608, intMax).host(), // min SOCK_MIN_SNDBUF
	ints("net.core.rmem_max", 212992).rng(2304, intMax).host(),
	ints("net.core.wmem_max", 212992).rng(4608, intMax).host(),
	ints("net.core.optmem_max", 131072).rng(0, intMax).host(),
	ints("net.core.netdev_max_backlog", 1000).host(),

	// IP
	u8("net.ipv4.ip_default_ttl", 64).rng(1, 255),
	ints("net.ipv4.ip_forward").link("net.ipv4.conf.all.forwarding").onChange(forwardingChanged),
	u8("net.ipv4.ip_forward_use_pmtu", 0),
	u8("net.ipv4.ip_forward_update_priority", 1).rng(0, 1),
	ints("net.ipv4.ip_local_port_range", 32768, 60999).rng(1, 65535).check(checkLocalPortRange),
	{Name: "net.ipv4.ip_local_reserved_ports", Kind: KindBitmap},
	ints("net.ipv4.ip_unprivileged_port_start", 1024).rng(0, 65535).check(checkUnprivilegedPorts),
	u8("net.ipv4.ip_no_pmtu_disc", 0),
	u8("net.ipv4.ip_nonlocal_bind", 0),
	u8("net.ipv4.ip_dynaddr", 0),
	u8("net.ipv4.ip_autobind_reuse", 0).rng(0, 1),
	u8("net.ipv4.ip_early_demux", 1),
	u8("net.ipv4.fwmark_reflect", 0),
	ulongs("net.ipv4.ping_group_range", 1, 0).check(checkPingGroupRange), // "1 0": no group may open ping sockets
	u8("net.ipv4.raw_l3mdev_accept", 1).rng(0, 1),

	// Reassembly and the route cache
	ulongs("net.ipv4.ipfrag_high_thresh", 4<<20).check(checkFragHigh),
	ulongs("net.ipv4.ipfrag_low_thresh", 3<<20).check(checkFragLow),
	secs("net.ipv4.ipfrag_time", 30),
	ints("net.ipv4.ipfrag_max_dist", 64).rng(0, intMax),
	ints("net.ipv4.route.min_pmtu", 552).rng(68, intMax),
	secs("net.ipv4.route.mtu_expires", 600),
	ints("net.ipv4.route.min_adv_mss", 256),

	// ICMP
	u8("net.ipv4.icmp_echo_ignore_all", 0).rng(0, 1),
	u8("net.ipv4.icmp_echo_enable_probe", 0).rng(0, 1),
	u8("net.ipv4.icmp_echo_ignore_broadcasts", 1).rng(0, 1),
	u8("net.ipv4.icmp_ignore_bogus_error_responses", 1).rng(0, 1),
	u8("net.ipv4.icmp_errors_use_inbound_ifaddr", 0).rng(0, 1),
	msecs("net.ipv4.icmp_ratelimit", 1000),
	ints("net.ipv4.icmp_ratemask", 6168), // unreachable, source quench, time exceeded, parameter problem
	ints("net.ipv4.icmp_msgs_per_sec", 1000).rng(0, intMax),
	ints("net.ipv4.icmp_msgs_burst", 50).rng(0, intMax),

	// IGMP
	ints("net.ipv4.igmp_max_memberships", 20),
	ints("net.ipv4.igmp_max_msf", 10),
	ints("net.ipv4.igmp_qrv", 2).rng(1, intMax),
	u8("net.ipv4.igmp_link_local_mcast_reports", 1),

	// TCP: connection set-up and timers
	u8("net.ipv4.tcp_syn_retries", 6).rng(1, 127),
	u8("net.ipv4.tcp_synack_retries", 5),
	u8("net.ipv4.tcp_syn_linear_timeouts", 4).rng(0, 127),
	u8("net.ipv4.tcp_retries1", 3),
	u8("net.ipv4.tcp_retries2", 15),
	u8("net.ipv4.tcp_orphan_retries", 0), // 0 means 8 to the TCP code
	secs("net.ipv4.tcp_fin_timeout", 60),
	secs("net.ipv4.tcp_keepalive_time", 7200),
	secs("net.ipv4.tcp_keepalive_intvl", 75),
	u8("net.ipv4.tcp_keepalive_probes", 9),
	u8("net.ipv4.tcp_syncookies", 1),
	ints("net.ipv4.tcp_max_syn_backlog", 2048),      // memory
	ints("net.ipv4.tcp_max_tw_buckets", 131072),     // memory
	ints("net.ipv4.tcp_max_orphans", 131072).host(), // memory; not per namespace
	u8("net.ipv4.tcp_abort_on_overflow", 0),
	u8("net.ipv4.tcp_rfc1337", 0),
	u8("net.ipv4.tcp_tw_reuse", 2).rng(0, 2), // 2: loopback only
	uints("net.ipv4.tcp_tw_reuse_delay", 1000).rng(1, 60000).unit(time.Millisecond),
	ints("net.ipv4.tcp_fastopen", 1),
	ints("net.ipv4.tcp_fastopen_blackhole_timeout_sec", 0).rng(0, intMax).unit(time.Second),
	ints("net.ipv4.tcp_rto_min_us", 200000).rng(1, intMax).unit(time.Microsecond),
	ints("net.ipv4.tcp_rto_max_ms", 120000).rng(1000, 120000).unit(time.Millisecond),
	u8("net.ipv4.tcp_thin_linear_timeouts", 0),
	u8("net.ipv4.tcp_early_demux", 1),
	u8("net.ipv4.tcp_fwmark_accept", 0),
	u8("net.ipv4.tcp_l3mdev_accept", 0).rng(0, 1),

	// TCP: options, buffers and windows
	u8("net.ipv4.tcp_window_scaling", 1),
	u8("net.ipv4.tcp_timestamps", 1),
	u8("net.ipv4.tcp_sack", 1),
	u8("net.ipv4.tcp_dsack", 1),
	u8("net.ipv4.tcp_fack", 0),          // obsolete, kept for compatibility
	u8("net.ipv4.tcp_ecn", 2).rng(0, 2), // 2: accept ECN, do not ask for it
	u8("net.ipv4.tcp_ecn_fallback", 1).rng(0, 1),
	ints("net.ipv4.tcp_rmem", 4096, 131072, 32<<20).rng(1, intMax), // memory; inherited
	ints("net.ipv4.tcp_wmem", 4096, 16384, 4<<20).rng(1, intMax),   // memory; inherited
	ulongs("net.ipv4.tcp_mem", 12288, 16384, 24576).host(),         // memory, pages
	u8("net.ipv4.tcp_app_win", 31).rng(0, 31),
	ints("net.ipv4.tcp_adv_win_scale", 1).rng(-31, 31),
	u8("net.ipv4.tcp_moderate_rcvbuf", 1),
	uints("net.ipv4.tcp_notsent_lowat", math.MaxUint32), // unlimited
	u8("net.ipv4.tcp_slow_start_after_idle", 1),
	u8("net.ipv4.tcp_no_metrics_save", 0),
	u8("net.ipv4.tcp_no_ssthresh_metrics_save", 1).rng(0, 1),
	ints("net.ipv4.tcp_base_mss", 1024),
	u8("net.ipv4.tcp_mtu_probing", 0),
	ints("net.ipv4.tcp_mtu_probe_floor", 48).rng(48, 65535),
	ints("net.ipv4.tcp_probe_threshold", 8),
	uints("net.ipv4.tcp_probe_interval", 600).check(checkProbeInterval).unit(time.Second),
	ints("net.ipv4.tcp_min_snd_mss", 48).rng(48, 65535),
	u8("net.ipv4.tcp_stdurg", 0),
	u8("net.ipv4.tcp_workaround_signed_windows", 0),
	u8("net.ipv4.tcp_shrink_window", 0).rng(0, 1),
	u8("net.ipv4.tcp_reflect_tos", 0).rng(0, 1),

	// TCP: sending, recovery and congestion control
	str("net.ipv4.tcp_congestion_control", "cubic", 16).checkString(checkCongestionControl), // inherited; Kconfig default
	str("net.ipv4.tcp_available_congestion_control", "reno cubic", 2048).ro().host(),
	str("net.ipv4.tcp_allowed_congestion_control", "reno cubic", 2048).ro().host(),
	u8("net.ipv4.tcp_autocorking", 1).rng(0, 1),
	ints("net.ipv4.tcp_challenge_ack_limit", math.MaxInt32), // per socket since 6.0
	msecs("net.ipv4.tcp_invalid_ratelimit", 500),
	ints("net.ipv4.tcp_reordering", 3).rng(1, intMax).check(checkReordering),
	ints("net.ipv4.tcp_max_reordering", 300).rng(1, intMax),
	u8("net.ipv4.tcp_early_retrans", 3).rng(0, 4),
	u8("net.ipv4.tcp_recovery", 1), // RACK
	u8("net.ipv4.tcp_frto", 2),
	u8("net.ipv4.tcp_retrans_collapse", 1),
	ints("net.ipv4.tcp_limit_output_bytes", 4<<20),
	ints("net.ipv4.tcp_min_rtt_wlen", 300).rng(0, 86400).unit(time.Second),
	u8("net.ipv4.tcp_tso_win_divisor", 3),
	u8("net.ipv4.tcp_min_tso_segs", 2).rng(1, 255),
	u8("net.ipv4.tcp_tso_rtt_log", 9),
	ints("net.ipv4.tcp_pacing_ss_ratio", 200).rng(0, 1000),
	ints("net.ipv4.tcp_pacing_ca_ratio", 120).rng(0, 1000),
	u8("net.ipv4.tcp_pingpong_thresh", 1).rng(1, 255),
	ulongs("net.ipv4.tcp_comp_sack_delay_ns", 1000000).unit(time.Nanosecond),
	ulongs("net.ipv4.tcp_comp_sack_slack_ns", 100000).unit(time.Nanosecond),
	u8("net.ipv4.tcp_comp_sack_nr", 44),
	u8("net.ipv4.tcp_backlog_ack_defer", 1).rng(0, 1),

	// UDP
	ints("net.ipv4.udp_rmem_min", 4096).rng(1, intMax),
	ints("net.ipv4.udp_wmem_min", 4096).rng(1, intMax),
	ulongs("net.ipv4.udp_mem", 24576, 32768, 49152).host(), // memory, pages
	u8("net.ipv4.udp_l3mdev_accept", 0).rng(0, 1),
	u8("net.ipv4.udp_early_demux", 1),

	// Per interface: net.ipv4.conf.{all,default,<if>}. "all" and
	// "default" are separate values; the forwarding linkage is in
	// forwardingChanged. prop marks devinet_conf_proc entries; the others
	// (forwarding, and the "flushing" entries) do not reach interfaces
	// when "default" is written.
	ints(conf("forwarding"), 0).onChange(forwardingChanged),
	ints(conf("mc_forwarding"), 0).ro(),
	ints(conf("bc_forwarding"), 0).prop(),
	ints(conf("accept_redirects"), 1).prop(),
	ints(conf("secure_redirects"), 1).prop(),
	ints(conf("send_redirects"), 1).prop(),
	ints(conf("shared_media"), 1).prop(),
	ints(conf("rp_filter"), 0).prop(),
	ints(conf("accept_source_route"), 1).all(0).prop(), // all=0, default=1
	ints(conf("accept_local"), 0).prop(),
	ints(conf("src_valid_mark"), 0).prop(),
	ints(conf("proxy_arp"), 0).prop(),
	ints(conf("proxy_arp_pvlan"), 0).prop(),
	ints(conf("medium_id"), 0).prop(),
	ints(conf("bootp_relay"), 0).prop(),
	ints(conf("log_martians"), 0).prop(),
	ints(conf("tag"), 0).prop(),
	ints(conf("arp_filter"), 0).prop(),
	ints(conf("arp_announce"), 0).prop(),
	ints(conf("arp_ignore"), 0).prop(),
	ints(conf("arp_accept"), 0).prop(),
	ints(conf("arp_notify"), 0).prop(),
	ints(conf("arp_evict_nocarrier"), 1).prop(),
	ints(conf("drop_gratuitous_arp"), 0).prop(),
	ints(conf("force_igmp_version"), 0).prop(),
	ints(conf("igmpv2_unsolicited_report_interval"), 10000).prop().unit(time.Millisecond),
	ints(conf("igmpv3_unsolicited_report_interval"), 1000).prop().unit(time.Millisecond),
	ints(conf("ignore_routes_with_linkdown"), 0).prop(),
	ints(conf("disable_xfrm"), 0),   // 1 on loopback
	ints(conf("disable_policy"), 0), // 1 on loopback
	ints(conf("promote_secondaries"), 0),
	ints(conf("route_localnet"), 0),
	ints(conf("drop_unicast_in_l2_multicast"), 0),

	// Per interface: net.ipv4.neigh.{default,<if>} (ARP). Every entry
	// reaches interfaces when "default" is written. A fresh namespace has
	// no neigh "default" entry (only the host has one); its interfaces
	// start from the host's.
	ints(neigh("mcast_solicit"), 3).rng(0, intMax).prop(),
	ints(neigh("ucast_solicit"), 3).rng(0, intMax).prop(),
	ints(neigh("app_solicit"), 0).rng(0, intMax).prop(),
	ints(neigh("mcast_resolicit"), 0).rng(0, intMax).prop(),
	userhz(neigh("retrans_time"), 100).prop(), // 1/100 s
	secs(neigh("base_reachable_time"), 30).prop(),
	secs(neigh("delay_first_probe_time"), 5).prop(),
	msecs(neigh("interval_probe_time_ms"), 5000).rng(1, intMax).prop(), // at least one jiffy
	secs(neigh("gc_stale_time"), 60).prop(),
	ints(neigh("unres_qlen_bytes"), 212992).rng(0, intMax).prop(), // SK_WMEM_MAX
	ints(neigh("proxy_qlen"), 64).rng(0, intMax).prop(),
	userhz(neigh("anycast_delay"), 100).prop(),
	userhz(neigh("proxy_delay"), 80).prop(),
	userhz(neigh("locktime"), 100).prop(),
	{Name: neigh("unres_qlen"), Kind: KindQlen, Link: neigh("unres_qlen_bytes"), Propagate: true},
	msecs(neigh("retrans_time_ms"), 0).link(neigh("retrans_time")).prop(),
	msecs(neigh("base_reachable_time_ms"), 0).link(neigh("base_reachable_time")).prop(),
	secs("net.ipv4.neigh.default.gc_interval", 30).host(),
	ints("net.ipv4.neigh.default.gc_thresh1", 128).rng(0, intMax).host(),
	ints("net.ipv4.neigh.default.gc_thresh2", 512).rng(0, intMax).host(),
	ints("net.ipv4.neigh.default.gc_thresh3", 1024).rng(0, intMax).host(),
}
