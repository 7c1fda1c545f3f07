package tcp_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// watch sleeps in steps until the socket reports an error (or limit),
// returning what the host sent (times from the world's start) and when
// the error came. answer, if set, is called with each segment and may
// answer it.
func watch(w world, p *peer, c hsock, step, limit time.Duration, answer func(seg)) (segs []seg, errAt time.Duration, err error) {
	end := w.now() + limit
	for w.now() <= end {
		for _, s := range p.take() {
			segs = append(segs, s)
			if answer != nil {
				answer(s)
			}
		}
		if v, _ := c.getInt(unix.SOL_SOCKET, unix.SO_ERROR); v != 0 {
			return segs, w.now(), unix.Errno(v)
		}
		d := step
		if iw, ok := w.(*inetWorld); ok {
			// Stop at the next timer, so that answers go at once.
			if next, ok := iw.clk.Next(); ok {
				d = min(max(next.Sub(iw.clk.Now()), 0), step)
			}
		}
		w.sleep(d)
	}
	return segs, 0, nil
}

// times returns the segments' times relative to t0.
func times(segs []seg, t0 time.Duration) []time.Duration {
	out := make([]time.Duration, len(segs))
	for i, s := range segs {
		out[i] = s.at - t0
	}
	return out
}

// sameTimes compares a schedule with the expected one: exactly on inet;
// on the kernel each interval within the slack of its timer wheel, which
// fires a timer up to an eighth of its delay late.
func sameTimes(w world, got, want []time.Duration) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if w.name() != "kernel" {
			if got[i] != want[i] {
				return false
			}
			continue
		}
		if i > 0 && !near(got[i]-got[i-1], want[i]-want[i-1], true) {
			return false
		}
	}
	return true
}

// established returns an accepted connection with the world's clock at
// the handshake and a settled RTT.
func establishedFor(t *testing.T, w world) (*peer, hsock) {
	s := newScript(t, w)
	p, c, _ := s.established(nil)
	return p, c
}

// TestRTOBackoff: unacknowledged data is retransmitted at the RTO (200 ms
// of tcp_rto_min plus the RTT, in jiffies) doubling each time, and
// tcp_retries2 ends the connection with ETIMEDOUT once the time that many
// doublings from TCP_RTO_MIN would take has passed since the first
// retransmission (tcp_model_timeout).
func TestRTOBackoff(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		w.sysctl("net.ipv4.tcp_retries2", "4")
		p, c := establishedFor(t, w)
		p.hold = true
		c0 := w.counters()
		if _, err := c.send([]byte("data"), 0); err != nil {
			t.Fatal(err)
		}
		segs, errAt, err := watch(w, p, c, 20*time.Millisecond, 20*time.Second, nil)
		if len(segs) == 0 {
			t.Fatal("nothing sent")
		}
		// A tail loss probe after 2 RTT + 200 ms (51 jiffies), then
		// the RTO of 204 ms doubling from there. tcp_retries2 4 allows
		// 31 x 200 ms from the first RTO retransmission: on inet's
		// exact clock a sixth send at 6.528 s comes 6.12 s after it
		// and the next timer, at 13.056 s, gives up; the kernel's
		// timer wheel fires the 3.264 s timer up to 256 ms late, so it
		// may give up there already.
		got := times(segs, segs[0].at)
		rel := errAt - segs[0].at
		want := ms(0, 204, 408, 816, 1632, 3264, 6528)
		if w.name() == "kernel" && len(got) == 6 {
			want = want[:6]
		}
		if !sameTimes(w, got, want) || err != unix.ETIMEDOUT || (w.name() == "inet" && (rel < 13056*time.Millisecond || rel > 13076*time.Millisecond)) {
			t.Errorf("%s: sends at %v, %v at %v; want sends at %v then ETIMEDOUT", w.name(), got, err, rel, want)
		}
		// No reset: tcp_write_err just ends the connection.
		for _, s := range segs {
			if s.seq != p.hiss+1 || len(s.data) != 4 {
				t.Errorf("%s: not the data: %v", w.name(), p.norm(s))
			}
		}
		d := delta(c0, w.counters())
		retrans := int64(len(segs) - 1)
		if d["TcpExt:TCPLossProbes"] != 1 || d["Tcp:RetransSegs"] != retrans || d["TcpExt:TCPTimeouts"] != retrans ||
			d["TcpExt:TCPAbortOnTimeout"] != 1 || d["Tcp:OutRsts"] != 0 || d["TcpExt:TcpTimeoutRehash"] != retrans-1 {
			t.Errorf("%s: counters %s", w.name(), fmtDelta(d))
		}
	})
}

