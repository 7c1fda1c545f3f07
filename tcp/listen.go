package tcp

import (
	"net/netip"
	"sync"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// listener is the state of a LISTEN socket: the SYN queue of handshakes in
// progress (request socks) and the accept queue of established children.
type listener struct {
	backlog      int                // guarded by the listener's Mu
	reqs         map[tuple]*request // guarded by the listener's Mu
	lastOverflow time.Time          // guarded by the listener's Mu; for SYN cookies (tcp_synq_overflow)

	// The accept queue has a lock of its own, a leaf: a child that
	// becomes established takes it while holding its own Mu, which the
	// listener's Mu may be held around.
	amu    sync.Mutex
	accept []*conn // guarded by amu
	closed bool    // guarded by amu
}

// request is a handshake in progress (struct tcp_request_sock).
type request struct {
	local, remote netip.AddrPort
	iss, irs      seq
	mss           uint16
	sndWscale     uint8
	rcvWscale     uint8
	wscaleOK      bool
	sackOK        bool
	tsOK          bool
	tsRecent      uint32
	tsOff         uint32
	peerWnd       uint16
	rcvWnd        uint32
	numTimeout    int
	timer         clock.Timer
	ifindex       int
	tos           uint8
	created       time.Time
	numRetrans    int       // SYN-ACKs sent again (num_retrans)
	acked         bool      // the handshake's ACK came but was held (defer accept, full queue)
	lastOOWAck    time.Time // tcp_oow_rate_limited
	// ipOpts are the SYN's IP options echoed (ireq_opt, from
	// tcp_v4_save_options): the SYN-ACK carries them and the child
	// takes them for its own (inet_opt). nil when the SYN had none.
	ipOpts []byte
}

// listenSegment handles a segment for a listening socket: a SYN starts a
// handshake (or earns a SYN cookie when the SYN queue is full), an ACK
// completes one. Called with the listener's Mu held.
func (l *conn) listenSegment(s *segment) {
	ln := l.ln
	t := mkTuple(s.dst, s.src)
	if r := ln.reqs[t]; r != nil {
		l.requestSegment(r, s)
		return
	}
	if s.has(wire.TCPFlagRST) {
		return
	}
	if s.has(wire.TCPFlagACK) {
		if !s.has(wire.TCPFlagSYN) && l.p.v.syncookies.Int() != 0 && l.cookieACK(s) {
			return
		}
		l.p.sendReset(s)
		return
	}
	if !s.has(wire.TCPFlagSYN) || s.has(wire.TCPFlagFIN) {
		return
	}
	l.connRequest(s)
}

// connRequest is tcp_conn_request.
func (l *conn) connRequest(s *segment) {
	ln := l.ln
	st := &l.p.stats.TCPExt
	wantCookie := false
	if (l.p.v.syncookies.Int() == 2 || len(ln.reqs) > ln.backlog) && l.twISN == 0 {
		if l.p.v.syncookies.Int() != 0 {
			wantCookie = true
			st.Inc(snmp.TCPExtTCPReqQFullDoCookies)
			ln.lastOverflow = l.now()
		} else {
			st.Inc(snmp.TCPExtTCPReqQFullDrop)
			l.listenDrop()
			return
		}
	}
	if ln.acceptLen() > ln.backlog {
		st.Inc(snmp.TCPExtListenOverflows)
		l.listenDrop()
		return
	}
	if !wantCookie && l.p.v.syncookies.Int() == 0 {
		msb := l.p.v.maxSynBacklog.Int()
		if msb-len(ln.reqs) < msb>>2 {
			l.listenDrop()
			return
		}
	}
	r := &request{
		local: s.dst, remote: s.src, irs: s.seq, ifindex: s.ifindex, tos: s.tos,
		peerWnd: s.wnd, created: l.now(), ipOpts: l.p.savedOptions(s),
	}
	o := &s.opts
	r.mss = o.MSS
	if r.mss == 0 {
		r.mss = defaultMSS
	}
	r.sackOK = o.SACKPermitted && l.p.v.sack.Bool()
	r.tsOK = o.HasTimestamp && l.p.v.timestamps.Int() != 0
	r.wscaleOK = o.HasWScale && l.p.v.windowScaling.Bool()
	if r.wscaleOK {
		r.sndWscale = min(o.WScale, maxWscale)
	}
	if r.tsOK {
		r.tsRecent = o.TSVal
		r.tsOff = l.p.tsOff(s.dst.Addr(), s.src.Addr())
	}
	// Our window and scale for the child (tcp_openreq_init_rwin).
	// The window the child will offer (tcp_openreq_init_rwin).
	mss := uint32(l.reqMSS(s.dst, s.src))
	if r.tsOK {
		mss -= 12
	}
	r.rcvWnd, r.rcvWscale, _ = l.p.selectInitialWindow(l.childSpace(), l.windowClampOpt, mss, r.wscaleOK)
	if wantCookie {
		r.iss = l.p.cookieISN(r)
		st.Inc(snmp.TCPExtSyncookiesSent)
		l.sendSynAck(r)
		return
	}
	r.iss = l.twISN
	if r.iss == 0 {
		r.iss = l.p.isn(mkTuple(s.dst, s.src))
	}
	ln.reqs[mkTuple(s.dst, s.src)] = r
	l.sendSynAck(r)
	l.armSynAck(r)
}

// listenDrop is tcp_listendrop.
func (l *conn) listenDrop() { l.p.stats.TCPExt.Inc(snmp.TCPExtListenDrops) }

// armSynAck starts (or backs off) a request's SYN-ACK retransmission
// timer: 1 s doubling, tcp_synack_retries times (inet_rtx_syn_ack,
// reqsk_timer_handler).
func (l *conn) armSynAck(r *request) {
	d := timeoutInit << r.numTimeout
	d = min(d, rtoMax)
	if r.timer == nil {
		r.timer = l.p.env.Clock.AfterFunc(d, func() { l.synAckTimer(r) })
		return
	}
	r.timer.Reset(d)
}

// synAckTimer is reqsk_timer_handler: retransmit the SYN-ACK with
// exponential backoff until tcp_synack_retries (TCP_SYNCNT of the
// listener) timeouts; when the SYN queue is more than half full, old
// requests get fewer tries (at least 2); TCP_DEFER_ACCEPT keeps a request
// whose bare ACK came, without resending, until its retries are spent.
func (l *conn) synAckTimer(r *request) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	t := mkTuple(r.local, r.remote)
	if l.ln == nil || l.ln.reqs[t] != r {
		return
	}
	maxRetries := l.p.v.synackRetries.Int()
	if l.synCount > 0 {
		maxRetries = l.synCount
	}
	qlen := len(l.ln.reqs)
	if qlen<<1 > max(8, l.ln.backlog) {
		young := 0
		for _, q := range l.ln.reqs {
			if q.numTimeout == 0 {
				young++
			}
		}
		young <<= 1
		for maxRetries > 2 {
			if qlen < young {
				break
			}
			maxRetries--
			young <<= 1
		}
	}
	var expire, resend bool
	deferN := int(l.deferAccept)
	if deferN == 0 {
		expire, resend = r.numTimeout >= maxRetries, true
	} else {
		expire = r.numTimeout >= maxRetries && (!r.acked || r.numTimeout >= deferN)
		resend = !r.acked || r.numTimeout >= deferN-1
	}
	l.p.stats.TCPExt.Inc(snmp.TCPExtTCPTimeouts) // tcp_syn_ack_timeout
	if expire {
		delete(l.ln.reqs, t)
		return
	}
	if resend {
		l.sendSynAck(r)
		r.numRetrans++
		l.p.stats.TCP.Inc(snmp.TCPRetransSegs)
		l.p.stats.TCPExt.Inc(snmp.TCPExtTCPSynRetrans)
	}
	r.numTimeout++
	l.armSynAck(r)
}

