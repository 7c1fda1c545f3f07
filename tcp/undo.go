package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
)

// Undo of spurious recoveries (Linux's tcp_input.c): a recovery or a
// timeout records where it began (undo_marker) and counts its
// retransmissions (undo_retrans); D-SACKs for them (RFC 2883) count them
// back down, and a timestamp echo older than the first retransmission
// (RFC 7323's Eifel detection, tcp_packet_delayed) shows the originals
// arrived. Either way the window and ssthresh go back to what they were.

// rackRecoveryThresh is TCP_RACK_RECOVERY_THRESH: recoveries a grown
// reordering window persists.
const rackRecoveryThresh = 16

// initUndo is tcp_init_undo: retransmissions still in flight may bring
// D-SACKs later.
func (c *conn) initUndo() {
	c.undoMarker = c.sndUna
	c.undoActive = true
	c.undoRetrans = -1
	if c.retransOut > 0 {
		c.undoRetrans = int32(c.retransOut)
	}
}

// tsEcrBefore is tcp_tsopt_ecr_before: the ACK being processed echoes a
// timestamp older than when (in the timestamp clock, milliseconds).
func (c *conn) tsEcrBefore(when uint32) bool {
	return c.ackSawTS && c.ackTSEcr != 0 && int32(c.ackTSEcr-when) < 0
}

// retransStampTS is retrans_stamp in the timestamp clock.
func (c *conn) retransStampTS() uint32 { return uint32(c.retransStamp.UnixMilli()) }

// packetDelayed is tcp_packet_delayed: the echo predates the first
// retransmission, or nothing was retransmitted (but for the cases where
// retrans_stamp was cleared after a retransmission).
func (c *conn) packetDelayed() bool {
	if !c.retransStamp.IsZero() {
		return c.tsEcrBefore(c.retransStampTS())
	}
	if !c.sackOK && !c.sndUna.lt(c.highSeq) {
		return false
	}
	return c.state != stateSynSent
}

// anyRetransDone is tcp_any_retrans_done.
func (c *conn) anyRetransDone() bool {
	if c.retransOut > 0 {
		return true
	}
	return len(c.rtx) > 0 && c.rtx[0].flags&segEverRetr != 0
}

// undoCwndReduction is tcp_undo_cwnd_reduction: the window and ssthresh
// go back (the algorithm's undo_cwnd), optionally forgetting what was
// marked lost; RACK looks at the queue again.
func (c *conn) undoCwndReduction(unmarkLoss bool) {
	if unmarkLoss {
		for i := range c.rtx {
			c.rtx[i].flags &^= segLost
		}
		c.lostOut = 0
	}
	if c.priorSsthresh != 0 {
		c.cwnd = c.cc.undoCwnd(c)
		if c.priorSsthresh > c.ssthresh {
			c.ssthresh = c.priorSsthresh
		}
	}
	c.undoActive = false
	c.rackAdvanced = true
}

// mayUndo is tcp_may_undo.
func (c *conn) mayUndo() bool {
	return c.undoActive && (c.undoRetrans == 0 || c.packetDelayed())
}

// nonSackPreventingReopen is tcp_is_non_sack_preventing_reopen: without
// SACK the state holds until something above high_seq is ACKed (RFC 6582).
func (c *conn) nonSackPreventingReopen() bool {
	if c.sndUna == c.highSeq && !c.sackOK {
		if !c.anyRetransDone() {
			c.retransStamp = time.Time{}
		}
		return true
	}
	return false
}

// tryUndoRecovery is tcp_try_undo_recovery, at the end of a recovery (or
// of a loss episode): it reports whether the state must hold.
func (c *conn) tryUndoRecovery() bool {
	if c.mayUndo() {
		c.undoCwndReduction(false)
		if c.caState == caLoss {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPLossUndo)
		} else {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPFullUndo)
		}
	} else if c.rackReoPersist > 0 {
		c.rackReoPersist--
	}
	if c.nonSackPreventingReopen() {
		return true
	}
	c.setCAState(caOpen)
	return false
}

// tryUndoDSACK is tcp_try_undo_dsack: D-SACKs covered every
// retransmission.
func (c *conn) tryUndoDSACK() bool {
	if c.undoActive && c.undoRetrans == 0 {
		c.rackReoPersist = min(rackRecoveryThresh, c.rackReoPersist+1)
		c.undoCwndReduction(false)
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKUndo)
		return true
	}
	return false
}

// tryUndoLoss is tcp_try_undo_loss, in the Loss state after a timeout
// (frto for F-RTO's verdict).
func (c *conn) tryUndoLoss(frto bool) bool {
	if !frto && !c.mayUndo() {
		return false
	}
	c.undoCwndReduction(true)
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPLossUndo)
	if frto {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSpuriousRTOs)
	}
	c.retransmits = 0
	if c.nonSackPreventingReopen() {
		return true
	}
	if frto || c.sackOK {
		c.setCAState(caOpen)
	}
	return true
}

// tryUndoPartial is tcp_try_undo_partial, on a partial ACK in recovery:
// the hole was filled by a delayed original, so the reordering is deeper
// than thought. With retransmissions still out the state holds (it
// reports true); else the reduction is undone.
func (c *conn) tryUndoPartial(priorUna seq) bool {
	if !c.undoActive || !c.packetDelayed() {
		return false
	}
	c.checkSackReordering(priorUna, true)
	if c.retransOut > 0 {
		return true
	}
	if !c.anyRetransDone() {
		c.retransStamp = time.Time{}
	}
	c.undoCwndReduction(true)
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPPartialUndo)
	c.tryKeepOpen()
	return false
}

// tryKeepOpen is tcp_try_keep_open.
func (c *conn) tryKeepOpen() {
	st := uint8(caOpen)
	if c.sackedOut+c.lostOut > 0 || c.anyRetransDone() {
		st = caDisorder
	}
	if c.caState != st {
		c.setCAState(st)
		c.highSeq = c.sndNxt
	}
}

// tryToOpen is tcp_try_to_open.
func (c *conn) tryToOpen() {
	if !c.anyRetransDone() {
		c.retransStamp = time.Time{}
	}
	if c.caState != caCWR {
		c.tryKeepOpen()
	}
}

// checkSackReordering is tcp_check_sack_reordering: a segment never
// retransmitted at low was delivered after higher ones were SACKed; the
// distance, in segments, raises tp->reordering (up to
// tcp_max_reordering).
func (c *conn) checkSackReordering(low seq, ts bool) {
	fack := c.highestSacked()
	if !low.lt(fack) {
		return
	}
	metric := uint32(fack.diff(low))
	mss := c.mssCache
	if mss > 0 && uint64(metric) > uint64(c.reordering)*uint64(mss) {
		c.reordering = min((metric+mss-1)/mss, uint32(c.p.v.maxReordering.Int()))
	}
	c.reordSeen++
	if ts {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPTSReorder)
	} else {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSACKReorder)
	}
}
