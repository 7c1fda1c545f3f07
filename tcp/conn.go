package tcp

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/socket"
)

// Socket-level states (socket_state_t).
const (
	ssUnconnected = iota
	ssConnecting
	ssConnected
	ssDisconnecting
)

// state is a connection state, with Linux's TCP_* values (tcpi_state).
type state uint8

const (
	stateEstablished state = 1
	stateSynSent     state = 2
	stateSynRecv     state = 3
	stateFinWait1    state = 4
	stateFinWait2    state = 5
	stateTimeWait    state = 6
	stateClose       state = 7
	stateCloseWait   state = 8
	stateLastAck     state = 9
	stateListen      state = 10
	stateClosing     state = 11
)

var stateNames = [...]string{"", "ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
	"TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"}

func (s state) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "?"
}

// Congestion-avoidance states (tcpi_ca_state).
const (
	caOpen     = 0
	caDisorder = 1
	caCWR      = 2
	caRecovery = 3
	caLoss     = 4
)

// Segment flags in the retransmission queue.
const (
	segSYN      = 1 << iota // occupies one sequence number before its data
	segFIN                  // occupies one after
	segSACKed               // acknowledged by a SACK block
	segLost                 // judged lost, to be retransmitted
	segRetrans              // retransmitted and not yet acknowledged
	segEverRetr             // retransmitted at least once (no RTT sample, Karn)
	segPSH                  // sent with PSH, which retransmissions keep
)

// txSeg is one sent, unacknowledged segment (an skb on Linux's rtx queue).
type txSeg struct {
	seq   seq
	len   uint32 // data bytes
	flags uint8
	sent  time.Time // last transmission
	// txDelivered is tp->delivered at the last transmission
	// (tx.delivered), for the rate sample's prior_delivered.
	txDelivered uint32
}

func (s *txSeg) end() seq {
	e := s.seq.add(s.len)
	if s.flags&segSYN != 0 {
		e++
	}
	if s.flags&segFIN != 0 {
		e++
	}
	return e
}

// oooSeg is out-of-order data waiting for the hole before it.
type oooSeg struct {
	seq    seq
	data   []byte
	fin    bool
	charge int // receive memory (rmem.go)
}

// sackBlock is a SACK block we report (RFC 2018).
type sackBlock struct{ start, end seq }

