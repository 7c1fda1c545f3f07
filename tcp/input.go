package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// segmentArrived processes a segment for a connection in any state but
// LISTEN (tcp_rcv_state_process and tcp_rcv_established): RFC 9293 3.10.7
// with Linux's choices. Called with c.Mu held.
func (c *conn) segmentArrived(s *segment) {
	c.segsIn++
	if len(s.data) > 0 {
		c.dataSegsIn++
	}
	now := c.now()
	switch c.state {
	case stateSynSent:
		c.synSentArrived(s)
		return
	case stateClose:
		return
	}
	rst, syn, ack := s.has(wire.TCPFlagRST), s.has(wire.TCPFlagSYN), s.has(wire.TCPFlagACK)
	// A segment with none of ACK, RST and SYN is dropped before any
	// check (tcp_rcv_established, tcp_rcv_state_process).
	if !ack && !rst && !syn {
		return
	}

	// tcp_validate_incoming: PAWS (RFC 7323 5.3). A reset passes; a SYN
	// earns a challenge ACK.
	if c.tsOK && s.opts.HasTimestamp && !rst && c.pawsReject(s) {
		if syn {
			c.synChallenge(s)
			return
		}
		c.p.stats.TCPExt.Inc(snmp.TCPExtPAWSEstab)
		if !c.oowLimited(s, snmp.TCPExtTCPACKSkippedPAWS) {
			c.sendDupAck(s)
		}
		return
	}
	// Sequence acceptability (tcp_sequence: against rcv_wup, the window
	// we last advertised).
	if !c.sequenceOK(s) {
		if !rst {
			if syn {
				c.synChallenge(s)
				return
			}
			if !c.oowLimited(s, snmp.TCPExtTCPACKSkippedSeq) {
				c.sendDupAck(s)
			}
		} else if c.resetCheck(s) {
			c.reset(s)
		}
		return
	}
	// RFC 5961 3.2: a reset is honoured only at exactly rcv_nxt (or one
	// below it after the peer's FIN, or at the right edge of the highest
	// SACK block we report); elsewhere in the window it earns a
	// challenge ACK.
	if rst {
		if s.seq == c.rcvNxt || c.resetCheck(s) || c.resetAtSACKEdge(s) {
			c.reset(s)
			return
		}
		c.challengeAck()
		return
	}
	// RFC 5961 4.2: a SYN in a synchronized state earns a challenge ACK.
	if syn {
		if c.state == stateSynRecv && c.parent == nil && ack && s.seqLen() == 1 && s.seq.add(1) == c.rcvNxt && s.ack == c.sndNxt {
			// A retransmitted SYN-ACK completing a crossed
			// handshake: pass.
		} else {
			c.synChallenge(s)
			return
		}
	}
	if !ack {
		return
	}
	// Step 5: the ACK field.
	res := c.ack(s)
	if res < 0 {
		if c.state == stateSynRecv {
			c.p.sendReset(s)
		}
		return
	}
	if res == 0 && c.state != stateEstablished {
		c.challengeAck()
		return
	}
	if c.tsOK && s.opts.HasTimestamp && s.seq.le(c.rcvWup) {
		c.tsRecent, c.tsRecentAt = s.opts.TSVal, now
	}
	switch c.state {
	case stateSynRecv:
		c.synRecvEstablished(s)
	case stateFinWait1:
		if c.sndUna == c.writeSeq.add(1) {
			c.setState(stateFinWait2)
			c.AddShutdown(socket.ShutSend)
			if c.orphaned {
				// tcp_rcv_state_process: an orphan aborts on
				// TCP_LINGER2 < 0 or data past rcv_nxt, else
				// waits for the FIN as a timewait entry.
				if c.lingerTime < 0 || c.finRcvdOutOfOrder(s) {
					c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnData)
					c.done2()
					c.p.sendReset(s)
					return
				}
				tmo := c.finTime()
				switch {
				case tmo > timeWaitLen:
					c.armKA(kaFinWait2, tmo-timeWaitLen)
				case s.has(wire.TCPFlagFIN):
					c.armKA(kaFinWait2, tmo)
				default:
					c.enterTimeWait(stateFinWait2, tmo)
					return
				}
			}
		}
	case stateClosing:
		if c.sndUna == c.writeSeq.add(1) {
			c.enterTimeWait(stateTimeWait, timeWaitLen)
			return
		}
	case stateLastAck:
		if c.sndUna == c.writeSeq.add(1) {
			c.done2()
			return
		}
	}
	c.rcvRTTMeasureTS(s)
	// Step 6: urgent data.
	c.urgArrived(s)
	// Step 7: the segment text.
	switch c.state {
	case stateCloseWait, stateClosing, stateLastAck:
		if !s.seq.lt(c.rcvNxt) {
			break
		}
		fallthrough
	case stateFinWait1, stateFinWait2:
		if c.ShutdownBits()&socket.ShutRcv != 0 && c.finRcvdOutOfOrder(s) {
			// Data for a socket the application closed: RFC 1122
			// 4.2.2.13 says reset (tcp_reset, then a reset in
			// answer to the segment).
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnData)
			c.reset(s)
			c.p.sendReset(s)
			return
		}
		fallthrough
	case stateEstablished:
		c.dataQueue(s)
	}
	if c.state != stateClose {
		c.pushPending()
		c.checkSpace()
		c.ackSndCheck()
	}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// finRcvdOutOfOrder reports a segment carrying data beyond rcv_nxt after