// sendSynAck sends the SYN-ACK of a request (tcp_v4_send_synack): DF with
// identifier 0, the listener's TTL and TOS, the SYN's options echoed
// (ireq_opt; never the listener's own IP_OPTIONS).
func (l *conn) sendSynAck(r *request) {
	var o wire.TCPOptions
	o.MSS = l.advMSSFor(nil)
	o.SACKPermitted = r.sackOK
	if r.wscaleOK {
		o.HasWScale, o.WScale = true, r.rcvWscale
	}
	if r.tsOK {
		o.HasTimestamp = true
		o.TSVal = l.p.nowMS() + r.tsOff
		if r.numTimeout == 0 && r.iss == l.p.cookieISN(r) {
			o.TSVal = l.p.cookieTS(r, l.p.nowMS()) + r.tsOff
		}
		o.TSEcr = r.tsRecent
	}
	h := wire.TCPHeader{
		SrcPort: r.local.Port(), DstPort: r.remote.Port(),
		Seq: uint32(r.iss), Ack: uint32(r.irs + 1),
		Flags: wire.TCPFlagSYN | wire.TCPFlagACK, Window: uint16(min(r.rcvWnd, 65535)),
	}
	l.p.sendSegment(r.local, r.remote, &h, &o, l, r.ipOpts)
}

