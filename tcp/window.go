package tcp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/route"
	"golang.org/x/sys/unix"
	"time"

	"math/bits"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/snmp"
)

const (
	maxWscale    = 14
	initCwnd     = 10 // RFC 6928, TCP_INIT_CWND
	defaultMSS   = 536
	maxTCPWindow = 32767
)

// fullSpace is tcp_full_space.
func (c *conn) fullSpace() int { return c.winFromSpace(int(c.Opts.RcvBuf.Load())) }

// space is tcp_space: the free part of the receive buffer, as window.
func (c *conn) space() int {
	return c.winFromSpace(int(c.Opts.RcvBuf.Load()) - c.rmemAlloc)
}

// initialWindow is tcp_select_initial_window for the connection.
func (c *conn) initialWindow(mss uint32, wscaleOK bool) {
	c.rcvWnd, c.rcvWscale, c.windowClamp = c.p.selectInitialWindow(uint32(max(c.fullSpace(), 0)), c.windowClampOpt, mss, wscaleOK)
	c.rcvSsthresh = c.rcvWnd
}

// selectInitialWindow is tcp_select_initial_window: the first window
// offered (the full space, within the clamp, rounded down to whole MSS),
// the window scale (from the largest buffer the socket could grow to) and
// the window clamp.
func (p *Proto) selectInitialWindow(space, clampOpt, mss uint32, wscaleOK bool) (wnd uint32, wscale uint8, clamp uint32) {
	clamp = clampOpt
	if clamp == 0 {
		clamp = 65535 << maxWscale
	}
	space = min(space, clamp)
	if space > mss {
		space = space / mss * mss
	}
	if wscaleOK {
		sp := max(space, uint32(p.v.rmem.IntAt(2)), uint32(p.env.Settings.MustVar("net.core.rmem_max").Int()))
		sp = min(sp, clamp)
		w := bits.Len32(sp) - 1 - 15
		wscale = uint8(min(max(w, 0), maxWscale))
	}
	return space, wscale, min(uint32(65535)<<wscale, clamp)
}

// childSpace is the full space a listener's child starts with: its
// SO_RCVBUF if the listener fixed one, else tcp_rmem[1], at the default
// scaling ratio.
func (l *conn) childSpace() uint32 {
	rcvbuf := l.p.v.rmem.IntAt(1)
	if l.Opts.BufLock.Load()&2 != 0 {
		rcvbuf = int(l.Opts.RcvBuf.Load())
	}
	return uint32(max(rcvbuf*defaultScalingRatio>>rmemToWinScale, 0))
}

// reqMSS is the MSS a listener advertises towards remote.
func (l *conn) reqMSS(local, remote netip.AddrPort) uint16 {
	mtu := 1500
	rt, err := l.p.env.FIB.Output(route.Flow{Dst: remote.Addr(), Src: local.Addr(), Oif: int(l.Opts.BindDev.Load()), Proto: unix.IPPROTO_TCP, AnySrc: true})
	if err == nil && rt.MTU > 0 {
		mtu = rt.MTU
	}
	mss := mtu - 40
	if l.mssClamp != 0 && int(l.mssClamp) < mss {
		mss = int(l.mssClamp)
	}
	return uint16(max(mss, 88))
}