// close: Linux aborts such an orphan.
func (c *conn) finRcvdOutOfOrder(s *segment) bool {
	if s.seqLen() == 0 {
		return false
	}
	end := s.end()
	if s.has(wire.TCPFlagFIN) {
		end--
	}
	return end.gt(c.rcvNxt)
}

// pawsReject is tcp_paws_discard: a timestamp more than one tick older
// than ts_recent is rejected (RFC 7323 5.3), unless ts_recent is unset or
// stale (older than 24 days, RFC 7323 5.5), or the segment is a
// disordered duplicate ACK within an RTO's worth of ticks
// (tcp_disordered_ack).
func (c *conn) pawsReject(s *segment) bool {
	if c.tsRecent == 0 || int32(c.tsRecent-s.opts.TSVal) <= 1 {
		return false
	}
	if c.now().Sub(c.tsRecentAt) >= 24*24*time.Hour {
		return false
	}
	return !c.disorderedAck(s)
}

// disorderedAck is tcp_disordered_ack.
func (c *conn) disorderedAck(s *segment) bool {
	if !s.has(wire.TCPFlagACK) || s.seqLen() != 0 || s.seq != c.rcvNxt || s.ack != c.sndUna {
		return false
	}
	nwin := uint32(s.wnd) << c.sndWscale
	if c.mayUpdateWindow(s.ack, s.seq, nwin) {
		return false
	}
	return int64(int32(c.tsRecent-s.opts.TSVal)) <= int64(c.rto*1024/time.Second)
}

// mayUpdateWindow is tcp_may_update_window (RFC 9293 3.10.7.4).
func (c *conn) mayUpdateWindow(ack, sq seq, nwin uint32) bool {
	return ack.gt(c.sndUna) || sq.gt(c.sndWl1) || (sq == c.sndWl1 && (nwin > c.sndWnd || nwin == 0))
}

// sequenceOK is tcp_sequence: the segment overlaps [rcv_wup, rcv_nxt + window].
func (c *conn) sequenceOK(s *segment) bool {
	if s.end().lt(c.rcvWup) {
		return false
	}
	return !s.seq.gt(c.rcvNxt.add(c.receiveWindow()))
}

// resetCheck is tcp_reset_check: in CLOSE-WAIT, LAST-ACK and CLOSING a
// reset one below rcv_nxt (for our FIN's sequence space) is honoured.
func (c *conn) resetCheck(s *segment) bool {
	return s.seq == c.rcvNxt-1 && (c.state == stateCloseWait || c.state == stateLastAck || c.state == stateClosing)
}

