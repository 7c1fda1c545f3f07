package tcp

import (
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// urgArrived is tcp_urg/tcp_check_urg: the urgent pointer marks the last
// byte of urgent data (RFC 6093: the byte before the pointer, unless
// tcp_stdurg); that byte is pulled out of band unless SO_OOBINLINE.
func (c *conn) urgArrived(s *segment) {
	ptr := uint32(s.urg)
	if ptr == 0 {
		return
	}
	if !c.p.v.stdurg.Bool() {
		ptr--
	}
	useq := s.seq.add(ptr)
	if useq.lt(c.copiedSeq()) {
		return
	}
	if c.urgValid && useq == c.urgSeq {
		return
	}
	c.urgSeq = useq
	c.urgValid = true
	c.urgData = -1
	c.Wq.Notify(socket.EventPri)
}

// recvUrg is tcp_recv_urg: MSG_OOB reads the one urgent byte.
func (c *conn) recvUrg(m *socket.Msg, peek bool) (int, error) {
	if c.Opts.OOBInline.Load() || !c.urgValid {
		return 0, unix.EINVAL
	}
	if c.state == stateClose && !c.done {
		return 0, unix.ENOTCONN
	}
	off := int(c.urgSeq.diff(c.copiedSeq()))
	if off < 0 || off >= c.rcvq.len() {
		if c.finRcvd || c.ShutdownBits()&1 != 0 {
			return 0, nil
		}
		return 0, unix.EAGAIN
	}
	if len(m.Buf) > 0 {
		m.Buf[0] = c.rcvq.byteAt(off)
		if !peek {
			c.urgData = int16(m.Buf[0]) | 0x100
		}
		return 1, nil
	}
	m.OutFlags |= unix.MSG_TRUNC
	return 0, nil
}
