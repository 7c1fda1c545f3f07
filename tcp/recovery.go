package tcp

import (
	"github.com/seed96fbdc48/inet/snmp"
)

// inFlight is tcp_packets_in_flight: packets out, less those the peer has
// (SACKed) or that are lost, plus retransmissions out.
func (c *conn) inFlight() uint32 {
	left := c.sackedOut + c.lostOut
	if left > c.packetsOut {
		return c.retransOut
	}
	return c.packetsOut - left + c.retransOut
}

// dupThresh is the reordering degree that signals a loss (tcp_reordering,
// RFC 6675's DupThresh).
func (c *conn) dupThresh() uint32 { return max(c.reordering, 3) }

// timeToRecover is tcp_time_to_recover: something is lost, or enough
// packets were SACKed (or duplicate ACKs came) beyond the head.
func (c *conn) timeToRecover() bool {
	if c.lostOut > 0 {
		return true
	}
	// The duplicate-ACK count rule, unless RACK decides.
	return !c.rackEnabled() && c.sackedOut+1 > c.reordering
}

// markLost is RFC 6675's IsLost over the retransmission queue: a segment
// with DupThresh SACKed segments (or DupThresh*MSS SACKed bytes) above it
// is lost; without SACK, the head is.
func (c *conn) markLost() {
	if !c.sackOK {
		if len(c.rtx) > 0 && c.rtx[0].flags&(segLost|segSACKed) == 0 {
			c.rtx[0].flags |= segLost
			c.lostOut++
			c.lost++
		}
		return
	}
	var sackedAbove uint32
	var bytesAbove uint32
	for i := len(c.rtx) - 1; i >= 0; i-- {
		sg := &c.rtx[i]
		if sg.flags&segSACKed != 0 {
			sackedAbove++
			bytesAbove += sg.len
			continue
		}
		if sg.flags&segLost != 0 {
			continue
		}
		if sackedAbove >= c.dupThresh() || bytesAbove >= (c.dupThresh()-1)*c.mssCache+1 {
			if sg.flags&segRetrans != 0 {
				continue
			}
			sg.flags |= segLost
			c.lostOut++
			c.lost++
		}
	}
}

// fastRetransAlert is tcp_fastretrans_alert: the loss-recovery state
// machine run on duplicate or SACK-bearing ACKs and in recovery.
func (c *conn) fastRetransAlert(acked, delivered uint32, isDup, advanced bool, priorInFlight uint32) {
	switch c.caState {
	case caRecovery:
		if !c.sndUna.lt(c.highSeq) {
			c.endRecovery()
			return
		}
		// NewReno's partial ACK (RFC 6582) or RACK marks what is
		// lost now.
		c.identifyLoss(advanced)
		c.cwndReduction(delivered, advanced)
		return
	case caLoss:
		if !c.sndUna.lt(c.highSeq) {
			c.setCAState(caOpen)
			c.dupAcks = 0
			if advanced {
				c.congAvoid(c.sndUna, acked)
			}
			return
		}
		if advanced {
			c.congAvoid(c.sndUna, acked)
		}
		return
	}
	// Open or Disorder.
	if c.sackedOut > 0 || isDup {
		if c.caState == caOpen {
			c.setCAState(caDisorder)
		}
	}
	c.identifyLoss(advanced)
	if !c.timeToRecover() {
		if advanced {
			c.congAvoid(c.sndUna, acked)
		}
		if c.sackedOut == 0 && c.lostOut == 0 && c.caState == caDisorder {
			c.setCAState(caOpen)
		}
		return
	}
	c.enterRecovery()
	c.identifyLoss(advanced)
	c.cwndReduction(delivered, advanced)
}

// enterRecovery is tcp_enter_recovery with tcp_init_cwnd_reduction.
func (c *conn) enterRecovery() {
	if c.sackOK {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSackRecovery)
	} else {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPRenoRecovery)
	}
	c.highSeq = c.sndNxt
	c.priorSsthresh = c.ssthresh
	c.priorCwnd = c.cwnd
	c.ssthresh = c.cc.ssthresh(c)
	c.prrDelivered, c.prrOut = 0, 0
	c.cwndCnt = 0
	c.setCAState(caRecovery)
}

