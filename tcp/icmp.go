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
	if c.state != stateSynSent && !sq.inWindow(c.sndUna, c.sndNxt.add(1)) {
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
		// Hard error during the handshake: connect fails.
		c.SetError(errno)
		c.done2()
		return
	}
	if c.Opts.RecvErr.Load() {
		c.SetError(errno)
	} else {
		c.softErr = int(errno)
	}
}

// mtuReduced is tcp_v4_mtu_reduced: follow a smaller path MTU (not below
// Linux's 552-byte floor) and retransmit what no longer fits.
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
	if c.mssCache < old {
		// Retransmit everything outstanding in the smaller size
		// (tcp_simple_retransmit).
		for i := range c.rtx {
			sg := &c.rtx[i]
			if sg.len > c.mssCache && sg.flags&segSACKed == 0 && sg.flags&segLost == 0 {
				sg.flags |= segLost
				c.lostOut++
			}
		}
		c.splitLost()
		c.pushPending()
	}
}

// splitLost cuts lost segments longer than the MSS into MSS-sized ones.
func (c *conn) splitLost() {
	var out []txSeg
	for _, sg := range c.rtx {
		if sg.flags&segLost == 0 || sg.len <= c.mssCache {
			out = append(out, sg)
			continue
		}
		c.packetsOut--
		c.lostOut--
		fin := sg.flags&segFIN != 0
		for off := uint32(0); off < sg.len; off += c.mssCache {
			n := min(c.mssCache, sg.len-off)
			ns := txSeg{seq: sg.seq.add(off), len: n, flags: sg.flags &^ segFIN, sent: sg.sent}
			if fin && off+n == sg.len {
				ns.flags |= segFIN
			}
			out = append(out, ns)
			c.packetsOut++
			c.lostOut++
		}
	}
	c.rtx = out
}
