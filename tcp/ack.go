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
	if a.lt(priorUna) {
		if c.sackOK && s.opts.NumSACK > 0 {
			c.sacktag(s, priorUna)
		}
		return 0
	}
	// Something worked: the soft error goes, keepalive and zero-window
	// probes start over (tcp_ack).
	c.lastAckRecv = c.now()
	c.SetSoftError(0)
	c.probesOut = 0
	priorInFlight := c.inFlight()
	priorPackets := c.packetsOut
	priorSacked := c.sackedOut
	advanced := a.gt(priorUna)
	winUpdate := c.updateWindow(s)
	newlySacked := uint32(0)
	dsack := false
	if c.sackOK && s.opts.NumSACK > 0 {
		newlySacked, dsack = c.sacktag(s, priorUna)
	}
	acked, rttSample, caRTT := c.cleanRtx(a)
	c.sndUna = a
	if c.urgMode && !a.lt(c.sndUp) {
		c.urgMode = false
	}
	if advanced {
		c.bytesAcked += uint64(a.diff(priorUna))
		c.retransmits = 0
		if c.state == stateSynRecv || c.state == stateEstablished {
			c.sndbufMaybeExpand()
		}
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
	isDup := !advanced && !winUpdate && len(s.data) == 0 && !s.has(wire.TCPFlagFIN) && !s.has(wire.TCPFlagSYN) && c.packetsOut > 0
	delivered := acked + newlySacked
	if !c.sackOK && isDup {
		c.addRenoSack()
		delivered = 1
	}
	if c.sackOK && c.sackedOut > priorSacked {
		isDup = true
	}
	_ = dsack
	c.delivered += delivered
	c.p.stats.TCPExt.Add(snmp.TCPExtTCPDelivered, uint64(delivered))
	c.processTLPAck(a, advanced, dsack, winUpdate || len(s.data) > 0 || s.has(wire.TCPFlagFIN), newlySacked > 0)
	if c.caState != caOpen || isDup || newlySacked > 0 || c.lostOut > 0 {
		c.fastRetransAlert(acked, delivered, isDup, advanced, priorInFlight)
	} else if advanced {
		c.congAvoid(a, acked)
	}
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
func (c *conn) cleanRtx(a seq) (acked uint32, seqRTT, caRTT time.Duration) {
	seqRTT, caRTT = -1, -1
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
		}
		if sg.flags&segSYN != 0 {
			c.synAcked()
		}
		if sg.flags&segSACKed == 0 {
			c.rackAdvance(sg)
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

// sacktag is tcp_sacktag_write_queue: mark segments the SACK blocks cover
// (a D-SACK, the first block below the cumulative ACK or inside the second
// block, only counts). It returns the packets newly SACKed.
func (c *conn) sacktag(s *segment, priorUna seq) (newly uint32, dsack bool) {
	o := &s.opts
	for i := 0; i < o.NumSACK; i++ {
		start, end := seq(o.SACK[i].Start), seq(o.SACK[i].End)
		if !end.gt(start) {
			continue
		}
		if i == 0 {
			if start.lt(s.ack) || (o.NumSACK > 1 && start.ge(seq(o.SACK[1].Start)) && end.le(seq(o.SACK[1].End))) {
				dsack = true
				c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKRecv)
				continue
			}
		}
		if start.lt(priorUna) || end.gt(c.sndNxt) {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSACKDiscard)
			continue
		}
		for j := range c.rtx {
			sg := &c.rtx[j]
			if sg.seq.lt(start) || sg.end().gt(end) || sg.flags&segSACKed != 0 {
				continue
			}
			if sg.flags&segRetrans != 0 {
				sg.flags &^= segRetrans
				c.retransOut--
			}
			if sg.flags&segLost != 0 {
				sg.flags &^= segLost
				c.lostOut--
			}
			sg.flags |= segSACKed
			c.sackedOut++
			newly++
			c.rackAdvance(sg)
			if sg.seq.lt(c.highestSacked()) {
				c.reordSeen++
			}
		}
	}
	return newly, dsack
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

// sndbufMaybeExpand grows the send buffer with the congestion window
// (tcp_new_space).
func (c *conn) sndbufMaybeExpand() {
	if c.Opts.BufLock.Load()&1 == 0 {
		c.sndbufExpand()
	}
}
