// Package tcp is TCP (RFC 9293) with the behaviour of Linux 6.18's
// net/ipv4/tcp*.c and tcp(7), proved segment by segment against the
// kernel (the tests run each scenario on inet and on Linux behind a TUN
// device and compare the segments, the socket calls' results and the
// counters): the state machine with simultaneous open and close and
// TIME-WAIT as small timewait entries, RFC 5961 protections, RFC 6528
// initial sequence numbers, MSS, window scaling and timestamps with PAWS
// (RFC 7323), SACK and D-SACK (RFC 2018, RFC 2883) with SACK compression,
// the RFC 6298 retransmission timer in jiffies with Linux's 200 ms minimum
// and 120 s maximum, tail loss probes and RACK (RFC 8985), SACK fast
// recovery (RFC 6675) with proportional rate reduction (RFC 6937), NewReno
// without SACK, the undo of spurious recoveries by D-SACKs and timestamps
// and F-RTO (RFC 5682), reordering measured from SACKs (tp->reordering,
// RACK's reordering window growing on D-SACKs), CUBIC (RFC 9438,
// Linux's default) and Reno with an initial
// window of 10, delayed and quick ACKs, Nagle, TCP_CORK, zero-window
// probing, keepalive, linger, listen backlogs with SYN cookies, urgent
// data, ICMP errors and PMTU, receive windows from Linux's memory
// accounting (truesize charges, the scaling ratio) with autotuning, send
// buffers charged as Linux's skbs (one segment each, as without GSO),
// IP options echoed from a SYN for the connection it opens and from any
// segment in the resets and ACKs answering it, and the Tcp: and TcpExt:
// counters.
//
// Shape: no goroutine per connection. Every connection is a struct guarded
// by its socket lock; segments are processed on the link's receive
// goroutine, user calls on the caller's goroutine, timers on the stack's
// clock (clock.Clock), so a manual clock drives retransmission, keepalive
// and TIME-WAIT in microseconds. Timers fire exactly when due (Linux's
// timer wheel may fire long ones up to an eighth late). Queues take their
// storage from pools and give it back when empty: an idle connection holds
// about 2.3 KB, the data path allocates nothing per segment.
//
// Not yet: TCP Fast Open, MD5 and AO signatures, ECN, pacing, TSO/GSO,
// MPTCP, TCP_REPAIR, zero-copy, reordering measured without SACK,
// the ICMP RTO revert of RFC 6069, Linux's coalescing and collapsing of
// queued segments (windows under memory pressure differ by a segment or
// two).
package tcp
