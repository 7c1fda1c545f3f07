package tcp

import (
	"time"

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
// machine run on dubious ACKs (duplicates, SACKs, D-SACKs) and outside
// the Open state. It leaves the window to congControl.
func (c *conn) fastRetransAlert(priorUna seq, advanced, numDupack bool, st *sackState) {
	// D. A state ends once high_seq is ACKed.
	if c.caState == caOpen {
		c.retransStamp = time.Time{}
	} else if !c.sndUna.lt(c.highSeq) && c.caState == caRecovery {
		if !c.sackOK {
			c.sackedOut = 0
		}
		if c.tryUndoRecovery() {
			return
		}
		c.endCwndReduction()
		c.dupAcks = 0
	}
	// E. The state's own work.
	switch c.caState {
	case caRecovery:
		if advanced && c.tryUndoPartial(priorUna) {
			return
		}
		if c.tryUndoDSACK() {
			c.tryKeepOpen()
		}
		c.identifyLoss(advanced)
		if c.caState != caRecovery {
			// Undone: a loss in evidence starts a new recovery.
			if !c.timeToRecover() {
				return
			}
			c.enterRecovery()
		}
		return
	case caLoss:
		c.processLoss(advanced, numDupack, st)
		lostRetrans := c.identifyLoss(advanced)
		if c.caState != caOpen && !lostRetrans {
			return
		}
		// Undone, or retransmissions lost again: on as from Open.
	}
	if c.caState <= caDisorder {
		c.tryUndoDSACK()
	}
	c.identifyLoss(advanced)
	if !c.timeToRecover() {
		c.tryToOpen()
		return
	}
	c.enterRecovery()
}

// processLoss is tcp_process_loss, in the Loss state: leave it once the
// lost data are repaired or proved spurious, with F-RTO (RFC 5682's SACK
// version, tcp_frto) when the timeout allowed it: after the
// retransmission of the head, the first ACK that advances sends new data
// instead of more retransmissions (frtoNew, tcp_xmit_recovery's
// REXMIT_NEW); an ACK then of never-retransmitted data proves the timeout
// spurious, a SACK or duplicate ACK the loss real.
func (c *conn) processLoss(advanced, numDupack bool, st *sackState) {
	recovered := !c.sndUna.lt(c.highSeq)
	if advanced && c.tryUndoLoss(false) {
		return
	}
	if c.frto {
		// Step 3.b: a timeout is spurious if not all data were lost.
		if st.origAcked && c.tryUndoLoss(true) {
			return
		}
		if c.sndNxt.gt(c.highSeq) {
			if st.newly > 0 || numDupack {
				c.frto = false // step 3.a: the loss was real
			}
		} else if advanced && !recovered {
			c.highSeq = c.sndNxt
			// Step 2.b: send new data, once the window has grown
			// on this ACK, else fall back to recovery.
			if c.unsent() > 0 && c.sndUna.add(c.sndWnd).gt(c.sndNxt) {
				c.frtoNew = true
				return
			}
			c.frto = false
		}
	}
	if recovered {
		c.tryUndoRecovery()
		if c.caState == caOpen {
			c.dupAcks = 0
		}
		return
	}
}

// congControl is tcp_cong_control: the window shrinks by PRR in
// recovery, else grows if the ACK allows (tcp_may_raise_cwnd: data
// ACKed, or any forward progress once reordering is above
// tcp_reordering).
func (c *conn) congControl(ack seq, acked, delivered uint32, advanced, newlySacked bool) {
	if c.caState == caRecovery || c.caState == caCWR {
		c.cwndReduction(delivered, advanced)
		return
	}
	raise := advanced
	if c.reordering > uint32(c.p.v.reordering.Int()) {
		raise = advanced || newlySacked
	}
	if raise {
		c.congAvoid(ack, acked)
	}
}

// enterRecovery is tcp_enter_recovery with tcp_init_cwnd_reduction: the
// undo state is recorded, and the window reduced unless it already is.
func (c *conn) enterRecovery() {
	if c.sackOK {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSackRecovery)
	} else {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPRenoRecovery)
	}
	c.priorSsthresh = 0
	c.initUndo()
	if c.caState != caCWR && c.caState != caRecovery {
		c.priorSsthresh = c.currentSsthresh()
		c.highSeq = c.sndNxt
		c.tlpActive = false
		c.cwndCnt = 0
		c.priorCwnd = c.cwnd
		c.prrDelivered, c.prrOut = 0, 0
		c.ssthresh = c.cc.ssthresh(c)
	}
	c.setCAState(caRecovery)
}

// endCwndReduction is tcp_end_cwnd_reduction: leave recovery with the
// window at ssthresh (unless the reduction was undone).
func (c *conn) endCwndReduction() {
	if c.ssthresh < infiniteSsthresh && (c.caState == caCWR || c.undoActive) {
		c.cwnd = c.ssthresh
	}
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
	newRecovery := c.caState < caRecovery
	newReduction := c.caState <= caDisorder || !c.highSeq.gt(c.sndUna) || (c.caState == caLoss && c.retransmits == 0)
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
	// Reduce ssthresh unless it was already within this window; the
	// undo state starts after the marking, as Linux's does.
	if newReduction {
		c.priorSsthresh = c.currentSsthresh()
		c.priorCwnd = c.cwnd
		c.ssthresh = c.cc.ssthresh(c)
		c.initUndo()
	}
	c.cwnd = c.inFlight() + 1
	c.cwndCnt = 0
	// A timeout after many duplicate ACKs says the reordering was
	// overestimated.
	if sysR := uint32(c.p.v.reordering.Int()); c.caState <= caDisorder && c.sackedOut >= sysR {
		c.reordering = min(c.reordering, sysR)
	}
	c.highSeq = c.sndNxt
	c.dupAcks = 0
	c.setCAState(caLoss)
	// F-RTO (RFC 5682 3.1 step 1) unless a recovery was under way, but
	// for repeated timeouts of the same head (3.2).
	c.frto = c.p.v.frto.Int() != 0 && (newRecovery || c.retransmits > 0)
	c.frtoNew = false
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
