package tcp

import (
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
)

// Wake-up sets.
const (
	readable = socket.Readable
	writable = socket.Writable
	wakeAll  = socket.Readable | socket.Writable | socket.EventErr | socket.EventHup | socket.EventRdHup
)

// setState is tcp_set_state with its counters: CurrEstab counts
// ESTABLISHED and CLOSE-WAIT, EstabResets the jumps from them straight to
// CLOSE; CLOSE unhashes the socket and gives back a port bind(2) did not
// fix.
func (c *conn) setState(st state) {
	old := c.state
	if old == st {
		return
	}
	tcp := &c.p.stats.TCP
	switch st {
	case stateEstablished:
		tcp.Inc(snmp.TCPCurrEstab)
	case stateCloseWait:
		if old == stateSynRecv {
			tcp.Inc(snmp.TCPCurrEstab)
		}
	}
	if st != stateEstablished && st != stateCloseWait && (old == stateEstablished || old == stateCloseWait) {
		tcp.Dec(snmp.TCPCurrEstab)
	}
	if st == stateClose {
		if old == stateCloseWait || old == stateEstablished {
			tcp.Inc(snmp.TCPEstabResets)
		}
		c.p.mu.Lock()
		c.p.unhashLocked(c)
		if c.bound && !c.bindPort {
			c.p.unbindLocked(c)
		}
		c.p.mu.Unlock()
	}
	c.state = st
	c.Wq.Notify(wakeAll)
}

// done2 is tcp_done: the connection is over.
func (c *conn) done2() {
	if c.state == stateSynSent || c.state == stateSynRecv {
		c.p.stats.TCP.Inc(snmp.TCPAttemptFails)
	}
	c.setState(stateClose)
	c.stopTimers()
	c.AddShutdown(socket.ShutBoth)
	c.done = true
	if c.orphaned {
		c.destroy()
	}
	c.Wq.Notify(wakeAll)
}

// destroy frees what a closed, orphaned connection holds.
func (c *conn) destroy() {
	c.sndq.release()
	c.rcvq.release()
	c.ooo = nil
	c.rtx = nil
	if c.orphaned {
		c.orphaned = false
		c.p.orphans.Add(-1)
	}
}

// enterTimeWait is tcp_time_wait: keep the 4-tuple for TIME_WAIT_LEN so
// late segments find it, freeing the buffers.
func (c *conn) enterTimeWait() {
	c.setState(stateTimeWait)
	c.stopRtxTimer()
	if c.delackTimer != nil {
		c.delackTimer.Stop()
		c.delackArmed = false
	}
	c.armKA(kaTimeWait, timeWaitLen)
	c.AddShutdown(socket.ShutBoth)
	c.rtx = nil
	c.ooo = nil
	if c.orphaned {
		c.sndq.release()
		c.rcvq.release()
	}
}

// timeWaitArrived is tcp_timewait_state_process for TIME-WAIT.
func (c *conn) timeWaitArrived(s *segment) {
	paws := c.tsOK && s.opts.HasTimestamp && int32(s.opts.TSVal-c.tsRecent) < 0
	if !paws && s.seq == c.rcvNxt && (s.seqLen() == 0 || s.has(wire.TCPFlagRST)) {
		if s.has(wire.TCPFlagRST) {
			if !c.p.v.rfc1337.Bool() {
				c.done2()
				return
			}
		} else {
			c.armKA(kaTimeWait, timeWaitLen)
		}
		if s.opts.HasTimestamp {
			c.tsRecent, c.tsRecentAt = s.opts.TSVal, c.now()
		}
		return
	}
	if s.has(wire.TCPFlagSYN) && !s.has(wire.TCPFlagRST) && !s.has(wire.TCPFlagACK) && !paws &&
		(s.seq.gt(c.rcvNxt) || (s.opts.HasTimestamp && int32(c.tsRecent-s.opts.TSVal) < 0)) {
		// A new incarnation: hand the SYN to the listener with an ISN
		// above everything this one used.
		isn := c.sndNxt.add(65535 + 2)
		c.done2()
		c.p.reopenFromTimeWait(s, isn)
		return
	}
	if paws {
		c.p.stats.TCPExt.Inc(snmp.TCPExtPAWSTimewait)
	}
	if !s.has(wire.TCPFlagRST) {
		if paws || s.has(wire.TCPFlagACK) {
			c.armKA(kaTimeWait, timeWaitLen)
		}
		if c.oowLimited(s, snmp.TCPExtTCPACKSkippedTimeWait) {
			return
		}
		c.emit(c.sndNxt, wire.TCPFlagACK, 0)
	}
}

// killTimeWaitLocked removes a TIME-WAIT entry whose tuple is reused
// (called with p.mu held).
func (c *conn) killTimeWaitLocked() {
	c.hashed = false
	delete(c.p.est, mkTuple(c.local, c.remote))
	c.p.unbindLocked(c)
	c.state = stateClose
	if c.kaTimer != nil {
		c.kaTimer.Stop()
	}
	c.p.stats.TCPExt.Inc(snmp.TCPExtTWRecycled)
}

// reopenFromTimeWait passes a SYN that ended a TIME-WAIT to the listener.
func (p *Proto) reopenFromTimeWait(s *segment, isn seq) {
	p.mu.RLock()
	ln := p.lookupListenerLocked(s.dst, s.src, s.ifindex)
	p.mu.RUnlock()
	if ln == nil {
		p.sendReset(s)
		return
	}
	ln.Mu.Lock()
	defer ln.Mu.Unlock()
	if ln.state == stateListen {
		ln.listenSegment(s)
	}
}
