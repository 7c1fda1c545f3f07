package tcp

import (
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// SendMsg is tcp_sendmsg: queue the data as room allows (blocking unless
// non-blocking), then push.
func (c *conn) SendMsg(m *socket.Msg) (int, error) {
	flags := m.Flags
	nonblock := flags&unix.MSG_DONTWAIT != 0 || c.Nonblocking()
	start := c.now()
	if flags&unix.MSG_ERRQUEUE != 0 {
		return 0, unix.EINVAL
	}
	c.Mu.Lock()
	// Wait for the connection (sk_stream_wait_connect).
	for c.state == stateSynSent || c.state == stateSynRecv {
		c.Mu.Unlock()
		if nonblock {
			return 0, unix.EAGAIN
		}
		if err := c.WaitWrite(func() bool {
			c.Mu.Lock()
			defer c.Mu.Unlock()
			return c.state != stateSynSent && c.state != stateSynRecv
		}, start); err != nil {
			return 0, err
		}
		c.Mu.Lock()
	}
	if c.state != stateEstablished && c.state != stateCloseWait {
		e := c.TakeError()
		c.Mu.Unlock()
		if e != 0 {
			return 0, e
		}
		return 0, unix.EPIPE
	}
	if len(m.Buf) == 0 && c.PendingError() == 0 && c.ShutdownBits()&2 == 0 {
		// tcp_sendmsg_locked: nothing to copy and nothing wrong is 0,
		// not EPIPE (a zero-length write(2) on a connection).
		c.Mu.Unlock()
		return 0, nil
	}
	copied := 0
	data := m.Buf
	for len(data) > 0 {
		if e := c.PendingError(); e != 0 || c.ShutdownBits()&2 != 0 {
			break
		}
		room := c.sndSpace()
		if room <= 0 {
			c.noSpace = true
			c.pushPending()
			c.Mu.Unlock()
			if nonblock {
				if copied > 0 {
					return copied, nil
				}
				return 0, unix.EAGAIN
			}
			err := c.WaitWrite(func() bool {
				c.Mu.Lock()
				defer c.Mu.Unlock()
				return c.sndSpace() > 0 || c.PendingError() != 0 || c.ShutdownBits()&2 != 0 ||
					(c.state != stateEstablished && c.state != stateCloseWait)
			}, start)
			c.Mu.Lock()
			if err != nil {
				c.Mu.Unlock()
				if copied > 0 {
					return copied, nil
				}
				return 0, err
			}
			if c.state != stateEstablished && c.state != stateCloseWait {
				break
			}
			continue
		}
		n := min(room, len(data))
		if flags&unix.MSG_OOB != 0 && n == len(data) {
			// The last byte of an MSG_OOB send is urgent (tcp_mark_urg).
			c.writeData(data[:n])
			c.sndUp = c.writeSeq
			c.urgMode = true
		} else {
			c.writeData(data[:n])
		}
		copied += n
		data = data[n:]
	}
	if copied > 0 {
		more := flags&unix.MSG_MORE != 0
		if !more {
			c.pushPending()
		} else {
			cork := c.cork
			c.cork = true
			c.pushPending()
			c.cork = cork
		}
		c.Mu.Unlock()
		return copied, nil
	}
	e := c.TakeError()
	c.Mu.Unlock()
	if e != 0 {
		return 0, e
	}
	return 0, unix.EPIPE
}

// RecvMsg is tcp_recvmsg.
func (c *conn) RecvMsg(m *socket.Msg) (int, error) {
	flags := m.Flags
	if flags&unix.MSG_ERRQUEUE != 0 {
		return c.RecvError(m)
	}
	nonblock := flags&unix.MSG_DONTWAIT != 0 || c.Nonblocking()
	peek := flags&unix.MSG_PEEK != 0
	start := c.now()
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if c.state == stateListen {
		return 0, unix.ENOTCONN
	}
	if flags&unix.MSG_OOB != 0 {
		return c.recvUrg(m, peek)
	}
	target := max(min(int(c.Opts.RcvLowat.Load()), len(m.Buf)), 1)
	if flags&unix.MSG_WAITALL != 0 {
		target = len(m.Buf)
	}
	copied := 0
	for {
		if copied >= len(m.Buf) && len(m.Buf) > 0 {
			break
		}
		n := c.copyToUser(m, copied, peek, flags&unix.MSG_TRUNC != 0)
		copied += n
		if copied >= target || (copied > 0 && c.urgStop()) {
			break
		}
		if len(m.Buf) == 0 {
			break
		}
		if copied > 0 {
			if c.PendingError() != 0 || c.state == stateClose || c.ShutdownBits()&1 != 0 || nonblock {
				break
			}
		} else {
			if c.finRcvd && c.rcvq.len() == 0 {
				break
			}
			if e := c.TakeError(); e != 0 {
				return 0, e
			}
			if c.ShutdownBits()&1 != 0 && c.rcvq.len() == 0 {
				break
			}
			if c.state == stateClose {
				if c.done {
					break
				}
				return 0, unix.ENOTCONN
			}
			if nonblock {
				return 0, unix.EAGAIN
			}
		}
		if peek && c.rcvq.len() > copied {
			continue
		}
		c.cleanupRbuf(copied)
		c.Mu.Unlock()
		err := c.WaitRead(func() bool {
			c.Mu.Lock()
			defer c.Mu.Unlock()
			return c.rcvq.len() > copied*b2i(peek) || c.finRcvd || c.PendingError() != 0 ||
				c.state == stateClose || c.ShutdownBits()&1 != 0
		}, start)
		c.Mu.Lock()
		if err != nil {
			if copied > 0 {
				break
			}
			return 0, err
		}
	}
	c.cleanupRbuf(copied)
	if copied > 0 && !peek {
		c.rcvSpaceAdjust()
	}
	return copied, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// copyToUser moves in-order bytes to m.Buf[off:], stopping before the
// urgent byte and skipping it when it is out of band (tcp_recvmsg);
// MSG_TRUNC discards instead of copying.
func (c *conn) copyToUser(m *socket.Msg, off int, peek, trunc bool) int {
	avail := c.rcvq.len()
	if peek {
		avail -= off
	}
	n := min(len(m.Buf)-off, avail)
	if n <= 0 {
		return 0
	}
	qoff := 0
	if peek {
		qoff = off
	}
	if c.urg != 0 {
		cs := c.copiedSeq().add(uint32(qoff))
		if d := int(c.urgSeq.diff(cs)); d >= 0 && d < n {
			if d == 0 {
				if !c.Opts.OOBInline.Load() {
					// Skip the out-of-band byte.
					if !peek {
						c.rcvq.discard(1)
						c.releaseRcv()
						c.urgPassed()
					}
					return 0
				}
			} else {
				n = d
			}
		}
	}
	if !trunc {
		c.rcvq.copyOut(m.Buf[off:], qoff, n)
	}
	if !peek {
		c.rcvq.discard(n)
		c.releaseRcv()
		c.urgPassed()
	}
	return n
}

// urgPassed forgets an urgent mark the reader has gone past.
func (c *conn) urgPassed() {
	if c.urg != 0 && c.copiedSeq().gt(c.urgSeq) {
		c.urg = 0
	}
}

// urgStop reports that the next byte is the urgent mark, where a read
// that took something stops.
func (c *conn) urgStop() bool { return c.atUrgMark() }

// cleanupRbuf is tcp_cleanup_rbuf: after reading, ACK if a delayed ACK is
// due or the window opened a lot.
func (c *conn) cleanupRbuf(copied int) {
	if copied <= 0 || c.state == stateClose || c.state == stateListen {
		return
	}
	timeToAck := false
	if c.ackPending && (uint32(c.rcvNxt.diff(c.rcvWup)) > c.rcvMSS || c.pingpong == 0) {
		timeToAck = true
	}
	if !timeToAck && c.ShutdownBits()&1 == 0 {
		now := c.receiveWindow()
		if 2*now <= c.windowClamp {
			nw := c.computeWindow()
			if nw > 0 && nw >= 2*now {
				timeToAck = true
			}
		}
	}
	if timeToAck {
		c.sendAck()
	}
}
