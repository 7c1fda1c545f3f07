package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// Linux's RTO bounds and initial value (TCP_RTO_MIN, TCP_RTO_MAX,
// TCP_TIMEOUT_INIT) and the TIME_WAIT length (TCP_TIMEWAIT_LEN).
const (
	rtoMin      = 200 * time.Millisecond
	rtoMax      = 120 * time.Second
	timeoutInit = time.Second
	// timeoutFallback is TCP_TIMEOUT_FALLBACK, the RTO after a
	// handshake without an RTT sample (RFC 6298 5.7).
	timeoutFallback = 3 * time.Second
	// timeoutMin is TCP_TIMEOUT_MIN, two jiffies at HZ=1000.
	timeoutMin  = 2 * time.Millisecond
	timeWaitLen = 60 * time.Second
)

// What rtxTimer is armed for.
const (
	timerNone uint8 = iota
	timerRTO
	timerProbe
	timerTLP
	timerREO
)

// What kaTimer is armed for.
const (
	kaNone uint8 = iota
	kaKeepalive
	kaFinWait2
)

func (c *conn) armRtx(kind uint8, d time.Duration) {
	c.rtxKind = kind
	if c.rtxTimer == nil {
		c.rtxTimer = c.p.env.Clock.AfterFunc(d, c.rtxFired)
		return
	}
	c.rtxTimer.Reset(d)
}

// armRTO starts the retransmission timer with the current RTO, clamped to
// what TCP_USER_TIMEOUT leaves (tcp_clamp_rto_to_user_timeout).
func (c *conn) armRTO() { c.armRtx(timerRTO, c.clampRTO(c.rto)) }

// rearmRTO is tcp_rearm_rto after progress.
func (c *conn) rearmRTO() {
	if c.packetsOut == 0 {
		c.stopRtxTimer()
		return
	}
	c.armRTO()
}

func (c *conn) stopRtxTimer() {
	if c.rtxTimer != nil {
		c.rtxTimer.Stop()
	}
	c.rtxKind = timerNone
}

func (c *conn) clampRTO(d time.Duration) time.Duration {
	if c.userTimeout == 0 || c.retransStamp.IsZero() {
		return d
	}
	left := c.userTimeout - c.now().Sub(c.retransStamp)
	if left <= 0 {
		return c.jiffy()
	}
	return min(d, left)
}

// armProbe is tcp_check_probe_timer: with nothing in flight and data
// the window does not take, the persist timer starts at the probe base.
func (c *conn) armProbe() {
	if c.packetsOut > 0 || c.rtxKind != timerNone {
		return
	}
	c.armRtx(timerProbe, c.probe0Base())
}

// probe0Base is tcp_probe0_base: the RTO, at least TCP_RTO_MIN.
func (c *conn) probe0Base() time.Duration { return max(c.rto, rtoMin) }

// probe0When is tcp_probe0_when: the base backed off (at most ten
// doublings), at most TCP_RTO_MAX.
func (c *conn) probe0When() time.Duration {
	b := min(int(c.backoff), 10)
	return min(c.probe0Base()<<b, rtoMax)
}

// clampProbe0 is tcp_clamp_probe0_to_user_timeout.
func (c *conn) clampProbe0(when time.Duration) time.Duration {
	if c.userTimeout == 0 || c.probesStamp.IsZero() {
		return when
	}
	remaining := c.userTimeout - max(c.now().Sub(c.probesStamp), 0)
	return min(max(remaining, timeoutMinJiffies*c.jiffy()), when)
}

// timeoutMinJiffies is TCP_TIMEOUT_MIN.
const timeoutMinJiffies = 2

// ackProbe is tcp_ack_probe, for an ACK with nothing in flight: a window
// that takes the next segment ends the probing, else the persist timer
// restarts from now with the current backoff.
func (c *conn) ackProbe() {
	unsent := c.unsent()
	if unsent <= 0 {
		return
	}
	if c.sndWndTest(min(unsent, int(c.mssCache))) {
		c.backoff = 0
		c.probesStamp = time.Time{}
		if c.rtxKind == timerProbe {
			c.stopRtxTimer()
		}
		return
	}
	c.armRtx(timerProbe, c.clampProbe0(c.probe0When()))
}

