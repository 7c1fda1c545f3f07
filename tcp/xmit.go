package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// unsent is how many queued bytes have not been sent yet.
func (c *conn) unsent() int {
	sentData := int(c.sndNxt.diff(c.sndUna))
	if c.finSent() {
		sentData--
	}
	if c.synOutstanding() {
		sentData--
	}
	return c.sndq.len() - max(sentData, 0)
}

// finSent reports whether our FIN has been sent (and occupies snd_nxt-1).
func (c *conn) finSent() bool {
	return c.finQueued && c.sndNxt.gt(c.writeSeq)
}

// synOutstanding reports an unacknowledged SYN at snd_una.
func (c *conn) synOutstanding() bool {
	return len(c.rtx) > 0 && c.rtx[0].flags&segSYN != 0
}

// pushPending is tcp_push_pending_frames: tcp_write_xmit preceded by
// tcp_xmit_retransmit_queue, then a tail loss probe armed for what went
// out.
func (c *conn) pushPending() {
	switch c.state {
	case stateEstablished, stateCloseWait, stateFinWait1, stateClosing, stateLastAck:
	default:
		return
	}
	if c.frtoNew {
		// tcp_xmit_recovery with REXMIT_NEW: new data first (Nagle
		// off); if none could go, F-RTO gives way to retransmission.
		c.frtoNew = false
		if c.writeXmit(true, false) > 0 {
			c.scheduleLossProbe(false)
		}
		if !c.sndNxt.gt(c.highSeq) {
			c.frto = false
			c.retransmitLost()
		}
	} else {
		c.retransmitLost()
	}
	if c.writeXmit(false, false) > 0 {
		c.scheduleLossProbe(false)
	}
	// tcp_check_probe_timer: data held back with nothing in flight (a
	// closed window, TCP_CORK, Nagle) goes out with the persist timer
	// at the latest: the 200 ms ceiling of TCP_CORK.
	if c.packetsOut == 0 && c.unsent() > 0 {
		c.armProbe()
	}
}

// pushOne sends at most one new segment, Nagle aside (tcp_write_xmit
// with push_one 2, for a loss probe).
func (c *conn) pushOne() { c.writeXmit(true, true) }

// writeXmit is tcp_write_xmit: send new data (and the FIN) as the
// congestion window, the peer's window, Nagle and TCP_CORK allow. It
// returns the segments sent.
func (c *conn) writeXmit(nagleOff, one bool) int {
	sent := 0
	for {
		unsent := c.unsent()
		needFin := c.finQueued && !c.finSent()
		if unsent <= 0 && !needFin {
			break
		}
		if c.inFlight() >= c.cwnd && !one {
			c.cwndLimited = true
			break
		}
		mss := int(c.mssCache)
		n := min(unsent, mss)
		wndEnd := c.sndUna.add(c.sndWnd)
		if room := int(wndEnd.diff(c.sndNxt)); n > room {
			if room <= 0 {
				break
			}
			// Send what the window takes only if nothing is in
			// flight or it is a full segment's worth (tcp_snd_wnd_test
			// and tcp_mss_split_point).
			if room < mss && c.packetsOut > 0 {
				break
			}
			n = room
		}
		last := n == unsent
		fin := needFin && last
		if n > 0 && n < mss && !fin && !nagleOff && !c.nagleOK(n, last) {
			break
		}
		if n == 0 && !fin {
			break
		}
		flags := uint16(wire.TCPFlagACK)
		if last && n > 0 {
			flags |= wire.TCPFlagPSH
		}
		if fin {
			flags |= wire.TCPFlagFIN
		}
		c.sendNew(n, flags)
		sent++
		if c.caState == caRecovery {
			c.prrOut++
		}
		if one {
			break
		}
	}
	if sent > 0 {
		c.maxPacketsOut = max(c.maxPacketsOut, c.packetsOut)
	}
	return sent
}

// nagleOK is tcp_nagle_test for a partial segment: TCP_CORK holds it;
// without TCP_NODELAY it waits while a small segment is unacknowledged
// (Minshall's variant).
func (c *conn) nagleOK(n int, last bool) bool {
	if c.cork {
		return false
	}
	if c.nodelay || c.urgMode {
		return true
	}
	if c.packetsOut == 0 {
		return true
	}
	// Minshall: wait only if a previous small segment is in flight
	// (tcp_minshall_check).
	return !(c.sndSml.gt(c.sndUna) && !c.sndSml.gt(c.sndNxt))
}

