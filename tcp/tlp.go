package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// Tail loss probes (RFC 8985 section 7, Linux's tcp_schedule_loss_probe
// and tcp_send_loss_probe): when a SACK connection in the Open or CWR
// state stops sending with data in flight, a probe goes out after about
// two RTTs (plus TCP_RTO_MIN with a single packet out, for the delayed
// ACK), earlier than the RTO, so that a lost tail is repaired by fast
// recovery instead of a timeout. The probe is new data if the window
// allows, else the last segment again.

// scheduleLossProbe is tcp_schedule_loss_probe; it reports whether the
// probe timer was armed. advancing says the RTO would restart from now.
func (c *conn) scheduleLossProbe(advancing bool) bool {
	er := c.p.v.earlyRetrans.Int()
	if (er != 3 && er != 4) || c.packetsOut == 0 || !c.sackOK || (c.caState != caOpen && c.caState != caCWR) {
		return false
	}
	var timeout time.Duration
	if c.srttUs != 0 {
		timeout = c.jiffies(time.Duration(c.srttUs>>2) * time.Microsecond)
		if c.packetsOut == 1 {
			timeout += rtoMin
		} else {
			timeout += 2 * c.jiffy() // TCP_TIMEOUT_MIN
		}
	} else {
		timeout = timeoutInit
	}
	rtoDelta := c.rto
	if !advancing {
		rtoDelta = c.rtoDelta()
	}
	if rtoDelta > 0 {
		timeout = min(timeout, c.jiffies(rtoDelta))
	}
	c.armRtx(timerTLP, timeout)
	return true
}

// rtoDelta is tcp_rto_delta_us: how far in the future the RTO of the
// head of the retransmission queue lies.
func (c *conn) rtoDelta() time.Duration {
	if len(c.rtx) == 0 {
		return c.rto
	}
	return c.rtx[0].sent.Add(c.rto).Sub(c.now())
}

// setXmitTimer is tcp_set_xmit_timer: a loss probe, or else the RTO.
func (c *conn) setXmitTimer() {
	if !c.scheduleLossProbe(true) {
		c.rearmRTO()
	}
}

// sendLossProbe is tcp_send_loss_probe, on the probe timer.
func (c *conn) sendLossProbe() {
	if c.tlpActive {
		c.rearmRTOFromHead()
		return
	}
	c.tlpRetrans = false
	if unsent := c.unsent(); unsent > 0 && c.sndWndTest(min(unsent, int(c.mssCache))) {
		before := c.packetsOut
		c.pushOne()
		if c.packetsOut > before {
			c.lossProbeSent()
			return
		}
		c.rearmRTOFromHead()
		return
	}
	if len(c.rtx) == 0 {
		c.stopRtxTimer()
		return
	}
	sg := &c.rtx[len(c.rtx)-1]
	c.resend(sg)
	c.tlpRetrans = true
	c.lossProbeSent()
}

// lossProbeSent records a probe (probe_sent) and restarts the RTO from
// now.
func (c *conn) lossProbeSent() {
	c.tlpActive = true
	c.tlpHighSeq = c.sndNxt
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPLossProbes)
	c.armRTO()
}

// rearmRTOFromHead is tcp_rearm_rto with a probe pending: the RTO counts
// from the head's last transmission.
func (c *conn) rearmRTOFromHead() {
	if c.packetsOut == 0 {
		c.stopRtxTimer()
		return
	}
	c.armRtx(timerRTO, c.jiffies(max(c.rtoDelta(), time.Microsecond)))
}

// sndWndTest is tcp_snd_wnd_test for n bytes at snd_nxt.
func (c *conn) sndWndTest(n int) bool {
	return !c.sndNxt.add(uint32(n)).gt(c.sndUna.add(c.sndWnd))
}

// processTLPAck is tcp_process_tlp_ack: an ACK covering the probe says
// whether it repaired a loss (then the window is reduced, as CWR) or both
// the original and the probe arrived.
func (c *conn) processTLPAck(ack seq, advanced, dsack, notDup, dataSacked bool) {
	if !c.tlpActive || ack.lt(c.tlpHighSeq) {
		return
	}
	switch {
	case !c.tlpRetrans:
		c.tlpActive = false
	case dsack:
		c.tlpActive = false
	case ack.gt(c.tlpHighSeq):
		// tcp_init_cwnd_reduction, CWR, tcp_end_cwnd_reduction.
		c.tlpActive = false
		c.priorCwnd = c.cwnd
		c.priorSsthresh = c.ssthresh
		c.ssthresh = c.cc.ssthresh(c)
		c.cwnd = max(c.ssthresh, 2)
		c.cwndCnt = 0
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPLossProbeRecovery)
	case !advanced && !notDup && !dataSacked:
		c.tlpActive = false
	}
}

// resend sends a segment of the retransmission queue again outside
// recovery (__tcp_retransmit_skb): counted in RetransSegs, never again an
// RTT sample, but not marked as a retransmission in flight.
func (c *conn) resend(sg *txSeg) {
	flags := uint16(wire.TCPFlagACK)
	if sg.flags&segFIN != 0 {
		flags |= wire.TCPFlagFIN
	}
	if sg.flags&segPSH != 0 {
		flags |= wire.TCPFlagPSH
	}
	c.emit(sg.seq, flags, int(sg.len))
	sg.sent = c.now()
	sg.txDelivered = c.delivered
	sg.flags |= segEverRetr
	c.totalRetrans++
	c.bytesRetrans += uint64(sg.len)
	c.p.stats.TCP.Inc(snmp.TCPRetransSegs)
}
