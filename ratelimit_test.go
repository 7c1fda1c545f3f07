package inet_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/wire"
)

// ICMP rate limits (icmp_send and icmp_reply in Linux's net/ipv4/icmp.c):
// a type in icmp_ratemask (default 0x1818: destination unreachable, source
// quench, time exceeded, parameter problem), except fragmentation needed,
// passes first the global token bucket (icmp_msgs_per_sec, icmp_msgs_burst;
// each message sent costs a random 0 to 2 tokens) and then the bucket of its
// destination (inet_peer_xrlim_allow: tokens accrue with time up to
// XRLIM_BURST_FACTOR=6 times icmp_ratelimit, a message costs one
// icmp_ratelimit, a new destination starts full). All on a manual clock.

// rlHost is a host on an IP link with a probe as its peer.
type rlHost struct {
	n     *testnet.Net
	clk   *clock.Manual
	s     *inet.Stack
	probe *testnet.Probe
}

func newRLHost(t *testing.T) *rlHost {
	clk := clock.NewManual()
	n := testnet.New(t, clk)
	h := &rlHost{n: n, clk: clk, s: n.Stack()}
	var ep *mem.Endpoint
	ep, h.probe = n.NewProbe(link.KindIP)
	n.Attach(h.s, ep, "inet0", hostIP+"/16")
	return h
}

// burst sends each packet at the same instant (the clock stands still)
// and returns the answers. It waits for the link every 500 packets, which
// queues at most mem.DefaultQueueLen.
func (h *rlHost) burst(pkts ...[]byte) []string {
	for i, p := range pkts {
		h.probe.Send(p)
		if i%500 == 499 {
			h.n.Idle()
		}
	}
	h.n.Idle()
	var out []string
	for _, a := range h.probe.Take() {
		out = append(out, describe(a))
	}
	return out
}

func repeat(n int, p []byte) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = p
	}
	return out
}

func countOf(answers []string, what string) int {
	n := 0
	for _, a := range answers {
		if a == what {
			n++
		}
	}
	return n
}

// TestRateLimitPerDestination: a burst of six, then one per icmp_ratelimit.
func TestRateLimitPerDestination(t *testing.T) {
	h := newRLHost(t)
	from := func(src string) []byte { return proto253(pktOpts{src: src}) }
	if got := h.burst(repeat(20, from(peerIP))...); len(got) != 6 || countOf(got, "icmp 3/2") != 6 {
		t.Fatalf("20 at once from one source: answers %q, want 6 protocol unreachables (a burst of XRLIM_BURST_FACTOR)", got)
	}
	wantCounters(t, "host", h.s, map[string]uint64{
		"Icmp:OutRateLimitHost": 14, "Icmp:OutRateLimitGlobal": 0, "Icmp:OutDestUnreachs": 6, "Ip:InUnknownProtos": 20,
	})
	// Another destination has a bucket of its own.
	if got := h.burst(repeat(8, from("198.18.0.3"))...); len(got) != 6 {
		t.Fatalf("a second source: %d answers, want 6", len(got))
	}
	// The first bucket is empty: a token is one icmp_ratelimit.
	h.n.Advance(999 * time.Millisecond)
	if got := h.burst(from(peerIP)); len(got) != 0 {
		t.Fatalf("999 ms after the burst: %q, want nothing", got)
	}
	h.n.Advance(time.Millisecond)
	if got := h.burst(from(peerIP), from(peerIP)); len(got) != 1 {
		t.Fatalf("1 s after the burst: %d answers to two, want 1", len(got))
	}
	// A long quiet refills at most six.
	h.n.Advance(time.Hour)
	if got := h.burst(repeat(10, from(peerIP))...); len(got) != 6 {
		t.Fatalf("after an hour: %d answers, want 6", len(got))
	}
	// icmp_ratelimit is the token: at 100 ms, ten a second after the
	// burst of six.
	mustOK(t, h.s.SetSysctl("net.ipv4.icmp_ratelimit", "100"))
	h.n.Advance(time.Hour)
	if got := h.burst(repeat(10, from(peerIP))...); len(got) != 6 {
		t.Fatalf("icmp_ratelimit=100: burst of %d, want 6", len(got))
	}
	n := 0
	for range 10 {
		h.n.Advance(100 * time.Millisecond)
		n += len(h.burst(from(peerIP), from(peerIP)))
	}
	if n != 10 {
		t.Fatalf("icmp_ratelimit=100: %d answers in a second, want 10", n)
	}
	// 0 turns the per-destination limit off.
	mustOK(t, h.s.SetSysctl("net.ipv4.icmp_ratelimit", "0"))
	if got := h.burst(repeat(30, from(peerIP))...); len(got) != 30 {
		t.Fatalf("icmp_ratelimit=0: %d answers to 30, want all", len(got))
	}
}

