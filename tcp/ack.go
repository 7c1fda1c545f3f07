package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// ack is tcp_ack: process the acknowledgment of a segment. It returns -1
// for an ACK of data never sent (the segment is dropped), 0 for an old ACK
// (below snd_una), 1 otherwise.
func (c *conn) ack(s *segment) int {
	a := s.ack
	priorUna := c.sndUna
	if a.lt(priorUna) {
		// RFC 5961 5.2: an ACK older than the window the peer could
		// have seen (at most the bytes acknowledged so far) is
		// dropped with a challenge ACK.
		maxWin := uint32(min(uint64(c.maxWindow), c.bytesAcked))
		if a.lt(priorUna - seq(maxWin)) {
			if c.state != stateSynRecv {
				c.challengeAck()
			}
			return -1
		}
	}
	if a.gt(c.sndNxt) {
		// RFC 5961 5.2: an ACK of unsent data is dropped (and
		// answered, but in SYN-RECV, where a reset answers it).
		if c.state != stateSynRecv {
			c.challengeAck()
		}
		return -1
	}
	c.ackSawTS = c.tsOK && s.opts.HasTimestamp
	c.ackTSEcr = 0
	if c.ackSawTS && s.opts.TSEcr != 0 {
		c.ackTSEcr = s.opts.TSEcr - c.tsOffset
	}
	if a.lt(priorUna) {
		// An old ACK: SACKs may still tag data, D-SACKs undo.
		if c.sackOK && s.opts.NumSACK > 0 {
			var st sackState
			c.sacktag(s, priorUna, &st)
			d := st.newly + st.dsackSegs
			c.delivered += d
			c.p.stats.TCPExt.Add(snmp.TCPExtTCPDelivered, uint64(d))
			c.fastRetransAlert(priorUna, false, false, &st)
		}
		return 0
	}
	// Something worked: the soft error goes, keepalive and zero-window
	// probes start over (tcp_ack).
	c.lastAckRecv = c.now()
	c.SetSoftError(0)
	c.probesOut = 0
	priorPackets := c.packetsOut
	priorSacked := c.sackedOut
	priorFack := c.sndUna
	if c.sackOK {
		priorFack = c.highestSacked()
	}
	advanced := a.gt(priorUna)
	winUpdate := c.updateWindow(s)
	var st sackState
	if c.sackOK && s.opts.NumSACK > 0 {
		c.sacktag(s, priorUna, &st)
	}
	newlySacked, dsack := st.newly, st.dsack
	acked, rttSample, caRTT := c.cleanRtx(a, &st)
	if !c.sackOK && st.retransAcked {
		// Without SACK a cumulative ACK cannot tell which
		// transmission arrived.
		st.origAcked = false
	}
	c.sndUna = a
	// A hole never retransmitted filled by this ACK, below what was
	// SACKed before: reordering (tcp_clean_rtx_queue).
	if c.sackOK && acked > 0 && st.reordAcked.lt(priorFack) {
		c.checkSackReordering(st.reordAcked, false)
	}
	if c.urgMode && !a.lt(c.sndUp) {
		c.urgMode = false
	}
	if advanced {
		c.bytesAcked += uint64(a.diff(priorUna))
		c.retransmits = 0
		c.queueShrunk = true
		c.Wq.Notify(writable)
	}
	if rttSample < 0 && c.tsOK && s.opts.HasTimestamp && s.opts.TSEcr != 0 && acked > 0 {
		d := c.p.nowMS() + c.tsOffset - s.opts.TSEcr
		if d < 1<<30 {
			if d == 0 {
				d = 1
			}
			rttSample = time.Duration(d) * time.Millisecond
			caRTT = rttSample
		}
	}
	if rttSample >= 0 {
		c.rttEstimator(rttSample)
		c.setRTO()
		c.backoff = 0
		if c.cc != nil {
			c.cc.pktsAcked(c, acked, caRTT)
		}
	}
	isDup := !advanced && !winUpdate && !dsack && len(s.data) == 0 && !s.has(wire.TCPFlagFIN) && !s.has(wire.TCPFlagSYN) && c.packetsOut > 0
	numDupack := isDup
	// A spurious retransmission was delivered too (tcp_dsack_seen).
	// Segments SACKed before were counted then (tcp_clean_rtx_queue).
	delivered := st.ackedFresh + newlySacked + st.dsackSegs
	if !c.sackOK && isDup {
		c.addRenoSack()
		delivered = 1
	}
	if c.sackOK && c.sackedOut > priorSacked {
		isDup = true
	}
	c.delivered += delivered
	c.p.stats.TCPExt.Add(snmp.TCPExtTCPDelivered, uint64(delivered))
	c.rackUpdateReoWnd(st.priorDelivered)
	c.processTLPAck(a, advanced, st.dsackTLP, winUpdate || len(s.data) > 0 || s.has(wire.TCPFlagFIN), newlySacked > 0)
	if c.caState != caOpen || isDup || newlySacked > 0 || dsack || c.lostOut > 0 {
		c.fastRetransAlert(priorUna, advanced, numDupack, &st)
	}
	c.congControl(a, acked, delivered, advanced, newlySacked > 0)
	if priorPackets == 0 {
		c.ackProbe()
	} else if c.packetsOut == 0 {
		c.stopRtxTimer()
	} else if acked > 0 && !c.reoArmed {
		c.setXmitTimer()
	}
	c.reoArmed = false
	if advanced {
		c.dupAcks = 0
	}
	return 1
}

