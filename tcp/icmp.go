package tcp

import (
	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// icmpError is tcp_v4_err: fragmentation needed lowers the MSS; other
// errors are hard during the handshake (connect fails) and soft once
// established (remembered for a timeout, reported at once only with
// IP_RECVERR). Called with c.Mu held.
func (c *conn) icmpError(e *ipv4.ICMPError, sq seq) {
	if c.state == stateClose || c.state == stateTimeWait || c.state == stateListen {
		return
	}
	if !sq.inWindow(c.sndUna, c.sndNxt.add(1)) {
		c.p.stats.TCPExt.Inc(snmp.TCPExtOutOfWindowIcmps)
		return
	}
	var errno unix.Errno
	switch e.Type {
	case wire.ICMPRedirect, wire.ICMPSourceQuench:
		return
	case wire.ICMPParameterProb:
		errno = unix.EPROTO
	case wire.ICMPDestUnreach:
		if e.Code > 15 {
			return
		}
		if e.Code == wire.ICMPFragNeeded {
			c.mtuReduced(int(e.Info))
			return
		}
		errno = e.Errno
	case wire.ICMPTimeExceeded:
		errno = unix.EHOSTUNREACH
	default:
		return
	}
	switch c.state {
	case stateSynSent, stateSynRecv:
		if c.state == stateSynRecv && c.parent != nil {
			return
		}
		// Hard error during the handshake: connect fails, and the
		// error goes to the error queue whatever IP_RECVERR says
		// (tcp_v4_err calls ip_icmp_error here unconditionally).
		c.queueICMP(e, errno)
		c.SetError(errno)
		c.done2()
		return
	}
	// RFC 1122 4.2.3.9: once connected, errors are soft: remembered
	// for a timeout (and SO_ERROR), reported at once only with
	// IP_RECVERR.
	if c.Opts.RecvErr.Load() {
		c.SetError(errno)
	} else {
		c.SetSoftError(errno)
	}
}

// queueICMP is ip_icmp_error for the connection: the quoted TCP header
// is the error's payload.
func (c *conn) queueICMP(e *ipv4.ICMPError, errno unix.Errno) {
	c.QueueICMPError(errno, e.Type, e.Code, e.Info, e.Offender, c.remote, e.QuotedTransport(),
		e.IPHeader, e.IfIndex, e.SpecDst, e.Stamp, e.Truesize)
}

// mtuReduced is tcp_v4_mtu_reduced: follow a smaller path MTU (not below
// Linux's 552-byte floor) and resend what no longer fits in the new size
// (tcp_simple_retransmit, which enters the Loss state).
func (c *conn) mtuReduced(mtu int) {
	if c.Opts.PMTUDisc.Load() == unix.IP_PMTUDISC_DONT || mtu <= 0 {
		return
	}
	mtu = max(mtu, 552)
	if c.rt == nil || mtu >= c.rt.MTU {
		return
	}
	r := *c.rt
	r.MTU = mtu
	c.rt = &r
	old := c.mssCache
	c.syncMSS()
	if c.mssCache >= old {
		return
	}
	priorLost := c.lostOut
	for i := range c.rtx {
		sg := &c.rtx[i]
		if sg.len > c.mssCache && sg.flags&(segSACKed|segLost) == 0 {
			sg.flags |= segLost
			c.lostOut++
		}
	}
	if c.lostOut == priorLost {
		return
	}
	c.splitLost()
	if c.caState != caLoss {
		c.highSeq = c.sndNxt
		c.ssthresh = c.currentSsthresh()
		c.priorSsthresh = 0
		c.undoActive = false
		c.setCAState(caLoss)
	}
	c.retransmitLost()
}

// currentSsthresh is tcp_current_ssthresh.
func (c *conn) currentSsthresh() uint32 {
	if c.caState == caCWR || c.caState == caRecovery {
		return c.ssthresh
	}
	return max(c.ssthresh, c.cwnd>>1+c.cwnd>>2)
}

// splitLost cuts lost segments longer than the MSS into MSS-sized ones,
// the PSH and FIN staying on the last.
func (c *conn) splitLost() {
	var out []txSeg
	for _, sg := range c.rtx {
		if sg.flags&segLost == 0 || sg.len <= c.mssCache {
			out = append(out, sg)
			continue
		}
		c.packetsOut--
		c.lostOut--
		tail := sg.flags & (segFIN | segPSH)
		for off := uint32(0); off < sg.len; off += c.mssCache {
			n := min(c.mssCache, sg.len-off)
			ns := txSeg{seq: sg.seq.add(off), len: n, flags: sg.flags &^ (segFIN | segPSH), sent: sg.sent, txDelivered: sg.txDelivered}
			if off+n == sg.len {
				ns.flags |= tail
			}
			out = append(out, ns)
			c.packetsOut++
			c.lostOut++
		}
	}
	c.rtx = out
}
