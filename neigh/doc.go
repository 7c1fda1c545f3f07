// Package neigh is ARP (RFC 826) and the neighbour table of one Ethernet
// interface, with the behaviour of Linux's net/core/neighbour.c and
// net/ipv4/arp.c, on an injected clock.
//
// A Table resolves next hops to MAC addresses for Output, answers ARP
// requests for the stack's addresses in HandleARP, and keeps every entry in
// Linux's NUD state machine:
//
//   - INCOMPLETE: mcast_solicit broadcast requests retrans_time apart (the
//     first at once), then FAILED; packets wait in a queue bounded by
//     unres_qlen_bytes of Linux's skb truesize, the oldest dropped first, and
//     on failure each goes to Config.Unreachable (arp_error_report).
//   - REACHABLE for the table's reachable_time, a random value in
//     [base_reachable_time/2, 3*base_reachable_time/2) drawn again every
//     300 s (neigh_rand_reach_time), after a unicast reply; Confirm only
//     refreshes the confirmation time, as neigh_confirm does, and the timers
//     read it. Then STALE; the first packet sent in STALE starts DELAY
//     (delay_first_probe_time), then PROBE (ucast_solicit unicast probes,
//     app_solicit, mcast_resolicit broadcasts), then REACHABLE or FAILED.
//   - Periodic garbage collection every base_reachable_time/2 once the
//     table holds gc_thresh1 entries (FAILED entries and entries unused for
//     gc_stale_time go), forced collection when an entry is created at
//     gc_thresh2 (at most every 5 s) or gc_thresh3, and table_fulls when
//     nothing can go.
//   - ARP input as arp_process with arp_ignore=0, arp_accept=0, no proxy
//     ARP: requests for a local address are answered and refresh or create
//     the requester's entry (STALE); replies and other ARP refresh existing
//     entries only, under the locktime rule; DAD probes (sender 0.0.0.0) are
//     answered unicast with target protocol address 0.0.0.0.
//
// Broadcast and multicast next hops get NOARP entries as arp_constructor
// makes them (hidden by `ip neigh show`, shown by `ip neigh show nud all`).
//
// Settings are read from net.ipv4.neigh.<IfName>.* (falling back to
// net.ipv4.neigh.default.*), net.ipv4.neigh.default.gc_thresh1..3 and
// net.ipv4.conf.{<IfName>,all}.drop_gratuitous_arp on every use, so writes
// take effect at once; times are used as the kernel keeps them, in whole
// jiffies of the settings' HZ, and reachable_time is drawn in jiffies.
// Without a settings table, Linux's defaults apply.
//
// Frames: ARP frames leave padded with zeros to 60 bytes (Linux hands the
// 42-byte frame to the driver, which pads on a NIC and not on veth); IP
// frames are not padded. Requests are broadcast, PROBE-state probes unicast
// to the cached MAC; both have target MAC 00:00:00:00:00:00, as Linux's.
//
// Concurrency: Output, HandleARP, Confirm and the administrative calls may
// run on any goroutines; timers run on Config.Clock. No goroutine is
// started. Link methods and Config.Unreachable are never called with the
// table's lock held. Output to a neighbour in REACHABLE, DELAY, PROBE,
// PERMANENT or NOARP takes no lock and allocates nothing.
//
// Not supported yet: proxy ARP and arp_accept, arp_ignore/arp_announce/
// arp_filter other than 0, app_solicit to user space
// (counted as probes but nothing is sent), NTF_EXT_LEARNED/managed entries,
// IEEE 1394 and other hardware types. gc_thresh limits apply per Table, not
// per host as in Linux, and Stats counts per Table.
package neigh
