package tcp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/snmp"
	"golang.org/x/sys/unix"
)

// binding is an owner of a port: a socket or a timewait entry (Linux's
// bind bucket owners).
type binding struct {
	c  *conn
	tw *timewait
}

func (b binding) addr() netip.Addr {
	if b.tw != nil {
		return b.tw.local.Addr()
	}
	return b.c.local.Addr()
}

func (b binding) bindDev() int32 {
	if b.tw != nil {
		return b.tw.bindDev
	}
	return b.c.Opts.BindDev.Load()
}

func (b binding) reuse() bool {
	if b.tw != nil {
		return b.tw.reuse
	}
	return b.c.Opts.ReuseAddr.Load()
}

func (b binding) reusePort() bool {
	if b.tw != nil {
		return b.tw.reusePort
	}
	return b.c.Opts.ReusePort.Load()
}

func (b binding) listening() bool { return b.c != nil && b.c.state == stateListen }

func (b binding) connectBound() bool {
	if b.tw != nil {
		return b.tw.connectBound
	}
	return b.c.connectBound
}

// bindConflict is inet_bind_conflict between c (binding addr) and an owner
// o of the same port: devices that can overlap, addresses that overlap
// (equal or either INADDR_ANY), and neither SO_REUSEADDR on both (with the
// owner not listening, and only when relax) nor SO_REUSEPORT on both (with
// reuseportOK) lets them share.
func bindConflict(c *conn, o binding, addr netip.Addr, relax, reuseportOK bool) bool {
	if o.c == c {
		return false
	}
	cd, od := c.Opts.BindDev.Load(), o.bindDev()
	if cd != 0 && od != 0 && cd != od {
		return false
	}
	oa := o.addr()
	if oa != addr && oa != anyAddr && addr != anyAddr {
		return false
	}
	creuse, oreuse := c.Opts.ReuseAddr.Load(), o.reuse()
	cport, oport := c.Opts.ReusePort.Load(), o.reusePort()
	if creuse && oreuse && !o.listening() {
		if !relax || (!reuseportOK && cport && oport) {
			return true
		}
		return false
	}
	if !reuseportOK || !cport || !oport {
		return true
	}
	return false
}

// conflictLocked reports a conflict with any owner of port.
func (p *Proto) conflictLocked(c *conn, addr netip.Addr, port uint16, relax, reuseportOK bool) bool {
	for _, o := range p.binds[port] {
		if bindConflict(c, o, addr, relax, reuseportOK) {
			return true
		}
	}
	return false
}

// getPort is inet_csk_get_port for bind(2): an explicit port unless it
// conflicts (EADDRINUSE); for port 0, a free port from the local range
// starting at a random odd offset (Linux leaves even ports to connect(2)).
func (p *Proto) getPort(c *conn, addr netip.Addr, port uint16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if port == 0 {
		lo, hi := p.portRange(c)
		n := hi - lo + 1
		if n <= 0 {
			return unix.EADDRINUSE
		}
		off := int(uint64(p.env.Rand.Uint32())*uint64(n)>>32) | 1
		found := false
		// Two passes: the odd ports of the range, then the even ones.
		for pass := 0; pass < 2 && !found; pass++ {
			for i := 0; i < n; i += 2 {
				cand := uint16(lo + (off+i+pass)%n)
				if p.env.PortReserved(int(cand)) || len(p.binds[cand]) > 0 && p.conflictLocked(c, addr, cand, false, false) {
					continue
				}
				port, found = cand, true
				break
			}
		}
		if !found {
			return unix.EADDRINUSE
		}
	} else if p.conflictLocked(c, addr, port, true, true) {
		return unix.EADDRINUSE
	}
	c.local = netip.AddrPortFrom(addr, port)
	c.bound = true
	p.binds[port] = append(p.binds[port], binding{c: c})
	return nil
}

