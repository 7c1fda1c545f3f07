package tcp

import (
	"encoding/binary"
	"strings"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// TCP-level option names (linux/tcp.h).
const (
	optNodelay      = 1
	optMaxseg       = 2
	optCork         = 3
	optKeepidle     = 4
	optKeepintvl    = 5
	optKeepcnt      = 6
	optSyncnt       = 7
	optLinger2      = 8
	optDeferAccept  = 9
	optWindowClamp  = 10
	optInfo         = 11
	optQuickack     = 12
	optCongestion   = 13
	optThinLinear   = 16
	optThinDupack   = 17
	optUserTimeout  = 18
	optFastopen     = 23
	optNotsentLowat = 25
	optFastopenConn = 30
	optInq          = 36
	tcpMinMSS       = 88
	maxTCPKeepIdle  = 32767
	maxTCPKeepIntvl = 32767
	maxTCPKeepCnt   = 127
	maxTCPSynCnt    = 127
	finTimeoutMax   = 120 * time.Second
	caNameMax       = 16
)

// SetOption is do_tcp_setsockopt for SOL_TCP (other levels: ENOPROTOOPT,
// as ip_setsockopt answers).
func (c *conn) SetOption(level, name int, val []byte) error {
	if level != unix.SOL_TCP {
		return unix.ENOPROTOOPT
	}
	if name == optCongestion {
		if len(val) < 1 {
			return unix.EINVAL
		}
		n := val[:min(len(val), caNameMax-1)]
		if i := strings.IndexByte(string(n), 0); i >= 0 {
			n = n[:i]
		}
		return c.setCongestion(string(n))
	}
	if len(val) < 4 {
		return unix.EINVAL
	}
	v := int(int32(binary.NativeEndian.Uint32(val)))
	c.Mu.Lock()
	defer c.Mu.Unlock()
	switch name {
	case optSyncnt:
		if v < 1 || v > maxTCPSynCnt {
			return unix.EINVAL
		}
		c.synCount = v
	case optUserTimeout:
		if v < 0 {
			return unix.EINVAL
		}
		c.userTimeout = time.Duration(v) * time.Millisecond
	case optKeepintvl:
		if v < 1 || v > maxTCPKeepIntvl {
			return unix.EINVAL
		}
		c.keepIntvl = time.Duration(v) * time.Second
	case optKeepcnt:
		if v < 1 || v > maxTCPKeepCnt {
			return unix.EINVAL
		}
		c.keepCnt = v
	case optLinger2:
		switch {
		case v < 0:
			c.lingerTime = -1
		case time.Duration(v)*time.Second > finTimeoutMax:
			c.lingerTime = finTimeoutMax
		default:
			c.lingerTime = time.Duration(v) * time.Second
		}
	case optDeferAccept:
		c.deferAccept = secsToRetrans(v, 1, int(rtoMax/time.Second))
	case optMaxseg:
		if v != 0 && (v < tcpMinMSS || v > maxTCPWindow) {
			return unix.EINVAL
		}
		c.mssClamp = uint16(v)
	case optNodelay:
		c.nodelay = v != 0
		if c.nodelay {
			c.pushPending()
		}
	case optThinLinear:
		if v < 0 || v > 1 {
			return unix.EINVAL
		}
	case optThinDupack:
		if v < 0 || v > 1 {
			return unix.EINVAL
		}
	case optCork:
		c.cork = v != 0
		if !c.cork {
			c.pushPending()
		}
	case optKeepidle:
		if v < 1 || v > maxTCPKeepIdle {
			return unix.EINVAL
		}
		c.keepIdle = time.Duration(v) * time.Second
		c.armKeepalive()
	case optWindowClamp:
		if v == 0 {
			if c.state != stateClose {
				return unix.EINVAL
			}
			c.windowClampOpt = 0
			return nil
		}
		w := uint32(max(v, socket.MinRcvBuf/2))
		c.windowClampOpt = w
		c.windowClamp = w
		c.rcvSsthresh = min(c.rcvSsthresh, w)
	case optQuickack:
		c.quickackOpt = false
		if v != 0 {
			c.pingpong = 0
			if c.ackPending {
				c.sendAck()
			}
		} else {
			c.pingpong = 1
		}
	case optNotsentLowat:
		c.notsentLowat = uint32(v)
		c.Wq.Notify(writable)
	case optFastopen, optFastopenConn:
		// Accepted; TCP Fast Open is not implemented.
	case optInq:
		if v < 0 || v > 1 {
			return unix.EINVAL
		}
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

// setCongestion is tcp_set_congestion_control: an unknown name is ENOENT,
// one not in tcp_allowed_congestion_control needs CapNetAdmin (EPERM).
func (c *conn) setCongestion(name string) error {
	if _, ok := algorithms[name]; !ok {
		return unix.ENOENT
	}
	allowed := c.p.env.Settings.Var("net.ipv4.tcp_allowed_congestion_control")
	if allowed != nil && !containsWord(allowed.String(), name) && !c.p.env.Capable(socket.CapNetAdmin) {
		return unix.EPERM
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.ccName = name
	if c.cc != nil {
		c.initCongestion()
	}
	return nil
}

func containsWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

// secsToRetrans is secs_to_retrans: TCP_DEFER_ACCEPT's seconds as the
// number of SYN-ACK retransmissions (starting at timeout seconds,
// doubling up to rtoMax) that cover them.
func secsToRetrans(seconds, timeout, rtoMax int) uint8 {
	if seconds <= 0 {
		return 0
	}
	period, res := timeout, 1
	for seconds > period && res < 255 {
		res++
		timeout = min(timeout<<1, rtoMax)
		period += timeout
	}
	return uint8(res)
}

// GetOption is do_tcp_getsockopt (other levels: EOPNOTSUPP).
func (c *conn) GetOption(level, name int, buf []byte) (int, error) {
	if level != unix.SOL_TCP {
		return 0, unix.EOPNOTSUPP
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	var v int
	switch name {
	case optMaxseg:
		v = int(c.mssCache)
		if c.mssClamp != 0 && (c.state == stateClose || c.state == stateListen) {
			v = int(c.mssClamp)
		}
	case optNodelay:
		v = b2i(c.nodelay)
	case optCork:
		v = b2i(c.cork)
	case optKeepidle:
		v = int(c.keepIdleTime() / time.Second)
	case optKeepintvl:
		v = int(c.keepIntvlTime() / time.Second)
	case optKeepcnt:
		v = c.keepCount()
	case optSyncnt:
		v = c.synCount
		if v == 0 {
			v = c.p.v.synRetries.Int()
		}
	case optLinger2:
		switch {
		case c.lingerTime < 0:
			v = -1
		case c.lingerTime == 0:
			v = int(c.p.v.finTimeout.Duration() / time.Second)
		default:
			v = int(c.lingerTime / time.Second)
		}
	case optDeferAccept:
		v = retransToSecs(c.deferAccept, 1, int(rtoMax/time.Second))
	case optWindowClamp:
		v = int(c.windowClamp)
	case optInfo:
		info := c.info()
		return copy(buf, info[:]), nil
	case optQuickack:
		v = b2i(c.pingpong == 0)
	case optCongestion:
		name := make([]byte, caNameMax)
		copy(name, c.ccName)
		return copy(buf, name), nil
	case optThinLinear, optThinDupack, optFastopen, optFastopenConn, optInq:
		v = 0
	case optUserTimeout:
		v = int(c.userTimeout / time.Millisecond)
	case optNotsentLowat:
		v = int(c.notsentLowat)
	default:
		return 0, unix.ENOPROTOOPT
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(int32(v)))
	return copy(buf, b[:min(len(buf), 4)]), nil
}

// retransToSecs is retrans_to_secs: the seconds retrans retransmissions
// cover.
func retransToSecs(retrans uint8, timeout, rtoMax int) int {
	if retrans == 0 {
		return 0
	}
	period := timeout
	for retrans--; retrans > 0; retrans-- {
		timeout = min(timeout<<1, rtoMax)
		period += timeout
	}
	return period
}