// TestUserTimeout: TCP_USER_TIMEOUT bounds the retransmissions: the RTO
// is clamped to what is left of it since the first RTO retransmission,
// and the connection dies with ETIMEDOUT when it has passed.
func TestUserTimeout(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		p, c := establishedFor(t, w)
		mustNil(t, c.setInt(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 1000))
		p.hold = true
		if _, err := c.send([]byte("data"), 0); err != nil {
			t.Fatal(err)
		}
		segs, errAt, err := watch(w, p, c, 10*time.Millisecond, 5*time.Second, nil)
		got := times(segs, segs[0].at)
		rel := errAt - segs[0].at
		want := ms(0, 204, 408, 816)
		if !sameTimes(w, got, want) || err != unix.ETIMEDOUT || !near(rel-816*time.Millisecond, 592*time.Millisecond, true) {
			t.Errorf("%s: sends at %v, %v at %v", w.name(), got, err, rel)
		}
	})
}

// TestKeepalive: SO_KEEPALIVE with TCP_KEEPIDLE 1, TCP_KEEPINTVL 1 and
// TCP_KEEPCNT 2 probes an idle connection (an ACK one below snd_una)
// after 1 s, then every second, and gives up with ETIMEDOUT after the
// second unanswered probe; an answered probe keeps the connection.
func TestKeepalive(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		p, c := establishedFor(t, w)
		for _, o := range []struct{ name, v int }{{unix.TCP_KEEPIDLE, 1}, {unix.TCP_KEEPINTVL, 1}, {unix.TCP_KEEPCNT, 2}} {
			mustNil(t, c.setInt(unix.IPPROTO_TCP, o.name, o.v))
		}
		mustNil(t, c.setInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1))
		// Answer the first two probes.
		answered := 0
		segs, _, err := watch(w, p, c, 100*time.Millisecond, 2500*time.Millisecond, func(s seg) {
			if answered < 2 {
				answered++
				p.send(p.mk(fACK, nil))
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", w.name(), err)
		}
		for _, s := range segs {
			if s.flags != fACK || s.seq != p.hiss || len(s.data) != 0 {
				t.Errorf("%s: not a keepalive probe: %v", w.name(), p.norm(s))
			}
		}
		if len(segs) != 2 {
			t.Errorf("%s: %d probes in 2.5 s, want 2", w.name(), len(segs))
		}
		c0 := w.counters()
		// Two unanswered probes, then a reset and ETIMEDOUT.
		more, errAt, err := watch(w, p, c, 100*time.Millisecond, 10*time.Second, nil)
		if err != unix.ETIMEDOUT || len(more) != 3 || more[2].flags != fRST|fACK {
			t.Errorf("%s: %v then %v at %v", w.name(), segList(more), err, errAt)
		}
		d := delta(c0, w.counters())
		if d["TcpExt:TCPKeepAlive"] != 2 || d["TcpExt:TCPAbortOnTimeout"] != 1 || d["Tcp:EstabResets"] != 1 || d["Tcp:OutRsts"] != 1 {
			t.Errorf("%s: counters %s", w.name(), fmtDelta(d))
		}
	})
}