// initBufferSpace is tcp_init_buffer_space, when the connection becomes
// established: the clamp shrinks to the full space (tcp_app_win 31).
func (c *conn) initBufferSpace() {
	if c.Opts.BufLock.Load()&1 == 0 { // SOCK_SNDBUF_LOCK
		c.sndbufExpand()
	}
	maxwin := uint32(c.fullSpace())
	advmss := uint32(c.advMSS)
	appWin := uint(c.p.v.appWin.Int())
	if c.windowClamp >= maxwin {
		c.windowClamp = maxwin
		// Force reservation of one segment (tcp_app_win).
		if appWin != 0 && maxwin > 4*advmss {
			c.windowClamp = max(maxwin-maxwin>>appWin, 4*advmss)
		}
	}
	// Attempt to reserve one segment's worth of memory for tcp_app_win.
	if appWin != 0 && c.windowClamp > 2*advmss && c.windowClamp+advmss > maxwin {
		c.windowClamp = max(2*advmss, maxwin-advmss)
	}
	c.rcvSsthresh = min(c.rcvSsthresh, c.windowClamp)
	c.rcvSpace.time = c.now()
	c.rcvSpace.seq = c.rcvNxt
	c.rcvSpace.space = min(c.rcvSsthresh, c.rcvWnd, initCwnd*uint32(c.advMSS))
}

// receiveWindow is tcp_receive_window: what is left of the window we
// advertised.
func (c *conn) receiveWindow() uint32 {
	w := c.rcvWup.add(c.rcvWnd).diff(c.rcvNxt)
	if w < 0 {
		return 0
	}
	return uint32(w)
}

// computeWindow is __tcp_select_window.
func (c *conn) computeWindow() uint32 {
	mss := int(c.rcvMSS)
	free := c.space()
	allowed := c.fullSpace()
	full := min(int(c.windowClamp), allowed)
	if mss > full {
		mss = full
		if mss <= 0 {
			return 0
		}
	}
	if free < full/2 {
		c.quick = 0
		free = free &^ (1<<c.rcvWscale - 1)
		if free < allowed>>4 || free < mss {
			return 0
		}
	}
	if free > int(c.rcvSsthresh) {
		free = int(c.rcvSsthresh)
	}
	if c.rcvWscale != 0 {
		align := 1 << c.rcvWscale
		return uint32((free + align - 1) &^ (align - 1))
	}
	w := int(c.rcvWnd)
	if w <= free-mss || w > free {
		if mss > 0 {
			w = free / mss * mss
		} else {
			w = free
		}
	} else if mss == full && free > w+full/2 {
		w = free
	}
	return uint32(max(w, 0))
}

// selectWindow is tcp_select_window: the window field of the next
// segment, never shrinking the right edge already offered (RFC 9293
// 3.8.6.2.2); SYNs carry it unscaled.
func (c *conn) selectWindow(syn bool) uint16 {
	if syn {
		return uint16(min(c.rcvWnd, 65535))
	}
	old := c.rcvWnd
	if c.ackNoMem {
		// Data was dropped for want of memory: a zero window now,
		// the only shrinking Linux does (ICSK_ACK_NOMEM).
		c.rcvWnd = 0
		c.rcvWup = c.rcvNxt
		return 0
	}
	cur := c.receiveWindow()
	nw := c.computeWindow()
	if nw < cur {
		if nw == 0 {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPWantZeroWindowAdv)
		}
		align := uint32(1) << c.rcvWscale
		nw = (cur + align - 1) &^ (align - 1)
	}
	c.rcvWnd = nw
	c.rcvWup = c.rcvNxt
	nw = min(nw, uint32(65535)<<c.rcvWscale)
	nw >>= c.rcvWscale
	if nw == 0 {
		if old != 0 {
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPToZeroWindowAdv)
		}
	} else if old == 0 {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPFromZeroWindowAdv)
	}
	return uint16(nw)
}

// growWindow is tcp_grow_window, for segments of 128 bytes or more
// (tcp_event_data_recv): let rcv_ssthresh, the ceiling of the advertised
// window, follow the data while the buffer has room, by two segments when
// the segment's memory charge (its skb truesize, pkt.Truesize of the IP
// packet) is covered by its payload, else only while the window is small
// compared with tcp_rmem[2] (__tcp_grow_window).
func (c *conn) growWindow(n, ipLen int) {
	if n < 128 {
		return
	}
	room := min(int(c.windowClamp), c.space()) - int(c.rcvSsthresh)
	if room <= 0 {
		return
	}
	truesize := pkt.Truesize(ipLen)
	incr := 0
	if c.winFromSpace(truesize) <= n {
		incr = 2 * int(c.advMSS)
	} else {
		ts := c.winFromSpace(truesize) >> 1
		window := c.winFromSpace(c.p.v.rmem.IntAt(2)) >> 1
		for int(c.rcvSsthresh) <= window {
			if ts <= n {
				incr = 2 * int(c.rcvMSS)
				break
			}
			ts >>= 1
			window >>= 1
		}
	}
	if incr > 0 {
		incr = max(incr, 2*n)
		c.rcvSsthresh += uint32(min(room, incr))
		c.quick |= 1
	}
}

