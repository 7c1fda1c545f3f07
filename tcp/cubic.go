package tcp

import (
	"time"

	"github.com/seed96fbdc48/inet/snmp"
)

// CUBIC's constants, as Linux's tcp_cubic.c has them (RFC 9438 with
// C = 0.4 and beta = 0.7 in fixed point).
const (
	cubicBetaScale    = 1024
	cubicBeta         = 717 // 717/1024 ~ 0.7
	cubicHZ           = 10  // time in units of 2^-10 s
	cubicBicScale     = 41
	hystartLowWnd     = 16
	hystartMinSamples = 8
	hystartAckDelta   = 2000 * time.Microsecond
	hystartDelayMin   = 4000 * time.Microsecond
	hystartDelayMax   = 16000 * time.Microsecond
)

var (
	cubeRTTScale = uint64(cubicBicScale * 10)
	betaScale    = uint64(8 * (cubicBetaScale + cubicBeta) / 3 / (cubicBetaScale - cubicBeta))
	cubeFactor   = (uint64(1) << (10 + 3*cubicHZ)) / (cubicBicScale * 10)
)

// cubic is CUBIC (RFC 9438), Linux's default, with HyStart.
type cubic struct {
	cnt         uint32
	lastMaxCwnd uint32
	lastCwnd    uint32
	lastTime    time.Time
	originPoint uint32
	k           uint32
	delayMin    time.Duration
	epochStart  time.Time
	ackCnt      uint32
	tcpCwnd     uint32
	sampleCnt   uint8
	found       bool
	roundStart  time.Time
	endSeq      seq
	lastAck     time.Time
	currRTT     time.Duration
}

func (*cubic) name() string { return "cubic" }

func (b *cubic) init(c *conn) {
	*b = cubic{}
	b.hystartReset(c)
}

func (b *cubic) reset() {
	found := b.found
	*b = cubic{found: found}
	b.found = false
}

func (b *cubic) hystartReset(c *conn) {
	now := c.now()
	b.roundStart, b.lastAck = now, now
	b.endSeq = c.sndNxt
	b.currRTT = 1<<63 - 1
	b.sampleCnt = 0
}

// jiffy is the kernel clock tick (HZ).
func (c *conn) jiffy() time.Duration { return time.Second / time.Duration(c.p.env.Settings.HZ()) }

func (b *cubic) update(c *conn, cwnd, acked uint32) {
	now := c.now()
	tick := c.jiffy()
	b.ackCnt += acked
	if b.lastCwnd == cwnd && now.Sub(b.lastTime) <= time.Second/32 {
		return
	}
	if !b.epochStart.IsZero() && now.Sub(b.lastTime) < tick {
		b.friendliness(cwnd)
		return
	}
	b.lastCwnd = cwnd
	b.lastTime = now
	if b.epochStart.IsZero() {
		b.epochStart = now
		b.ackCnt = acked
		b.tcpCwnd = cwnd
		if b.lastMaxCwnd <= cwnd {
			b.k = 0
			b.originPoint = cwnd
		} else {
			b.k = cubicRoot(cubeFactor * uint64(b.lastMaxCwnd-cwnd))
			b.originPoint = b.lastMaxCwnd
		}
	}
	// t in units of 2^-10 seconds, shifted by the minimum delay.
	el := now.Sub(b.epochStart) + b.delayMin
	t := uint64(el/tick) * uint64(tick) // whole jiffies, as tcp_jiffies32
	t = (t << cubicHZ) / uint64(time.Second)
	var offs uint64
	if t < uint64(b.k) {
		offs = uint64(b.k) - t
	} else {
		offs = t - uint64(b.k)
	}
	delta := uint32((cubeRTTScale * offs * offs * offs) >> (10 + 3*cubicHZ))
	var target uint32
	if t < uint64(b.k) {
		target = b.originPoint - delta
	} else {
		target = b.originPoint + delta
	}
	if target > cwnd {
		b.cnt = cwnd / (target - cwnd)
	} else {
		b.cnt = 100 * cwnd
	}
	if b.lastMaxCwnd == 0 && b.cnt > 20 {
		b.cnt = 20
	}
	b.friendliness(cwnd)
}

