package tcp

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/sysctl"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// tuple keys the established table: local and remote address and port.
type tuple struct {
	la, ra [4]byte
	lp, rp uint16
}

func mkTuple(l, r netip.AddrPort) tuple {
	return tuple{la: wire.As4(l.Addr()), ra: wire.As4(r.Addr()), lp: l.Port(), rp: r.Port()}
}

// Proto is TCP of one stack.
type Proto struct {
	env   *socket.Env
	ip    *ipv4.Layer
	stats *snmp.Stats

	mu        sync.RWMutex
	est       map[tuple]*conn      // guarded by mu; every synchronized connection and TIME_WAIT
	listeners map[uint16][]*conn   // guarded by mu; by local port
	tw        map[tuple]*timewait  // guarded by mu; TIME-WAIT and orphaned FIN-WAIT-2 entries
	binds     map[uint16][]binding // guarded by mu; every socket and timewait entry owning a port

	isnKey, tsKey, cookieKey, hashKey uint64
	orphans                           atomic.Int32
	challenge                         challengeLimit

	v settings
}

// settings are the sysctls TCP reads, looked up once.
type settings struct {
	synRetries, synackRetries, retries1, retries2, orphanRetries      *sysctl.Var
	finTimeout, keepTime, keepIntvl, keepProbes                       *sysctl.Var
	syncookies, rmem, wmem, windowScaling, timestamps, sack           *sysctl.Var
	dsack, congestion, maxSynBacklog, abortOnOverflow, rfc1337        *sysctl.Var
	slowStartAfterIdle, notsentLowat, advWinScale, moderateRcvbuf     *sysctl.Var
	baseMSS, minSndMSS, challengeLimit, invalidRatelimit, reordering  *sysctl.Var
	stdurg, somaxconn, twReuse, maxOrphans, autocorking, maxTwBuckets *sysctl.Var
	earlyRetrans, recovery, appWin, maxReordering, frto               *sysctl.Var
}

func (p *Proto) loadSettings() {
	t := p.env.Settings
	v := func(n string) *sysctl.Var { return t.MustVar("net.ipv4." + n) }
	p.v = settings{
		synRetries: v("tcp_syn_retries"), synackRetries: v("tcp_synack_retries"),
		retries1: v("tcp_retries1"), retries2: v("tcp_retries2"), orphanRetries: v("tcp_orphan_retries"),
		finTimeout: v("tcp_fin_timeout"), keepTime: v("tcp_keepalive_time"),
		keepIntvl: v("tcp_keepalive_intvl"), keepProbes: v("tcp_keepalive_probes"),
		syncookies: v("tcp_syncookies"), rmem: v("tcp_rmem"), wmem: v("tcp_wmem"),
		windowScaling: v("tcp_window_scaling"), timestamps: v("tcp_timestamps"), sack: v("tcp_sack"),
		dsack: v("tcp_dsack"), congestion: v("tcp_congestion_control"), maxSynBacklog: v("tcp_max_syn_backlog"),
		abortOnOverflow: v("tcp_abort_on_overflow"), rfc1337: v("tcp_rfc1337"),
		slowStartAfterIdle: v("tcp_slow_start_after_idle"), notsentLowat: v("tcp_notsent_lowat"),
		advWinScale: v("tcp_adv_win_scale"), moderateRcvbuf: v("tcp_moderate_rcvbuf"),
		baseMSS: v("tcp_base_mss"), minSndMSS: v("tcp_min_snd_mss"),
		challengeLimit: v("tcp_challenge_ack_limit"), invalidRatelimit: v("tcp_invalid_ratelimit"),
		reordering: v("tcp_reordering"), stdurg: v("tcp_stdurg"), somaxconn: t.MustVar("net.core.somaxconn"),
		twReuse: v("tcp_tw_reuse"), maxOrphans: v("tcp_max_orphans"), autocorking: v("tcp_autocorking"),
		maxTwBuckets: v("tcp_max_tw_buckets"), earlyRetrans: v("tcp_early_retrans"), recovery: v("tcp_recovery"), appWin: v("tcp_app_win"),
		maxReordering: v("tcp_max_reordering"), frto: v("tcp_frto"),
	}
}