// rcvSpaceAdjust is tcp_rcv_space_adjust (dynamic right-sizing of the
// receive buffer): once per receiver-measured RTT, if the reader took
// more than last time, tcp_rcvbuf_grow.
func (c *conn) rcvSpaceAdjust() {
	now := c.now()
	if c.rcvRttUs == 0 {
		return
	}
	if now.Sub(c.rcvSpace.time) < time.Duration(c.rcvRttUs>>3)*time.Microsecond {
		return
	}
	copied := int(c.copiedSeq().diff(c.rcvSpace.seq))
	if copied > int(c.rcvSpace.space) {
		c.rcvbufGrow(uint32(copied))
	}
	c.rcvSpace.seq = c.copiedSeq()
	c.rcvSpace.time = now
}

// rcvbufGrow is tcp_rcvbuf_grow: room for twice what the reader took in
// an RTT, more while that grows (the sender may double its rate), within
// tcp_rmem[2], unless SO_RCVBUF fixed the buffer; the window clamp
// follows.
func (c *conn) rcvbufGrow(newval uint32) {
	oldval := c.rcvSpace.space
	c.rcvSpace.space = newval
	if !c.p.v.moderateRcvbuf.Bool() || c.Opts.BufLock.Load()&2 != 0 { // SOCK_RCVBUF_LOCK
		return
	}
	rcvwin := uint64(newval) << 1
	if oldval > 0 && newval > oldval {
		grow := rcvwin * uint64(newval-oldval) / uint64(oldval)
		rcvwin += grow << 1
	}
	if n := len(c.ooo); n > 0 {
		last := c.ooo[n-1]
		rcvwin += uint64(last.seq.add(uint32(len(last.data))).diff(c.rcvNxt))
	}
	rcvbuf := min(uint64(c.spaceFromWin(int(min(rcvwin, 1<<31-1)))), uint64(c.p.v.rmem.IntAt(2)))
	if int(rcvbuf) > int(c.Opts.RcvBuf.Load()) {
		c.Opts.RcvBuf.Store(int32(rcvbuf))
		c.windowClamp = uint32(c.winFromSpace(int(rcvbuf)))
	}
}

// rcvRTTMeasureTS is tcp_rcv_rtt_measure_ts: the receiver's RTT from the
// echo of our timestamp on a full segment.
func (c *conn) rcvRTTMeasureTS(s *segment) {
	if !c.tsOK || !s.opts.HasTimestamp || s.opts.TSEcr == c.rcvRttLastTsecr {
		return
	}
	c.rcvRttLastTsecr = s.opts.TSEcr
	if s.seqLen() >= c.rcvMSS {
		delta := c.p.nowMS() - (s.opts.TSEcr - c.tsOffset)
		if delta > 0 && delta < 1<<30 {
			c.rcvRTTUpdate(delta*1000, false)
		}
	}
}

// rcvRTTMeasure is tcp_rcv_rtt_measure, without timestamps: the time to
// receive a window's worth of data.
func (c *conn) rcvRTTMeasure() {
	now := c.now()
	if !c.rcvRttTime.IsZero() {
		if c.rcvNxt.lt(c.rcvRttSeq) {
			return
		}
		c.rcvRTTUpdate(uint32(now.Sub(c.rcvRttTime)/time.Microsecond), true)
	}
	c.rcvRttSeq = c.rcvNxt.add(c.rcvWnd)
	c.rcvRttTime = now
}

