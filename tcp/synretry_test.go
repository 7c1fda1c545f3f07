package tcp_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// near reports whether a kernel time is within its timer slack of the
// exact one (timer wheels round long timers up by an eighth at most).
func near(got, want time.Duration, kernel bool) bool {
	if !kernel {
		return got == want
	}
	return got >= want-20*time.Millisecond && got <= want+want/8+50*time.Millisecond
}

// synSchedule connects to a peer that never answers and returns when each
// SYN left (from the first) and when connect reported its error.
func synSchedule(t *testing.T, w world, limit time.Duration) (sends []time.Duration, fail time.Duration, err error) {
	so := w.socket()
	// The error's time is measured on the world's clock, not counted in
	// steps: on a loaded machine a step of the kernel's world takes
	// longer than its 100 ms sleep.
	began := w.now()
	if e := so.connect(netip.AddrPortFrom(peerIP, peerPort)); e != unix.EINPROGRESS {
		t.Fatalf("connect: %v", e)
	}
	var start time.Duration
	var segs []seg
	for w.now()-began < limit {
		segs = append(segs, w.answers()...)
		if len(segs) > 0 && start == 0 {
			start = segs[0].at
		}
		if v, _ := so.getInt(unix.SOL_SOCKET, unix.SO_ERROR); v != 0 {
			err = unix.Errno(v)
			fail = w.now() - began
			break
		}
		w.sleep(100 * time.Millisecond)
	}
	segs = append(segs, w.answers()...)
	for _, s := range segs {
		if s.flags != fSYN {
			t.Fatalf("%s: not a SYN: %v", w.name(), s)
		}
		sends = append(sends, s.at-start)
	}
	return sends, fail, err
}

func checkSchedule(t *testing.T, w world, sends []time.Duration, fail time.Duration, err error, want []time.Duration, wantFail time.Duration) {
	t.Helper()
	k := w.name() == "kernel"
	ok := len(sends) == len(want) && err == unix.ETIMEDOUT
	for i := 0; ok && i < len(want); i++ {
		ok = near(sends[i], want[i], k)
	}
	// connect's error is polled every 100 ms.
	if ok && (fail < wantFail || fail > wantFail+wantFail/8+200*time.Millisecond) {
		ok = false
	}
	if !ok {
		t.Errorf("%s: SYNs at %v, error %v at %v; want SYNs at %v, ETIMEDOUT at %v", w.name(), sends, err, fail, want, wantFail)
	}
}

func secs(v ...float64) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x * float64(time.Second))
	}
	return d
}

// TestSYNScheduleDefault: tcp_syn_retries 6 and tcp_syn_linear_timeouts 4
// send SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s and give up with
// ETIMEDOUT at 131 s, as the kernel does (checked by hand with tcpdump on
// a veth whose far end drops everything: SYNs at 0, 1.02, 2.04, 3.07,
// 4.09, 5.11, 7.13, 11.35, 19.55, 35.67 and 69.47 s, ETIMEDOUT after
// 134 s, the long timers rounded up by the kernel's timer wheel; the same
// counters; TCPLostRetransmit, which counts every retransmitted SYN that
// a timeout finds lost again, as TestSYNScheduleShort checks on the
// kernel). Too slow to run on the kernel here.
func TestSYNScheduleDefault(t *testing.T) {
	w := newInetWorld(t)
	c0 := w.counters()
	sends, fail, err := synSchedule(t, w, 200*time.Second)
	checkSchedule(t, w, sends, fail, err, secs(0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67), 131*time.Second)
	d := delta(c0, w.counters())
	for k := range d {
		if !compared[k] {
			delete(d, k)
		}
	}
	want := "Tcp:ActiveOpens=1 Tcp:AttemptFails=1 Tcp:OutSegs=1 Tcp:RetransSegs=10 TcpExt:TCPAbortOnTimeout=1 TcpExt:TCPLostRetransmit=9 " +
		"TcpExt:TCPSynRetrans=10 TcpExt:TCPTimeouts=11 TcpExt:TcpTimeoutRehash=10"
	if got := fmtDelta(d); got != want {
		t.Errorf("counters %s\nwant     %s", got, want)
	}
}

// TestSYNScheduleShort runs shorter schedules on both worlds.
func TestSYNScheduleShort(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		retries, linear int
		sends           []time.Duration
		fail            time.Duration
	}{
		{2, 0, secs(0, 1, 3), 7 * time.Second},
		{1, 2, secs(0, 1, 2), 3 * time.Second},
		{2, 2, secs(0, 1, 2, 3, 5), 9 * time.Second},
	} {
		t.Run(fmt.Sprintf("retries %d linear %d", c.retries, c.linear), func(t *testing.T) {
			worlds(t, func(t *testing.T, w world) {
				w.sysctl("net.ipv4.tcp_syn_retries", fmt.Sprint(c.retries))
				w.sysctl("net.ipv4.tcp_syn_linear_timeouts", fmt.Sprint(c.linear))
				c0 := w.counters()
				sends, fail, err := synSchedule(t, w, 20*time.Second)
				checkSchedule(t, w, sends, fail, err, c.sends, c.fail)
				// tcp_enter_loss on each timeout: a retransmitted SYN
				// found lost again counts (all but the last retransmission).
				d := delta(c0, w.counters())
				if got, want := d["TcpExt:TCPLostRetransmit"], int64(len(c.sends)-2); got != want {
					t.Errorf("%s: TCPLostRetransmit %d, want %d (%s)", w.name(), got, want, fmtDelta(d))
				}
			})
		})
	}
}