// armDelack is tcp_send_delayed_ack: the ACK waits ato, bounded by the
// RTT (but not below TCP_DELACK_MIN) when ato is long, and by
// TCP_DELACK_MAX; an earlier deadline already set stays, and one about
// to pass sends the ACK now. An ato of zero (no data received yet) is the
// next tick.
func (c *conn) armDelack() {
	ato := c.ato
	if ato > atoMin {
		maxAto := time.Second / 2
		if c.pingpong > 0 {
			maxAto = delackMax
		}
		if c.srttUs != 0 {
			rtt := max(c.jiffies(time.Duration(c.srttUs>>3)*time.Microsecond), atoMin)
			maxAto = min(maxAto, rtt)
		}
		ato = min(ato, maxAto)
	}
	ato = min(ato, delackMax)
	now := c.now()
	deadline := now.Add(max(ato, c.jiffy()))
	if c.delackArmed {
		if !c.delackAt.After(now.Add(ato / 4)) {
			c.sendAck()
			return
		}
		if !deadline.Before(c.delackAt) {
			return
		}
	}
	c.delackArmed = true
	c.delackAt = deadline
	d := deadline.Sub(now)
	if c.delackTimer == nil {
		c.delackTimer = c.p.env.Clock.AfterFunc(d, c.delayedAckFired)
		return
	}
	c.delackTimer.Reset(d)
}

func (c *conn) armKA(kind uint8, d time.Duration) {
	c.kaKind = kind
	if c.kaTimer == nil {
		c.kaTimer = c.p.env.Clock.AfterFunc(d, c.kaFired)
		return
	}
	c.kaTimer.Reset(d)
}

func (c *conn) stopKA() {
	if c.kaTimer != nil {
		c.kaTimer.Stop()
	}
	c.kaKind = kaNone
}

func (c *conn) stopTimers() {
	c.stopRtxTimer()
	c.stopKA()
	if c.delackTimer != nil {
		c.delackTimer.Stop()
		c.delackArmed = false
	}
}

// rtxFired is tcp_write_timer: the retransmission or persist timer.
func (c *conn) rtxFired() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	kind := c.rtxKind
	c.rtxKind = timerNone
	switch kind {
	case timerRTO:
		c.retransmitTimer()
	case timerProbe:
		c.probeTimer()
	case timerTLP:
		c.sendLossProbe()
	case timerREO:
		c.rackReoTimeout()
	}
}

// retransmitTimer is tcp_retransmit_timer.
func (c *conn) retransmitTimer() {
	if c.packetsOut == 0 || c.state == stateClose || c.state == stateListen {
		return
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPTimeouts)
	if c.writeTimeout() {
		return
	}
	// sk_rethink_txhash: a new flow label for the next try
	// (net.core.txrehash defaults to on).
	c.p.stats.TCPExt.Inc(snmp.TCPExtTcpTimeoutRehash)
	c.tlpActive = false
	if c.retransmits == 0 {
		// The first timeout ends a recovery that failed.
		ext := &c.p.stats.TCPExt
		switch {
		case c.caState == caRecovery && c.sackOK:
			ext.Inc(snmp.TCPExtTCPSackRecoveryFail)
		case c.caState == caRecovery:
			ext.Inc(snmp.TCPExtTCPRenoRecoveryFail)
		case c.caState == caLoss:
			ext.Inc(snmp.TCPExtTCPLossFailures)
		case (c.caState == caDisorder || c.sackedOut > 0) && c.sackOK:
			ext.Inc(snmp.TCPExtTCPSackFailures)
		case c.caState == caDisorder || c.sackedOut > 0:
			ext.Inc(snmp.TCPExtTCPRenoFailures)
		}
	}
	if c.state != stateSynSent && c.state != stateSynRecv {
		c.enterLoss()
	} else {
		// tcp_enter_loss marks the SYN lost the same way (a
		// retransmitted SYN lost again counts in TCPLostRetransmit).
		for i := range c.rtx {
			sg := &c.rtx[i]
			if sg.flags&segLost == 0 {
				c.lostOut++
			}
			c.timeoutMarkLost(sg)
			sg.flags &^= segRetrans
		}
		c.retransOut = 0
	}
	// Retransmit the head.
	if len(c.rtx) > 0 {
		c.retransmitSeg(&c.rtx[0])
	}
	c.retransmits++
	c.totalRTO++
	linear := c.state == stateSynSent && c.totalRTO <= uint32(c.p.env.Settings.MustVar("net.ipv4.tcp_syn_linear_timeouts").Int())
	if !linear {
		c.backoff++
		c.rto = min(c.rto*2, rtoMax)
	}
	c.armRtx(timerRTO, c.clampRTO(c.rto))
}

