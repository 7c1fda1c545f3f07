package tcp

import (
	"net/netip"
	"time"

	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

type socketaddr = socket.Sockaddr

var (
	zeroAP     = netip.AddrPort{}
	anyInvalid = netip.Addr{}
)

func netipAddrPort(a netip.Addr, p uint16) netip.AddrPort { return netip.AddrPortFrom(a, p) }

var _ socket.Proto = (*conn)(nil)

// Core returns the generic socket state.
func (c *conn) Core() *socket.Base { return &c.Base }

// Bind is __inet_bind with inet_csk_get_port.
func (c *conn) Bind(sa socket.Sockaddr) error {
	t, err := c.BindCheck(sa)
	if err != nil {
		return err
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if c.state != stateClose || c.bound {
		return unix.EINVAL
	}
	addr, port := sa.Addr.Addr(), sa.Addr.Port()
	if t == route.TypeMulticast || t == route.TypeBroadcast {
		// TCP cannot use them; Linux binds anyway and fails later.
	}
	if port == 0 && c.Opts.BindNoPort.Load() {
		c.local = netip.AddrPortFrom(addr, 0)
	} else if err := c.p.getPort(c, addr, port); err != nil {
		return err
	}
	c.bindAddr = addr != anyAddr
	c.bindPort = port != 0
	return nil
}

// Disconnect is connect(AF_UNSPEC): tcp_disconnect.
func (c *conn) Disconnect() error {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.disconnect()
	c.sock = ssUnconnected
	return nil
}

// disconnect is tcp_disconnect: abort whatever the socket was doing
// (resetting a synchronized connection) and make it reusable.
func (c *conn) disconnect() {
	old := c.state
	if old != stateClose {
		c.setState(stateClose)
	}
	switch {
	case old == stateListen:
		c.listenStop()
	case old == stateEstablished || old == stateCloseWait || old == stateFinWait1 || old == stateFinWait2 || old == stateSynRecv ||
		(c.sndNxt != c.writeSeq && (old == stateClosing || old == stateLastAck)):
		c.sendResetNow()
		c.SetError(unix.ECONNRESET)
	case old == stateSynSent:
		c.SetError(unix.ECONNRESET)
	}
	c.stopTimers()
	c.sndq.release()
	c.rcvq.release()
	c.rmemAlloc = 0
	c.rcvCharges.reset()
	c.ooo, c.rtx, c.sacks = nil, nil, nil
	c.packetsOut, c.sackedOut, c.lostOut, c.retransOut = 0, 0, 0, 0
	c.finQueued, c.finRcvd = false, false
	c.p.mu.Lock()
	if !c.bindAddr {
		c.local = netip.AddrPortFrom(anyAddr, c.local.Port())
		if !c.bound {
			c.local = zeroAP
		}
	}
	c.remote = zeroAP
	c.p.mu.Unlock()
	c.rt = nil
	c.initDefaults()
	c.caState = caOpen
	c.tsOK, c.sackOK, c.wscaleOK = false, false, false
	c.srttUs, c.mdevUs, c.rttvarUs = 0, 0, 0
	c.resetShutdown()
}

// Listen is inet_listen: bind if needed, then accept handshakes with a
// backlog clamped to somaxconn.
func (c *conn) Listen(backlog int) error {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if c.state != stateClose && c.state != stateListen {
		return unix.EINVAL
	}
	somax := c.p.v.somaxconn.Int()
	if backlog > somax || backlog < 0 {
		backlog = somax
	}
	if c.state == stateListen {
		c.ln.backlog = backlog
		return nil
	}
	if !c.bound {
		addr := c.local.Addr()
		if !addr.IsValid() {
			addr = anyAddr
		}
		if err := c.p.getPort(c, addr, 0); err != nil {
			return unix.EADDRINUSE
		}
	} else {
		// A bound port must not be shared by another listener
		// unless both set SO_REUSEPORT (inet_csk_get_port again).
		c.p.mu.Lock()
		conflict := false
		for _, o := range c.p.binds[c.local.Port()] {
			if o.c != c && o.listening() && bindConflict(c, o, c.local.Addr(), true, true) {
				conflict = true
			}
		}
		c.p.mu.Unlock()
		if conflict {
			return unix.EADDRINUSE
		}
	}
	c.ln = &listener{backlog: backlog, reqs: make(map[tuple]*request)}
	c.listening = true
	c.state = stateListen
	c.p.mu.Lock()
	c.p.listeners[c.local.Port()] = append([]*conn{c}, c.p.listeners[c.local.Port()]...)
	c.hashed = true
	c.p.mu.Unlock()
	c.initCongestion()
	c.Wq.Notify(wakeAll)
	return nil
}

// listenStop is inet_csk_listen_stop: reset the handshakes in progress and
// the children never accepted.
func (c *conn) listenStop() {
	ln := c.ln
	if ln == nil {
		return
	}
	for t, r := range ln.reqs {
		if r.timer != nil {
			r.timer.Stop()
		}
		delete(ln.reqs, t)
	}
	ln.amu.Lock()
	ln.closed = true
	children := ln.accept
	ln.accept = nil
	ln.amu.Unlock()
	for _, ch := range children {
		ch.Mu.Lock()
		ch.parent = nil
		ch.orphaned = true
		c.p.orphans.Add(1)
		ch.sendResetNow()
		ch.done2()
		ch.Mu.Unlock()
	}
	c.listening = false
}

// Listening reports SO_ACCEPTCONN.
func (c *conn) Listening() bool {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	return c.state == stateListen
}

// LocalAddr is getsockname.
func (c *conn) LocalAddr() netip.AddrPort {
	c.p.mu.RLock()
	defer c.p.mu.RUnlock()
	a := c.local.Addr()
	if !a.IsValid() {
		a = anyAddr
	}
	return netip.AddrPortFrom(a, c.local.Port())
}

// RemoteAddr is getpeername: only for a connection that is or was
// synchronized (inet_getname: ENOTCONN in CLOSE, SYN-SENT, LISTEN).
func (c *conn) RemoteAddr() (netip.AddrPort, bool) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if !c.remote.IsValid() || c.state == stateClose || c.state == stateSynSent || c.state == stateListen {
		if c.state == stateClose && c.remote.IsValid() && c.ShutdownBits() != socket.ShutBoth {
			return c.remote, true
		}
		return zeroAP, false
	}
	return c.remote, true
}

// Shutdown is inet_shutdown with tcp_shutdown.
func (c *conn) Shutdown(how int) error {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	bits := uint32(how + 1)
	// inet_shutdown settles a connect(2) in progress first.
	if c.sock == ssConnecting {
		switch c.state {
		case stateSynSent, stateSynRecv, stateClose:
			c.sock = ssDisconnecting
		default:
			c.sock = ssConnected
		}
	}
	switch c.state {
	case stateClose:
		c.AddShutdown(bits)
		return unix.ENOTCONN
	case stateListen:
		if bits&1 == 0 {
			return nil
		}
		c.disconnect()
		return nil
	case stateSynSent:
		c.disconnect()
		c.sock = ssUnconnected
		return nil
	}
	c.AddShutdown(bits)
	if bits&2 != 0 {
		switch c.state {
		case stateEstablished, stateSynRecv, stateCloseWait:
			c.closeState()
		}
	}
	return nil
}

// closeState is tcp_close_state: move to the closing state and send the
// FIN where the table says so.
func (c *conn) closeState() bool {
	switch c.state {
	case stateEstablished, stateSynRecv:
		c.setState(stateFinWait1)
		c.sendFin()
		return true
	case stateCloseWait:
		c.setState(stateLastAck)
		c.sendFin()
		return true
	case stateSynSent, stateTimeWait, stateListen:
		c.setState(stateClose)
	}
	return false
}

// Close is tcp_close.
func (c *conn) Close() error {
	c.Mu.Lock()
	c.AddShutdown(socket.ShutBoth)
	if c.state == stateListen {
		c.setState(stateClose)
		c.listenStop()
		c.stopTimers()
		c.destroy()
		c.Mu.Unlock()
		return nil
	}
	unread := c.rcvq.len()
	c.rcvq.release()
	c.rmemAlloc = 0
	c.rcvCharges.reset()
	lingerZero := c.Opts.LingerOn.Load() && c.Opts.LingerSec.Load() == 0
	switch {
	case c.state == stateClose:
	case unread > 0:
		// RFC 2525 2.17: unread data means the peer must learn the
		// data was lost.
		c.setState(stateClose)
		c.sendResetNow()
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnClose)
	case lingerZero:
		c.disconnect()
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnData)
	default:
		c.closeState()
	}
	// inet_release lingers whatever O_NONBLOCK says.
	lingerWait := c.Opts.LingerOn.Load() && c.Opts.LingerSec.Load() > 0
	c.Mu.Unlock()
	if lingerWait {
		c.lingerWait(time.Duration(c.Opts.LingerSec.Load()) * time.Second)
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.orphaned = true
	c.p.orphans.Add(1)
	switch c.state {
	case stateFinWait2:
		// tcp_close: TCP_LINGER2 < 0 resets at once; a FIN timeout
		// longer than TIME_WAIT_LEN waits on the keepalive timer
		// first; else a timewait entry waits for the FIN.
		if c.lingerTime < 0 {
			c.setState(stateClose)
			c.sendResetNow()
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnLinger)
			c.destroy()
			return nil
		}
		if tmo := c.finTime(); tmo > timeWaitLen {
			c.armKA(kaFinWait2, tmo-timeWaitLen)
		} else {
			c.enterTimeWait(stateFinWait2, tmo)
			return nil
		}
	case stateClose:
		c.destroy()
	}
	if c.state != stateClose {
		if max := c.p.v.maxOrphans.Int(); int(c.p.orphans.Load()) > max {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPAbortOnMemory)
			c.sendResetNow()
			c.done2()
		}
	}
	return nil
}