// sources returns a protocol-253 packet from each of n distinct sources.
func sources(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = proto253(pktOpts{src: fmt.Sprintf("198.18.%d.%d", 1+i/250, 1+i%250)})
	}
	return out
}

// TestRateLimitGlobal: icmp_msgs_burst tokens at first, each message a
// random 0 to 2 of them, refilled at icmp_msgs_per_sec no more often than
// every 20 ms.
func TestRateLimitGlobal(t *testing.T) {
	h := newRLHost(t)
	got := len(h.burst(sources(400)...))
	firstBurst := got
	limited := counter(t, h.s, "Icmp:OutRateLimitGlobal")
	// 50 tokens at a mean cost of one: about 50; never fewer than 25 (all
	// costing 2), and a burst of 400 is never let through.
	if got < 25 || got > 100 || uint64(got)+limited != 400 {
		t.Fatalf("400 sources at once: %d answered, %d limited globally; want 25..100 answered and the rest limited", got, limited)
	}
	if v := counter(t, h.s, "Icmp:OutRateLimitHost"); v != 0 {
		t.Errorf("OutRateLimitHost %d, want 0 (every source is new)", v)
	}
	t.Logf("global burst: %d of 400 answered", got)

	// Under 20 ms after the bucket ran dry nothing refills it.
	h.n.Advance(19 * time.Millisecond)
	if got := h.burst(sources(400)[200:210]...); len(got) != 0 {
		t.Fatalf("19 ms later: %d answered, want 0", len(got))
	}
	// After 100 ms the refill is 1000/s * 100 ms = 100 tokens, capped at
	// the burst of 50.
	h.n.Advance(81 * time.Millisecond)
	if got := len(h.burst(sources(400)[210:400]...)); got < 20 || got > 100 {
		t.Fatalf("100 ms later: %d answered, want the bucket's 50 tokens' worth", got)
	}

	// The same seed gives the same count.
	if again := len(newRLHost(t).burst(sources(400)...)); again != firstBurst {
		t.Errorf("a second stack with the same seed answered %d, the first %d", again, firstBurst)
	}

	// The kernel's sequence (ratelimit_linux_test.go): six messages, a
	// quiet second, then a flood: the six's leftovers and, the last
	// refill being more than a second old, a whole new bucket once it
	// runs dry.
	h5 := newRLHost(t)
	if got := len(h5.burst(repeat(20, proto253(pktOpts{src: "198.18.0.50"}))...)); got != 6 {
		t.Fatalf("%d answered from one source, want 6", got)
	}
	h5.n.Advance(1100 * time.Millisecond)
	if got := len(h5.burst(sources(400)...)); got < 50 || got > 150 {
		t.Fatalf("after a quiet second: %d of 400 answered, want about 44+50", got)
	} else {
		t.Logf("after a quiet second: %d of 400 answered", got)
	}

	// icmp_msgs_per_sec=0: the bucket fills only by refills, so nothing
	// is ever sent (icmp_global_allow: no increment, no credit).
	h3 := newRLHost(t)
	mustOK(t, h3.s.SetSysctl("net.ipv4.icmp_msgs_per_sec", "0"))
	if got := len(h3.burst(sources(20)...)); got != 0 {
		t.Fatalf("icmp_msgs_per_sec=0: %d answered, want none", got)
	}
	h3.n.Advance(time.Hour)
	if got := len(h3.burst(sources(40)[20:]...)); got != 0 {
		t.Fatalf("icmp_msgs_per_sec=0: %d answered an hour later, want none", got)
	}
	// icmp_msgs_burst bounds the bucket.
	h4 := newRLHost(t)
	mustOK(t, h4.s.SetSysctl("net.ipv4.icmp_msgs_burst", "5"))
	if got := len(h4.burst(sources(100)...)); got < 3 || got > 20 {
		t.Fatalf("icmp_msgs_burst=5: %d answered, want about 5", got)
	}
}

