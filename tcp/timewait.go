package tcp

import (
	"net/netip"
	"sync"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// timewait is a connection in TIME-WAIT, or an orphan in FIN-WAIT-2,
// kept apart from its socket as Linux's inet_timewait_sock: a few dozen
// bytes that hold the 4-tuple and the port, answer late segments and die
// on their timer. The socket itself is CLOSE from then on.
type timewait struct {
	p *Proto

	mu         sync.Mutex
	local      netip.AddrPort // written once
	remote     netip.AddrPort // written once
	substate   state          // guarded by mu: stateTimeWait or stateFinWait2
	sndNxt     seq            // written once
	rcvNxt     seq            // guarded by mu
	rcvWnd     uint32         // written once; the window left, unscaled
	rcvWscale  uint8          // written once
	tsOK       bool           // written once
	tsRecent   uint32         // guarded by mu
	tsRecentAt time.Time      // guarded by mu
	tsOffset   uint32         // written once
	lastOOWAck time.Time      // guarded by mu
	timer      clock.Timer    // guarded by mu
	dead       bool           // guarded by mu

	// What the socket's segments were sent with.
	ttl, tos     uint8
	mark, prio   uint32
	bindDev      int32
	df           bool
	rt           *route.OutputResult
	reuse        bool // SO_REUSEADDR of the socket (sk_reuse)
	reusePort    bool
	connectBound bool // the port was picked by connect(2)
}

// enterTimeWait is tcp_time_wait: the socket hands its 4-tuple and port
// to a timewait entry living tmo (TIME_WAIT_LEN in TIME-WAIT, the FIN
// timeout in FIN-WAIT-2) and is done. Past tcp_max_tw_buckets entries
// the connection just closes (TCPTimeWaitOverflow).
func (c *conn) enterTimeWait(sub state, tmo time.Duration) {
	p := c.p
	p.mu.Lock()
	if len(p.tw) >= p.v.maxTwBuckets.Int() {
		p.mu.Unlock()
		p.stats.TCPExt.Inc(snmp.TCPExtTCPTimeWaitOverflow)
		c.done2()
		return
	}
	tw := &timewait{
		p: p, local: c.local, remote: c.remote, substate: sub,
		sndNxt: c.sndNxt, rcvNxt: c.rcvNxt, rcvWnd: c.receiveWindow(), rcvWscale: c.rcvWscale,
		tsOK: c.tsOK, tsRecent: c.tsRecent, tsRecentAt: c.tsRecentAt, tsOffset: c.tsOffset,
		lastOOWAck: c.lastOOWAck,
		ttl:        c.TTL(), tos: uint8(c.Opts.TOS.Load()), mark: c.Opts.Mark.Load(), prio: c.Opts.Priority.Load(),
		bindDev: c.Opts.BindDev.Load(), rt: c.rt,
		reuse: c.Opts.ReuseAddr.Load(), reusePort: c.Opts.ReusePort.Load(), connectBound: c.connectBound,
	}
	pmtu := c.Opts.PMTUDisc.Load()
	tw.df = pmtu == unix.IP_PMTUDISC_DO || pmtu == unix.IP_PMTUDISC_PROBE || pmtu == unix.IP_PMTUDISC_WANT
	t := mkTuple(c.local, c.remote)
	p.tw[t] = tw
	p.binds[c.local.Port()] = append(p.binds[c.local.Port()], binding{tw: tw})
	p.mu.Unlock()
	p.stats.TCPExt.Inc(snmp.TCPExtTW)
	tw.mu.Lock()
	tw.timer = p.env.Clock.AfterFunc(tmo, tw.expire)
	tw.mu.Unlock()
	c.done2()
}

// expire ends a timewait entry on its timer.
func (tw *timewait) expire() { tw.kill() }

// kill removes the entry from the tables (inet_twsk_kill). Lock order:
// p.mu before tw.mu, so tw.mu is let go before p.mu is taken.
func (tw *timewait) kill() {
	tw.mu.Lock()
	if tw.dead {
		tw.mu.Unlock()
		return
	}
	tw.dead = true
	if tw.timer != nil {
		tw.timer.Stop()
	}
	tw.mu.Unlock()
	p := tw.p
	p.mu.Lock()
	p.unhashTimewaitLocked(tw)
	p.mu.Unlock()
}

// unhashTimewaitLocked drops tw from the tables (p.mu held).
func (p *Proto) unhashTimewaitLocked(tw *timewait) {
	t := mkTuple(tw.local, tw.remote)
	if p.tw[t] == tw {
		delete(p.tw, t)
	}
	p.unbindLocked(binding{tw: tw}, tw.local.Port())
}

// reschedule restarts the timer (inet_twsk_reschedule).
func (tw *timewait) rescheduleLocked(d time.Duration) {
	if !tw.dead {
		tw.timer.Reset(d)
	}
}

// What the timewait processing asks the caller to do (enum tcp_tw_status).
const (
	twSuccess = iota
	twACK
	twRST
	twSYN
	twKill
)

// segment is tcp_timewait_state_process: what a late segment gets from a
// timewait entry (twKill: ended by it, the caller removes it). For twSYN,
// isn is the initial sequence number the new connection takes.
func (tw *timewait) segment(s *segment) (status int, isn seq) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.dead {
		return -1, 0
	}
	now := tw.p.timeNow()
	paws := false
	if tw.tsOK && s.opts.HasTimestamp {
		paws = tw.tsRecent != 0 && int32(tw.tsRecent-s.opts.TSVal) > 0 && now.Sub(tw.tsRecentAt) < 24*24*time.Hour
		if paws && s.has(wire.TCPFlagRST) && now.Sub(tw.tsRecentAt) >= 60*time.Second {
			paws = false // TCP_PAWS_MSL: an old entry lets resets through
		}
	}
	rst, syn, ack, fin := s.has(wire.TCPFlagRST), s.has(wire.TCPFlagSYN), s.has(wire.TCPFlagACK), s.has(wire.TCPFlagFIN)
	if tw.substate == stateFinWait2 {
		// The checks of tcp_rcv_state_process, repeated.
		if paws || !inWindow(s.seq, s.end(), tw.rcvNxt, tw.rcvNxt.add(tw.rcvWnd)) {
			return tw.oowLocked(s, snmp.TCPExtTCPACKSkippedFinWait2), 0
		}
		if rst {
			return twKill, 0
		}
		if syn && !s.seq.lt(tw.rcvNxt) {
			return twRST, 0
		}
		if !ack || !s.end().gt(tw.rcvNxt) || s.seqLen() == 0 {
			return twSuccess, 0
		}
		// New data after the half-close earns a reset; the FIN moves
		// to TIME-WAIT proper.
		if !fin || s.end() != tw.rcvNxt+1 {
			return twRST, 0
		}
		tw.substate = stateTimeWait
		tw.rcvNxt = s.end()
		if s.opts.HasTimestamp {
			tw.tsRecent, tw.tsRecentAt = s.opts.TSVal, now
		}
		tw.rescheduleLocked(timeWaitLen)
		return twACK, 0
	}
	// TIME-WAIT: an in-window bare ACK or reset.
	if !paws && s.seq == tw.rcvNxt && (s.seqLen() == 0 || rst) {
		if rst {
			if !tw.p.v.rfc1337.Bool() {
				return twKill, 0
			}
		} else {
			tw.rescheduleLocked(timeWaitLen)
		}
		if s.opts.HasTimestamp {
			tw.tsRecent, tw.tsRecentAt = s.opts.TSVal, now
		}
		return twSuccess, 0
	}
	// RFC 1122 4.2.2.13: a new SYN above what this incarnation used may
	// reopen the connection.
	if syn && !rst && !ack && !paws &&
		(s.seq.gt(tw.rcvNxt) || (s.opts.HasTimestamp && tw.tsOK && int32(tw.tsRecent-s.opts.TSVal) < 0)) {
		isn = tw.sndNxt.add(65535 + 2)
		if isn == 0 {
			isn++
		}
		return twSYN, isn
	}
	if paws {
		tw.p.stats.TCPExt.Inc(snmp.TCPExtPAWSTimewait)
	}
	if !rst {
		if paws || ack {
			tw.rescheduleLocked(timeWaitLen)
		}
		return tw.oowLocked(s, snmp.TCPExtTCPACKSkippedTimeWait), 0
	}
	return twSuccess, 0
}