// portRange is inet_sk_get_local_port_range.
func (p *Proto) portRange(c *conn) (lo, hi int) {
	lo, hi = p.env.PortRange()
	r := c.Opts.LocalPortRange.Load()
	slo, shi := int(r&0xffff), int(r>>16)
	if slo != 0 && slo >= lo && slo <= hi {
		lo = slo
	}
	if shi != 0 && shi >= lo && shi <= hi {
		hi = shi
	}
	return lo, hi
}

// connectPortLocked is __inet_hash_connect: pick a local port for an
// unbound connecting socket such that the 4-tuple is unique and the port is
// not held by a bind(2); even ports first. EADDRNOTAVAIL when none.
func (p *Proto) connectPortLocked(c *conn) error {
	lo, hi := p.portRange(c)
	n := hi - lo + 1
	if n <= 0 {
		return unix.EADDRNOTAVAIL
	}
	off := int(uint64(p.env.Rand.Uint32())*uint64(n)>>32) &^ 1
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < n; i += 2 {
			cand := uint16(lo + (off+i+pass)%n)
			if p.env.PortReserved(int(cand)) {
				continue
			}
			ok := true
			for _, o := range p.binds[cand] {
				if !o.connectBound() {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			t := mkTuple(netip.AddrPortFrom(c.local.Addr(), cand), c.remote)
			if _, taken := p.est[t]; taken {
				continue
			}
			if tw := p.tw[t]; tw != nil {
				if !p.twReusable(tw) {
					continue
				}
				p.recycleLocked(tw)
			}
			c.local = netip.AddrPortFrom(c.local.Addr(), cand)
			c.bound = true
			c.connectBound = true
			p.binds[cand] = append(p.binds[cand], binding{c: c})
			return nil
		}
	}
	return unix.EADDRNOTAVAIL
}

// twReusable is tcp_twsk_unique's test for tcp_tw_reuse: 1 allows reusing
// a TIME-WAIT tuple tcp_tw_reuse_delay after its last timestamp when
// timestamps make it safe; 2 (the default) does so for loopback only.
func (p *Proto) twReusable(tw *timewait) bool {
	mode := p.v.twReuse.Int()
	if mode == 0 || !tw.tsOK {
		return false
	}
	if mode == 2 && !tw.remote.Addr().IsLoopback() {
		return false
	}
	tw.mu.Lock()
	at := tw.tsRecentAt
	tw.mu.Unlock()
	return p.timeNow().Sub(at) >= p.env.Settings.MustVar("net.ipv4.tcp_tw_reuse_delay").Duration()
}

// recycleLocked kills a timewait entry whose tuple connect(2) takes over
// (p.mu held; TWRecycled).
func (p *Proto) recycleLocked(tw *timewait) {
	tw.mu.Lock()
	tw.dead = true
	if tw.timer != nil {
		tw.timer.Stop()
	}
	tw.mu.Unlock()
	p.unhashTimewaitLocked(tw)
	p.stats.TCPExt.Inc(snmp.TCPExtTWRecycled)
}

// unbindLocked releases b's hold on port.
func (p *Proto) unbindLocked(b binding, port uint16) {
	l := p.binds[port]
	for i, o := range l {
		if o == b {
			// In place: nothing holds on to the slice outside p.mu.
			copy(l[i:], l[i+1:])
			l[len(l)-1] = binding{}
			l = l[:len(l)-1]
			break
		}
	}
	if len(l) == 0 {
		delete(p.binds, port)
	} else {
		p.binds[port] = l
	}
	if b.c != nil {
		b.c.bound = false
		b.c.connectBound = false
	}
}

// unhashLocked removes c from the lookup tables.
func (p *Proto) unhashLocked(c *conn) {
	if !c.hashed {
		return
	}
	c.hashed = false
	if c.state == stateListen || c.ln != nil && c.listening {
		l := p.listeners[c.local.Port()]
		for i, o := range l {
			if o == c {
				l = append(l[:i:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(p.listeners, c.local.Port())
		} else {
			p.listeners[c.local.Port()] = l
		}
		return
	}
	t := mkTuple(c.local, c.remote)
	if p.est[t] == c {
		delete(p.est, t)
	}
}