// updateWindow is tcp_ack_update_window (RFC 9293 3.10.7.4 with Linux's
// rule): the window is taken from segments newer than the last update.
func (c *conn) updateWindow(s *segment) bool {
	nwin := uint32(s.wnd)
	if !s.has(wire.TCPFlagSYN) {
		nwin <<= c.sndWscale
	}
	if c.mayUpdateWindow(s.ack, s.seq, nwin) {
		c.sndWl1 = s.seq
		if c.sndWnd != nwin {
			c.sndWnd = nwin
			if nwin > c.maxWindow {
				c.maxWindow = nwin
			}
			return true
		}
	}
	return false
}

// cleanRtx is tcp_clean_rtx_queue: drop what ack covers, count the packets,
// and measure the RTT from the oldest newly acknowledged segment sent only
// once (Karn's rule). It returns the packets acknowledged and the RTT
// samples (-1 if none).
func (c *conn) cleanRtx(a seq, st *sackState) (acked uint32, seqRTT, caRTT time.Duration) {
	seqRTT, caRTT = -1, -1
	st.reordAcked = c.sndNxt
	now := c.now()
	var first, last time.Time
	i := 0
	for ; i < len(c.rtx); i++ {
		sg := &c.rtx[i]
		if sg.end().gt(a) {
			break
		}
		if sg.flags&segRetrans != 0 {
			c.retransOut--
		}
		if sg.flags&segSACKed != 0 {
			c.sackedOut--
		} else if sg.flags&segLost != 0 {
			c.lostOut--
		}
		if sg.flags&segEverRetr == 0 {
			if first.IsZero() {
				first = sg.sent
			}
			last = sg.sent
			if sg.flags&segSACKed == 0 {
				if sg.seq.lt(st.reordAcked) {
					st.reordAcked = sg.seq
				}
				if sg.end().le(c.highSeq) {
					st.origAcked = true
				}
			}
		}
		if sg.flags&segEverRetr != 0 {
			st.retransAcked = true
		}
		if sg.flags&segSYN != 0 {
			c.synAcked()
		}
		if sg.flags&segSACKed == 0 {
			st.ackedFresh++
			// tcp_rate_skb_delivered; a retransmission whose
			// original the echo shows delivered says nothing
			// to RACK (tcp_skb_spurious_retrans).
			st.priorDelivered = max(st.priorDelivered, sg.txDelivered)
			if sg.flags&segEverRetr == 0 || !c.tsEcrBefore(uint32(sg.sent.UnixMilli())) {
				c.rackAdvance(sg)
			}
		}
		acked++
		c.packetsOut--
	}
	if i > 0 {
		n := copy(c.rtx, c.rtx[i:])
		clear(c.rtx[n:])
		c.rtx = c.rtx[:n]
	}
	// Drop acknowledged bytes from the send queue (FIN and SYN are not in
	// it).
	if d := int(a.diff(c.sndUna)); d > 0 {
		bytes := min(d, c.sndq.len())
		c.sndq.discard(bytes)
	}
	if !c.sackOK && acked > 0 {
		c.sackedOut = min(c.sackedOut, c.packetsOut)
		if c.sackedOut > 0 && acked > 0 {
			// Reno: cumulative ACK eats the emulated SACKs first.
			c.sackedOut -= min(c.sackedOut, acked-1)
		}
	}
	if !first.IsZero() {
		seqRTT = now.Sub(first)
		caRTT = now.Sub(last)
	}
	return acked, seqRTT, caRTT
}