// requestSegment is tcp_check_req: a segment for a handshake in progress.
func (l *conn) requestSegment(r *request, s *segment) {
	t := mkTuple(r.local, r.remote)
	flg := s.flags & (wire.TCPFlagRST | wire.TCPFlagSYN | wire.TCPFlagACK)
	// PAWS against the SYN's timestamp (ts_recent of the request).
	// (tcp_paws_reject with no tolerance; a reset passes once the
	// request is older than TCP_PAWS_MSL, which it never is).
	paws := r.tsOK && s.opts.HasTimestamp && flg&wire.TCPFlagRST == 0 && r.tsRecent != 0 && int32(r.tsRecent-s.opts.TSVal) > 0
	if s.seq == r.irs && flg == wire.TCPFlagSYN && !paws {
		// A retransmitted SYN: answer it again, rate limited
		// (TCPACKSkippedSynRecv).
		if !l.reqOOWLimited(r, s) {
			l.sendSynAck(r)
			r.numRetrans++
			l.p.stats.TCP.Inc(snmp.TCPRetransSegs)
			l.p.stats.TCPExt.Inc(snmp.TCPExtTCPSynRetrans)
		}
		return
	}
	// An ACK of anything but our SYN: the listener answers with a reset.
	if flg&wire.TCPFlagACK != 0 && s.ack != r.iss+1 {
		l.p.sendReset(s)
		return
	}
	// Sequence acceptability against the window the SYN-ACK offered.
	if paws || !inWindow(s.seq, s.end(), r.irs+1, r.irs.add(1+r.rcvWnd)) {
		if flg&wire.TCPFlagRST == 0 && !l.reqOOWLimited(r, s) {
			l.p.sendAckFor(r, s, l)
		}
		if paws {
			l.p.stats.TCPExt.Inc(snmp.TCPExtPAWSEstab)
		}
		return
	}
	if s.opts.HasTimestamp && r.tsOK && !s.seq.gt(r.irs+1) {
		r.tsRecent = s.opts.TSVal
	}
	if s.seq == r.irs {
		// The SYN is out of the window starting at irs+1.
		flg &^= wire.TCPFlagSYN
	}
	if flg&(wire.TCPFlagRST|wire.TCPFlagSYN) != 0 {
		l.p.stats.TCP.Inc(snmp.TCPAttemptFails)
		l.embryonicReset(r, s)
		return
	}
	if flg&wire.TCPFlagACK == 0 {
		return
	}
	// TCP_DEFER_ACCEPT drops bare ACKs while the SYN-ACK is retried.
	if r.numTimeout < l.deferRetries() && s.end() == r.irs+1 {
		r.acked = true
		l.p.stats.TCPExt.Inc(snmp.TCPExtTCPDeferAcceptDrop)
		return
	}
	// tcp_v4_syn_recv_sock: no child while the accept queue is full.
	if l.ln.acceptLen() > l.ln.backlog {
		l.p.stats.TCPExt.Inc(snmp.TCPExtListenOverflows)
		l.listenDrop()
		if !l.p.v.abortOnOverflow.Bool() {
			r.acked = true
			return
		}
		l.embryonicReset(r, s)
		return
	}
	delete(l.ln.reqs, t)
	if r.timer != nil {
		r.timer.Stop()
	}
	l.createChild(r, s)
}

// embryonicReset ends a request: a reset unless the segment was one, the
// request dropped (EmbryonicRsts).
func (l *conn) embryonicReset(r *request, s *segment) {
	if !s.has(wire.TCPFlagRST) {
		l.p.sendReset(s)
	}
	t := mkTuple(r.local, r.remote)
	if l.ln.reqs[t] == r {
		delete(l.ln.reqs, t)
		if r.timer != nil {
			r.timer.Stop()
		}
		l.p.stats.TCPExt.Inc(snmp.TCPExtEmbryonicRsts)
	}
}