// synChallenge answers a SYN in a synchronized state (TCPSYNChallenge).
// In ESTABLISHED the SYN also counts as an input error (the syn_inerr of
// tcp_rcv_established).
func (c *conn) synChallenge(s *segment) {
	if c.state == stateEstablished {
		c.p.stats.TCP.Inc(snmp.TCPInErrs)
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSYNChallenge)
	c.challengeAck()
}

// challengeAck is tcp_send_challenge_ack: rate limited per socket by
// tcp_invalid_ratelimit and per stack by tcp_challenge_ack_limit.
func (c *conn) challengeAck() {
	if c.oowRateLimited(snmp.TCPExtTCPACKSkippedChallenge) {
		return
	}
	if !c.p.challengeAllowed() {
		return
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPChallengeACK)
	c.sendAck()
}

// sendDupAck is tcp_send_dupack: acknowledge an unacceptable segment;
// for one carrying sequence space below rcv_nxt the peer lost our ACK:
// quick-ACK mode and a D-SACK of the duplicate (RFC 2883).
func (c *conn) sendDupAck(s *segment) {
	if s.seqLen() > 0 && s.seq.lt(c.rcvNxt) {
		c.p.stats.TCPExt.Inc(snmp.TCPExtDelayedACKLost)
		c.enterQuickack()
		if c.sackOK && c.p.v.dsack.Bool() {
			end := seqMin(s.end(), c.rcvNxt)
			c.setDSACK(s.seq, end)
		}
	}
	c.sendAck()
}

// oowLimited is tcp_oow_rate_limited: a segment occupying sequence space
// without SYN is not part of an ACK loop and is never limited; others
// are, counted under mib.
func (c *conn) oowLimited(s *segment, mib int) bool {
	if s.seqLen() > 0 && !s.has(wire.TCPFlagSYN) {
		return false
	}
	return c.oowRateLimited(mib)
}

// oowRateLimited is __tcp_oow_rate_limited: at most one such ACK per
// tcp_invalid_ratelimit milliseconds.
func (c *conn) oowRateLimited(mib int) bool {
	now := c.now()
	lim := time.Duration(c.p.v.invalidRatelimit.Int()) * time.Millisecond
	if !c.lastOOWAck.IsZero() {
		if d := now.Sub(c.lastOOWAck); d >= 0 && d < lim {
			c.p.stats.TCPExt.Inc(mib)
			return true
		}
	}
	c.lastOOWAck = now
	return false
}

// resetAtSACKEdge reports a reset at the right edge of the highest SACK
// block we report (tcp_validate_incoming).
func (c *conn) resetAtSACKEdge(s *segment) bool {
	if !c.sackOK || len(c.sacks) == 0 {
		return false
	}
	edge := c.sacks[0].end
	for _, b := range c.sacks[1:] {
		edge = seqMax(edge, b.end)
	}
	return s.seq == edge
}

// reset is tcp_reset: the peer reset the connection.
func (c *conn) reset(s *segment) {
	var err unix.Errno
	switch c.state {
	case stateSynSent:
		err = unix.ECONNREFUSED
	case stateCloseWait:
		err = unix.EPIPE
	case stateClose:
		return
	default:
		err = unix.ECONNRESET
	}
	c.resetLocal(err)
}

// resetLocal closes the connection with an error for the user (tcp_done
// after tcp_reset or a timeout).
func (c *conn) resetLocal(err unix.Errno) {
	if !c.orphaned {
		c.SetError(err)
	}
	c.done2()
}

// synRecvEstablished completes a passive (or crossed) handshake.
func (c *conn) synRecvEstablished(s *segment) {
	c.delivered++
	c.setState(stateEstablished)
	c.sndUna = s.ack
	c.sndWnd = uint32(s.wnd) << c.sndWscale
	c.sndWl1 = s.seq
	c.maxWindow = max(c.maxWindow, c.sndWnd)
	c.lastSend = c.now()
	c.lrcvtime, c.lastAckRecv = c.lastSend, c.lastSend
	c.initRcvMSS()
	c.initBufferSpace()
	c.retransStamp = time.Time{}
	c.armKeepalive()
	if c.parent != nil {
		c.parent.childEstablished(c)
	} else {
		c.Wq.Notify(wakeAll)
	}
	if c.ShutdownBits()&2 != 0 {
		c.sendFin()
	}
}