// TestKeepaliveDefaults: 7200 s idle, 75 s between probes, 9 probes.
func TestKeepaliveDefaults(t *testing.T) {
	worlds(t, func(t *testing.T, w world) {
		c := w.socket()
		for _, o := range []struct{ name, want int }{{unix.TCP_KEEPIDLE, 7200}, {unix.TCP_KEEPINTVL, 75}, {unix.TCP_KEEPCNT, 9}} {
			v, err := c.getInt(unix.IPPROTO_TCP, o.name)
			if err != nil || v != o.want {
				t.Errorf("%s: option %d = %d %v, want %d", w.name(), o.name, v, err, o.want)
			}
		}
		for _, o := range []struct{ name, v int }{{unix.TCP_KEEPIDLE, 0}, {unix.TCP_KEEPIDLE, 32768}, {unix.TCP_KEEPINTVL, 0},
			{unix.TCP_KEEPINTVL, 32768}, {unix.TCP_KEEPCNT, 0}, {unix.TCP_KEEPCNT, 128}} {
			if err := c.setInt(unix.IPPROTO_TCP, o.name, o.v); err != unix.EINVAL {
				t.Errorf("%s: option %d = %d: %v, want EINVAL", w.name(), o.name, o.v, err)
			}
		}
	})
	// The default schedule, on inet's clock only.
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	mustNil(t, c.setInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1))
	start := w.clk.Now().Sub(w.start)
	segs, errAt, err := watch(w, p, c, time.Second, 3*time.Hour, nil)
	var want []time.Duration
	for i := 0; i < 10; i++ { // nine probes and the reset
		want = append(want, 7200*time.Second+time.Duration(i)*75*time.Second)
	}
	if got := times(segs, start); !sameTimes(w, got, want) || err != unix.ETIMEDOUT || errAt-start != 7875*time.Second {
		t.Errorf("probes at %v, %v at %v", got, err, errAt)
	}
}

// TestTimeWaitLength: TIME-WAIT lasts exactly 60 s: a segment just
// before gets the entry's ACK, one just after the reset for no socket.
func TestTimeWaitLength(t *testing.T) {
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	mustNil(t, c.shutdown(unix.SHUT_WR))
	p.take()
	p.send(p.mk(fACK|fFIN, nil)) // TIME-WAIT now
	w.sleep(60*time.Second - time.Nanosecond)
	// A retransmitted FIN gets the entry's ACK, and restarts its timer.
	a := only(t, p.send(at(p.mk(fACK|fFIN, nil), -1)), "ACK from TIME-WAIT")
	if a.flags != fACK {
		t.Fatalf("before 60 s: %v", p.norm(a))
	}
	w.sleep(60*time.Second - time.Nanosecond)
	only(t, p.send(at(p.mk(fACK|fFIN, nil), -1)), "ACK from TIME-WAIT")
	w.sleep(60 * time.Second)
	r := only(t, p.send(p.mk(fACK, nil)), "reset")
	if r.flags != fRST {
		t.Fatalf("after 60 s: %v", p.norm(r))
	}
	_ = netip.AddrPort{}
}

// TestFinWait2Timeout: an orphan in FIN-WAIT-2 waits tcp_fin_timeout for
// the peer's FIN, then goes silently; what comes later gets the reset for
// no socket.
func TestFinWait2Timeout(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		w.sysctl("net.ipv4.tcp_fin_timeout", "2")
		p, c := establishedFor(t, w)
		mustNil(t, c.close())
		p.take()
		none(t, p.send(p.mk(fACK, nil)), "FIN-WAIT-2")
		w.sleep(1500 * time.Millisecond)
		if segs := p.take(); len(segs) != 0 {
			t.Fatalf("%s: sent %v", w.name(), segList(segs))
		}
		a := only(t, p.send(p.mk(fACK|fFIN, nil)), "ACK of the FIN in FIN-WAIT-2")
		if a.flags != fACK {
			t.Errorf("%s: %v", w.name(), p.norm(a))
		}
	})
	worlds(t, func(t *testing.T, w world) {
		w.sysctl("net.ipv4.tcp_fin_timeout", "2")
		p, c := establishedFor(t, w)
		mustNil(t, c.close())
		p.take()
		none(t, p.send(p.mk(fACK, nil)), "FIN-WAIT-2")
		w.sleep(2500 * time.Millisecond)
		if segs := p.take(); len(segs) != 0 {
			t.Fatalf("%s: sent %v", w.name(), segList(segs))
		}
		r := only(t, p.send(p.mk(fACK|fFIN, nil)), "reset")
		if r.flags != fRST {
			t.Errorf("%s: %v", w.name(), p.norm(r))
		}
	})
}

func ms(v ...int) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

var _ = fmt.Sprint