// rcvRTTUpdate is tcp_rcv_rtt_update.
func (c *conn) rcvRTTUpdate(sampleUs uint32, winDep bool) {
	old := c.rcvRttUs
	m := sampleUs << 3
	if old == 0 || m < old {
		c.rcvRttUs = m
		return
	}
	if winDep {
		return
	}
	c.rcvRttUs = old - old>>3 + sampleUs
}

// copiedSeq is the sequence number of the next byte the reader will get.
func (c *conn) copiedSeq() seq { return c.rcvNxt.add(0) - seq(c.rcvq.len()) }

// Send-queue memory as Linux 6.18 charges it (sk_wmem_queued), with one
// segment per skb as the kernel sends without TSO/GSO: an skb from
// tcp_stream_alloc_skb costs skbOverhead (SKB_TRUESIZE of a MAX_TCP_HEADER
// head from the small-head cache: 256 + sk_buff 256 + skb_shared_info
// 320) plus the payload copied into its page fragments.
const (
	maxTCPHeader  = 256 // MAX_TCP_HEADER
	skbSharedInfo = 320 // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
	skbStruct     = 256 // SKB_DATA_ALIGN(sizeof(struct sk_buff))
	skbOverhead   = maxTCPHeader + skbStruct + skbSharedInfo
)

// sndbufExpand is tcp_sndbuf_expand: room for twice the congestion window
// of full segments, each an skb whose head is a power of two
// (max(mss_clamp, mss_cache) plus the headers), within tcp_wmem[2].
func (c *conn) sndbufExpand() {
	clamp := int(c.peerMSS) // rx_opt.mss_clamp: the peer's MSS within TCP_MAXSEG
	if c.mssClamp != 0 {
		clamp = min(clamp, int(c.mssClamp))
	}
	perMSS := 1
	for perMSS < max(clamp, int(c.mssCache))+maxTCPHeader+skbSharedInfo {
		perMSS <<= 1
	}
	perMSS += skbStruct
	nr := max(initCwnd, int(c.cwnd), int(c.reordering)+1)
	sndmem := 2 * nr * perMSS
	if int(c.Opts.SndBuf.Load()) < sndmem {
		c.Opts.SndBuf.Store(int32(min(sndmem, c.p.v.wmem.IntAt(2))))
	}
}

// sendMSS is the payload of one skb (size_goal of tcp_send_mss without
// GSO).
func (c *conn) sendMSS() int {
	if c.mssCache == 0 {
		return defaultMSS
	}
	return int(c.mssCache)
}

// wmemQueued is sk_wmem_queued: every byte in the send queue and an skb's
// overhead for each segment sent and not acknowledged and each segment's
// worth of unsent bytes (tcp_sendmsg_locked fills an unsent skb to the
// size goal before it takes another).
func (c *conn) wmemQueued() int {
	mss := c.sendMSS()
	skbs := len(c.rtx) + (c.unsent()+mss-1)/mss
	return c.sndq.len() + skbs*skbOverhead
}

// sndSpace is how many more payload bytes the send queue takes now, as
// tcp_sendmsg_locked copies: the unsent tail skb fills up to the size
// goal whatever the memory, and a new skb is begun while sk_wmem_queued
// is below sk_sndbuf (sk_stream_memory_free), then filled.
func (c *conn) sndSpace() int {
	mss := c.sendMSS()
	room := 0
	if r := c.unsent() % mss; r != 0 {
		room = mss - r
	}
	// The tail filled, a new skb is begun while memory is left.
	w, sndbuf := c.wmemQueued()+room, int(c.Opts.SndBuf.Load())
	if w < sndbuf {
		per := mss + skbOverhead
		room += (sndbuf - w + per - 1) / per * mss
	}
	return room
}
