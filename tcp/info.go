package tcp

import (
	"encoding/binary"
	"time"
)

// tcpInfoLen is sizeof(struct tcp_info) on Linux 6.18.
const tcpInfoLen = 280

// info fills struct tcp_info (tcp_get_info) for every field inet tracks.
func (c *conn) info() [tcpInfoLen]byte {
	var b [tcpInfoLen]byte
	le := binary.NativeEndian
	now := c.now()
	b[0] = byte(c.state)
	b[1] = c.caState
	b[2] = c.retransmits
	b[3] = c.probesOut
	b[4] = c.backoff
	var opt byte
	if c.tsOK {
		opt |= 1
	}
	if c.sackOK {
		opt |= 2
	}
	if c.wscaleOK {
		opt |= 4
		b[6] = c.sndWscale&0xf | c.rcvWscale<<4
	}
	b[5] = opt
	b[7] = 1 // delivery_rate_app_limited
	ms := func(t time.Time) uint32 {
		if t.IsZero() {
			t = c.created.Add(-time.Duration(1<<31) * time.Millisecond)
		}
		return uint32(now.Sub(t) / time.Millisecond)
	}
	put32 := func(off int, v uint32) { le.PutUint32(b[off:], v) }
	put64 := func(off int, v uint64) { le.PutUint64(b[off:], v) }
	put32(8, uint32(c.rto/time.Microsecond))
	put32(12, uint32(c.ato/time.Microsecond))
	put32(16, c.mssCache)
	put32(20, c.rcvMSS)
	if c.state == stateListen && c.ln != nil {
		put32(24, uint32(c.ln.acceptLen()))
		put32(28, uint32(c.ln.backlog))
	} else {
		put32(24, c.packetsOut)
		put32(28, c.sackedOut)
	}
	put32(32, c.lostOut)
	put32(36, c.retransOut)
	put32(44, ms(c.lastSend))
	put32(52, ms(c.lastDataRecv))
	put32(56, ms(c.lastAckRecv))
	if c.rt != nil {
		put32(60, uint32(c.rt.MTU))
	}
	put32(64, c.rcvSsthresh)
	put32(68, c.srttUs>>3)
	rttvar := c.mdevUs >> 2
	if c.srttUs == 0 {
		rttvar = uint32(timeoutInit/time.Microsecond) >> 2
	}
	put32(72, rttvar)
	put32(76, c.ssthresh)
	put32(80, c.cwnd)
	put32(84, uint32(c.advMSS))
	put32(88, c.reordering)
	put32(96, c.rcvSpace.space)
	put32(100, c.totalRetrans)
	put64(104, ^uint64(0))
	put64(112, ^uint64(0))
	put64(120, c.bytesAcked)
	put64(128, c.bytesReceived)
	put32(136, c.segsOut)
	put32(140, c.segsIn)
	put32(144, uint32(max(c.unsent(), 0)))
	if c.minRttUs == 0 {
		put32(148, ^uint32(0))
	} else {
		put32(148, c.minRttUs)
	}
	put32(152, c.dataSegsIn)
	put32(156, c.dataSegsOut)
	put32(192, c.delivered)
	put64(200, c.bytesSent)
	put64(208, c.bytesRetrans)
	put32(216, c.dsackDups)
	put32(220, c.reordSeen)
	put32(224, c.rcvOooPack)
	put32(228, c.sndWnd)
	put32(232, c.rcvWnd)
	le.PutUint16(b[240:], uint16(c.totalRTO))
	return b
}