// writeTimeout is tcp_write_timeout: give up after tcp_syn_retries (plus
// the linear SYN timeouts) for a handshake, after tcp_retries2's worth of
// backoff (or TCP_USER_TIMEOUT) otherwise, with ETIMEDOUT (or the last
// soft error).
func (c *conn) writeTimeout() bool {
	expired := false
	var retryUntil int
	if c.state == stateSynSent || c.state == stateSynRecv {
		retryUntil = c.synCount
		if retryUntil == 0 {
			retryUntil = c.p.v.synRetries.Int()
		}
		maxR := retryUntil
		if c.state == stateSynSent {
			maxR += c.p.env.Settings.MustVar("net.ipv4.tcp_syn_linear_timeouts").Int()
		}
		expired = int(c.retransmits) >= maxR
	} else {
		retryUntil = c.p.v.retries2.Int()
		if c.orphaned {
			alive := c.rto < rtoMax
			retryUntil = c.orphanRetries(alive)
		}
	}
	if !expired {
		expired = c.retransmitsTimedOut(retryUntil, c.userTimeout)
	}
	if expired {
		c.writeErr()
		return true
	}
	return false
}

// orphanRetries is tcp_orphan_retries: 8 by default for an orphan (about
// 100 s to 16 min), 0 if its RTO already hit the maximum.
func (c *conn) orphanRetries(alive bool) int {
	r := c.p.v.orphanRetries.Int()
	if c.SoftError() != 0 && !alive {
		return 0
	}
	if r == 0 && alive {
		r = 8
	}
	return r
}

// retransmitsTimedOut is retransmits_timed_out: has the time since the
// first retransmission passed what boundary retries of exponential backoff
// from TCP_RTO_MIN (or the user timeout) take?
func (c *conn) retransmitsTimedOut(boundary int, userTimeout time.Duration) bool {
	if c.retransmits == 0 || c.retransStamp.IsZero() {
		return false
	}
	timeout := userTimeout
	if timeout == 0 {
		base := rtoMin
		if c.state == stateSynSent || c.state == stateSynRecv {
			base = timeoutInit
		}
		timeout = modelTimeout(boundary, base)
	}
	return c.now().Sub(c.retransStamp) >= timeout
}

// modelTimeout is tcp_model_timeout.
func modelTimeout(boundary int, base time.Duration) time.Duration {
	thresh := 0
	for (rtoMax / base) >= 2<<thresh {
		thresh++
	}
	if boundary <= thresh {
		return time.Duration((2<<boundary)-1) * base
	}
	return time.Duration((2<<thresh)-1)*base + time.Duration(boundary-thresh)*rtoMax
}

// writeErr is tcp_write_err: the connection timed out, with the soft
// error if one is pending (an ICMP error since the last ACK), else
// ETIMEDOUT. The soft error stays for SO_ERROR to read again.
func (c *conn) writeErr() {
	err := c.SoftError()
	if err == 0 {
		err = unix.ETIMEDOUT
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnTimeout)
	c.resetLocal(err)
}

// probeTimer is tcp_probe_timer: probe a zero window for as long as the
// peer answers (RFC 1122 4.2.2.17); give up after tcp_retries2 unanswered
// probes (an orphan's tcp_orphan_retries), or TCP_USER_TIMEOUT after the
// first.
func (c *conn) probeTimer() {
	if c.packetsOut > 0 || c.unsent() <= 0 {
		c.probesOut = 0
		c.probesStamp = time.Time{}
		return
	}
	if c.probesStamp.IsZero() {
		c.probesStamp = c.now()
	} else if c.userTimeout > 0 && c.now().Sub(c.probesStamp) >= c.userTimeout {
		c.writeErr()
		return
	}
	maxProbes := c.p.v.retries2.Int()
	if c.orphaned {
		alive := min(c.rto<<c.backoff, rtoMax) < rtoMax
		maxProbes = c.orphanRetries(alive)
		if !alive && int(c.backoff) >= maxProbes {
			c.writeErr()
			return
		}
	}
	if int(c.probesOut) >= maxProbes {
		c.writeErr()
		return
	}
	c.sendProbe0()
}

// sendProbe0 is tcp_send_probe0: probe (tcp_write_wakeup), then back off.
func (c *conn) sendProbe0() {
	c.writeWakeup(snmp.TCPExtTCPWinProbe)
	if c.packetsOut > 0 || c.unsent() <= 0 {
		c.probesOut = 0
		c.backoff = 0
		c.probesStamp = time.Time{}
		return
	}
	c.probesOut++
	if int(c.backoff) < c.p.v.retries2.Int() {
		c.backoff++
	}
	c.armRtx(timerProbe, c.clampProbe0(c.probe0When()))
}