// New returns TCP for a stack and registers it with the IPv4 layer.
func New(env *socket.Env, ip *ipv4.Layer) *Proto {
	p := &Proto{
		env: env, ip: ip, stats: env.Stats,
		est: make(map[tuple]*conn), listeners: make(map[uint16][]*conn), binds: make(map[uint16][]binding),
		tw:     make(map[tuple]*timewait),
		isnKey: env.Rand.Uint64(), tsKey: env.Rand.Uint64(), cookieKey: env.Rand.Uint64(), hashKey: env.Rand.Uint64(),
	}
	p.loadSettings()
	// Tcp: RtoAlgorithm (1 = other), RtoMin and RtoMax in ms, MaxConn
	// (-1: dynamic) are constants Linux prints in the table.
	p.stats.TCP.Set(snmp.TCPRtoAlgorithm, 1)
	p.stats.TCP.Set(snmp.TCPRtoMin, 200)
	p.stats.TCP.Set(snmp.TCPRtoMax, 120000)
	p.stats.TCP.Set(snmp.TCPMaxConn, ^uint64(0))
	ip.Register(unix.IPPROTO_TCP, p)
	return p
}

// NewSocket returns a new TCP socket in the CLOSE state.
func (p *Proto) NewSocket() *socket.Socket {
	c := p.newConn()
	return socket.New(c)
}