// zeroWindow makes the peer close its window and the host queue data.
func zeroWindow(t *testing.T, w world) (*peer, hsock) {
	p, c := establishedFor(t, w)
	p.win = 0
	none(t, p.send(p.mk(fACK, nil)), "window update")
	if n, err := c.send([]byte("0123456789"), 0); n != 10 || err != nil {
		t.Fatalf("send: %d %v", n, err)
	}
	none(t, p.take(), "send into a zero window")
	return p, c
}

// TestPersist: a zero window is probed (an ACK one below snd_una) after
// the RTO and at doubling intervals while the peer answers, the timer
// restarting from each answer; the window opening sends the data at once.
func TestPersist(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		p, c := zeroWindow(t, w)
		c0 := w.counters()
		t0 := w.now()
		var probes []seg
		for len(probes) < 5 {
			segs, _, err := watch(w, p, c, 5*time.Millisecond, 10*time.Second, func(s seg) {
				p.send(p.mk(fACK, nil))
			})
			if err != nil || len(segs) == 0 {
				t.Fatalf("%s: %v", w.name(), err)
			}
			probes = append(probes, segs...)
			break
		}
		for _, s := range probes {
			if s.seq != p.hiss || len(s.data) != 0 || s.flags != fACK {
				t.Errorf("%s: not a window probe: %v", w.name(), p.norm(s))
			}
		}
		if got := times(probes, t0); !sameTimes(w, got[:5], ms(204, 612, 1428, 3060, 6324)) {
			t.Errorf("%s: probes at %v", w.name(), got)
		}
		d := delta(c0, w.counters())
		if d["TcpExt:TCPWinProbe"] != int64(len(probes)) || d["Tcp:RetransSegs"] != 0 {
			t.Errorf("%s: counters %s", w.name(), fmtDelta(d))
		}
		p.win = 65535
		got := p.send(p.mk(fACK, nil))
		if len(got) != 1 || string(got[0].data) != "0123456789" {
			t.Errorf("%s: window opened: %s", w.name(), segList(got))
		}
	})
}

// TestPersistTimeout: unanswered probes end the connection after
// tcp_retries2 of them.
func TestPersistTimeout(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w world) {
		w.sysctl("net.ipv4.tcp_retries2", "3")
		p, c := zeroWindow(t, w)
		t0 := w.now()
		segs, errAt, err := watch(w, p, c, 10*time.Millisecond, 10*time.Second, nil)
		if got := times(segs, t0); !sameTimes(w, got, ms(204, 612, 1428)) || err != unix.ETIMEDOUT ||
			!near(errAt-t0-1428*time.Millisecond, 1632*time.Millisecond, true) {
			t.Errorf("%s: probes at %v, %v at %v", w.name(), got, err, errAt-t0)
		}
	})
}

// TestRTOMax: with the default tcp_retries2 of 15 the backoff reaches
// TCP_RTO_MAX (120 s) and stays there; the connection times out once
// tcp_model_timeout's 924.6 s (1023 x 200 ms + 6 x 120 s) have passed
// since the first RTO retransmission.
func TestRTOMax(t *testing.T) {
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	p.hold = true
	if _, err := c.send([]byte("data"), 0); err != nil {
		t.Fatal(err)
	}
	segs, errAt, err := watch(w, p, c, time.Second, time.Hour, nil)
	if err != unix.ETIMEDOUT {
		t.Fatalf("%v", err)
	}
	var gaps []time.Duration
	for i := 1; i < len(segs); i++ {
		gaps = append(gaps, segs[i].at-segs[i-1].at)
	}
	capped := 0
	for _, g := range gaps {
		if g > rtoMaxTest {
			t.Errorf("a gap of %v over TCP_RTO_MAX", g)
		}
		if g == rtoMaxTest {
			capped++
		}
	}
	first := segs[2].at // the loss probe, then the first RTO retransmission
	if capped < 5 || errAt-first < 924600*time.Millisecond || errAt-first > 924600*time.Millisecond+rtoMaxTest {
		t.Errorf("gaps %v; ETIMEDOUT %v after the first retransmission", gaps, errAt-first)
	}
}

const rtoMaxTest = 120 * time.Second
