package tcp

import "github.com/seed96fbdc48/inet/pkt"

// Receive memory accounting (sk_rmem_alloc). Linux charges each received
// segment its skb's truesize against SO_RCVBUF and derives windows from
// what is left, scaled by the measured payload-to-truesize ratio
// (tcp_win_from_space with scaling_ratio, Linux 6.6+). inet charges each
// segment pkt.Truesize of its IP packet, as a veth or TUN delivery would
// be charged, and frees the charge when the reader has taken the
// segment's last byte. Linux's coalescing of small segments into the
// tailroom of earlier ones (which makes them free) and the collapsing of
// the queue under pressure are not modelled.

// Linux's scaling-ratio fixed point (TCP_RMEM_TO_WIN_SCALE) and the
// ratio a socket starts with (TCP_DEFAULT_SCALING_RATIO: one half).
const (
	rmemToWinScale      = 8
	defaultScalingRatio = 1 << (rmemToWinScale - 1)
)

// charge is the memory of one in-order segment, freed once the reader
// has passed end.
type charge struct {
	end  seq
	size int
}

// chargeQueue is a FIFO of charges that reuses its storage.
type chargeQueue struct {
	q    []charge
	head int
}

func (cq *chargeQueue) push(ch charge) {
	if cq.head > 0 && cq.head == len(cq.q) {
		cq.q, cq.head = cq.q[:0], 0
	}
	if cq.head > 0 && len(cq.q) == cap(cq.q) {
		n := copy(cq.q, cq.q[cq.head:])
		cq.q, cq.head = cq.q[:n], 0
	}
	cq.q = append(cq.q, ch)
}

// release pops the charges the reader has passed and returns their sum.
func (cq *chargeQueue) release(copied seq) int {
	sum := 0
	for cq.head < len(cq.q) && !cq.q[cq.head].end.gt(copied) {
		sum += cq.q[cq.head].size
		cq.head++
	}
	return sum
}

func (cq *chargeQueue) reset() { cq.q, cq.head = cq.q[:0], 0 }

// winFromSpace is tcp_win_from_space: the window space bytes of buffer
// back at the connection's scaling ratio.
func (c *conn) winFromSpace(space int) int {
	return int(int64(space) * int64(c.scalingRatio) >> rmemToWinScale)
}

// spaceFromWin is tcp_space_from_win, the inverse.
func (c *conn) spaceFromWin(win int) int {
	return int((int64(win) << rmemToWinScale) / int64(max(c.scalingRatio, 1)))
}

// chargeRcv charges a segment of ipLen bytes to the receive memory.
func (c *conn) chargeRcv(ipLen int) int {
	t := pkt.Truesize(ipLen)
	c.rmemAlloc += t
	return t
}

// releaseRcv frees the charges of what the reader took.
func (c *conn) releaseRcv() {
	c.rmemAlloc -= c.rcvCharges.release(c.copiedSeq())
	if c.rmemAlloc < 0 || (c.rcvq.len() == 0 && len(c.ooo) == 0) {
		c.rmemAlloc = 0
		c.rcvCharges.reset()
	}
}

// measureRcvMSS is tcp_measure_rcv_mss: the peer's segment size, and
// the scaling ratio from a full segment's payload against its charge; a
// new ratio moves the window clamp.
func (c *conn) measureRcvMSS(n, ipLen, tcpHdrLen int, psh bool) {
	lss := c.lastSegSize
	c.lastSegSize = 0
	if uint32(n) >= c.rcvMSS {
		if uint32(n) != c.rcvMSS {
			ratio := (n << rmemToWinScale) / pkt.Truesize(ipLen)
			if ratio == 0 {
				ratio = 1
			}
			old := c.scalingRatio
			c.scalingRatio = uint8(min(ratio, 255))
			if old != c.scalingRatio {
				c.setWindowClamp(c.winFromSpace(int(c.Opts.RcvBuf.Load())))
				if c.windowClamp < c.rcvSpace.space {
					c.rcvSpace.space = c.windowClamp
				}
			}
		}
		c.rcvMSS = min(uint32(n), uint32(c.advMSS))
		return
	}
	l := n + tcpHdrLen
	if l >= defaultMSS+20 || (l >= tcpMinMSS+20 && !psh) {
		l -= c.tcpHeaderLen()
		c.lastSegSize = uint32(l)
		if uint32(l) == lss {
			c.rcvMSS = uint32(l)
		}
	}
}

// tcpHeaderLen is tp->tcp_header_len: 20, plus 12 with timestamps.
func (c *conn) tcpHeaderLen() int {
	if c.tsOK {
		return 32
	}
	return 20
}

// setWindowClamp is tcp_set_window_clamp for a positive value.
func (c *conn) setWindowClamp(val int) {
	nw := uint32(max(val, minRcvBuf/2))
	old := c.windowClamp
	if nw == old {
		return
	}
	c.windowClamp = nw
	if nw < old {
		c.rcvSsthresh = min(c.rcvSsthresh, nw)
	} else {
		c.rcvSsthresh = max(min(c.rcvWnd, nw), c.rcvSsthresh)
	}
}

// minRcvBuf is SOCK_MIN_RCVBUF.
const minRcvBuf = 2304
