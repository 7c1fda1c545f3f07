package socket

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Receive-side control message flags (Linux's IP_CMSG_* and SOCK_RCVTSTAMP
// bits), in Options.cmsg.
const (
	CmsgPktInfo uint32 = 1 << iota
	CmsgTTL
	CmsgTOS
	CmsgRecvOpts
	CmsgRetOpts
	CmsgOrigDstAddr
	CmsgRecvFragsize
	CmsgTimestamp   // SO_TIMESTAMP (struct timeval)
	CmsgTimestampNS // SO_TIMESTAMPNS (struct timespec)
	CmsgTimestampNew
	CmsgTimestampingNew // SO_TIMESTAMPING_NEW was the name used
)

// Linux's buffer minimums (SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF: one and two
// TCP_SKB_MIN_TRUESIZE of 2048 + sizeof(struct sk_buff) rounded).
const (
	MinRcvBuf = 2304
	MinSndBuf = 4608
)

// Shutdown bits (RCV_SHUTDOWN, SEND_SHUTDOWN).
const (
	ShutRcv  = 1
	ShutSend = 2
	ShutBoth = 3
)

// Options are a socket's SOL_SOCKET and SOL_IP settings. Fields read on the
// data path are atomic; the rest are guarded by Base.Mu.
type Options struct {
	ReuseAddr      atomic.Bool
	ReusePort      atomic.Bool
	Broadcast      atomic.Bool
	KeepAlive      atomic.Bool
	OOBInline      atomic.Bool
	NoCheck        atomic.Bool
	DontRoute      atomic.Bool
	RcvBuf         atomic.Int32 // bytes, as sk_rcvbuf (the doubled value)
	SndBuf         atomic.Int32
	RcvLowat       atomic.Int32
	RcvTimeo       atomic.Int64 // jiffies (see Timeout), 0 = none, TimeoNow = do not wait
	SndTimeo       atomic.Int64
	Mark           atomic.Uint32
	Priority       atomic.Uint32
	BindDev        atomic.Int32 // SO_BINDTODEVICE interface index, 0 = none
	LingerOn       atomic.Bool
	LingerSec      atomic.Int32 // SO_LINGER seconds, capped at MaxInt32
	LingerTime     atomic.Int64 // sk_lingertime in jiffies (what getsockopt reads)
	SelectErrQ     atomic.Bool
	flags          atomic.Uint32 // SO_* booleans without an effect in inet (sockFlag bits)
	BusyPoll       atomic.Int32  // SO_BUSY_POLL
	BusyBudget     atomic.Int32  // SO_BUSY_POLL_BUDGET
	PeekOff        atomic.Int32  // SO_PEEK_OFF, -1 = off
	IncomingCPU    atomic.Int32  // SO_INCOMING_CPU
	MaxPacingRate  atomic.Uint64 // SO_MAX_PACING_RATE
	TSFlags        atomic.Uint32 // SO_TIMESTAMPING flags
	TxTime         atomic.Uint32 // SO_TXTIME: clockid<<8 | flags, 0 = off
	BufLock        atomic.Uint32 // SOCK_SNDBUF_LOCK | SOCK_RCVBUF_LOCK (SO_BUF_LOCK)
	cmsg           atomic.Uint32 // Cmsg* bits
	TOS            atomic.Uint32
	TTL            atomic.Int32 // -1: ip_default_ttl
	MinTTL         atomic.Uint32
	PMTUDisc       atomic.Int32 // IP_PMTUDISC_*
	RecvErr        atomic.Bool
	RecvErr4884    atomic.Bool
	Freebind       atomic.Bool
	Transparent    atomic.Bool
	HdrIncl        atomic.Bool
	NoDefrag       atomic.Bool
	BindNoPort     atomic.Bool
	RouterAlert    atomic.Bool
	PassSec        atomic.Bool
	Checksum       atomic.Bool
	UcIndex        atomic.Int32 // IP_UNICAST_IF
	McTTL          atomic.Int32
	McLoop         atomic.Bool
	McAll          atomic.Bool
	McIndex        atomic.Int32
	McAddr         atomic.Uint32          // IP_MULTICAST_IF address, network order bytes as uint32
	IPOptions      atomic.Pointer[[]byte] // IP_OPTIONS as set (nil = none)
	LocalPortRange atomic.Uint32          // IP_LOCAL_PORT_RANGE (hi<<16 | lo), 0 = none
}

// Cmsg returns the receive control-message flags.
func (o *Options) Cmsg() uint32 { return o.cmsg.Load() }

func (o *Options) setCmsg(bit uint32, on bool) {
	for {
		old := o.cmsg.Load()
		n := old &^ bit
		if on {
			n |= bit
		}
		if o.cmsg.CompareAndSwap(old, n) {
			return
		}
	}
}

// Base is the protocol-independent part of a socket (Linux's struct sock and
// inet_sock fields that every protocol shares).
type Base struct {
	Env      *Env
	Family   int
	Type     int
	Protocol int

	// Mu is the socket lock (lock_sock): it serialises calls that change
	// the socket's protocol state.
	Mu sync.Mutex

	Opts Options

	// Rcv is the queue of received datagrams (datagram protocols).
	Rcv RecvQueue
	// Err is the IP_RECVERR error queue.
	Err ErrQueue

	// Wq is woken on every readiness change.
	Wq WaitQueue

	soErr    atomic.Int32 // sk_err: pending error for the next call and SO_ERROR
	softErr  atomic.Int32 // sk_err_soft: the protocol's last soft error (TCP's ICMP errors)
	shutdown atomic.Uint32
	closed   atomic.Bool
	nonblock atomic.Bool
	stamp    atomic.Int64  // receive time of the last packet read (SIOCGSTAMP)
	drops    atomic.Uint32 // sk_drops: datagrams the full receive queue refused
	cookie   atomic.Uint64 // SO_COOKIE, 0 until first asked
	rmem     *rmemCounter  // sk_rmem_alloc: set by Init before any use
	rdl, wdl deadline
}

// Init prepares a new socket's state with Linux's defaults.
func (b *Base) Init(env *Env, family, typ, proto int) {
	b.Env = env
	b.Family, b.Type, b.Protocol = family, typ, proto
	b.Opts.RcvBuf.Store(int32(env.rmemDefault.Int()))
	b.Opts.SndBuf.Store(int32(env.wmemDefault.Int()))
	b.Opts.RcvLowat.Store(1)
	b.Opts.PeekOff.Store(-1)
	b.Opts.IncomingCPU.Store(-1)
	b.Opts.MaxPacingRate.Store(^uint64(0))
	b.Opts.TTL.Store(-1)
	b.Opts.McTTL.Store(1)
	b.Opts.McLoop.Store(true)
	b.Opts.McAll.Store(true)
	b.Opts.PMTUDisc.Store(unix.IP_PMTUDISC_WANT)
	if env.Settings.MustVar("net.ipv4.ip_no_pmtu_disc").Int() != 0 {
		b.Opts.PMTUDisc.Store(unix.IP_PMTUDISC_DONT)
	}
	b.rmem = new(rmemCounter)
	b.Rcv.init(b)
	b.Err.init(b)
}

// SetError records a pending error (sk_err) and wakes pollers (POLLERR).
func (b *Base) SetError(e unix.Errno) {
	b.soErr.Store(int32(e))
	b.Wq.Notify(EventErr)
}

// TakeError returns and clears the pending error (sock_error).
func (b *Base) TakeError() unix.Errno { return unix.Errno(b.soErr.Swap(0)) }

// PendingError returns the pending error without clearing it.
func (b *Base) PendingError() unix.Errno { return unix.Errno(b.soErr.Load()) }

// SetSoftError records a soft error (sk_err_soft): one that does not fail
// a call or wake anyone, reported by SO_ERROR when no hard error is
// pending and by the protocol when it gives up (0 clears it).
func (b *Base) SetSoftError(e unix.Errno) { b.softErr.Store(int32(e)) }

// SoftError returns the soft error without clearing it.
func (b *Base) SoftError() unix.Errno { return unix.Errno(b.softErr.Load()) }

// TakeSOError is getsockopt(SO_ERROR) as sk_getsockopt: the pending
// error, cleared (sock_error), or else the soft error, which the read
// clears too (xchg(&sk->sk_err_soft, 0)).
func (b *Base) TakeSOError() unix.Errno {
	if e := b.TakeError(); e != 0 {
		return e
	}
	return unix.Errno(b.softErr.Swap(0))
}

// ShutdownBits returns the shutdown bits.
func (b *Base) ShutdownBits() uint32 { return b.shutdown.Load() }

// AddShutdown sets shutdown bits and wakes everyone.
func (b *Base) AddShutdown(how uint32) {
	for {
		old := b.shutdown.Load()
		if b.shutdown.CompareAndSwap(old, old|how) {
			break
		}
	}
	b.Wq.Notify(EventIn | EventOut | EventHup | EventRdHup | eventWake)
}

// Cookie returns the socket's SO_COOKIE, assigning the stack's next one on
// first use (sock_gen_cookie).
func (b *Base) Cookie() uint64 {
	if c := b.cookie.Load(); c != 0 {
		return c
	}
	b.cookie.CompareAndSwap(0, b.Env.nextCookie.Add(1))
	return b.cookie.Load()
}

// AddDrop counts a datagram the socket had to drop (sk_drops, reported by
// SO_MEMINFO).
func (b *Base) AddDrop() { b.drops.Add(1) }

// Closed reports whether Close was called.
func (b *Base) Closed() bool { return b.closed.Load() }

// Nonblocking reports O_NONBLOCK.
func (b *Base) Nonblocking() bool { return b.nonblock.Load() }

// RcvTimeo returns SO_RCVTIMEO as a wait: 0 for none, a negative value
// for "do not wait" (a negative tv_sec was set).
func (b *Base) RcvTimeo() time.Duration { return b.timeo(b.Opts.RcvTimeo.Load()) }

// SndTimeo returns SO_SNDTIMEO as RcvTimeo does.
func (b *Base) SndTimeo() time.Duration { return b.timeo(b.Opts.SndTimeo.Load()) }

// TimeoNow is the stored SO_RCVTIMEO / SO_SNDTIMEO for a zero timeout
// (sk_rcvtimeo 0: return EAGAIN at once).
const TimeoNow = -1

func (b *Base) timeo(j int64) time.Duration {
	switch {
	case j == 0:
		return 0
	case j == TimeoNow:
		return -1
	}
	hz := int64(b.Env.Settings.HZ())
	if j/hz >= int64(math.MaxInt64/time.Second) {
		return 0 // longer than a Duration holds: as good as none
	}
	return time.Duration(j/hz)*time.Second + time.Duration(j%hz)*time.Second/time.Duration(hz)
}

// TTL returns the unicast TTL to send with (IP_TTL or ip_default_ttl).
func (b *Base) TTL() uint8 {
	if t := b.Opts.TTL.Load(); t > 0 {
		return uint8(t)
	}
	return uint8(b.Env.DefaultTTL())
}

// Wait blocks the calling goroutine until the socket reports one of mask,
// the timeout or a deadline expires, or the socket closes. ready is
// evaluated under no lock by the caller's loop; Wait only sleeps once. It
// returns nil when woken, EAGAIN on the relative timeout, ErrDeadline on
// the Go deadline, EBADF when the socket closed.
func (b *Base) wait(mask Events, check func() bool, timeout time.Duration, start time.Time, dl *deadline) error {
	w := getWaiter(mask)
	b.Wq.Add(w)
	defer func() {
		b.Wq.Remove(w)
		putWaiter(w)
	}()
	if b.closed.Load() {
		return unix.EBADF
	}
	if check() {
		return nil
	}
	err := sleep(b.Env.Clock, w, timeout, start, dl)
	if b.closed.Load() {
		return unix.EBADF
	}
	return err
}

// WaitRead blocks until check reports true or a receive timeout or
// deadline passes. Call it without holding Mu; check is called after the
// waiter is registered, so a wake-up between the caller's test and the
// sleep is never lost.
func (b *Base) WaitRead(check func() bool, start time.Time) error {
	return b.wait(Readable|EventErr|EventHup|EventRdHup, check, b.RcvTimeo(), start, &b.rdl)
}

// WaitWrite is WaitRead for sending (SO_SNDTIMEO, the write deadline).
func (b *Base) WaitWrite(check func() bool, start time.Time) error {
	return b.wait(Writable|EventErr|EventHup, check, b.SndTimeo(), start, &b.wdl)
}

// SetReadDeadline sets the Go read deadline and wakes blocked readers.
func (b *Base) SetReadDeadline(t time.Time) {
	b.rdl.set(t)
	b.Wq.Notify(eventWake)
}

// SetWriteDeadline sets the Go write deadline and wakes blocked writers.
func (b *Base) SetWriteDeadline(t time.Time) {
	b.wdl.set(t)
	b.Wq.Notify(eventWake)
}

// Now returns the stack clock's time.
func (b *Base) Now() time.Time { return b.Env.Clock.Now() }
