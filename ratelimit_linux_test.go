package inet_test

import (
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/internal/nstest"
)

// burstKernel sends pkts to the kernel back to back, then the sentinel,
// and returns the answers (described) and the counters that moved, the
// sentinel's share taken off.
func (k *kernelHost) burstKernel(pkts [][]byte) ([]string, map[string]uint64) {
	k.t.Helper()
	before := k.counters()
	for _, p := range pkts {
		k.send(p)
	}
	answers, _ := k.exchange(nil, nil)
	d := deltas(before, k.counters())
	for name, v := range k.sentinel {
		if d[name] -= v; d[name] == 0 {
			delete(d, name)
		}
	}
	var desc []string
	for _, a := range answers {
		desc = append(desc, describe(a))
	}
	return desc, d
}

// TestRateLimitKernel sends the kernel the bursts the rate-limit tests
// send the stack, through a TUN device in a namespace, and checks Linux
// answers them alike.
func TestRateLimitKernel(t *testing.T) {
	nstest.Require(t)
	k := newTUNHost(t)
	for _, net := range []string{"198.18.1.0/24", "198.18.2.0/24"} {
		k.ns.MustRun("ip", "route", "add", net, "dev", "inet0")
	}
	defer k.sysctl("net.ipv4.icmp_ratelimit", "1000")()

	// Global, first thing in a fresh namespace: 100 new sources at once
	// find the 50 tokens of icmp_msgs_burst. Refills come at most every
	// 20 ms, so a quick burst sees none.
	start := time.Now()
	got, d := k.burstKernel(sources(100))
	took := time.Since(start)
	limited := d["Icmp:OutRateLimitGlobal"]
	t.Logf("kernel first global burst: %d of 100 answered in %v", len(got), took)
	if uint64(len(got))+limited != 100 || d["Icmp:OutRateLimitHost"] != 0 {
		t.Fatalf("kernel, 100 sources at once: %d answered, %d limited globally, %d per host", len(got), limited, d["Icmp:OutRateLimitHost"])
	}
	if took < 15*time.Millisecond && (len(got) < 25 || len(got) > 80) {
		t.Fatalf("kernel, 100 sources at once: %d answered, want the bucket's 50 tokens' worth", len(got))
	}
	time.Sleep(1100 * time.Millisecond) // a full refill is due at the next exhaustion

	// Per destination: six at once, then one per second.
	got, d = k.burstKernel(repeat(20, proto253(pktOpts{src: "198.18.0.50"})))
	if len(got) != 6 || countOf(got, "icmp 3/2") != 6 || d["Icmp:OutRateLimitHost"] != 14 {
		t.Fatalf("kernel, 20 at once from one source: answers %q, OutRateLimitHost %d; want 6 and 14", got, d["Icmp:OutRateLimitHost"])
	}
	// The token is real time here: 1.1 s gives one message, not two.
	time.Sleep(1100 * time.Millisecond)
	got, _ = k.burstKernel(repeat(2, proto253(pktOpts{src: "198.18.0.50"})))
	if len(got) != 1 {
		t.Fatalf("kernel, 1.1 s after the burst: %d answers to two, want 1", len(got))
	}

	// ip_error's own limit (ip_rt_error_cost 1 s out of ip_rt_error_burst
	// 5 s) shares the destination's tokens with the ICMP limit: a burst
	// of unroutable packets gets two net unreachables, the third is
	// stopped by the ICMP limit (counted), the rest by ip_error (not).
	restore := k.sysctl("net.ipv4.ip_forward", "1")
	got, d = k.burstKernel(repeat(10, echo(9, pktOpts{src: "198.18.0.60", dst: "198.51.100.7"})))
	restore()
	if countOf(got, "icmp 3/0") != 2 || len(got) != 2 || d["Icmp:OutRateLimitHost"] != 1 || d["IpExt:InNoRoutes"] != 10 {
		t.Fatalf("kernel, 10 unroutable packets: answers %q, OutRateLimitHost %d, InNoRoutes %d; want 2 net unreachables, 1, 10",
			got, d["Icmp:OutRateLimitHost"], d["IpExt:InNoRoutes"])
	}

	// Echo replies are not in the mask.
	got, _ = k.burstKernel(repeat(50, echo(7, pktOpts{src: "198.18.0.51"})))
	if countOf(got, "echo-reply") != 50 {
		t.Fatalf("kernel, 50 echo requests at once: %d replies", countOf(got, "echo-reply"))
	}

	// Global again: what the six above left of the bucket, then, since the
	// last refill is more than a second old, a whole new bucket when it
	// runs dry (icmp_global_allow refills only an empty bucket).
	start = time.Now()
	got, d = k.burstKernel(sources(400))
	took = time.Since(start)
	limited = d["Icmp:OutRateLimitGlobal"]
	t.Logf("kernel second global burst: %d of 400 answered in %v", len(got), took)
	extra := int(took / time.Millisecond) // refills of 1000/s after the first 20 ms
	if len(got) < 50 || len(got) > 150+extra || uint64(len(got))+limited != 400 || d["Icmp:OutRateLimitHost"] != 0 {
		t.Fatalf("kernel, 400 sources: %d answered, %d limited globally, %d per host; want about 44+50",
			len(got), limited, d["Icmp:OutRateLimitHost"])
	}

	// With icmp_msgs_per_sec=0 a spent bucket never refills.
	defer k.sysctl("net.ipv4.icmp_msgs_per_sec", "0")()
	got, _ = k.burstKernel(sources(20))
	if len(got) != 0 {
		t.Fatalf("kernel, icmp_msgs_per_sec=0: %d answered, want none", len(got))
	}
}