// sackState is what tagging an ACK's SACK blocks and cleaning the
// queue learned (struct tcp_sacktag_state with the rate sample's
// prior_delivered).
type sackState struct {
	newly          uint32 // packets newly SACKed
	dsack          bool   // a valid D-SACK (FLAG_DSACKING_ACK)
	dsackTLP       bool   // for the loss probe (FLAG_DSACK_TLP)
	reord          seq    // lowest never-retransmitted newly SACKed below the highest SACK
	reordAcked     seq    // lowest never-retransmitted sequence cumulatively ACKed
	priorDelivered uint32 // delivered when the newest segment delivered was sent
	dsackSegs      uint32 // duplicates a D-SACK reports, delivered too
	ackedFresh     uint32 // packets cumulatively ACKed that were not SACKed before
	// origAcked: data never retransmitted, sent before the recovery
	// point, was (S)ACKed (FLAG_ORIG_SACK_ACKED).
	origAcked    bool
	retransAcked bool // FLAG_RETRANS_DATA_ACKED
}

// sacktag is tcp_sacktag_write_queue: check for a D-SACK (RFC 2883: the
// first block below the cumulative ACK or inside the second), then mark
// the segments the valid blocks cover, in sequence order, noting
// reordering.
func (c *conn) sacktag(s *segment, priorUna seq, st *sackState) {
	o := &s.opts
	// snd_una as tcp_ack has it by now.
	una := c.sndUna
	if s.ack.gt(una) {
		una = s.ack
	}
	st.reord = c.sndNxt
	found := c.checkDSACK(s, priorUna, st)
	if s.ack.lt(priorUna - seq(c.maxWindow)) {
		return
	}
	if c.packetsOut == 0 {
		return
	}
	var blocks [4]sackBlock
	var dup [4]bool
	n := 0
	for i := 0; i < o.NumSACK && i < len(o.SACK); i++ {
		start, end := seq(o.SACK[i].Start), seq(o.SACK[i].End)
		isDup := i == 0 && found
		if !c.sackBlockValid(isDup, start, end, una) {
			switch {
			case isDup && !c.undoActive:
				c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKIgnoredNoUndo)
			case isDup:
				c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKIgnoredOld)
			case s.ack != una && end.le(una):
				// An old ACK's block below snd_una: ignored.
			default:
				c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSACKDiscard)
			}
			continue
		}
		if end.le(priorUna) {
			continue
		}
		blocks[n], dup[n] = sackBlock{start, end}, isDup
		n++
	}
	// In sequence order, so the highest SACK advances as Linux's walk.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && blocks[j].start.lt(blocks[j-1].start); j-- {
			blocks[j], blocks[j-1] = blocks[j-1], blocks[j]
			dup[j], dup[j-1] = dup[j-1], dup[j]
		}
	}
	fack := c.highestSacked()
	for b := 0; b < n; b++ {
		start, end := blocks[b].start, blocks[b].end
		for j := range c.rtx {
			sg := &c.rtx[j]
			if sg.seq.lt(start) {
				continue
			}
			if sg.end().gt(end) {
				break
			}
			c.sacktagOne(sg, st, dup[b], una, fack)
			if sg.flags&segSACKed != 0 && !sg.seq.lt(fack) {
				fack = sg.end()
			}
		}
	}
	if c.caState != caLoss || c.undoActive {
		c.checkSackReordering(st.reord, false)
	}
}

