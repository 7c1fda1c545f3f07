// Package difftest runs one socket scenario twice, on the Linux kernel and
// on inet, and compares what the two did: the kernel is the oracle.
//
// # The topology
//
// New(t) builds two worlds that look the same from the outside:
//
//	kernel world: [ns A: a0 198.18.0.1/24] ==veth== [ns B: b0 198.18.0.2/24]
//	inet world:   inet stack 198.18.0.1/24 -> link/packet on a0 in ns W (no address)
//	              [ns W: a0] ==veth== [ns B': b0 198.18.0.2/24]
//
// A is the host under test (a Host: kernel syscalls made on a thread inside
// ns A, or calls on the inet stack); B is a kernel peer, configured the same
// way in both worlds, so that whatever B does (answer a closed port with
// port unreachable, forward to its far side 198.18.1.0/24 and answer TTL 1
// with time exceeded, send broadcasts) it does the same in both runs. Both
// A's route 198.18.1.0/24 through B, know each other's MAC (no ARP between
// them), use the same interface names and indexes (lo 1, a0 2), have no
// per-destination ICMP rate limit, and fail ARP for other addresses after
// one 100 ms probe. Only 198.18.0.0/15 is used, only in namespaces New
// makes; everything is removed when the test ends.
//
// Build one topology per test function and run many cases on it: cases
// get fresh sockets, and whatever a case changes (sysctls, capabilities)
// is put back when it ends.
//
// # Writing a scenario
//
// A Case is a name and a func(*R). R's methods are the socket calls
// (Socket, Bind, Connect, Setsockopt, Getsockopt, SendMsg, RecvMsg, Poll,
// Ioctl, Shutdown, ...) made on A with raw bytes, as a C program makes
// them, and the peer's actions (PeerSend, PeerListen/PeerRecv, Capture and
// Captured for packets on the wire, SendIP and SendICMP for hand-built
// packets). Each call appends a line to the run's transcript: the call and
// what it returned (errno by name, bytes, sockaddrs, control messages
// decoded, msg_flags, poll bits). After the case the counters that changed
// (Ip, Icmp, IcmpMsg, Udp, IpExt) are appended too. Run compares the two
// transcripts and prints both, step by step, marking where they differ.
//
//	{Name: "peek-then-read", Run: func(r *R) {
//		s := r.UDPAt("0.0.0.0:5000")
//		r.PeerSendTo(6000, "198.18.0.1:5000", "hello")
//		r.RecvMsg(s, RecvOpts{Buf: 100, NameLen: 16, Flags: unix.MSG_PEEK})
//		r.Recv(s, 0)
//	}}
//
// Rules that keep cases deterministic and fast:
//
//   - Never sleep. Wait for what should happen with WaitFor or a guarded
//     RecvMsg (both bounded by Wait). Prove that nothing happened with a
//     marker sent after it: Flush (what reached B), FlushA (what reached
//     A), CaptureAll (what A put on the wire); the link keeps order.
//   - Values random by design are normalised: ephemeral ports are written
//     eph1, eph2 ... in order of appearance (so equal ports stay equal),
//     timestamps as "now" when plausible, IP identifiers as zero or not,
//     cookies as present. Record derived facts with Note.
//   - A blocking recvmsg is made only when the socket is ready (RecvMsg
//     polls first and records "would block" otherwise); NoGuard calls
//     must return by themselves. A watchdog stops any call after 10 s.
//   - Cases that leave state behind in one world only (a path MTU in the
//     kernel's route cache) clean it up themselves.
//
// DIFFTEST_SHOW=1 prints both transcripts of every case.
//
// # Known differences
//
// Where inet differs on purpose, or until a later issue, the case carries
// Known (the reason) and optionally Want (inet's own transcript); generated
// cases are listed by test name in KnownDifferences instead. A known
// difference passes while it still differs and fails once it no longer
// does, so the list stays true. Families the kernel has and inet does not
// (AF_INET6, AF_UNIX, AF_PACKET, AF_NETLINK) are such cases, with inet's
// documented answer EAFNOSUPPORT as Want.
//
// The harness needs root and iproute2; without them New skips (or fails
// under INET_REQUIRE_NETNS=1, as CI runs it).
package difftest