// TestRateMask: only the types in icmp_ratemask are limited; echo replies
// (not in the default mask) never, fragmentation needed never.
func TestRateMask(t *testing.T) {
	h := newRLHost(t)
	if got := h.burst(repeat(50, echo(7, pktOpts{}))...); countOf(got, "echo-reply") != 50 {
		t.Fatalf("50 echo requests at once: %d replies, want 50", countOf(got, "echo-reply"))
	}
	// Timestamp replies are not in the mask either.
	ts := ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPTimestamp, 0, 0, make([]byte, 12))})
	if got := h.burst(repeat(20, ts)...); countOf(got, "icmp 14/0") != 20 {
		t.Fatalf("20 timestamp requests: %q, want 20 replies", got)
	}
	// Echo replies join the mask with bit 0: then six, as for errors.
	mustOK(t, h.s.SetSysctl("net.ipv4.icmp_ratemask", fmt.Sprint(0x1818|1)))
	if got := h.burst(repeat(20, echo(8, pktOpts{src: "198.18.0.9"}))...); len(got) != 6 {
		t.Fatalf("echo replies in the mask: %d replies to 20, want 6", len(got))
	}
	// An empty mask limits nothing.
	mustOK(t, h.s.SetSysctl("net.ipv4.icmp_ratemask", "0"))
	if got := h.burst(repeat(40, proto253(pktOpts{src: "198.18.0.10"}))...); len(got) != 40 {
		t.Fatalf("icmp_ratemask=0: %d answers to 40, want all", len(got))
	}
	wantCounters(t, "host", h.s, map[string]uint64{"Icmp:OutRateLimitGlobal": 0})
}

// TestRateLimitFragNeeded: a router answers every DF packet too big for
// the next hop (path MTU discovery depends on it), while time exceeded,
// in the mask, is limited.
func TestRateLimitFragNeeded(t *testing.T) {
	clk := clock.NewManual()
	n := testnet.New(t, clk)
	r := n.Stack()
	in, probe := n.NewProbe(link.KindIP)
	n.Attach(r, in, "inet0", hostIP+"/24")
	a, b := mem.Pipe(n.NW, mem.Options{MTU: 576})
	far := &testnet.Probe{EP: b}
	mustOK(t, b.Attach(far))
	t.Cleanup(func() { _ = b.Close() })
	n.Attach(r, a, "inet1", "198.19.0.1/24")
	mustOK(t, r.SetSysctl("net.ipv4.ip_forward", "1"))

	big := ip4(pktOpts{dst: "198.19.0.2", ff: wire.IPv4FlagDF, proto: 253, payload: make([]byte, 1000)})
	for _, p := range repeat(30, big) {
		probe.Send(p)
	}
	n.Idle()
	var got []string
	for _, a := range probe.Take() {
		got = append(got, describe(a))
	}
	if countOf(got, "icmp 3/4") != 30 {
		t.Fatalf("30 DF packets over the MTU: %q, want 30 fragmentation needed", got)
	}
	for _, p := range repeat(30, echo(1, pktOpts{dst: "198.19.0.2", ttl: 1})) {
		probe.Send(p)
	}
	n.Idle()
	got = got[:0]
	for _, a := range probe.Take() {
		got = append(got, describe(a))
	}
	if countOf(got, "icmp 11/0") != 6 || len(got) != 6 {
		t.Fatalf("30 packets with TTL 1: %q, want 6 time exceeded", got)
	}
	wantCounters(t, "router", r, map[string]uint64{"Icmp:OutRateLimitHost": 24, "Ip:FragFails": 30, "Ip:InHdrErrors": 30})
	if got := far.Take(); len(got) != 0 {
		t.Fatalf("%d packets went through, want none", len(got))
	}
}