// oowLocked is tcp_timewait_check_oow_rate_limit.
func (tw *timewait) oowLocked(s *segment, mib int) int {
	if s.seqLen() > 0 && !s.has(wire.TCPFlagSYN) {
		return twACK
	}
	now := tw.p.timeNow()
	lim := time.Duration(tw.p.v.invalidRatelimit.Int()) * time.Millisecond
	if !tw.lastOOWAck.IsZero() {
		if d := now.Sub(tw.lastOOWAck); d >= 0 && d < lim {
			tw.p.stats.TCPExt.Inc(mib)
			return twSuccess
		}
	}
	tw.lastOOWAck = now
	return twACK
}

// timewaitArrived acts on what segment decided (the TCP_TW_* cases of
// tcp_v4_rcv).
func (p *Proto) timewaitArrived(tw *timewait, s *segment) {
	status, isn := tw.segment(s)
	switch status {
	case twSYN:
		p.mu.RLock()
		ln := p.lookupListenerLocked(s.dst, s.src, s.ifindex)
		p.mu.RUnlock()
		if ln != nil {
			tw.kill()
			ln.Mu.Lock()
			if ln.state == stateListen {
				ln.twISN = isn
				ln.listenSegment(s)
				ln.twISN = 0
			} else {
				ln.Mu.Unlock()
				p.noSocket(s)
				return
			}
			ln.Mu.Unlock()
			return
		}
		tw.sendAck(s)
	case twACK:
		tw.sendAck(s)
	case twRST:
		p.sendReset(s)
		tw.kill()
	case twKill:
		tw.kill()
	case -1:
		p.noSocket(s)
	}
}