// dataQueue is tcp_data_queue: in-order data goes to the reader (and pulls
// in whatever out-of-order data now fits), duplicates earn a D-SACK and an
// immediate ACK, out-of-order data waits with a SACK.
func (c *conn) dataQueue(s *segment) {
	data := s.data
	fin := s.has(wire.TCPFlagFIN)
	if s.seqLen() == 0 {
		return
	}
	sq := s.seq
	if sq == c.rcvNxt {
		if c.receiveWindow() == 0 && len(data) > 0 {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPZeroWindowDrop)
			c.enterQuickack()
			c.ackNow = true
			return
		}
		c.queueInOrder(data, fin, s.ipLen)
		return
	}
	if !s.end().gt(c.rcvNxt) {
		// A pure duplicate: the peer lost our ACK.
		c.p.stats.TCPExt.Inc(snmp.TCPExtDelayedACKLost)
		if c.sackOK && c.p.v.dsack.Bool() {
			c.setDSACK(sq, s.end())
		}
		c.enterQuickack()
		c.ackNow = true
		return
	}
	if !sq.lt(c.rcvNxt.add(c.receiveWindow())) {
		c.enterQuickack()
		c.ackNow = true
		return
	}
	if sq.lt(c.rcvNxt) {
		// Partial overlap: D-SACK the old part, queue the rest.
		if c.sackOK && c.p.v.dsack.Bool() {
			c.setDSACK(sq, c.rcvNxt)
		}
		if c.receiveWindow() == 0 {
			c.enterQuickack()
			c.ackNow = true
			return
		}
		data = data[c.rcvNxt.diff(sq):]
		c.queueInOrder(data, fin, s.ipLen)
		return
	}
	c.queueOutOfOrder(sq, data, fin, s.ipLen)
}

// rmemFull is tcp_try_rmem_schedule failing: the receive memory is over
// SO_RCVBUF even after tcp_clamp_window let an unlocked buffer grow to
// what is held (within tcp_rmem[2]).
func (c *conn) rmemFull() bool {
	rcvbuf := int(c.Opts.RcvBuf.Load())
	if c.rmemAlloc <= rcvbuf {
		return false
	}
	// tcp_prune_queue, tcp_clamp_window.
	if rcvbuf < c.p.v.rmem.IntAt(2) && c.Opts.BufLock.Load()&2 == 0 {
		rcvbuf = min(c.rmemAlloc, c.p.v.rmem.IntAt(2))
		c.Opts.RcvBuf.Store(int32(rcvbuf))
	}
	if c.rmemAlloc > rcvbuf {
		c.rcvSsthresh = min(c.windowClamp, 2*uint32(c.advMSS))
		return true
	}
	return false
}

// queueInOrder appends in-order data (and a FIN) for the reader.
func (c *conn) queueInOrder(data []byte, fin bool, ipLen int) {
	if len(data) > 0 {
		if c.rmemFull() {
			// No memory: ACK at once (with the window as it is),
			// and drop if the reader has something to take.
			c.ackNow = true
			c.ackNoMem = true
			if c.rcvq.len() > 0 {
				c.p.stats.TCPExt.Inc(snmp.TCPExtTCPRcvQDrop)
				return
			}
		}
		c.rcvq.write(data)
		c.rcvNxt = c.rcvNxt.add(uint32(len(data)))
		c.rcvCharges.push(charge{end: c.rcvNxt, size: c.chargeRcv(ipLen)})
		c.bytesReceived += uint64(len(data))
		c.eventDataRecv(len(data), ipLen)
	}
	if len(c.ooo) > 0 {
		c.oooToQueue(&fin)
		if len(c.ooo) == 0 {
			c.ackNow = true
		}
	}
	c.pruneSACKs()
	if fin {
		c.rcvNxt++
		c.finArrived()
	}
	c.lastDataRecv = c.now()
	c.Wq.Notify(readable)
}