// TestRateLimitManyDestinations: with the global limit lifted, every new
// destination starts with a full bucket, also once the per-destination
// table is full and evicts, and one still limited keeps its empty bucket
// while the table has room.
func TestRateLimitManyDestinations(t *testing.T) {
	h := newRLHost(t)
	mustOK(t, h.s.SetSysctl("net.ipv4.icmp_msgs_per_sec", "1000000000"))
	mustOK(t, h.s.SetSysctl("net.ipv4.icmp_msgs_burst", "1000000000"))
	if got := h.burst(repeat(10, proto253(pktOpts{src: peerIP}))...); len(got) != 6 {
		t.Fatalf("one source: %d answers, want 6", len(got))
	}
	if got := h.burst(sources(1000)...); len(got) != 1000 {
		t.Fatalf("1000 new sources: %d answers, want 1000", len(got))
	}
	if got := h.burst(proto253(pktOpts{src: peerIP})); len(got) != 0 {
		t.Fatalf("the first source, still limited: %d answers, want 0", len(got))
	}
	var flood [][]byte
	for i := range 10000 {
		flood = append(flood, proto253(pktOpts{src: fmt.Sprintf("198.18.%d.%d", 100+i/250, 1+i%250)}))
	}
	if got := h.burst(flood...); len(got) != len(flood) {
		t.Fatalf("%d new sources: %d answers, want all", len(flood), len(got))
	}
	wantCounters(t, "host", h.s, map[string]uint64{"Icmp:OutRateLimitHost": 5, "Icmp:OutRateLimitGlobal": 0})
}

// TestRateLimitIPError: ip_error (no route while forwarding) has a limit of
// its own, one message a second out of five, drained from the same tokens
// as the per-destination ICMP limit, as the kernel shows
// (TestRateLimitKernel).
func TestRateLimitIPError(t *testing.T) {
	h := newRLHost(t)
	mustOK(t, h.s.SetSysctl("net.ipv4.ip_forward", "1"))
	lost := echo(9, pktOpts{src: "198.18.0.60", dst: "198.51.100.7"})
	if got := h.burst(repeat(10, lost)...); len(got) != 2 || countOf(got, "icmp 3/0") != 2 {
		t.Fatalf("10 unroutable packets: %q, want 2 net unreachables", got)
	}
	wantCounters(t, "host", h.s, map[string]uint64{"Icmp:OutRateLimitHost": 1, "IpExt:InNoRoutes": 10, "Icmp:OutDestUnreachs": 2})
	// One second later ip_error's token is back, but the ICMP limit's is
	// spent with it: nothing. Two seconds later: one.
	h.n.Advance(time.Second)
	if got := h.burst(lost); len(got) != 0 {
		t.Fatalf("1 s later: %q, want nothing", got)
	}
	h.n.Advance(2 * time.Second)
	if got := h.burst(lost, lost); len(got) != 1 {
		t.Fatalf("2 s later: %q, want one", got)
	}
	// The limit is ip_error's alone: a protocol unreachable to the same
	// destination goes by the ICMP limit, which the above left empty.
	if got := h.burst(proto253(pktOpts{src: "198.18.0.60"})); len(got) != 0 {
		t.Fatalf("protocol unreachable to the same destination: %q, want nothing", got)
	}
}