func (p *Proto) newConn() *conn {
	c := &conn{p: p, state: stateClose}
	c.Init(p.env, unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	c.Opts.RcvBuf.Store(int32(p.v.rmem.IntAt(1)))
	c.Opts.SndBuf.Store(int32(p.v.wmem.IntAt(1)))
	c.initDefaults()
	return c
}

// mix is a keyed 64-bit hash (splitmix64's finaliser), the role siphash
// plays in Linux's secure_tcp_seq and friends.
func mix(x, key uint64) uint64 {
	x ^= key
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func tupleHash(t tuple, key uint64) uint64 {
	a := uint64(t.la[0])<<56 | uint64(t.la[1])<<48 | uint64(t.la[2])<<40 | uint64(t.la[3])<<32 |
		uint64(t.ra[0])<<24 | uint64(t.ra[1])<<16 | uint64(t.ra[2])<<8 | uint64(t.ra[3])
	return mix(mix(a, key)^(uint64(t.lp)<<16|uint64(t.rp)), key)
}

// isn is secure_tcp_seq (RFC 6528): a keyed hash of the 4-tuple plus a
// clock ticking every 64 ns.
func (p *Proto) isn(t tuple) seq {
	return seq(uint32(tupleHash(t, p.isnKey)) + uint32(p.env.Clock.Now().UnixNano()>>6))
}

// tsOff is secure_tcp_ts_off: a per address pair offset for timestamps.
func (p *Proto) tsOff(l, r netip.Addr) uint32 {
	return uint32(tupleHash(tuple{la: wire.As4(l), ra: wire.As4(r)}, p.tsKey))
}

// nowMS is tcp_time_stamp_ms: Linux's TCP timestamp clock, in
// milliseconds.
func (p *Proto) nowMS() uint32 { return uint32(p.env.Clock.Now().UnixMilli()) }

// challengeLimit is the per-namespace challenge ACK budget
// (tcp_challenge_ack_limit per second, RFC 5961 section 7).
type challengeLimit struct {
	mu    sync.Mutex
	stamp int64 // second
	count int
}

func (p *Proto) challengeAllowed() bool {
	l := &p.challenge
	now := p.env.Clock.Now().Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now != l.stamp {
		l.stamp = now
		l.count = 0
	}
	limit := p.v.challengeLimit.Int()
	if l.count >= limit {
		return false
	}
	l.count++
	return true
}

// Receive is tcp_v4_rcv: count, check, find the socket, and hand the
// segment over; a segment for no socket is answered with a reset.
func (p *Proto) Receive(pk *pkt.Buffer) {
	st := &p.stats.TCP
	if pk.PktType != pkt.PacketHost {
		pk.Release()
		return
	}
	st.Inc(snmp.TCPInSegs)
	b := pk.Bytes()
	if len(b) < 20 {
		pk.Release()
		return
	}
	th, err := wire.ParseTCP(b)
	if err != nil {
		if err == wire.ErrHeaderLength {
			st.Inc(snmp.TCPInErrs)
		}
		pk.Release()
		return
	}
	ip := wire.IPv4(pk.NetworkHeader())
	if pk.Flags&pkt.FlagChecksumOK == 0 && !th.ValidChecksum(ip.Src(), ip.Dst()) {
		st.Inc(snmp.TCPInCsumErrors)
		st.Inc(snmp.TCPInErrs)
		pk.Release()
		return
	}
	pk.Flags |= pkt.FlagChecksumOK
	local := netip.AddrPortFrom(ip.Dst(), th.DstPort())
	remote := netip.AddrPortFrom(ip.Src(), th.SrcPort())
	seg := parseSegment(th, ip)
	seg.pk = pk
	seg.ifindex = pk.IfIndex

	p.mu.RLock()
	t := mkTuple(local, remote)
	c := p.est[t]
	var ln *conn
	var tw *timewait
	if c == nil {
		if tw = p.tw[t]; tw == nil {
			ln = p.lookupListenerLocked(local, remote, pk.IfIndex)
		}
	}
	p.mu.RUnlock()

	switch {
	case tw != nil:
		p.timewaitArrived(tw, &seg)
	case c != nil:
		c.Mu.Lock()
		if c.minTTLDrop(ip.TTL()) {
			c.Mu.Unlock()
		} else if c.state == stateClose || !c.hashed {
			c.Mu.Unlock()
			p.noSocket(&seg)
		} else {
			c.segmentArrived(&seg)
			c.Mu.Unlock()
		}
	case ln != nil:
		ln.Mu.Lock()
		if ln.minTTLDrop(ip.TTL()) {
			ln.Mu.Unlock()
		} else if ln.state != stateListen {
			ln.Mu.Unlock()
			p.noSocket(&seg)
		} else {
			ln.listenSegment(&seg)
			ln.Mu.Unlock()
		}
	default:
		p.noSocket(&seg)
	}
	pk.Release()
}

// minTTLDrop applies IP_MINTTL (TCPMinTTLDrop).
func (c *conn) minTTLDrop(ttl uint8) bool {
	if m := c.Opts.MinTTL.Load(); m != 0 && uint32(ttl) < m {
		c.p.stats.TCPExt.Inc(snmp.TCPExtTCPMinTTLDrop)
		return true
	}
	return false
}

// noSocket answers a segment nobody owns with a reset (never a reset to a
// reset).
func (p *Proto) noSocket(s *segment) {
	if s.flags&wire.TCPFlagRST != 0 {
		return
	}
	p.sendReset(s)
}

// lookupListenerLocked finds the listener for a SYN or handshake ACK:
// bound to the exact local address first, else to INADDR_ANY, honouring
// SO_BINDTODEVICE; a SO_REUSEPORT group spreads flows by hash.
func (p *Proto) lookupListenerLocked(local, remote netip.AddrPort, dif int) *conn {
	l := p.listeners[local.Port()]
	var wild *conn
	var group []*conn
	for _, c := range l {
		if bd := int(c.Opts.BindDev.Load()); bd != 0 && bd != dif {
			continue
		}
		a := c.local.Addr()
		switch {
		case a == local.Addr():
			if c.Opts.ReusePort.Load() {
				group = append(group, c)
				continue
			}
			return c
		case a == anyAddr && wild == nil:
			wild = c
		}
	}
	if len(group) > 0 {
		h := tupleHash(mkTuple(local, remote), p.hashKey)
		return group[int(uint64(uint32(h))*uint64(len(group))>>32)]
	}
	if wild != nil && wild.Opts.ReusePort.Load() {
		var wg []*conn
		for _, c := range l {
			if c.local.Addr() == anyAddr && c.Opts.ReusePort.Load() {
				if bd := int(c.Opts.BindDev.Load()); bd == 0 || bd == dif {
					wg = append(wg, c)
				}
			}
		}
		h := tupleHash(mkTuple(local, remote), p.hashKey)
		return wg[int(uint64(uint32(h))*uint64(len(wg))>>32)]
	}
	return wild
}

var anyAddr = netip.IPv4Unspecified()

// Error is tcp_v4_err, called by ICMP for a segment we sent.
func (p *Proto) Error(e *ipv4.ICMPError) {
	q := e.QuotedHeader()
	t := e.QuotedTransport()
	if len(t) < 8 {
		return
	}
	local := netip.AddrPortFrom(q.Src(), uint16(t[0])<<8|uint16(t[1]))
	remote := netip.AddrPortFrom(q.Dst(), uint16(t[2])<<8|uint16(t[3]))
	sq := seq(uint32(t[4])<<24 | uint32(t[5])<<16 | uint32(t[6])<<8 | uint32(t[7]))
	p.mu.RLock()
	c := p.est[mkTuple(local, remote)]
	p.mu.RUnlock()
	if c == nil {
		p.stats.ICMP.Inc(snmp.ICMPInErrors)
		return
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.icmpError(e, sq)
}

// timeNow returns the stack clock's time.
func (p *Proto) timeNow() time.Time { return p.env.Clock.Now() }
