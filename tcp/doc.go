// Package tcp is TCP (RFC 9293) with the behaviour of Linux's net/ipv4/tcp*.c
// and tcp(7): the full state machine with simultaneous open and close,
// RFC 5961 protections, RFC 6528 initial sequence numbers, MSS, window
// scaling and timestamps with PAWS (RFC 7323), SACK and D-SACK (RFC 2018,
// RFC 2883), the RFC 6298 retransmission timer with Linux's 200 ms minimum
// and 120 s maximum, CUBIC (RFC 9438, Linux's default) and NewReno
// congestion control with an initial window of 10, SACK-based loss recovery
// (RFC 6675) with proportional rate reduction (RFC 6937), delayed and quick
// ACKs, Nagle, TCP_CORK, zero-window probing, keepalive, TIME_WAIT, listen
// backlogs with SYN cookies, and the Tcp: and TcpExt: counters.
//
// Shape: no goroutine per connection. Every connection is a struct guarded
// by its socket lock; segments are processed on the link's receive
// goroutine, user calls on the caller's goroutine, timers on the stack's
// clock (clock.Clock), so a manual clock drives retransmission, keepalive
// and TIME_WAIT in microseconds.
//
// Not yet: TCP Fast Open, MD5 and AO signatures, ECN, RACK-TLP and F-RTO
// undo, pacing, TSO/GSO, MPTCP, TCP_REPAIR, zero-copy.
package tcp