// lingerWait is sk_stream_wait_close: block the closing caller while
// the FIN is unacknowledged (FIN-WAIT-1, CLOSING, LAST-ACK), up to the
// linger time; the connection goes on as an orphan either way.
func (c *conn) lingerWait(d time.Duration) {
	c.Mu.Lock()
	if !lingering(c.state) {
		c.Mu.Unlock()
		return
	}
	done := make(chan struct{})
	c.lingerDone = done
	c.Mu.Unlock()
	expired := make(chan struct{})
	t := c.p.env.Clock.AfterFunc(d, func() { close(expired) })
	select {
	case <-done:
		t.Stop()
	case <-expired:
		c.Mu.Lock()
		if c.lingerDone == done {
			c.lingerDone = nil
		}
		c.Mu.Unlock()
	}
}

// lingering reports the states a lingering close waits through.
func lingering(st state) bool {
	return st == stateFinWait1 || st == stateClosing || st == stateLastAck
}

// resetShutdown clears the shutdown bits after a disconnect.
func (c *conn) resetShutdown() { c.ClearShutdown() }

// MTU is IP_MTU.
func (c *conn) MTU() (int, bool) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if c.rt == nil || c.state == stateClose || c.state == stateListen {
		return 0, false
	}
	return c.rt.MTU, true
}

