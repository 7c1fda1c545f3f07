package tcp

import (
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
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
			c.p.unbindLocked(binding{c: c}, c.local.Port())
		}
		c.p.mu.Unlock()
	}
	c.state = st
	if c.lingerDone != nil && !lingering(st) {
		close(c.lingerDone)
		c.lingerDone = nil
	}
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

// destroy frees what a closed, orphaned connection holds, its port too
// (inet_csk_destroy_sock: tcp_v4_destroy_sock puts the port whatever
// SOCK_BINDPORT_LOCK says; a TIME-WAIT entry holds it on its own).
func (c *conn) destroy() {
	c.p.mu.Lock()
	c.p.unhashLocked(c)
	if c.bound {
		c.p.unbindLocked(binding{c: c}, c.local.Port())
	}
	c.p.mu.Unlock()
	c.sndq.release()
	c.rcvq.release()
	c.rmemAlloc = 0
	c.rcvCharges.reset()
	c.ooo = nil
	c.rtx = nil
	if c.orphaned {
		c.orphaned = false
		c.p.orphans.Add(-1)
	}
}
