package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// Linux's delayed ACK bounds (TCP_ATO_MIN, TCP_DELACK_MIN, TCP_DELACK_MAX)
// and quick-ACK budget (TCP_MAX_QUICKACKS).
const (
	atoMin      = 40 * time.Millisecond
	delackMax   = 200 * time.Millisecond
	maxQuickack = 16
)

// initRcvMSS is tcp_initialize_rcv_mss: a first guess of the peer's
// segment size.
func (c *conn) initRcvMSS() {
	hint := min(uint32(c.advMSS), c.mssCache)
	hint = min(hint, c.rcvWnd/2)
	hint = min(hint, 536)
	c.rcvMSS = max(hint, 536)
	c.rcvMSS = min(c.rcvMSS, c.mssCache)
	if c.rcvMSS == 0 {
		c.rcvMSS = defaultMSS
	}
}

// enterQuickack is tcp_enter_quickack_mode.
func (c *conn) enterQuickack() {
	c.incrQuickack(maxQuickack)
	c.pingpong = 0
	c.ato = atoMin
}

// incrQuickack is tcp_incr_quickack: ACK every segment for a while (as
// many as half the window's worth, at most max).
func (c *conn) incrQuickack(maxq uint32) {
	q := c.rcvWnd / (2 * max(c.rcvMSS, 1))
	q = min(q, maxq)
	if q > uint32(c.quick) {
		c.quick = uint8(q)
	}
}

// eventDataRecv is tcp_event_data_recv: track the peer's segment size, the
// ACK timeout from inter-arrival times, and grow the window.
func (c *conn) eventDataRecv(n, ipLen int) {
	now := c.now()
	c.measureRcvMSS(n, ipLen, c.tcpHeaderLen(), false)
	c.rcvRTTMeasure()
	if c.ato == 0 {
		c.incrQuickack(maxQuickack)
		c.ato = atoMin
	} else {
		m := now.Sub(c.lrcvtime)
		switch {
		case m <= atoMin/2:
			c.ato = c.ato/2 + atoMin/2
		case m < c.ato:
			c.ato = c.ato/2 + m
			if c.ato > c.rto {
				c.ato = c.rto
			}
		case m > c.rto:
			c.incrQuickack(maxQuickack)
		}
	}
	c.lrcvtime = now
	c.growWindow(n, ipLen)
	c.ackPending = true
}

// ackSndCheck is __tcp_ack_snd_check: ACK now if more than one full
// segment is unacknowledged (and the window would not shrink), in quick-ACK
// mode, or when something demands it; else delay the ACK.
func (c *conn) ackSndCheck() {
	if !c.ackPending && !c.ackNow {
		return
	}
	inQuick := c.quick > 0 && c.pingpong == 0
	if c.ackNow || inQuick || c.quickackOpt ||
		(uint32(c.rcvNxt.diff(c.rcvWup)) > c.rcvMSS &&
			(c.rcvq.len() < int(c.Opts.RcvLowat.Load()) || c.computeWindow() >= c.rcvWnd)) {
		c.sendAck()
		return
	}
	if len(c.ooo) == 0 {
		c.armDelack()
		return
	}
	// Out-of-order data: ACK at once, but past three duplicate ACKs for
	// the same rcv_nxt, SACK compression: one ACK after 5% of the RTT
	// (at most tcp_comp_sack_delay_ns), or after tcp_comp_sack_nr of
	// them.
	if !c.sackOK || c.compressedAck >= uint32(c.p.env.Settings.MustVar("net.ipv4.tcp_comp_sack_nr").Int()) {
		c.sendAck()
		return
	}
	if c.compRcvNxt != c.rcvNxt {
		c.compRcvNxt = c.rcvNxt
		c.dupAckCounter = 0
	}
	if c.dupAckCounter < 3 {
		c.dupAckCounter++
		c.sendAck()
		return
	}
	c.compressedAck++
	if c.compArmed {
		return
	}
	rtt := c.rcvRttUs
	if c.srttUs != 0 && c.srttUs < rtt {
		rtt = c.srttUs
	}
	delay := min(c.p.env.Settings.MustVar("net.ipv4.tcp_comp_sack_delay_ns").Duration(),
		time.Duration(rtt)*time.Microsecond/8/20)
	c.compArmed = true
	if c.compTimer == nil {
		c.compTimer = c.p.env.Clock.AfterFunc(delay, c.compressedAckFired)
		return
	}
	c.compTimer.Reset(delay)
}