// reqOOWLimited is tcp_oow_rate_limited for a request
// (TCPACKSkippedSynRecv).
func (l *conn) reqOOWLimited(r *request, s *segment) bool {
	if s.seqLen() > 0 && !s.has(wire.TCPFlagSYN) {
		return false
	}
	now := l.now()
	lim := time.Duration(l.p.v.invalidRatelimit.Int()) * time.Millisecond
	if !r.lastOOWAck.IsZero() {
		if d := now.Sub(r.lastOOWAck); d >= 0 && d < lim {
			l.p.stats.TCPExt.Inc(snmp.TCPExtTCPACKSkippedSynRecv)
			return true
		}
	}
	r.lastOOWAck = now
	return false
}

// inWindow is tcp_in_window: a segment [sq, end) is acceptable in the
// window [lo, hi).
func inWindow(sq, end, lo, hi seq) bool {
	if sq == lo {
		return true
	}
	if end.gt(lo) && sq.lt(hi) {
		return true
	}
	return sq == hi && sq == end
}

// deferRetries is the number of SYN-ACK timeouts TCP_DEFER_ACCEPT
// waits through (rskq_defer_accept).
func (l *conn) deferRetries() int { return int(l.deferAccept) }

// createChild is tcp_v4_syn_recv_sock and tcp_child_process: the new
// connection, established by the segment that acknowledged our SYN-ACK.
func (l *conn) createChild(r *request, s *segment) {
	c := l.p.newConn()
	l.inheritOptions(c)
	// The request's options become the child's (tcp_v4_syn_recv_sock
	// moves ireq_opt to inet_opt; the listener's are not inherited).
	if r.ipOpts != nil {
		c.Opts.IPOptions.Store(&r.ipOpts)
	}
	// Identifiers start at random (inet_id, get_random_u16).
	c.ipID.Store(l.p.env.Rand.Uint32() & 0xffff)
	c.local, c.remote = r.local, r.remote
	c.iss, c.irs = r.iss, r.irs
	c.sndUna, c.sndNxt, c.sndMax = r.iss+1, r.iss+1, r.iss+1
	c.writeSeq = r.iss + 1
	c.sndSml = r.iss + 1
	c.rcvNxt = r.irs + 1
	c.rcvWup = c.rcvNxt
	c.sndWl1 = r.irs
	c.wscaleOK, c.sackOK, c.tsOK = r.wscaleOK, r.sackOK, r.tsOK
	c.sndWscale, c.rcvWscale = r.sndWscale, r.rcvWscale
	c.tsRecent, c.tsRecentAt, c.tsOffset = r.tsRecent, l.now(), r.tsOff
	c.peerMSS = r.mss
	c.advMSS = l.advMSSFor(c)
	mss := uint32(c.advMSS)
	if c.tsOK {
		// tp->advmss leaves the timestamp's room out.
		mss -= 12
		c.advMSS -= 12
	}
	c.initialWindow(mss, c.wscaleOK)
	c.segsIn = 1 // the SYN (tcp_create_openreq_child)
	c.rcvWnd = r.rcvWnd
	c.rcvSsthresh = r.rcvWnd
	c.rcvWscale = r.rcvWscale
	c.sndWnd = uint32(r.peerWnd)
	c.syncMSS()
	c.initCongestion()
	c.parent = l
	c.bound = true
	if c.srttUs == 0 && !r.created.IsZero() && r.numTimeout == 0 {
		c.rttEstimator(l.now().Sub(r.created))
		c.setRTO()
	}
	c.setState(stateSynRecv)
	l.p.mu.Lock()
	l.p.est[mkTuple(c.local, c.remote)] = c
	c.hashed = true
	l.p.binds[c.local.Port()] = append(l.p.binds[c.local.Port()], binding{c: c})
	l.p.mu.Unlock()
	l.p.stats.TCP.Inc(snmp.TCPPassiveOpens)
	c.Mu.Lock()
	c.segmentArrived(s)
	c.Mu.Unlock()
}