// conn is a TCP socket: a listener, a connecting or connected endpoint, or
// one in TIME_WAIT. Fields are guarded by Base.Mu unless noted.
type conn struct {
	socket.Base
	p *Proto

	state state
	// sock is the socket-level state (struct socket's state):
	// ssUnconnected, ssConnecting, ssConnected.
	sock        uint8
	deferredErr bool

	// Addresses and the table state: written with Base.Mu and p.mu held.
	local    netip.AddrPort
	remote   netip.AddrPort
	bound    bool // owns a port (bind, listen or connect)
	bindAddr bool // SOCK_BINDADDR_LOCK
	bindPort bool // SOCK_BINDPORT_LOCK
	hashed   bool // in the established or listening table
	rt       *route.OutputResult

	// Send side (RFC 9293 3.3.1).
	iss       seq
	sndUna    seq
	sndNxt    seq
	sndMax    seq // highest sequence sent
	sndWnd    uint32
	sndWl1    seq
	sndWl2    seq
	maxWindow uint32
	sndWscale uint8
	sndq      ring // bytes from sndUna on: unacknowledged, then unsent
	finQueued bool // close/shutdown asked for a FIN after the data
	rtx       []txSeg
	writeSeq  seq // sndUna + sndq.len(): the next byte the user writes
	sndSml    seq // end of the last small segment (Minshall's Nagle)
	// noSpace is SOCK_NOSPACE: a send or poll found the queue full;
	// queueShrunk is SOCK_QUEUE_SHRUNK: an ACK freed some of it since.
	noSpace, queueShrunk bool
	pushed               seq // data up to here was sent with PSH

	// Receive side.
	irs         seq
	rcvNxt      seq
	rcvWnd      uint32 // window advertised in the last segment
	rcvWup      seq    // rcv_nxt at the last window advertisement
	rcvWscale   uint8
	rcvq        ring
	ooo         []oooSeg
	finRcvd     bool
	sacks       []sackBlock // blocks to report, most recent first
	dsack       sackBlock   // a duplicate to report once (RFC 2883), if hasDSACK
	hasDSACK    bool
	windowClamp uint32
	rcvSpace    rcvSpace
	// Receive memory (rmem.go).
	rmemAlloc    int         // sk_rmem_alloc: the charges of what is held
	rcvCharges   chargeQueue // the in-order segments' charges
	scalingRatio uint8       // tp->scaling_ratio
	lastSegSize  uint32      // icsk_ack.last_seg_size
	// The receiver's RTT estimate (tp->rcv_rtt_est), for autotuning.
	rcvRttUs        uint32 // << 3
	rcvRttLastTsecr uint32
	rcvRttSeq       seq
	rcvRttTime      time.Time

	// Negotiated options.
	mssClamp   uint16 // user TCP_MAXSEG
	advMSS     uint16 // MSS we advertise
	peerMSS    uint16 // MSS the peer advertised
	mssCache   uint32 // payload bytes per segment
	wscaleOK   bool
	sackOK     bool
	tsOK       bool
	tsRecent   uint32
	tsRecentAt time.Time
	tsOffset   uint32
	tsEcrLast  uint32

	// Timers and RTT (RFC 6298, in Linux's microseconds).
	rtxTimer     clock.Timer
	rtxKind      uint8 // what rtxTimer is armed for
	delackTimer  clock.Timer
	kaTimer      clock.Timer
	srttUs       uint32 // smoothed RTT << 3
	mdevUs       uint32
	mdevMaxUs    uint32
	rttvarUs     uint32
	rttSeq       seq
	minRttUs     uint32
	rto          time.Duration
	backoff      uint8
	retransmits  uint8 // consecutive timeouts (icsk_retransmits)
	totalRetrans uint32
	probesOut    uint8
	probesStamp  time.Time // first zero-window probe of the episode (icsk_probes_tstamp)
	retransStamp time.Time // first retransmission of the head (for timeouts)
	lastSend     time.Time // last data sent (lsndtime)
	lastAckRecv  time.Time
	lastDataRecv time.Time
	userTimeout  time.Duration

	// Delayed ACK (inet_connection_sock icsk_ack).
	ackPending bool
	ackNow     bool
	ackNoMem   bool // data dropped for want of memory: advertise zero (ICSK_ACK_NOMEM)
	quick      uint8
	pingpong   uint8
	ato        time.Duration
	lrcvtime   time.Time
	rcvMSS     uint32

	// Congestion control.
	cc            congestion
	ccName        string
	cwnd          uint32
	cwndCnt       uint32
	ssthresh      uint32
	caState       uint8
	priorCwnd     uint32
	priorSsthresh uint32
	highSeq       seq // recovery point
	prrDelivered  uint32
	prrOut        uint32
	packetsOut    uint32
	sackedOut     uint32
	lostOut       uint32
	retransOut    uint32
	dupAcks       uint32
	maxPacketsOut uint32
	cwndLimited   bool
	reordering    uint32
	delivered     uint32
	tlpActive     bool // a loss probe is out (tlp_high_seq set)
	tlpHighSeq    seq  // snd_nxt when the probe went
	tlpRetrans    bool // the probe was a retransmission
	// RACK (rack.go).
	rackMstamp        time.Time     // send time of the latest delivered segment
	rackEndSeq        seq           // and its end
	rackRTT           time.Duration // the RTT it gave
	rackAdvanced      bool
	rackReoSteps      uint8
	reoArmed          bool   // this ACK armed the reordering timer
	rackReoPersist    uint8  // recoveries the grown window lasts (reo_wnd_persist)
	rackDsackSeen     bool   // a D-SACK to grow the window for (rack.dsack_seen)
	rackLastDelivered uint32 // delivered when the window last grew
	// Undo (undo.go): the recovery's start and the retransmissions not
	// yet proved spurious by D-SACKs (undo_marker, undo_retrans; -1 for
	// none).
	undoMarker  seq
	undoActive  bool // undo_marker is set
	undoRetrans int32
	// F-RTO after a timeout (tp->frto), and its request to send new
	// data rather than retransmit after this ACK (REXMIT_NEW).
	frto      bool
	frtoNew   bool
	dsackDups uint32 // segments the peer reported duplicate (tcpi_dsack_dups)
	// The timestamp echo of the ACK being processed, less tsOffset
	// (rx_opt.saw_tstamp, rcv_tsecr).
	ackSawTS bool
	ackTSEcr uint32

	// Socket options of the TCP level.
	nodelay        bool
	cork           bool
	quickackOpt    bool
	keepIdle       time.Duration
	keepIntvl      time.Duration
	keepCnt        int
	deferAccept    uint8 // TCP_DEFER_ACCEPT as SYN-ACK retransmissions (rskq_defer_accept)
	notsentLowat   uint32
	lingerTime     time.Duration
	lingerDone     chan struct{} // closed when a lingering close may return
	synCount       int           // TCP_SYNCNT
	windowClampOpt uint32

	// Urgent data (RFC 9293 3.8.5 as Linux handles it).
	urg     uint8 // urgNotYet, urgValid, urgRead (tp->urg_data)
	urgByte byte  // the out-of-band byte, once it came
	urgSeq  seq
	sndUp   seq
	urgMode bool // urgent data sent and not yet acknowledged (tcp_urg_mode)

	// Listener.
	ln *listener
	// twISN is the initial sequence number for a SYN that ended a
	// TIME-WAIT, set while the listener handles it (tcp_tw_isn).
	twISN seq
	// parent is the listener of a connection not yet accepted.
	parent *conn

	// Bookkeeping.
	ipID        atomic.Uint32 // inet_id: IP identifiers of this connection
	rcvSsthresh uint32        // the window may grow up to this (rcv_ssthresh)
	lastOOWAck  time.Time     // tcp_oow_rate_limited
	delackArmed bool
	delackAt    time.Time // when the delayed ACK is due (icsk_ack.timeout)
	// SACK compression (tcp_sack_compress_send_ack and friends).
	compTimer     clock.Timer
	compArmed     bool
	compressedAck uint32
	compRcvNxt    seq
	dupAckCounter uint8
	kaKind        uint8
	totalRTO      uint32
	connectBound  bool // the port was chosen by connect(2)
	listening     bool

	// Counters for TCP_INFO.
	segsIn, segsOut, dataSegsIn, dataSegsOut           uint32
	bytesAcked, bytesReceived, bytesSent, bytesRetrans uint64
	lost                                               uint32
	reordSeen                                          uint32
	rcvOooPack                                         uint32
	created                                            time.Time
	orphaned                                           bool
	done                                               bool // tcp_done ran: the socket is closed for good
}

// rcvSpace tracks receive-buffer auto-tuning (tcp_rcv_space_adjust).
type rcvSpace struct {
	space uint32
	seq   seq
	time  time.Time
}
