package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
)

// RACK loss detection (RFC 8985 section 6, Linux's tcp_recovery.c, on by
// tcp_recovery's bit 0): a segment is lost when one sent after it was
// delivered (ACKed or SACKed) more than an RTT plus a reordering window
// ago. The window is zero until reordering is seen once the recovery has
// begun or enough is SACKed, else a quarter of the minimum RTT (times the
// steps D-SACKs add, up to the smoothed RTT). A segment not yet old
// enough arms the reordering timer.

// rackEnabled is tcp_is_rack.
func (c *conn) rackEnabled() bool { return c.p.v.recovery.Int()&1 != 0 }

// sentAfter is tcp_skb_sent_after.
func sentAfter(t1, t2 time.Time, seq1, seq2 seq) bool {
	return t1.After(t2) || (t1.Equal(t2) && seq1.gt(seq2))
}

// rackAdvance is tcp_rack_advance, for a segment newly ACKed or SACKed.
func (c *conn) rackAdvance(sg *txSeg) {
	rtt := c.now().Sub(sg.sent)
	if sg.flags&segEverRetr != 0 && c.minRttUs != 0 && rtt < time.Duration(c.minRttUs)*time.Microsecond {
		// Which transmission was delivered is ambiguous.
		return
	}
	c.rackAdvanced = true
	c.rackRTT = rtt
	if sentAfter(sg.sent, c.rackMstamp, sg.end(), c.rackEndSeq) {
		c.rackMstamp = sg.sent
		c.rackEndSeq = sg.end()
	}
}

// rackReoWnd is tcp_rack_reo_wnd.
func (c *conn) rackReoWnd() time.Duration {
	if c.reordSeen == 0 {
		if c.caState >= caRecovery {
			return 0
		}
		if c.sackedOut >= c.reordering {
			return 0
		}
	}
	minRtt := time.Duration(c.minRttUs) * time.Microsecond
	srtt := time.Duration(c.srttUs>>3) * time.Microsecond
	return min(minRtt/4*time.Duration(max(c.rackReoSteps, 1)), srtt)
}

// rackDetectLoss is tcp_rack_detect_loss: mark what is lost; return the
// longest wait left for the others sent before the delivered one.
func (c *conn) rackDetectLoss() (reo time.Duration) {
	reoWnd := c.rackReoWnd()
	now := c.now()
	for i := range c.rtx {
		sg := &c.rtx[i]
		if sg.flags&segSACKed != 0 {
			continue
		}
		// Marked lost and not resent yet: nothing new to learn.
		if sg.flags&segLost != 0 && sg.flags&segRetrans == 0 {
			continue
		}
		if !sentAfter(c.rackMstamp, sg.sent, c.rackEndSeq, sg.end()) {
			continue
		}
		remaining := c.rackRTT + reoWnd - now.Sub(sg.sent)
		if remaining <= 0 {
			c.markSegLost(sg)
		} else {
			reo = max(reo, remaining)
		}
	}
	return reo
}

// markSegLost is tcp_mark_skb_lost.
func (c *conn) markSegLost(sg *txSeg) {
	if sg.flags&segSACKed != 0 {
		return
	}
	if sg.flags&segLost != 0 {
		if sg.flags&segRetrans != 0 {
			// A retransmission lost again.
			sg.flags &^= segRetrans
			c.retransOut--
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPLostRetransmit)
			c.lost++
		}
		return
	}
	sg.flags |= segLost
	c.lostOut++
	c.lost++
}

// rackMarkLost is tcp_rack_mark_lost; it reports whether it armed the
// reordering timer.
func (c *conn) rackMarkLost() bool {
	if !c.rackAdvanced {
		return false
	}
	c.rackAdvanced = false
	reo := c.rackDetectLoss()
	if reo <= 0 {
		return false
	}
	c.armRtx(timerREO, min(c.jiffies(reo)+2*c.jiffy(), c.rto))
	return true
}

// rackReoTimeout is tcp_rack_reo_timeout.
func (c *conn) rackReoTimeout() {
	priorInFlight := c.inFlight()
	lost := c.lost
	c.rackDetectLoss()
	if c.inFlight() != priorInFlight {
		if c.caState != caRecovery {
			c.enterRecovery()
			c.cwndReduction(c.lost-lost, false)
		}
		c.retransmitLost()
	}
	if c.rtxKind != timerRTO && c.packetsOut > 0 {
		c.rearmRTOFromHead()
	}
}

// newRenoMarkLost is tcp_newreno_mark_lost: without SACK the head is lost
// once enough duplicate ACKs came, or on a partial ACK in recovery.
func (c *conn) newRenoMarkLost(advanced bool) {
	if len(c.rtx) == 0 {
		return
	}
	if (c.caState < caRecovery && c.sackedOut >= c.reordering) || (c.caState == caRecovery && advanced) {
		c.markSegLost(&c.rtx[0])
	}
}

// identifyLoss is tcp_identify_packet_loss; it reports whether a
// retransmission was found lost again (FLAG_LOST_RETRANS).
func (c *conn) identifyLoss(advanced bool) bool {
	if len(c.rtx) == 0 {
		return false
	}
	switch {
	case !c.sackOK:
		c.newRenoMarkLost(advanced)
	case c.rackEnabled():
		priorRetrans := c.retransOut
		if c.rackMarkLost() {
			c.reoArmed = true
		}
		return c.retransOut < priorRetrans
	default:
		c.markLost()
	}
	return false
}

// rackUpdateReoWnd is tcp_rack_update_reo_wnd: a D-SACK (seen since the
// window last grew, at most once a round trip) adds a step of min_rtt/4
// to the reordering window, which lasts 16 recoveries; then it returns
// to one step. priorDelivered is the delivered count when the newest
// segment this ACK delivered was sent (0: none).
func (c *conn) rackUpdateReoWnd(priorDelivered uint32) {
	if c.p.v.recovery.Int()&2 != 0 || priorDelivered == 0 { // TCP_RACK_STATIC_REO_WND
		return
	}
	if int32(priorDelivered-c.rackLastDelivered) < 0 {
		c.rackDsackSeen = false
	}
	if c.rackDsackSeen {
		c.rackReoSteps = uint8(min(0xff, int(c.rackReoSteps)+1))
		c.rackDsackSeen = false
		c.rackLastDelivered = c.delivered
		c.rackReoPersist = rackRecoveryThresh
	} else if c.rackReoPersist == 0 {
		c.rackReoSteps = 1
	}
}