// sendAck is tcp_v4_timewait_ack: the answer to s, with s's IP options
// echoed (ip_send_unicast_reply; nothing leaves when they cannot be).
func (tw *timewait) sendAck(s *segment) {
	var opts []byte
	if s.hasIPOptions() {
		var ob [wire.IPv4MaxOptionLen]byte
		var ok bool
		if opts, ok = tw.p.echoOptions(&ob, s); !ok {
			tw.p.stats.TCP.Inc(snmp.TCPOutSegs)
			return
		}
	}
	tw.mu.Lock()
	var o wire.TCPOptions
	if tw.tsOK {
		o.HasTimestamp = true
		o.TSVal = tw.p.nowMS() + tw.tsOffset
		o.TSEcr = tw.tsRecent
	}
	h := wire.TCPHeader{SrcPort: tw.local.Port(), DstPort: tw.remote.Port(), Seq: uint32(tw.sndNxt), Ack: uint32(tw.rcvNxt),
		Flags: wire.TCPFlagACK, Window: uint16(min(tw.rcvWnd>>tw.rcvWscale, 65535))}
	tw.mu.Unlock()
	ol := o.Len()
	pk := pkt.Get(pkt.DefaultHeadroom, 20+ol)
	b := pk.Bytes()
	h.Emit(b[:20])
	o.Emit(b[20:])
	b[12] = byte((20+ol)/4)<<4 | b[12]&0x0f
	wire.TCP(b).ComputeChecksum(tw.local.Addr(), tw.remote.Addr())
	pk.Flags |= pkt.FlagChecksumOK
	tw.p.stats.TCP.Inc(snmp.TCPOutSegs)
	sp := ipv4.SendParams{Dst: tw.remote.Addr(), Src: tw.local.Addr(), Proto: unix.IPPROTO_TCP,
		TTL: tw.ttl, TOS: tw.tos, DF: tw.df, Mark: tw.mark, Priority: tw.prio, Options: opts}
	if tw.rt != nil && opts == nil {
		_ = tw.p.ip.OutputRoute(pk, &sp, tw.rt)
		return
	}
	sp.AnySrc = true
	_ = tw.p.ip.Output(pk, &sp)
}

// finTime is tcp_fin_time: TCP_LINGER2 or tcp_fin_timeout, at least
// three and a half RTOs.
func (c *conn) finTime() time.Duration {
	d := c.p.v.finTimeout.Duration()
	if c.lingerTime > 0 {
		d = c.lingerTime
	}
	return max(d, c.rto*4-c.rto/2)
}