// childEstablished queues a newly established child for accept(2).
// Called with the child's Mu held; the parent's Mu is held by the caller
// chain (listenSegment).
func (l *conn) childEstablished(c *conn) {
	ln := l.ln
	ln.amu.Lock()
	if ln.closed {
		ln.amu.Unlock()
		// The listener closed meanwhile: reset the child.
		c.parent = nil
		c.sendResetNow()
		c.done2()
		return
	}
	ln.accept = append(ln.accept, c)
	ln.amu.Unlock()
	l.Wq.Notify(readable)
}

func (ln *listener) acceptLen() int {
	ln.amu.Lock()
	defer ln.amu.Unlock()
	return len(ln.accept)
}

// inheritOptions copies what a child takes from its listener
// (sk_clone_lock and tcp_create_openreq_child).
func (l *conn) inheritOptions(c *conn) {
	lo, co := &l.Opts, &c.Opts
	if lo.BufLock.Load()&2 != 0 {
		co.RcvBuf.Store(lo.RcvBuf.Load())
	}
	if lo.BufLock.Load()&1 != 0 {
		co.SndBuf.Store(lo.SndBuf.Load())
	}
	co.BufLock.Store(lo.BufLock.Load())
	co.ReuseAddr.Store(lo.ReuseAddr.Load())
	co.ReusePort.Store(lo.ReusePort.Load())
	co.KeepAlive.Store(lo.KeepAlive.Load())
	co.OOBInline.Store(lo.OOBInline.Load())
	co.Broadcast.Store(lo.Broadcast.Load())
	co.Mark.Store(lo.Mark.Load())
	co.Priority.Store(lo.Priority.Load())
	co.BindDev.Store(lo.BindDev.Load())
	co.TOS.Store(lo.TOS.Load())
	co.TTL.Store(lo.TTL.Load())
	co.LingerOn.Store(lo.LingerOn.Load())
	co.LingerSec.Store(lo.LingerSec.Load())
	co.RcvTimeo.Store(lo.RcvTimeo.Load())
	co.SndTimeo.Store(lo.SndTimeo.Load())
	co.PMTUDisc.Store(lo.PMTUDisc.Load())
	co.MinTTL.Store(lo.MinTTL.Load())
	co.RecvErr.Store(lo.RecvErr.Load())
	co.Freebind.Store(lo.Freebind.Load())
	co.Transparent.Store(lo.Transparent.Load())
	c.nodelay, c.cork = l.nodelay, l.cork
	c.keepIdle, c.keepIntvl, c.keepCnt = l.keepIdle, l.keepIntvl, l.keepCnt
	c.userTimeout = l.userTimeout
	c.mssClamp = l.mssClamp
	c.windowClampOpt = l.windowClampOpt
	c.notsentLowat = l.notsentLowat
	c.lingerTime = l.lingerTime
	c.ccName = l.ccName
	c.synCount = l.synCount
}

// Accept is accept4(2).
func (l *conn) Accept(flags int) (*socket.Socket, netip.AddrPort, error) {
	start := l.now()
	for {
		l.Mu.Lock()
		if l.state != stateListen {
			l.Mu.Unlock()
			return nil, netip.AddrPort{}, unix.EINVAL
		}
		ln := l.ln
		l.Mu.Unlock()
		ln.amu.Lock()
		if len(ln.accept) > 0 {
			c := ln.accept[0]
			ln.accept[0] = nil
			ln.accept = ln.accept[1:]
			ln.amu.Unlock()
			c.Mu.Lock()
			c.parent = nil
			c.sock = ssConnected
			remote := c.remote
			c.Mu.Unlock()
			so := socket.New(c)
			if flags&unix.SOCK_NONBLOCK != 0 {
				so.SetNonblock(true)
			}
			return so, remote, nil
		}
		ln.amu.Unlock()
		l.Mu.Lock()
		l.Mu.Unlock()
		if l.Nonblocking() {
			return nil, netip.AddrPort{}, unix.EAGAIN
		}
		err := l.WaitRead(func() bool {
			return l.ln.acceptLen() > 0 || l.ln.isClosed()
		}, start)
		if err != nil {
			return nil, netip.AddrPort{}, err
		}
	}
}

func (ln *listener) isClosed() bool {
	ln.amu.Lock()
	defer ln.amu.Unlock()
	return ln.closed
}