// writeWakeup is tcp_write_wakeup: send what of the next segment the
// window takes, or else a probe one byte below snd_una, counted under mib.
func (c *conn) writeWakeup(mib int) {
	if c.state == stateClose {
		return
	}
	if unsent := c.unsent(); unsent > 0 && c.sndNxt.lt(c.sndUna.add(c.sndWnd)) {
		n := min(unsent, int(c.mssCache), int(c.sndUna.add(c.sndWnd).diff(c.sndNxt)))
		c.sendNew(n, wire.TCPFlagACK|wire.TCPFlagPSH)
		return
	}
	c.sendProbe()
	c.p.stats.TCPExt.Inc(mib)
}

// kaFired handles the keepalive timer's uses: keepalive probes, the
// FIN-WAIT-2 timeout of an orphan, the end of TIME-WAIT, linger.
func (c *conn) kaFired() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	kind := c.kaKind
	c.kaKind = kaNone
	switch kind {
	case kaKeepalive:
		c.keepaliveTimer()
	case kaFinWait2:
		// tcp_keepalive_timer for an orphan in FIN-WAIT-2: what is
		// left of the FIN timeout beyond TIME_WAIT_LEN is spent as a
		// timewait entry, else the connection is reset.
		if c.state == stateFinWait2 && c.orphaned {
			if c.lingerTime >= 0 {
				if tmo := c.finTime() - timeWaitLen; tmo > 0 {
					c.enterTimeWait(stateFinWait2, tmo)
					return
				}
			}
			c.sendResetNow()
			c.done2()
		}
	}
}

// keepIdleTime, keepIntvlTime and keepCount are the socket's values or
// the sysctls (keepalive_time_when and friends).
func (c *conn) keepIdleTime() time.Duration {
	if c.keepIdle > 0 {
		return c.keepIdle
	}
	return c.p.env.Settings.MustVar("net.ipv4.tcp_keepalive_time").Duration()
}

func (c *conn) keepIntvlTime() time.Duration {
	if c.keepIntvl > 0 {
		return c.keepIntvl
	}
	return c.p.env.Settings.MustVar("net.ipv4.tcp_keepalive_intvl").Duration()
}

func (c *conn) keepCount() int {
	if c.keepCnt > 0 {
		return c.keepCnt
	}
	return c.p.v.keepProbes.Int()
}

// armKeepalive (re)starts the keepalive timer if SO_KEEPALIVE is on and the
// connection is synchronized.
func (c *conn) armKeepalive() {
	if !c.Opts.KeepAlive.Load() {
		if c.kaKind == kaKeepalive {
			c.stopKA()
		}
		return
	}
	switch c.state {
	case stateEstablished, stateCloseWait, stateFinWait1, stateFinWait2, stateClosing, stateLastAck:
	default:
		return
	}
	if c.kaKind == kaFinWait2 {
		return
	}
	c.armKA(kaKeepalive, c.keepIdleTime())
}

// keepaliveTimer is tcp_keepalive_timer: an idle connection (nothing in
// flight or queued) whose last data or ACK from the peer is older than
// TCP_KEEPIDLE gets a probe (an ACK one below snd_una the peer must
// answer) every TCP_KEEPINTVL; after TCP_KEEPCNT unanswered ones (or
// TCP_USER_TIMEOUT) the connection is reset with ETIMEDOUT.
func (c *conn) keepaliveTimer() {
	if !c.Opts.KeepAlive.Load() || c.state == stateClose || c.state == stateListen {
		return
	}
	idle := c.keepIdleTime()
	if c.packetsOut > 0 || c.unsent() > 0 {
		c.armKA(kaKeepalive, idle)
		return
	}
	last := c.lrcvtime
	if c.lastAckRecv.After(last) {
		last = c.lastAckRecv
	}
	elapsed := c.now().Sub(last)
	if elapsed >= idle {
		if (c.userTimeout > 0 && elapsed >= c.userTimeout && c.probesOut > 0) ||
			(c.userTimeout == 0 && int(c.probesOut) >= c.keepCount()) {
			c.sendResetNow()
			c.writeErr()
			return
		}
		c.writeWakeup(snmp.TCPExtTCPKeepAlive)
		c.probesOut++
		c.armKA(kaKeepalive, c.keepIntvlTime())
		return
	}
	c.armKA(kaKeepalive, idle-elapsed)
}