// endRecovery is tcp_end_cwnd_reduction: leave recovery with the window
// at ssthresh.
func (c *conn) endRecovery() {
	if c.ssthresh < infiniteSsthresh {
		c.cwnd = max(c.ssthresh, 2)
	}
	c.cwndCnt = 0
	c.dupAcks = 0
	if !c.sackOK {
		c.sackedOut = 0
	}
	c.setCAState(caOpen)
}

// cwndReduction is tcp_cwnd_reduction: proportional rate reduction (RFC
// 6937) with the slow-start reduction bound.
func (c *conn) cwndReduction(newly uint32, advanced bool) {
	if newly == 0 || c.priorCwnd == 0 {
		return
	}
	c.prrDelivered += newly
	pipe := c.inFlight()
	delta := int64(c.ssthresh) - int64(pipe)
	var sndcnt int64
	if delta < 0 {
		div := uint64(c.ssthresh)*uint64(c.prrDelivered) + uint64(c.priorCwnd) - 1
		sndcnt = int64(div/uint64(c.priorCwnd)) - int64(c.prrOut)
	} else {
		sndcnt = max(int64(c.prrDelivered)-int64(c.prrOut), int64(newly))
		if advanced && c.lostOut == 0 {
			sndcnt++
		}
		sndcnt = min(delta, sndcnt)
	}
	if c.prrOut == 0 {
		sndcnt = max(sndcnt, 1)
	}
	c.cwnd = uint32(max(int64(pipe)+sndcnt, 1))
}

// enterLoss is tcp_enter_loss, on a retransmission timeout: every packet
// not SACKed is lost, the window drops to one packet.
func (c *conn) enterLoss() {
	if c.caState <= caDisorder || c.sndUna == c.highSeq || (c.caState == caLoss && c.retransmits == 0) {
		c.priorSsthresh = c.ssthresh
		c.priorCwnd = c.cwnd
		c.ssthresh = c.cc.ssthresh(c)
	}
	c.lostOut = 0
	c.retransOut = 0
	if !c.sackOK {
		c.sackedOut = 0
	}
	for i := range c.rtx {
		sg := &c.rtx[i]
		if !c.sackOK {
			sg.flags &^= segSACKed
		}
		if sg.flags&segSACKed == 0 {
			c.timeoutMarkLost(sg)
			c.lostOut++
		}
		sg.flags &^= segRetrans
	}
	c.cwnd = c.inFlight() + 1
	c.cwndCnt = 0
	c.highSeq = c.sndNxt
	c.dupAcks = 0
	c.setCAState(caLoss)
}

// timeoutMarkLost is tcp_mark_skb_lost as tcp_timeout_mark_lost calls it
// on a segment not SACKed: one already lost whose retransmission is now
// lost too counts in TCPLostRetransmit. The caller recounts lost_out and
// retrans_out.
func (c *conn) timeoutMarkLost(sg *txSeg) {
	switch {
	case sg.flags&segLost == 0:
		sg.flags |= segLost
		c.lost++
	case sg.flags&segRetrans != 0:
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPLostRetransmit)
		c.lost++
	}
}

func (c *conn) setCAState(st uint8) {
	if c.caState == st {
		return
	}
	c.caState = st
	if c.cc != nil {
		c.cc.setState(c, st)
	}
}

// congAvoid grows the window on an ACK in the Open state
// (tcp_cong_avoid), when the window limited sending.
func (c *conn) congAvoid(ack seq, acked uint32) {
	if acked == 0 || c.cc == nil {
		return
	}
	if !c.isCwndLimited() {
		return
	}
	c.cc.congAvoid(c, ack, acked)
}

// isCwndLimited is tcp_is_cwnd_limited.
func (c *conn) isCwndLimited() bool {
	if c.cwndLimited {
		return true
	}
	if c.inSlowStart() {
		return c.cwnd < 2*c.maxPacketsOut
	}
	return false
}

func (c *conn) inSlowStart() bool { return c.cwnd < c.ssthresh }

// infiniteSsthresh is TCP_INFINITE_SSTHRESH.
const infiniteSsthresh = 0x7fffffff