// compressedAckFired is tcp_compressed_ack_kick.
func (c *conn) compressedAckFired() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.compArmed = false
	if c.compressedAck > 0 && c.state != stateClose && c.state != stateListen {
		c.compressedAck = min(c.compressedAck, 2) // reported as one
		c.sendAck()
	}
}

// ackSent is tcp_event_ack_sent: any segment carrying our ACK clears the
// pending one.
func (c *conn) ackSent() {
	if c.quick > 0 {
		c.quick--
	}
	c.ackPending = false
	c.ackNow = false
	c.ackNoMem = false
	if c.delackTimer != nil && c.delackArmed {
		c.delackTimer.Stop()
		c.delackArmed = false
	}
	if c.compressedAck > 0 {
		c.p.stats.TCPExt.Add(snmp.TCPExtTCPAckCompressed, uint64(c.compressedAck-1))
		c.compressedAck = 0
		if c.compArmed {
			c.compTimer.Stop()
			c.compArmed = false
		}
	}
	c.hasDSACK = false
}

// fillSACK puts our SACK blocks (the D-SACK first) into outgoing options,
// as many as fit with the timestamp.
func (c *conn) fillSACK(o *wire.TCPOptions) {
	n := 0
	maxBlocks := wire.TCPMaxSACKBlocks
	if o.HasTimestamp {
		maxBlocks = 3
	}
	if c.hasDSACK {
		o.SACK[n] = wire.TCPSACKBlock{Start: uint32(c.dsack.start), End: uint32(c.dsack.end)}
		n++
	}
	for _, b := range c.sacks {
		if n >= maxBlocks {
			break
		}
		o.SACK[n] = wire.TCPSACKBlock{Start: uint32(b.start), End: uint32(b.end)}
		n++
	}
	o.NumSACK = n
}

// addSACK records a newly received out-of-order range as the first SACK
// block (RFC 2018 4: the most recent first), merging blocks it touches.
func (c *conn) addSACK(start, end seq) {
	nb := sackBlock{start, end}
	out := c.sacks[:0:0]
	for _, b := range c.sacks {
		if !b.end.lt(nb.start) && !nb.end.lt(b.start) {
			nb.start = seqMin(nb.start, b.start)
			nb.end = seqMax(nb.end, b.end)
			continue
		}
		out = append(out, b)
	}
	c.sacks = append([]sackBlock{nb}, out...)
	if len(c.sacks) > wire.TCPMaxSACKBlocks {
		c.sacks = c.sacks[:wire.TCPMaxSACKBlocks]
	}
}

// pruneSACKs drops blocks rcv_nxt has passed (tcp_sack_remove).
func (c *conn) pruneSACKs() {
	out := c.sacks[:0]
	for _, b := range c.sacks {
		if b.end.gt(c.rcvNxt) {
			out = append(out, b)
		}
	}
	c.sacks = out
}

// setDSACK is tcp_dsack_set: a duplicate range to report once (RFC
// 2883), counted as old (below rcv_nxt) or out of order.
func (c *conn) setDSACK(start, end seq) {
	if !c.sackOK || !c.p.v.dsack.Bool() {
		return
	}
	if start.lt(c.rcvNxt) {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKOldSent)
	} else {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPDSACKOfoSent)
	}
	c.dsack, c.hasDSACK = sackBlock{start, end}, true
}

// delayedAckFired is tcp_delack_timer.
func (c *conn) delayedAckFired() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.delackArmed = false
	if c.state == stateClose || c.state == stateListen || c.state == stateTimeWait {
		return
	}
	if !c.ackPending {
		return
	}
	if c.pingpong == 0 {
		c.ato = min(c.ato*2, c.rto)
	} else {
		c.pingpong = 0
		c.ato = atoMin
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtDelayedACKs)
	c.sendAck()
}
