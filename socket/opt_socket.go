package socket

import (
	"encoding/binary"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// SO_* values golang.org/x/sys/unix may lack on some architectures.
const (
	soTimestampOld   = 29 // SO_TIMESTAMP_OLD
	soTimestampNSOld = 35 // SO_TIMESTAMPNS_OLD
	soTimestampNew   = 63
	soTimestampNSNew = 64
	soRcvTimeoNew    = 66
	soSndTimeoNew    = 67
	soBufLock        = 72
)

// setSocketOpt is sk_setsockopt.
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
		unix.SO_PEERCRED, unix.SO_PEERNAME, unix.SO_COOKIE:
		return unix.ENOPROTOOPT
	case unix.SO_DEBUG:
		if on && !env.Capable(CapNetAdmin) {
			return unix.EACCES
		}
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
		l := int32(binary.NativeEndian.Uint32(val[4:8]))
		if v == 0 {
			o.LingerOn.Store(false)
		} else {
			o.LingerOn.Store(true)
			o.LingerSec.Store(l)
		}
	case unix.SO_BSDCOMPAT, unix.SO_PASSCRED, unix.SO_PASSSEC, unix.SO_RXQ_OVFL, unix.SO_WIFI_STATUS,
		unix.SO_NOFCS, unix.SO_BUSY_POLL, unix.SO_INCOMING_CPU, unix.SO_ZEROCOPY, unix.SO_TXREHASH,
		unix.SO_PREFER_BUSY_POLL, unix.SO_BUSY_POLL_BUDGET, unix.SO_RCVMARK:
		// Accepted and without effect in inet.
	case soTimestampOld, soTimestampNew, soTimestampNSOld, soTimestampNSNew:
		s.setTimestamp(name, on)
	case unix.SO_RCVLOWAT:
		if v < 0 {
			v = math.MaxInt32
		}
		if v == 0 {
			v = 1
		}
		o.RcvLowat.Store(v)
	case unix.SO_RCVTIMEO, soRcvTimeoNew, unix.SO_SNDTIMEO, soSndTimeoNew:
		d, err := s.timeoutArg(val)
		if err != nil {
			return err
		}
		if name == unix.SO_RCVTIMEO || name == soRcvTimeoNew {
			o.RcvTimeo.Store(int64(d))
		} else {
			o.SndTimeo.Store(int64(d))
		}
	case unix.SO_MARK:
		if !env.Capable(CapNetRaw | CapNetAdmin) {
			return unix.EPERM
		}
		o.Mark.Store(uint32(v))
	case unix.SO_SELECT_ERR_QUEUE:
		o.SelectErrQ.Store(on)
	case unix.SO_BINDTOIFINDEX:
		return s.bindToIndex(int(v))
	case soBufLock:
		if v&^(unix.SOCK_SNDBUF_LOCK|unix.SOCK_RCVBUF_LOCK) != 0 {
			return unix.EINVAL
		}
		o.BufLock.Store(uint32(v))
	default:
		return unix.ENOPROTOOPT
	}
	return nil
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

// timeoutArg decodes a struct timeval as sock_set_timeout does, rounding up
// to the kernel's jiffies: fewer than 16 bytes EINVAL, tv_usec outside
// 0..999999 EDOM, a negative tv_sec means no timeout.
func (s *Socket) timeoutArg(val []byte) (time.Duration, error) {
	if len(val) < 16 {
		return 0, unix.EINVAL
	}
	sec := int64(binary.NativeEndian.Uint64(val[0:8]))
	usec := int64(binary.NativeEndian.Uint64(val[8:16]))
	if usec < 0 || usec >= 1e6 {
		return 0, unix.EDOM
	}
	if sec < 0 || (sec == 0 && usec == 0) {
		return 0, nil
	}
	hz := int64(s.b.Env.Settings.HZ())
	maxSec := int64(math.MaxInt64) / hz
	if sec >= maxSec-1 {
		return 0, nil
	}
	jiffies := sec*hz + (usec+1e6/hz-1)/(1e6/hz)
	return time.Duration(jiffies) * time.Second / time.Duration(hz), nil
}

// putTimeval writes a timeout as sock_get_timeout does (16 bytes).
func putTimeval(buf []byte, d time.Duration) int {
	var b [16]byte
	binary.NativeEndian.PutUint64(b[0:], uint64(d/time.Second))
	binary.NativeEndian.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
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

// getSocketOpt is sk_getsockopt.
func (s *Socket) getSocketOpt(name int, buf []byte) (int, error) {
	b := s.b
	o := &b.Opts
	var v int32
	switch name {
	case unix.SO_DEBUG, unix.SO_BSDCOMPAT, unix.SO_PASSCRED, unix.SO_PASSSEC, unix.SO_RXQ_OVFL,
		unix.SO_WIFI_STATUS, unix.SO_NOFCS, unix.SO_BUSY_POLL, unix.SO_ZEROCOPY, unix.SO_RCVMARK,
		unix.SO_PREFER_BUSY_POLL, unix.SO_BUSY_POLL_BUDGET, unix.SO_TXREHASH:
		v = 0
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
		v = int32(b.TakeError())
	case unix.SO_OOBINLINE:
		v = boolInt(o.OOBInline.Load())
	case unix.SO_NO_CHECK:
		v = boolInt(o.NoCheck.Load())
	case unix.SO_PRIORITY:
		v = int32(o.Priority.Load())
	case unix.SO_LINGER:
		var l [8]byte
		binary.NativeEndian.PutUint32(l[0:], uint32(boolInt(o.LingerOn.Load())))
		binary.NativeEndian.PutUint32(l[4:], uint32(o.LingerSec.Load()))
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
	case unix.SO_RCVTIMEO, soRcvTimeoNew:
		return putTimeval(buf, b.RcvTimeo()), nil
	case unix.SO_SNDTIMEO, soSndTimeoNew:
		return putTimeval(buf, b.SndTimeo()), nil
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
		peer, ok := s.p.RemoteAddr()
		if !ok || peer.Port() == 0 {
			return 0, unix.ENOTCONN
		}
		if len(buf) < SockaddrInLen {
			return 0, unix.EINVAL
		}
		PutSockaddr(buf, peer)
		return SockaddrInLen, nil
	case unix.SO_INCOMING_CPU:
		v = -1
	case soBufLock:
		v = int32(o.BufLock.Load())
	default:
		return 0, unix.ENOPROTOOPT
	}
	return putInt(buf, v), nil
}