// friendliness is CUBIC's TCP-friendly region: never grow slower than Reno
// would.
func (b *cubic) friendliness(cwnd uint32) {
	delta := uint32((uint64(cwnd) * betaScale) >> 3)
	if delta == 0 {
		delta = 1
	}
	for b.ackCnt > delta {
		b.ackCnt -= delta
		b.tcpCwnd++
	}
	if b.tcpCwnd > cwnd {
		d := b.tcpCwnd - cwnd
		maxCnt := cwnd / d
		if b.cnt > maxCnt {
			b.cnt = maxCnt
		}
	}
	b.cnt = max(b.cnt, 2)
}

func (b *cubic) congAvoid(c *conn, _ seq, acked uint32) {
	if c.inSlowStart() {
		acked = c.slowStart(acked)
		if acked == 0 {
			return
		}
	}
	b.update(c, c.cwnd, acked)
	c.congAvoidAI(b.cnt, acked)
}

func (b *cubic) ssthresh(c *conn) uint32 {
	b.epochStart = time.Time{}
	if c.cwnd < b.lastMaxCwnd {
		b.lastMaxCwnd = c.cwnd * (cubicBetaScale + cubicBeta) / (2 * cubicBetaScale)
	} else {
		b.lastMaxCwnd = c.cwnd
	}
	return max(c.cwnd*cubicBeta/cubicBetaScale, 2)
}

func (b *cubic) setState(c *conn, st uint8) {
	if st == caLoss {
		*b = cubic{}
		b.hystartReset(c)
	}
}

func (*cubic) undoCwnd(c *conn) uint32 { return renoUndoCwnd(c) }

func (b *cubic) txStart(c *conn, idle time.Duration) {
	if !b.epochStart.IsZero() && idle > 0 {
		b.epochStart = b.epochStart.Add(idle)
		if b.epochStart.After(c.now()) {
			b.epochStart = c.now()
		}
	}
}

func (b *cubic) pktsAcked(c *conn, _ uint32, rtt time.Duration) {
	if rtt < 0 {
		return
	}
	if !b.epochStart.IsZero() && c.now().Sub(b.epochStart) < time.Second {
		return
	}
	if rtt == 0 {
		rtt = time.Microsecond
	}
	if b.delayMin == 0 || b.delayMin > rtt {
		b.delayMin = rtt
	}
	if !b.found && c.inSlowStart() {
		b.hystartUpdate(c, rtt)
	}
}

// hystartUpdate is HyStart's ACK-train and delay-increase detection: leave
// slow start before the first loss.
func (b *cubic) hystartUpdate(c *conn, delay time.Duration) {
	if c.sndUna.gt(b.endSeq) {
		b.hystartReset(c)
	}
	if c.cwnd < hystartLowWnd {
		return
	}
	now := c.now()
	if now.Sub(b.lastAck) <= hystartAckDelta {
		b.lastAck = now
		threshold := b.delayMin / 2
		if now.Sub(b.roundStart) > threshold {
			b.found = true
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPHystartTrainDetect)
			c.p.stats.TCPExt.Add(snmp.TCPExtTCPHystartTrainCwnd, uint64(c.cwnd))
			c.ssthresh = c.cwnd
		}
	}
	if b.currRTT > delay {
		b.currRTT = delay
	}
	if b.sampleCnt < hystartMinSamples {
		b.sampleCnt++
	} else {
		th := min(max(b.delayMin/8, hystartDelayMin), hystartDelayMax)
		if b.currRTT > b.delayMin+th {
			b.found = true
			c.p.stats.TCPExt.Inc(snmp.TCPExtTCPHystartDelayDetect)
			c.p.stats.TCPExt.Add(snmp.TCPExtTCPHystartDelayCwnd, uint64(c.cwnd))
			c.ssthresh = c.cwnd
		}
	}
}

// cubicRoot returns the integer cube root of a (rounded down), as Linux's
// cubic_root computes it with a Newton-Raphson step from a table guess.
func cubicRoot(a uint64) uint32 {
	if a == 0 {
		return 0
	}
	x := uint64(1)
	for x*x*x <= a {
		x <<= 1
	}
	lo, hi := x>>1, x
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if mid*mid*mid <= a {
			lo = mid
		} else {
			hi = mid
		}
	}
	return uint32(lo)
}
