package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// initDefaults gives a new socket Linux's initial TCP state.
func (c *conn) initDefaults() {
	c.rto = timeoutInit
	c.scalingRatio = defaultScalingRatio
	c.rackReoSteps = 1
	c.undoRetrans = -1
	c.cwnd = initCwnd
	c.ssthresh = infiniteSsthresh
	c.reordering = uint32(c.p.v.reordering.Int())
	c.mssCache = defaultMSS
	c.rcvMSS = defaultMSS
	c.created = c.now()
	c.ccName = c.p.v.congestion.String()
	c.notsentLowat = uint32(c.p.v.notsentLowat.Uint64())
}

// initCongestion instantiates the congestion-control algorithm.
func (c *conn) initCongestion() {
	mk, ok := algorithms[c.ccName]
	if !ok {
		mk = algorithms["cubic"]
		c.ccName = "cubic"
	}
	c.cc = mk()
	c.cc.init(c)
}

// advMSSFor is the MSS we advertise: the route's MTU less 40 bytes, within
// TCP_MAXSEG if set (tcp_advertise_mss / tcp_mss_clamp).
func (c *conn) advMSSFor(child *conn) uint16 {
	mtu := 1500
	var rt route.OutputResult
	var err error
	target := c
	if child != nil {
		target = child
	}
	if target.remote.IsValid() {
		rt, err = c.p.env.FIB.Output(route.Flow{Dst: target.remote.Addr(), Src: target.local.Addr(), Oif: int(c.Opts.BindDev.Load()), Proto: unix.IPPROTO_TCP, AnySrc: true})
		if err == nil && rt.MTU > 0 {
			mtu = rt.MTU
		}
	}
	mss := mtu - 40
	if c.mssClamp != 0 && int(c.mssClamp) < mss {
		mss = int(c.mssClamp)
	}
	return uint16(max(mss, 88))
}

// syncMSS is tcp_sync_mss: the payload per segment from the peer's MSS,
// ours, the path and the options in use.
func (c *conn) syncMSS() {
	mss := uint32(c.peerMSS)
	if mss == 0 {
		mss = defaultMSS
	}
	if c.mssClamp != 0 && uint32(c.mssClamp) < mss {
		mss = uint32(c.mssClamp)
	}
	if c.rt != nil && c.rt.MTU > 0 {
		mss = min(mss, uint32(c.rt.MTU-40))
	}
	// The IP options' room (icsk_ext_hdr_len), after the clamp
	// (tcp_mtu_to_mss).
	if p := c.Opts.IPOptions.Load(); p != nil {
		mss -= uint32(len(*p))
	}
	if c.tsOK {
		mss -= 12
	}
	mss = max(mss, uint32(c.p.v.minSndMSS.Int()))
	// Not above half the largest window the peer offered (tcp_bound_to_half_wnd).
	if c.maxWindow > 0 && c.maxWindow > 536 && mss > c.maxWindow/2 {
		mss = max(c.maxWindow/2, 68)
	}
	c.mssCache = mss
}

// Connect is __inet_stream_connect with tcp_v4_connect. The socket
// state (SS_CONNECTING in c.sock) outlives the handshake: a second
// connect(2) on a socket whose non-blocking connect is under way is
// EALREADY, on one that got through succeeds (SS_CONNECTED), on one whose
// attempt failed reports the error (or ECONNABORTED) and makes the socket
// unconnected again.
func (c *conn) Connect(sa socketaddr) error {
	c.Mu.Lock()
	switch c.sock {
	case ssConnected:
		c.Mu.Unlock()
		return unix.EISCONN
	case ssDisconnecting:
		c.Mu.Unlock()
		return unix.EINVAL
	case ssConnecting:
		switch c.state {
		case stateSynSent, stateSynRecv:
			c.Mu.Unlock()
			if c.Nonblocking() {
				return unix.EALREADY
			}
			return c.waitConnect()
		case stateClose:
			err := c.TakeError()
			if err == 0 {
				err = unix.ECONNABORTED
			}
			c.sock = ssUnconnected
			c.disconnect()
			c.Mu.Unlock()
			return err
		default:
			c.sock = ssConnected
			c.Mu.Unlock()
			return nil
		}
	}
	if c.state != stateClose {
		c.Mu.Unlock()
		return unix.EISCONN
	}
	if err := c.startConnect(sa); err != nil {
		c.Mu.Unlock()
		return err
	}
	c.sock = ssConnecting
	c.Mu.Unlock()
	if c.Nonblocking() {
		return unix.EINPROGRESS
	}
	return c.waitConnect()
}

