package tcp

import "time"

// congestion is a congestion-control algorithm (struct
// tcp_congestion_ops).
type congestion interface {
	name() string
	init(c *conn)
	// ssthresh is the slow-start threshold after a loss.
	ssthresh(c *conn) uint32
	// congAvoid grows the window for acked packets.
	congAvoid(c *conn, ack seq, acked uint32)
	// setState learns of CA state changes.
	setState(c *conn, st uint8)
	// pktsAcked learns of an RTT sample.
	pktsAcked(c *conn, acked uint32, rtt time.Duration)
	// txStart learns that sending restarted after idle.
	txStart(c *conn, idle time.Duration)
	// undoCwnd is the window to return to when a reduction proves
	// spurious.
	undoCwnd(c *conn) uint32
}

// Algorithms inet offers (tcp_available_congestion_control).
var algorithms = map[string]func() congestion{
	"reno":  func() congestion { return &reno{} },
	"cubic": func() congestion { return &cubic{} },
}

// slowStart is tcp_slow_start: grow by the packets acknowledged, up to
// ssthresh; return what is left over for congestion avoidance.
func (c *conn) slowStart(acked uint32) uint32 {
	cwnd := min(c.cwnd+acked, c.ssthresh)
	acked -= cwnd - c.cwnd
	c.cwnd = cwnd
	return acked
}

// congAvoidAI is tcp_cong_avoid_ai: one packet more every w packets
// acknowledged.
func (c *conn) congAvoidAI(w, acked uint32) {
	if w == 0 {
		w = 1
	}
	if c.cwndCnt >= w {
		c.cwndCnt = 0
		c.cwnd++
	}
	c.cwndCnt += acked
	if c.cwndCnt >= w {
		delta := c.cwndCnt / w
		c.cwndCnt -= delta * w
		c.cwnd += delta
	}
}

// reno is NewReno (RFC 5681, Linux's "reno").
type reno struct{}

func (*reno) name() string            { return "reno" }
func (*reno) init(*conn)              {}
func (*reno) ssthresh(c *conn) uint32 { return max(c.cwnd>>1, 2) }
func (*reno) congAvoid(c *conn, _ seq, acked uint32) {
	if c.inSlowStart() {
		acked = c.slowStart(acked)
		if acked == 0 {
			return
		}
	}
	c.congAvoidAI(c.cwnd, acked)
}
func (*reno) setState(*conn, uint8)                  {}
func (*reno) pktsAcked(*conn, uint32, time.Duration) {}
func (*reno) txStart(*conn, time.Duration)           {}
func (*reno) undoCwnd(c *conn) uint32                { return renoUndoCwnd(c) }

// renoUndoCwnd is tcp_reno_undo_cwnd, which CUBIC uses too: the window
// from before the reduction, if larger.
func renoUndoCwnd(c *conn) uint32 { return max(c.cwnd, c.priorCwnd) }