// sendNew sends n new bytes (and the flags) at snd_nxt and queues the
// segment for retransmission.
func (c *conn) sendNew(n int, flags uint16) {
	sq := c.sndNxt
	now := c.now()
	if c.packetsOut == 0 && c.cc != nil && !c.lastSend.IsZero() {
		idle := now.Sub(c.lastSend)
		c.cc.txStart(c, idle)
		if c.p.v.slowStartAfterIdle.Bool() && idle > c.rto && c.rto > 0 {
			c.cwndRestart(idle)
		}
	}
	c.emit(sq, flags, n)
	sg := txSeg{seq: sq, len: uint32(n), sent: now, txDelivered: c.delivered}
	if flags&wire.TCPFlagFIN != 0 {
		sg.flags |= segFIN
	}
	if flags&wire.TCPFlagPSH != 0 {
		sg.flags |= segPSH
	}
	c.rtx = append(c.rtx, sg)
	c.packetsOut++
	c.sndNxt = sg.end()
	if c.sndNxt.gt(c.sndMax) {
		c.sndMax = c.sndNxt
	}
	if n < int(c.mssCache) {
		c.sndSml = c.sndNxt
	}
	if n > 0 {
		c.bytesSent += uint64(n)
		c.lastSend = now
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTCPOrigDataSent) // tcp_event_new_data_sent
	if c.rtxKind != timerRTO {
		c.armRTO()
	}
}

// cwndRestart is tcp_cwnd_restart (RFC 5681 4.1): after an idle period
// longer than the RTO the window shrinks back towards the initial one.
func (c *conn) cwndRestart(idle time.Duration) {
	restart := min(uint32(initCwnd), c.cwnd)
	cwnd := c.cwnd
	c.ssthresh = max(c.ssthresh, cwnd/4*3)
	for d := idle; d > c.rto && cwnd > restart; d -= c.rto {
		cwnd >>= 1
	}
	c.cwnd = max(cwnd, restart)
}

// retransmitLost is tcp_xmit_retransmit_queue: resend lost segments while
// the window allows.
func (c *conn) retransmitLost() {
	if c.lostOut == 0 {
		return
	}
	for i := range c.rtx {
		if c.inFlight() >= c.cwnd {
			return
		}
		sg := &c.rtx[i]
		if sg.flags&segLost == 0 || sg.flags&(segSACKed|segRetrans) != 0 {
			continue
		}
		c.retransmitSeg(sg)
		// tcp_xmit_retransmit_queue counts what it resends.
		if c.caState != caLoss {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPFastRetrans)
		} else {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSlowStartRetrans)
		}
		if c.caState == caRecovery {
			c.prrOut++
		}
	}
}

// retransmitSeg sends a segment of the retransmission queue again.
func (c *conn) retransmitSeg(sg *txSeg) {
	flags := uint16(wire.TCPFlagACK)
	if sg.flags&segSYN != 0 {
		c.emit(sg.seq, wire.TCPFlagSYN, 0)
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPSynRetrans)
	} else {
		if sg.flags&segFIN != 0 {
			flags |= wire.TCPFlagFIN
		}
		if sg.flags&segPSH != 0 {
			flags |= wire.TCPFlagPSH
		}
		c.emit(sg.seq, flags, int(sg.len))
	}
	now := c.now()
	if c.retransStamp.IsZero() {
		c.retransStamp = now
	}
	sg.sent = now
	sg.txDelivered = c.delivered
	sg.flags |= segRetrans | segEverRetr
	// tcp_retransmit_skb counts what D-SACKs may prove spurious.
	if c.undoRetrans < 0 {
		c.undoRetrans = 0
	}
	c.undoRetrans++
	c.retransOut++
	c.totalRetrans++
	c.bytesRetrans += uint64(sg.len)
	c.p.stats.TCP.Inc(snmp.TCPRetransSegs)
}

// sendFin queues our FIN after the data (tcp_send_fin) and pushes.
func (c *conn) sendFin() {
	if c.finQueued {
		return
	}
	c.finQueued = true
	c.pushPending()
}

// write queues user data (the caller checked the room).
func (c *conn) writeData(p []byte) {
	c.sndq.write(p)
	c.writeSeq = c.writeSeq.add(uint32(len(p)))
}