// oooToQueue is tcp_ofo_queue: move out-of-order data that now fits.
func (c *conn) oooToQueue(fin *bool) {
	for len(c.ooo) > 0 {
		o := c.ooo[0]
		if o.seq.gt(c.rcvNxt) {
			return
		}
		c.ooo = c.ooo[1:]
		end := o.seq.add(uint32(len(o.data)))
		if end.gt(c.rcvNxt) {
			d := o.data[c.rcvNxt.diff(o.seq):]
			c.rcvq.write(d)
			c.rcvNxt = end
			c.bytesReceived += uint64(len(d))
			c.rcvCharges.push(charge{end: end, size: o.charge})
		} else {
			c.rmemAlloc -= o.charge
		}
		if o.fin {
			*fin = true
		}
	}
}

// queueOutOfOrder is tcp_data_queue_ofo: keep the data, merge it with its
// neighbours, report it in a SACK block, and ACK at once.
func (c *conn) queueOutOfOrder(sq seq, data []byte, fin bool, ipLen int) {
	if c.rmemFull() {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPOFODrop)
		c.ackNow = true
		return
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPOFOQueue)
	c.rcvOooPack++
	// Sequence space, the FIN included (end_seq).
	end := sq.add(uint32(len(data)) + b2u(fin))
	// Data all held already: a D-SACK of it (tcp_data_queue_ofo), then
	// the SACK blocks as they are.
	for _, o := range c.ooo {
		oend := o.seq.add(uint32(len(o.data)) + b2u(o.fin))
		if !sq.lt(o.seq) && !end.gt(oend) {
			c.setDSACK(sq, end)
			c.ackPending = true
			if c.sackOK {
				c.addSACK(sq, end)
			}
			return
		}
		if sq.lt(oend) && end.gt(o.seq) {
			// Partial overlap: D-SACK the part held.
			c.setDSACK(seqMax(sq, o.seq), seqMin(end, oend))
		}
	}
	buf := append([]byte(nil), data...)
	// Insert keeping order; overlapping data already held wins.
	i := 0
	for i < len(c.ooo) && c.ooo[i].seq.lt(sq) {
		i++
	}
	c.ooo = append(c.ooo, oooSeg{})
	copy(c.ooo[i+1:], c.ooo[i:])
	c.ooo[i] = oooSeg{seq: sq, data: buf, fin: fin, charge: c.chargeRcv(ipLen)}
	c.mergeOOO()
	if c.sackOK {
		c.addSACK(sq, end)
	}
	c.ackPending = true
}

// mergeOOO coalesces overlapping or adjacent out-of-order ranges.
func (c *conn) mergeOOO() {
	out := c.ooo[:0]
	for _, o := range c.ooo {
		if n := len(out); n > 0 {
			last := &out[n-1]
			lend := last.seq.add(uint32(len(last.data)))
			if !o.seq.gt(lend) {
				oend := o.seq.add(uint32(len(o.data)))
				if oend.gt(lend) {
					last.data = append(last.data, o.data[lend.diff(o.seq):]...)
				}
				last.fin = last.fin || o.fin
				last.charge += o.charge
				continue
			}
		}
		out = append(out, o)
	}
	c.ooo = out
}

// finArrived is tcp_fin.
func (c *conn) finArrived() {
	c.ackPending = true
	c.finRcvd = true
	c.AddShutdown(1) // RCV_SHUTDOWN
	switch c.state {
	case stateSynRecv, stateEstablished:
		c.setState(stateCloseWait)
		c.pingpong = 1
	case stateFinWait1:
		c.sendAck()
		c.setState(stateClosing)
	case stateFinWait2:
		c.sendAck()
		c.enterTimeWait(stateTimeWait, timeWaitLen)
	}
	for _, o := range c.ooo {
		c.rmemAlloc -= o.charge
	}
	c.ooo = nil
	c.sacks = c.sacks[:0]
	c.Wq.Notify(wakeAll)
}