// OptionChanged reacts to SOL_SOCKET and SOL_IP options.
func (c *conn) OptionChanged(level, name int) {
	if level == unix.SOL_IP && name == unix.IP_OPTIONS {
		// The options' room changes the MSS (icsk_ext_hdr_len and
		// icsk_sync_mss in do_ip_setsockopt).
		c.Mu.Lock()
		if c.state != stateClose && c.state != stateListen && c.state != stateSynSent {
			c.syncMSS()
		}
		c.Mu.Unlock()
		return
	}
	if level == unix.SOL_SOCKET {
		switch name {
		case unix.SO_KEEPALIVE:
			c.Mu.Lock()
			c.armKeepalive()
			c.Mu.Unlock()
		case unix.SO_RCVBUF:
			c.Mu.Lock()
			c.windowClamp = max(c.windowClamp, uint32(c.fullSpace()))
			c.Mu.Unlock()
		}
	}
}

// Poll is tcp_poll.
func (c *conn) Poll() socket.Events {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if c.state == stateListen {
		if c.ln.acceptLen() > 0 {
			return readable
		}
		return 0
	}
	var ev socket.Events
	sh := c.ShutdownBits()
	if sh == socket.ShutBoth || c.state == stateClose {
		ev |= socket.EventHup
	}
	if sh&1 != 0 {
		ev |= readable | socket.EventRdHup
	}
	if c.state != stateSynSent && c.state != stateSynRecv {
		target := max(int(c.Opts.RcvLowat.Load()), 1)
		if c.atUrgMark() && !c.Opts.OOBInline.Load() {
			target++
		}
		if c.rcvq.len() >= target || (c.rcvq.len() > 0 && c.finRcvd) {
			ev |= readable
		}
		if sh&2 == 0 {
			if c.writable() {
				ev |= socket.EventOut | socket.EventWrNorm
			} else {
				c.noSpace = true // tcp_poll: SOCK_NOSPACE
			}
		} else {
			ev |= socket.EventOut | socket.EventWrNorm
		}
		if c.urg&urgValid != 0 {
			ev |= socket.EventPri
		}
	}
	if c.PendingError() != 0 || c.Err.Len() > 0 {
		ev |= socket.EventErr
	}
	return ev
}

// writable is sk_stream_is_writeable with TCP_NOTSENT_LOWAT: free
// send memory at least half what is queued.
func (c *conn) writable() bool {
	w, sndbuf := c.wmemQueued(), int(c.Opts.SndBuf.Load())
	if w >= sndbuf || sndbuf-w < w>>1 {
		return false
	}
	if c.notsentLowat != 0 && c.unsent() >= int(c.notsentLowat) {
		return false
	}
	return true
}

// Ioctl is tcp_ioctl: SIOCINQ is the unread bytes (EINVAL while
// listening), SIOCOUTQ the unacknowledged and unsent bytes, SIOCOUTQNSD
// the unsent ones.
func (c *conn) Ioctl(req uint) (int, error) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	switch req {
	case socket.SIOCINQ:
		if c.state == stateListen {
			return 0, unix.EINVAL
		}
		return c.inq(), nil
	case unix.SIOCATMARK:
		return b2i(c.atUrgMark()), nil
	case socket.SIOCOUTQ:
		if c.state == stateListen {
			return 0, unix.EINVAL
		}
		if c.state == stateSynSent || c.state == stateSynRecv {
			return 0, nil
		}
		return int(c.writeSeq.diff(c.sndUna)), nil
	case socket.SIOCOUTQNSD:
		if c.state == stateListen {
			return 0, unix.EINVAL
		}
		return max(c.unsent(), 0), nil
	}
	return 0, unix.ENOTTY
}

// urgPending reports urgent data inside [sq, sq+n] (the URG flag is set on
// segments sent before the urgent pointer).
func (c *conn) urgPending(sq seq, n int) bool {
	return c.urgMode && c.sndUp.gt(sq)
}

var _ = wire.TCPFlagACK
