package socket

import (
	"encoding/binary"
	"math"

	"golang.org/x/sys/unix"
)

// SO_* values golang.org/x/sys/unix may lack on some architectures, and
// the ones it does not name.
const (
	soAttachFilter             = 26
	soDetachFilter             = 27
	soTimestampOld             = 29 // SO_TIMESTAMP_OLD
	soTimestampNSOld           = 35 // SO_TIMESTAMPNS_OLD
	soTimestampingOld          = 37
	soLockFilter               = 44
	soMaxPacingRate            = 47
	soBPFExtensions            = 48
	soAttachBPF                = 50
	soAttachReuseCBPF          = 51
	soAttachReuseEBPF          = 52
	soCnxAdvice                = 53
	soMeminfo                  = 55
	soIncomingNapiID           = 56
	soPeerGroups               = 59
	soTxTime                   = 61
	soTimestampNew             = 63
	soTimestampNSNew           = 64
	soTimestampingNew          = 65
	soRcvTimeoNew              = 66
	soSndTimeoNew              = 67
	soDetachReuseBPF           = 68
	soBusyPollBudget           = 70
	soNetnsCookie              = 71
	soBufLock                  = 72
	soReserveMem               = 73
	soTxRehash                 = 74
	soPassPidfd                = 76
	soPeerPidfd                = 77
	soDevmemDontneed           = 80
	soRcvPriority              = 82
	soPassRights               = 83
	skfAdMax                   = 64 // SKF_AD_MAX, what SO_BPF_EXTENSIONS reports
	maxScheduleTimeout         = math.MaxInt64
	sofTimestampingMask        = 1<<19 - 1 // SOF_TIMESTAMPING_* bits Linux 6.18 knows
	sofTimestampingOptID       = 1 << 7
	sofTimestampingOptStats    = 1 << 12
	sofTimestampingOptTSOnly   = 1 << 11
	sofTimestampingBindPHC     = 1 << 15
	sofTimestampingOptIDTCP    = 1 << 16
	sofTimestampingSoftware    = 1 << 4
	sofTimestampingRxSoftware  = 1 << 3
	sofTimestampingOptRxFilter = 1 << 17
)

// sockFlag bits: SO_* booleans stored and reported, without an effect in
// inet (Options.flags).
const (
	flagDebug = 1 << iota
	flagRxqOvfl
	flagWifiStatus
	flagNoFCS
	flagZeroCopy
	flagPreferBusyPoll
	flagRcvMark
	flagRcvPriority
	flagLockFilter
)

var flagOpts = map[int]uint32{
	unix.SO_DEBUG: flagDebug, unix.SO_RXQ_OVFL: flagRxqOvfl, unix.SO_WIFI_STATUS: flagWifiStatus,
	unix.SO_NOFCS: flagNoFCS, unix.SO_ZEROCOPY: flagZeroCopy, unix.SO_PREFER_BUSY_POLL: flagPreferBusyPoll,
	unix.SO_RCVMARK: flagRcvMark, soRcvPriority: flagRcvPriority, soLockFilter: flagLockFilter,
}

func (o *Options) setFlag(bit uint32, on bool) {
	for {
		old := o.flags.Load()
		n := old &^ bit
		if on {
			n |= bit
		}
		if o.flags.CompareAndSwap(old, n) {
			return
		}
	}
}

func (o *Options) flag(bit uint32) bool { return o.flags.Load()&bit != 0 }