// sacktagOne is tcp_sacktag_one for a segment inside a valid block.
func (c *conn) sacktagOne(sg *txSeg, st *sackState, dupSack bool, una, fack seq) {
	// A D-SACK for a retransmission: one fewer that may be needed.
	if dupSack && sg.flags&(segRetrans|segEverRetr) != 0 {
		if c.undoActive && c.undoRetrans > 0 && sg.end().gt(c.undoMarker) {
			c.undoRetrans--
		}
		if sg.flags&segSACKed != 0 && sg.seq.lt(st.reord) {
			st.reord = sg.seq
		}
	}
	if !sg.end().gt(una) {
		return
	}
	if sg.flags&segSACKed == 0 {
		c.rackAdvance(sg)
		if sg.flags&segRetrans != 0 {
			// A retransmission not marked lost is believed still
			// in flight.
			if sg.flags&segLost != 0 {
				sg.flags &^= segLost | segRetrans
				c.lostOut--
				c.retransOut--
			}
		} else {
			if sg.flags&segEverRetr == 0 {
				// A hole never retransmitted, filled: reordering.
				if sg.seq.lt(fack) && sg.seq.lt(st.reord) {
					st.reord = sg.seq
				}
				if sg.end().le(c.highSeq) {
					st.origAcked = true
				}
			}
			if sg.flags&segLost != 0 {
				sg.flags &^= segLost
				c.lostOut--
			}
		}
		sg.flags |= segSACKed
		c.sackedOut++
		st.newly++
		st.priorDelivered = max(st.priorDelivered, sg.txDelivered)
	}
	if dupSack && sg.flags&segRetrans != 0 {
		sg.flags &^= segRetrans
		c.retransOut--
	}
}

// sackBlockValid is tcp_is_sackblock_valid: within (snd_una, snd_nxt);
// a D-SACK may lie below snd_una, down to undo_marker (or across it by
// at most a window).
func (c *conn) sackBlockValid(dsack bool, start, end, una seq) bool {
	if end.gt(c.sndNxt) || !start.lt(end) {
		return false
	}
	if !start.lt(c.sndNxt) {
		return false
	}
	if start.gt(una) {
		return true
	}
	if !dsack || !c.undoActive {
		return false
	}
	if end.gt(una) {
		return false
	}
	if !start.lt(c.undoMarker) {
		return true
	}
	if !end.gt(c.undoMarker) {
		return false
	}
	return !start.lt(end - seq(c.maxWindow))
}

// checkDSACK is tcp_check_dsack with tcp_dsack_seen: is the first block
// a D-SACK, and a believable one (no longer than the peer's window, no
// more duplicates than were retransmitted)? A D-SACK below snd_una for
// data of this recovery proves that many retransmissions spurious.
func (c *conn) checkDSACK(s *segment, priorUna seq, st *sackState) bool {
	o := &s.opts
	if o.NumSACK == 0 {
		return false
	}
	start, end := seq(o.SACK[0].Start), seq(o.SACK[0].End)
	switch {
	case start.lt(s.ack):
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKRecv)
	case o.NumSACK > 1:
		if end.gt(seq(o.SACK[1].End)) || start.lt(seq(o.SACK[1].Start)) {
			return false
		}
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKOfoRecv)
	default:
		return false
	}
	dupSegs := c.dsackSeen(start, end, st)
	if dupSegs == 0 {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKIgnoredDubious)
		return false
	}
	c.p.stats.TCPExt.Add(snmp.TCPExtTCPDSACKRecvSegs, uint64(dupSegs))
	if c.undoActive && c.undoRetrans > 0 && end.le(priorUna) && end.gt(c.undoMarker) {
		c.undoRetrans = max(0, c.undoRetrans-int32(dupSegs))
	}
	return true
}

// dsackSeen is tcp_dsack_seen: the duplicate segments a D-SACK reports
// (0 for a dubious one). RACK grows its window for D-SACKs once it has
// seen reordering, but not for one caused by a loss probe.
func (c *conn) dsackSeen(start, end seq, st *sackState) uint32 {
	if !start.lt(end) {
		return 0
	}
	n := uint32(end.diff(start))
	if n > c.maxWindow {
		return 0
	}
	dup := uint32(1)
	if n > c.mssCache && c.mssCache > 0 {
		dup = (n + c.mssCache - 1) / c.mssCache
	} else if c.tlpActive && c.tlpHighSeq == end {
		st.dsackTLP = true
	}
	c.dsackDups += dup
	if c.dsackDups > c.totalRetrans {
		return 0
	}
	if c.reordSeen > 0 && !st.dsackTLP {
		c.rackDsackSeen = true
	}
	st.dsack = true
	st.dsackSegs = dup
	return dup
}

