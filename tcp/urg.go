package tcp

import (
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// Urgent data as Linux handles it (tcp_check_urg, tcp_urg, tcp_recv_urg):
// the urgent pointer names the last byte of urgent data (RFC 6093: the
// byte before the pointer, unless tcp_stdurg); that one byte is taken out
// of band unless SO_OOBINLINE, and reads stop at it either way.

// Urgent state (tp->urg_data): a pointer is known; its byte arrived; it
// was read.
const (
	urgNotYet uint8 = 1 << iota
	urgValid
	urgRead
)

// urgArrived is tcp_urg with tcp_check_urg, for a segment with URG.
func (c *conn) urgArrived(s *segment) {
	if !s.has(wire.TCPFlagURG) {
		c.urgByteArrived(s)
		return
	}
	ptr := uint32(s.urg)
	if ptr != 0 && !c.p.v.stdurg.Bool() {
		ptr--
	}
	useq := s.seq.add(ptr)
	switch {
	case c.copiedSeq().gt(useq): // already read
	case useq.lt(c.rcvNxt): // data already here: no replay
	case c.urg != 0 && !useq.gt(c.urgSeq): // not newer
	default:
		// A new mark while the last byte read was urgent: skip it
		// rather than read it again as data.
		if c.urgSeq == c.copiedSeq() && c.urg != 0 && !c.Opts.OOBInline.Load() && c.copiedSeq() != c.rcvNxt {
			c.rcvq.discard(1)
			c.releaseRcv()
		}
		c.urg = urgNotYet
		c.urgSeq = useq
	}
	c.urgByteArrived(s)
}

// urgByteArrived is the second half of tcp_urg: the awaited urgent byte
// is in this segment.
func (c *conn) urgByteArrived(s *segment) {
	if c.urg != urgNotYet {
		return
	}
	off := int(c.urgSeq.diff(s.seq))
	if s.has(wire.TCPFlagSYN) {
		off--
	}
	if off >= 0 && off < len(s.data) {
		c.urgByte = s.data[off]
		c.urg = urgValid
		c.Wq.Notify(socket.EventPri | readable)
	}
}

// recvUrg is tcp_recv_urg: MSG_OOB reads the one urgent byte.
func (c *conn) recvUrg(m *socket.Msg, peek bool) (int, error) {
	if c.Opts.OOBInline.Load() || c.urg == 0 || c.urg&urgRead != 0 {
		return 0, unix.EINVAL
	}
	if c.state == stateClose && !c.done {
		return 0, unix.ENOTCONN
	}
	if c.urg&urgValid != 0 {
		if !peek {
			c.urg = urgRead
		}
		m.OutFlags |= unix.MSG_OOB
		if len(m.Buf) > 0 {
			if m.Flags&unix.MSG_TRUNC == 0 {
				m.Buf[0] = c.urgByte
			}
			return 1, nil
		}
		m.OutFlags |= unix.MSG_TRUNC
		return 0, nil
	}
	if c.state == stateClose || c.ShutdownBits()&socket.ShutRcv != 0 {
		return 0, nil
	}
	return 0, unix.EAGAIN
}

// atUrgMark reports that the next byte to read is the urgent one.
func (c *conn) atUrgMark() bool { return c.urg != 0 && c.urgSeq == c.copiedSeq() }

// inq is tcp_inq: what a read could take before the urgent mark.
func (c *conn) inq() int {
	if c.state == stateSynSent || c.state == stateSynRecv {
		return 0
	}
	if c.Opts.OOBInline.Load() || c.urg == 0 || c.urgSeq.lt(c.copiedSeq()) || !c.urgSeq.lt(c.rcvNxt) {
		return c.rcvq.len()
	}
	return int(c.urgSeq.diff(c.copiedSeq()))
}