// setSocketOpt is sk_setsockopt for an inet socket: SO_BINDTODEVICE takes a
// name; every other option needs an int (optlen below 4 is EINVAL) and is
// checked as Linux 6.18 checks it.
func (s *Socket) setSocketOpt(name int, val []byte) error {
	b := s.b
	o := &b.Opts
	env := b.Env
	if name == unix.SO_BINDTODEVICE {
		return s.setBindToDevice(val)
	}
	v, err := intArg(val)
	if err != nil {
		return err
	}
	on := v != 0
	switch name {
	case unix.SO_PRIORITY:
		if (v >= 0 && v <= 6) || env.Capable(CapNetRaw|CapNetAdmin) {
			o.Priority.Store(uint32(v))
			return nil
		}
		return unix.EPERM
	case unix.SO_TYPE, unix.SO_PROTOCOL, unix.SO_DOMAIN, unix.SO_ERROR, unix.SO_ACCEPTCONN,
		unix.SO_PEERCRED, unix.SO_PEERNAME, unix.SO_COOKIE, soBPFExtensions, soMeminfo, soIncomingNapiID,
		soPeerGroups, soNetnsCookie, soPeerPidfd:
		return unix.ENOPROTOOPT
	case unix.SO_BUSY_POLL:
		if v < 0 {
			return unix.EINVAL
		}
		o.BusyPoll.Store(v)
	case unix.SO_PREFER_BUSY_POLL:
		if on && !env.Capable(CapNetAdmin) {
			return unix.EPERM
		}
		o.setFlag(flagPreferBusyPoll, on)
	case soBusyPollBudget:
		if v > o.BusyBudget.Load() && !env.Capable(CapNetAdmin) {
			return unix.EPERM
		}
		if v < 0 || v > math.MaxUint16 {
			return unix.EINVAL
		}
		o.BusyBudget.Store(v)
	case soMaxPacingRate:
		rate := uint64(uint32(v))
		if uint32(v) == math.MaxUint32 {
			rate = math.MaxUint64
		}
		if len(val) >= 8 {
			rate = binary.NativeEndian.Uint64(val)
		}
		o.MaxPacingRate.Store(rate)
	case soTxRehash, unix.SO_PASSCRED, unix.SO_PASSSEC, soPassPidfd, soPassRights:
		// SO_TXREHASH is TCP's; the SO_PASS* options are for AF_UNIX and
		// AF_NETLINK only (Linux 6.18).
		return unix.EOPNOTSUPP
	case unix.SO_PEEK_OFF:
		o.PeekOff.Store(v)
	case soDevmemDontneed:
		return unix.EBADF // sock_devmem_dontneed: TCP only
	case unix.SO_SNDTIMEO, soSndTimeoNew, unix.SO_RCVTIMEO, soRcvTimeoNew:
		j, err := s.timeoutArg(val, name == unix.SO_SNDTIMEO || name == unix.SO_RCVTIMEO)
		if err != nil {
			return err
		}
		if name == unix.SO_RCVTIMEO || name == soRcvTimeoNew {
			o.RcvTimeo.Store(j)
		} else {
			o.SndTimeo.Store(j)
		}
	case unix.SO_DEBUG:
		if on && !env.Capable(CapNetAdmin) {
			return unix.EACCES
		}
		o.setFlag(flagDebug, on)
	case unix.SO_REUSEADDR:
		o.ReuseAddr.Store(on)
	case unix.SO_REUSEPORT:
		o.ReusePort.Store(on)
	case unix.SO_DONTROUTE:
		o.DontRoute.Store(on)
	case unix.SO_BROADCAST:
		o.Broadcast.Store(on)
	case unix.SO_SNDBUF, unix.SO_SNDBUFFORCE:
		if name == unix.SO_SNDBUFFORCE {
			if !env.Capable(CapNetAdmin) {
				return unix.EPERM
			}
			v = max(v, 0)
		} else {
			v = int32(min(uint32(v), uint32(env.wmemMax.Int())))
		}
		v = min(v, math.MaxInt32/2)
		o.BufLock.Store(o.BufLock.Load() | unix.SOCK_SNDBUF_LOCK)
		o.SndBuf.Store(max(v*2, MinSndBuf))
		b.Wq.Notify(Writable)
	case unix.SO_RCVBUF, unix.SO_RCVBUFFORCE:
		if name == unix.SO_RCVBUFFORCE {
			if !env.Capable(CapNetAdmin) {
				return unix.EPERM
			}
			v = max(v, 0)
		} else {
			v = int32(min(uint32(v), uint32(env.rmemMax.Int())))
		}
		v = min(v, math.MaxInt32/2)
		o.BufLock.Store(o.BufLock.Load() | unix.SOCK_RCVBUF_LOCK)
		o.RcvBuf.Store(max(v*2, MinRcvBuf))
	case unix.SO_KEEPALIVE:
		o.KeepAlive.Store(on)
	case unix.SO_OOBINLINE:
		o.OOBInline.Store(on)
	case unix.SO_NO_CHECK:
		o.NoCheck.Store(on)
	case unix.SO_LINGER:
		if len(val) < 8 {
			return unix.EINVAL
		}
		if v == 0 {
			o.LingerOn.Store(false)
			return nil
		}
		// l_linger is an int read as unsigned long: a negative value
		// is a very long linger (MAX_SCHEDULE_TIMEOUT).
		sec := uint64(int64(int32(binary.NativeEndian.Uint32(val[4:8]))))
		hz := uint64(env.Settings.HZ())
		t := int64(maxScheduleTimeout)
		if sec < maxScheduleTimeout/hz {
			t = int64(sec * hz)
		}
		o.LingerTime.Store(t)
		o.LingerSec.Store(int32(min(uint64(t)/hz, math.MaxInt32)))
		o.LingerOn.Store(true)
	case unix.SO_BSDCOMPAT, unix.SO_CNX_ADVICE:
	case soTimestampOld, soTimestampNew, soTimestampNSOld, soTimestampNSNew:
		s.setTimestamp(name, on)
	case soTimestampingOld, soTimestampingNew:
		return s.setTimestamping(name, val)
	case unix.SO_RCVLOWAT:
		if v < 0 {
			v = math.MaxInt32
		}
		if v == 0 {
			v = 1
		}
		o.RcvLowat.Store(v)
	case soAttachFilter, soAttachBPF, soAttachReuseCBPF, soAttachReuseEBPF:
		// No BPF in inet: Linux refuses these arguments (a program of
		// the wrong size, a descriptor that is not a BPF program) with
		// EINVAL; a real program is not supported.
		return unix.EINVAL
	case soDetachFilter:
		return unix.ENOENT // no filter attached
	case soDetachReuseBPF:
		// reuseport_detach_prog: no program is ever attached, so
		// ENOENT for a socket in (or ready for) a reuseport group.
		if d, ok := s.p.(reuseportMember); ok && d.InReuseportGroup() {
			return unix.ENOENT
		}
		if o.ReusePort.Load() {
			return unix.ENOENT
		}
		return unix.EINVAL
	case soLockFilter:
		if o.flag(flagLockFilter) && !on {
			return unix.EPERM
		}
		o.setFlag(flagLockFilter, on)
	case unix.SO_MARK:
		if !env.Capable(CapNetRaw | CapNetAdmin) {
			return unix.EPERM
		}
		o.Mark.Store(uint32(v))
	case unix.SO_RCVMARK, soRcvPriority, unix.SO_RXQ_OVFL, unix.SO_WIFI_STATUS, unix.SO_NOFCS:
		o.setFlag(flagOpts[name], on)
	case unix.SO_SELECT_ERR_QUEUE:
		o.SelectErrQ.Store(on)
	case unix.SO_INCOMING_CPU:
		o.IncomingCPU.Store(v)
	case unix.SO_ZEROCOPY:
		if v < 0 || v > 1 {
			return unix.EINVAL
		}
		o.setFlag(flagZeroCopy, on)
	case soTxTime:
		return s.setTxTime(val)
	case unix.SO_BINDTOIFINDEX:
		return s.bindToIndex(int(v))
	case soBufLock:
		if v&^(unix.SOCK_SNDBUF_LOCK|unix.SOCK_RCVBUF_LOCK) != 0 {
			return unix.EINVAL
		}
		o.BufLock.Store(uint32(v))
	case soReserveMem:
		if v < 0 {
			return unix.EINVAL
		}
		return unix.EOPNOTSUPP // no memory cgroup to reserve from
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

// reuseportMember is implemented by protocols with SO_REUSEPORT groups.
type reuseportMember interface {
	// InReuseportGroup reports whether the socket belongs to a group
	// (sk_reuseport_cb set).
	InReuseportGroup() bool
}

// setTimestamp is sock_set_timestamp: SO_TIMESTAMP and SO_TIMESTAMPNS share
// one flag; turning either off turns off both.
func (s *Socket) setTimestamp(name int, on bool) {
	o := &s.b.Opts
	if !on {
		o.setCmsg(CmsgTimestamp|CmsgTimestampNS|CmsgTimestampNew, false)
		return
	}
	o.setCmsg(CmsgTimestamp, true)
	o.setCmsg(CmsgTimestampNS, name == soTimestampNSOld || name == soTimestampNSNew)
	o.setCmsg(CmsgTimestampNew, name == soTimestampNew || name == soTimestampNSNew)
}

// setTimestamping is sock_set_timestamping: the value is an int of
// SOF_TIMESTAMPING_* flags (or a struct so_timestamping of 8 bytes), checked
// for unknown bits and inconsistent options. Binding to a PHC needs a PTP
// clock inet does not have (EOPNOTSUPP without a device, as Linux without
// SO_BINDTODEVICE; EINVAL otherwise).
func (s *Socket) setTimestamping(name int, val []byte) error {
	o := &s.b.Opts
	f := binary.NativeEndian.Uint32(val)
	if f&^sofTimestampingMask != 0 {
		return unix.EINVAL
	}
	if f&sofTimestampingOptIDTCP != 0 && f&sofTimestampingOptID == 0 {
		return unix.EINVAL
	}
	if f&sofTimestampingOptStats != 0 && f&sofTimestampingOptTSOnly == 0 {
		return unix.EINVAL
	}
	if f&sofTimestampingBindPHC != 0 {
		if o.BindDev.Load() == 0 {
			return unix.EOPNOTSUPP
		}
		return unix.EINVAL
	}
	o.TSFlags.Store(f)
	o.setCmsg(CmsgTimestampingNew, name == soTimestampingNew)
	return nil
}

// setTxTime is SO_TXTIME: a struct sock_txtime of exactly 8 bytes (clockid,
// flags); unknown flags are EINVAL, a clock other than CLOCK_MONOTONIC
// needs CapNetAdmin (EPERM), and only CLOCK_REALTIME, CLOCK_MONOTONIC and
// CLOCK_TAI are clocks (EINVAL).
func (s *Socket) setTxTime(val []byte) error {
	if len(val) != 8 {
		return unix.EINVAL
	}
	clk := int32(binary.NativeEndian.Uint32(val))
	flags := binary.NativeEndian.Uint32(val[4:])
	if flags&^3 != 0 {
		return unix.EINVAL
	}
	if clk != unix.CLOCK_MONOTONIC && !s.b.Env.Capable(CapNetAdmin) {
		return unix.EPERM
	}
	switch clk { // sockopt_validate_clockid
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_TAI:
	default:
		return unix.EINVAL
	}
	s.b.Opts.TxTime.Store(uint32(uint8(clk))<<8 | flags | 1<<16)
	return nil
}

// timeoutArg decodes a timeout as sock_set_timeout does and returns it in
// jiffies: fewer bytes than the struct (a struct __kernel_old_timeval for
// the old names, __kernel_sock_timeval for the new, both 16 bytes on 64-bit
// Linux) is EINVAL, tv_usec outside 0..999999 EDOM; a negative tv_sec is a
// zero timeout (TimeoNow: do not wait), zero is none, and the rest is
// rounded up to the kernel's jiffies.
func (s *Socket) timeoutArg(val []byte, old bool) (int64, error) {
	if len(val) < 16 {
		return 0, unix.EINVAL
	}
	sec := int64(binary.NativeEndian.Uint64(val[0:8]))
	usec := int64(binary.NativeEndian.Uint64(val[8:16]))
	if usec < 0 || usec >= 1e6 {
		return 0, unix.EDOM
	}
	if sec < 0 {
		return TimeoNow, nil
	}
	hz := int64(s.b.Env.Settings.HZ())
	if (sec == 0 && usec == 0) || sec >= maxScheduleTimeout/hz-1 {
		return 0, nil
	}
	return sec*hz + (usec+1e6/hz-1)/(1e6/hz), nil
}

// putTimeval writes a stored timeout as sock_get_timeout does (16 bytes):
// none and "do not wait" both read as zero.
func (s *Socket) putTimeval(buf []byte, j int64) int {
	var b [16]byte
	if j > 0 {
		hz := int64(s.b.Env.Settings.HZ())
		binary.NativeEndian.PutUint64(b[0:], uint64(j/hz))
		binary.NativeEndian.PutUint64(b[8:], uint64(j%hz*1e6/hz))
	}
	return copy(buf, b[:])
}

// setBindToDevice is sock_setbindtodevice: the value is an interface name,
// at most IFNAMSIZ-1 bytes used, cut at the first NUL; an empty name
// unbinds; an unknown name is ENODEV. Needs CapNetRaw to change a binding
// Linux requires it for (binding while already bound to another device).
func (s *Socket) setBindToDevice(val []byte) error {
	if len(val) > unix.IFNAMSIZ-1 {
		val = val[:unix.IFNAMSIZ-1]
	}
	for i, c := range val {
		if c == 0 {
			val = val[:i]
			break
		}
	}
	index := 0
	if len(val) > 0 {
		i, ok := s.b.Env.FIB.IfaceByName(string(val))
		if !ok {
			return unix.ENODEV
		}
		index = i.Index
	}
	return s.bindToIndex(index)
}

// bindToIndex is sock_bindtoindex_locked: changing an existing binding
// needs CapNetRaw (EPERM); a negative index is EINVAL; the index itself is
// not checked (SO_BINDTOIFINDEX accepts any).
func (s *Socket) bindToIndex(index int) error {
	o := &s.b.Opts
	if cur := int(o.BindDev.Load()); cur != 0 && !s.b.Env.Capable(CapNetRaw) {
		return unix.EPERM
	}
	if index < 0 {
		return unix.EINVAL
	}
	o.BindDev.Store(int32(index))
	return nil
}

// getSocketOpt is sk_getsockopt: most options are an int, of which a
// shorter buffer receives the first bytes; the rest have their own sizes
// and rules.
func (s *Socket) getSocketOpt(name int, buf []byte) (int, error) {
	b := s.b
	o := &b.Opts
	var v int32
	switch name {
	case unix.SO_DEBUG, unix.SO_RXQ_OVFL, unix.SO_WIFI_STATUS, unix.SO_NOFCS, unix.SO_ZEROCOPY,
		unix.SO_PREFER_BUSY_POLL, unix.SO_RCVMARK, soRcvPriority, soLockFilter:
		v = boolInt(o.flag(flagOpts[name]))
	case unix.SO_BSDCOMPAT, soIncomingNapiID, soReserveMem:
		v = 0
	case unix.SO_PASSCRED, unix.SO_PASSSEC, soPassPidfd, soPassRights, soTxRehash:
		return 0, unix.EOPNOTSUPP
	case soPeerGroups, soPeerPidfd:
		return 0, unix.ENODATA // no peer credentials on an inet socket
	case unix.SO_PEERCRED:
		// struct ucred of a socket without a peer: pid 0, uid and gid -1.
		var c [12]byte
		binary.NativeEndian.PutUint32(c[4:], math.MaxUint32)
		binary.NativeEndian.PutUint32(c[8:], math.MaxUint32)
		return copy(buf, c[:]), nil
	case unix.SO_DONTROUTE:
		v = boolInt(o.DontRoute.Load())
	case unix.SO_BROADCAST:
		v = boolInt(o.Broadcast.Load())
	case unix.SO_SNDBUF:
		v = o.SndBuf.Load()
	case unix.SO_RCVBUF:
		v = o.RcvBuf.Load()
	case unix.SO_REUSEADDR:
		v = boolInt(o.ReuseAddr.Load())
	case unix.SO_REUSEPORT:
		v = boolInt(o.ReusePort.Load())
	case unix.SO_KEEPALIVE:
		v = boolInt(o.KeepAlive.Load())
	case unix.SO_TYPE:
		v = int32(b.Type)
	case unix.SO_PROTOCOL:
		v = int32(b.Protocol)
	case unix.SO_DOMAIN:
		v = int32(b.Family)
	case unix.SO_ERROR:
		v = int32(b.TakeSOError())
	case unix.SO_OOBINLINE:
		v = boolInt(o.OOBInline.Load())
	case unix.SO_NO_CHECK:
		v = boolInt(o.NoCheck.Load())
	case unix.SO_PRIORITY:
		v = int32(o.Priority.Load())
	case unix.SO_LINGER:
		var l [8]byte
		on := o.LingerOn.Load()
		binary.NativeEndian.PutUint32(l[0:], uint32(boolInt(on)))
		hz := int64(b.Env.Settings.HZ())
		binary.NativeEndian.PutUint32(l[4:], uint32(o.LingerTime.Load()/hz))
		return copy(buf, l[:]), nil
	case soTimestampOld:
		f := o.Cmsg()
		v = boolInt(f&CmsgTimestamp != 0 && f&(CmsgTimestampNew|CmsgTimestampNS) == 0)
	case soTimestampNSOld:
		f := o.Cmsg()
		v = boolInt(f&CmsgTimestampNS != 0 && f&CmsgTimestampNew == 0)
	case soTimestampNew:
		f := o.Cmsg()
		v = boolInt(f&CmsgTimestampNew != 0 && f&CmsgTimestampNS == 0)
	case soTimestampNSNew:
		f := o.Cmsg()
		v = boolInt(f&CmsgTimestampNew != 0 && f&CmsgTimestampNS != 0)
	case soTimestampingOld, soTimestampingNew:
		// struct so_timestamping: flags, bind_phc.
		var t [8]byte
		binary.NativeEndian.PutUint32(t[0:], o.TSFlags.Load())
		return copy(buf, t[:]), nil
	case unix.SO_RCVTIMEO, soRcvTimeoNew:
		return s.putTimeval(buf, o.RcvTimeo.Load()), nil
	case unix.SO_SNDTIMEO, soSndTimeoNew:
		return s.putTimeval(buf, o.SndTimeo.Load()), nil
	case unix.SO_RCVLOWAT:
		v = o.RcvLowat.Load()
	case unix.SO_SNDLOWAT:
		v = 1
	case unix.SO_ACCEPTCONN:
		v = boolInt(s.p.Listening())
	case unix.SO_MARK:
		v = int32(o.Mark.Load())
	case unix.SO_SELECT_ERR_QUEUE:
		v = boolInt(o.SelectErrQ.Load())
	case unix.SO_BUSY_POLL:
		v = o.BusyPoll.Load()
	case soMaxPacingRate:
		r := o.MaxPacingRate.Load()
		if len(buf) >= 8 {
			var w [8]byte
			binary.NativeEndian.PutUint64(w[:], r)
			return copy(buf, w[:]), nil
		}
		v = int32(uint32(min(r, math.MaxUint32)))
	case soBPFExtensions:
		v = skfAdMax
	case soAttachFilter: // SO_GET_FILTER: no filter, nothing to copy
		return 0, nil
	case unix.SO_PEEK_OFF:
		v = o.PeekOff.Load()
	case unix.SO_INCOMING_CPU:
		v = o.IncomingCPU.Load()
	case soMeminfo:
		// sk_get_meminfo: rmem_alloc, rcvbuf, wmem_alloc, sndbuf,
		// fwd_alloc, wmem_queued, optmem, backlog, drops.
		var m [36]byte
		binary.NativeEndian.PutUint32(m[0:], uint32(b.RmemAlloc()))
		binary.NativeEndian.PutUint32(m[4:], uint32(o.RcvBuf.Load()))
		binary.NativeEndian.PutUint32(m[12:], uint32(o.SndBuf.Load()))
		binary.NativeEndian.PutUint32(m[32:], b.drops.Load())
		return copy(buf, m[:]), nil
	case unix.SO_COOKIE:
		if len(buf) < 8 {
			return 0, unix.EINVAL
		}
		binary.NativeEndian.PutUint64(buf, b.Cookie())
		return 8, nil
	case soNetnsCookie:
		if len(buf) != 8 {
			return 0, unix.EINVAL
		}
		binary.NativeEndian.PutUint64(buf, b.Env.NetnsCookie())
		return 8, nil
	case soTxTime:
		var t [8]byte
		tt := o.TxTime.Load()
		binary.NativeEndian.PutUint32(t[0:], uint32(int32(int8(tt>>8))))
		binary.NativeEndian.PutUint32(t[4:], tt&3)
		return copy(buf, t[:]), nil
	case unix.SO_BINDTOIFINDEX:
		v = o.BindDev.Load()
	case unix.SO_BINDTODEVICE:
		// sock_getbindtodevice: unbound reads as empty; otherwise the
		// buffer must hold IFNAMSIZ bytes.
		idx := int(o.BindDev.Load())
		if idx == 0 {
			return 0, nil
		}
		if len(buf) < unix.IFNAMSIZ {
			return 0, unix.EINVAL
		}
		i, ok := b.Env.FIB.Iface(idx)
		if !ok {
			return 0, unix.ENODEV
		}
		return copy(buf, append([]byte(i.Name), 0)), nil
	case unix.SO_PEERNAME:
		// inet_getname with peer 2, then: a buffer longer than the
		// address is EINVAL; a shorter one gets its first bytes.
		peer, ok := s.p.RemoteAddr()
		if !ok || peer.Port() == 0 {
			return 0, unix.ENOTCONN
		}
		if len(buf) > SockaddrInLen {
			return 0, unix.EINVAL
		}
		var sa [SockaddrInLen]byte
		PutSockaddr(sa[:], peer)
		return copy(buf, sa[:]), nil
	case soBufLock:
		v = int32(o.BufLock.Load())
	default:
		return 0, unix.ENOPROTOOPT
	}
	return putInt(buf, v), nil
}