// waitConnect blocks until the handshake ends (inet_wait_for_connect);
// SO_SNDTIMEO expiring leaves it in progress (EINPROGRESS).
func (c *conn) waitConnect() error {
	start := c.now()
	for {
		c.Mu.Lock()
		st := c.state
		c.Mu.Unlock()
		if st != stateSynSent && st != stateSynRecv {
			break
		}
		err := c.WaitWrite(func() bool {
			c.Mu.Lock()
			defer c.Mu.Unlock()
			return c.state != stateSynSent && c.state != stateSynRecv
		}, start)
		if err == unix.EAGAIN {
			return unix.EINPROGRESS
		}
		if err != nil {
			return err
		}
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if c.state == stateClose {
		err := c.TakeError()
		if err == 0 {
			err = unix.ECONNABORTED
		}
		c.sock = ssUnconnected
		c.disconnect()
		return err
	}
	c.sock = ssConnected
	return nil
}

// startConnect is tcp_v4_connect and tcp_connect: route, choose the source
// address and an ephemeral port, and send the SYN.
func (c *conn) startConnect(sa socketaddr) error {
	dst := sa.Addr
	c.rt = nil
	src := c.local.Addr()
	if !src.IsValid() {
		src = anyAddr
	}
	flowSrc := src
	if flowSrc == anyAddr {
		flowSrc = anyInvalid
	}
	rt, err := c.p.env.FIB.Output(route.Flow{Dst: dst.Addr(), Src: flowSrc, Oif: int(c.Opts.BindDev.Load()), Proto: unix.IPPROTO_TCP, AnySrc: c.Opts.Transparent.Load()})
	if err != nil {
		if err == unix.ENETUNREACH {
			c.p.stats.IP.Inc(snmp.IPOutNoRoutes)
		}
		return err
	}
	if rt.Type == route.TypeBroadcast || rt.Type == route.TypeMulticast {
		return unix.ENETUNREACH
	}
	c.p.mu.Lock()
	if src == anyAddr {
		c.local = netipAddrPort(rt.Src, c.local.Port())
	}
	c.remote = netipAddrPort(rt.Dst, dst.Port())
	if !c.bound {
		if err := c.p.connectPortLocked(c); err != nil {
			c.remote = zeroAP
			if !c.bindAddr {
				c.local = zeroAP
			}
			c.p.mu.Unlock()
			return err
		}
	} else if _, taken := c.p.est[mkTuple(c.local, c.remote)]; taken {
		c.remote = zeroAP
		c.p.mu.Unlock()
		return unix.EADDRNOTAVAIL
	}
	c.p.est[mkTuple(c.local, c.remote)] = c
	c.hashed = true
	c.p.mu.Unlock()
	c.rt = &rt
	c.ipID.Store(c.p.env.Rand.Uint32() & 0xffff)
	c.iss = c.p.isn(mkTuple(c.local, c.remote))
	if c.p.v.timestamps.Int() == 1 {
		c.tsOffset = c.p.tsOff(c.local.Addr(), c.remote.Addr())
	}
	c.connectInit()
	c.setState(stateSynSent)
	c.sendSyn()
	c.p.stats.TCP.Inc(snmp.TCPActiveOpens)
	return nil
}

// connectInit is tcp_connect_init.
func (c *conn) connectInit() {
	c.advMSS = c.advMSSFor(nil)
	c.initialWindow(uint32(c.advMSS), c.p.v.windowScaling.Bool())
	c.rcvWup = 0
	c.sndUna, c.sndNxt, c.sndMax, c.writeSeq = c.iss, c.iss, c.iss, c.iss+1
	c.sndSml = c.iss
	c.rto = timeoutInit
	c.retransmits, c.backoff, c.totalRTO = 0, 0, 0
	c.initCongestion()
}

// sendSyn is tcp_connect: queue and send our SYN.
func (c *conn) sendSyn() {
	now := c.now()
	c.emit(c.iss, wire.TCPFlagSYN, 0)
	c.rtx = append(c.rtx[:0], txSeg{seq: c.iss, flags: segSYN, sent: now})
	c.packetsOut = 1
	c.sndNxt = c.iss + 1
	c.sndMax = c.sndNxt
	// tcp_connect stamps the SYN: timeouts count from it and the
	// SYN-ACK's echoed timestamp must not be older.
	c.retransStamp = now
	c.armRtx(timerRTO, c.rto)
}

// synSentArrived is tcp_rcv_synsent_state_process. It reports whether
// the segment earns a reset (reset_and_undo), which the caller sends.
func (c *conn) synSentArrived(s *segment) {
	ack, rst, syn := s.has(wire.TCPFlagACK), s.has(wire.TCPFlagRST), s.has(wire.TCPFlagSYN)
	if ack {
		// RFC 9293 3.10.7.3: an ACK of anything but our SYN earns a
		// reset; Linux also sends the SYN again at once if it was not
		// retransmitted yet (the peer may have lost state).
		if !s.ack.gt(c.sndUna) || s.ack.gt(c.sndNxt) {
			if c.retransmits == 0 {
				c.armRtx(timerRTO, 2*c.jiffy()) // TCP_TIMEOUT_MIN
			}
			if !rst {
				c.p.sendReset(s)
			}
			return
		}
		// PAWS for the SYN-ACK (RFC 7323 5.3): it must echo a
		// timestamp of one of our SYNs.
		if s.opts.HasTimestamp && s.opts.TSEcr != 0 {
			ecr := s.opts.TSEcr - c.tsOffset
			first := uint32(c.retransStamp.UnixMilli())
			if ecr-first > c.p.nowMS()-first {
				c.p.stats.TCPExt.Inc(snmp.TCPExtPAWSActive)
				if !rst {
					c.p.sendReset(s)
				}
				return
			}
		}
		if rst {
			c.reset(s)
			return
		}
		if !syn {
			return
		}
		c.synAckArrived(s)
		return
	}
	if rst {
		return
	}
	if syn {
		// Simultaneous open (RFC 9293 3.5, figure 8): SYN-RECEIVED,
		// and our SYN again with an ACK. The window of a SYN is never
		// scaled.
		c.irs = s.seq
		c.rcvNxt = s.seq + 1
		c.rcvWup = c.rcvNxt
		c.negotiate(s)
		c.sndWnd = uint32(s.wnd)
		c.sndWl1 = s.seq
		c.maxWindow = c.sndWnd
		c.setState(stateSynRecv)
		c.initRcvMSS()
		c.emit(c.iss, wire.TCPFlagSYN|wire.TCPFlagACK, 0)
	}
}

// negotiate takes the peer's SYN options.
func (c *conn) negotiate(s *segment) {
	o := &s.opts
	c.peerMSS = o.MSS
	if c.peerMSS == 0 {
		c.peerMSS = defaultMSS
	}
	c.sackOK = o.SACKPermitted && c.p.v.sack.Bool()
	c.tsOK = o.HasTimestamp && c.p.v.timestamps.Int() != 0
	if c.tsOK {
		c.tsRecent, c.tsRecentAt = o.TSVal, c.now()
	} else {
		c.tsOffset = 0
	}
	if o.HasWScale && c.p.v.windowScaling.Bool() {
		c.wscaleOK = true
		c.sndWscale = min(o.WScale, maxWscale)
	} else {
		c.wscaleOK = false
		c.sndWscale, c.rcvWscale = 0, 0
		c.windowClamp = min(c.windowClamp, 65535)
	}
	c.syncMSS()
}

// synAckArrived completes an active open.
func (c *conn) synAckArrived(s *segment) {
	c.irs = s.seq
	c.rcvNxt = s.seq + 1
	c.rcvWup = c.rcvNxt
	c.negotiate(s)
	if c.tsOK {
		c.advMSS -= 12 // tp->advmss leaves the timestamp's room out
	}
	// The window of a SYN is never scaled (RFC 7323 2.2).
	c.sndWnd = uint32(s.wnd)
	c.sndWl1 = s.seq
	c.maxWindow = max(c.maxWindow, c.sndWnd)
	c.syncMSS()
	// The SYN is acknowledged: RTT from it unless it was retransmitted.
	var st sackState
	acked, rtt, _ := c.cleanRtx(s.ack, &st)
	c.delivered += acked
	c.p.stats.TCPExt.Add(snmp.TCPExtTCPDelivered, uint64(acked))
	c.sndUna = s.ack
	if rtt >= 0 {
		c.rttEstimator(rtt)
		c.setRTO()
	} else if c.tsOK && s.opts.TSEcr != 0 {
		d := c.p.nowMS() + c.tsOffset - s.opts.TSEcr
		if d < 1<<30 {
			c.rttEstimator(time.Duration(max(d, 1)) * time.Millisecond)
			c.setRTO()
		}
	}
	if c.srttUs == 0 {
		// RFC 6298 5.7: no RTT sample from the handshake, the RTO
		// goes back to 3 s (TCP_TIMEOUT_FALLBACK, tcp_init_metrics).
		c.rttvarUs = uint32(timeoutFallback / time.Microsecond)
		c.mdevUs, c.mdevMaxUs = c.rttvarUs, c.rttvarUs
		c.rto = timeoutFallback
	}
	if c.totalRetrans > 1 {
		// More than one SYN retransmission: start from one packet
		// (tcp_init_transfer).
		c.cwnd = 1
	}
	c.stopRtxTimer()
	c.retransmits, c.backoff = 0, 0
	c.retransStamp = time.Time{}
	c.setState(stateEstablished)
	c.initRcvMSS()
	c.initBufferSpace()
	c.lastSend = c.now()
	c.lrcvtime, c.lastAckRecv = c.lastSend, c.lastSend
	c.armKeepalive()
	c.Wq.Notify(wakeAll)
	if c.deferAccept > 0 || c.pingpong > 0 {
		// Delay the final ACK hoping to piggyback it on data
		// (TCP_DEFER_ACCEPT on a client, tcp_rcv_synsent_state_process).
		c.ackPending = true
		c.armDelack()
	} else {
		c.sendAck()
	}
	if c.ShutdownBits()&2 != 0 {
		c.sendFin()
	}
	c.pushPending()
}