// highestSacked returns the end of the highest SACKed segment.
func (c *conn) highestSacked() seq {
	h := c.sndUna
	for i := range c.rtx {
		if c.rtx[i].flags&segSACKed != 0 {
			h = c.rtx[i].end()
		}
	}
	return h
}

// addRenoSack is tcp_add_reno_sack: without SACK, each duplicate ACK
// stands for one segment that left the network.
func (c *conn) addRenoSack() {
	c.dupAcks++
	if c.sackedOut+1 < c.packetsOut || c.packetsOut <= 1 {
		c.sackedOut++
		if c.sackedOut >= c.packetsOut && c.packetsOut > 0 {
			c.sackedOut = c.packetsOut - 1
		}
	}
}

// rttEstimator is tcp_rtt_estimator (Van Jacobson's, RFC 6298 with Linux's
// mdev_max and rttvar floor at tcp_rto_min).
func (c *conn) rttEstimator(sample time.Duration) {
	m := int64(sample / time.Microsecond)
	if m <= 0 {
		m = 1
	}
	if c.minRttUs == 0 || uint32(m) < c.minRttUs {
		c.minRttUs = uint32(m)
	}
	rtoMin := int64(rtoMin / time.Microsecond)
	srtt := int64(c.srttUs)
	if srtt != 0 {
		m -= srtt >> 3
		srtt += m
		if m < 0 {
			m = -m
			m -= int64(c.mdevUs >> 2)
			if m > 0 {
				m >>= 3
			}
		} else {
			m -= int64(c.mdevUs >> 2)
		}
		c.mdevUs = uint32(int64(c.mdevUs) + m)
		if c.mdevUs > c.mdevMaxUs {
			c.mdevMaxUs = c.mdevUs
			if c.mdevMaxUs > c.rttvarUs {
				c.rttvarUs = c.mdevMaxUs
			}
		}
		if c.sndUna.gt(c.rttSeq) {
			if c.mdevMaxUs < c.rttvarUs {
				c.rttvarUs -= (c.rttvarUs - c.mdevMaxUs) >> 2
			}
			c.rttSeq = c.sndNxt
			c.mdevMaxUs = uint32(rtoMin)
		}
	} else {
		srtt = m << 3
		c.mdevUs = uint32(m << 1)
		c.rttvarUs = uint32(max(int64(c.mdevUs), rtoMin))
		c.mdevMaxUs = c.rttvarUs
		c.rttSeq = c.sndNxt
	}
	c.srttUs = uint32(max(srtt, 1))
}

// setRTO is tcp_set_rto: srtt + rttvar, in the kernel's jiffies, at most
// TCP_RTO_MAX.
func (c *conn) setRTO() {
	us := int64(c.srttUs>>3) + int64(c.rttvarUs)
	c.rto = min(c.jiffies(time.Duration(us)*time.Microsecond), rtoMax)
}

// jiffies rounds d up to the kernel's clock tick (usecs_to_jiffies).
func (c *conn) jiffies(d time.Duration) time.Duration {
	hz := time.Duration(c.p.env.Settings.HZ())
	tick := time.Second / hz
	return (d + tick - 1) / tick * tick
}

// synAcked runs when our SYN is acknowledged.
func (c *conn) synAcked() {}

// checkSpace is tcp_check_space, after an ACK's data was pushed: once a
// writer found the queue full and an ACK shrank it, the send buffer grows
// with the congestion window (tcp_new_space, tcp_should_expand_sndbuf:
// not locked by SO_SNDBUF, fewer packets in flight than the window).
func (c *conn) checkSpace() {
	if !c.queueShrunk {
		return
	}
	c.queueShrunk = false
	if !c.noSpace {
		return
	}
	if c.Opts.BufLock.Load()&1 == 0 && c.inFlight() < c.cwnd {
		c.sndbufExpand()
	}
	if c.writable() {
		c.noSpace = false
	}
}
