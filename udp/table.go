package udp

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// reuseGroup is a set of SO_REUSEPORT sockets bound to the same address and
// port (struct sock_reuseport): datagrams are spread over them by flow hash.
type reuseGroup struct {
	socks []*sock // in joining order; guarded by Proto.mu
}

var anyAddr = netip.IPv4Unspecified()

// conflicts is udp_lib_lport_inuse for one candidate port: another socket
// on the port with overlapping addresses (equal, or either INADDR_ANY) and
// compatible devices conflicts unless both set SO_REUSEADDR, or both set
// SO_REUSEPORT (and s has not joined a group yet). Called with p.mu held.
func (p *Proto) conflicts(s *sock, addr netip.Addr, port uint16) bool {
	for _, o := range p.ports[port] {
		if o == s {
			continue
		}
		if o.Opts.ReuseAddr.Load() && s.Opts.ReuseAddr.Load() {
			continue
		}
		od, sd := o.Opts.BindDev.Load(), s.Opts.BindDev.Load()
		if od != 0 && sd != 0 && od != sd {
			continue
		}
		oa := o.local.Addr()
		if oa != addr && oa != anyAddr && addr != anyAddr {
			continue
		}
		if o.Opts.ReusePort.Load() && s.Opts.ReusePort.Load() && s.group == nil {
			continue
		}
		return true
	}
	return false
}

// getPort is udp_lib_get_port: claim port (or, for 0, an ephemeral port from
// ip_local_port_range, or the socket's IP_LOCAL_PORT_RANGE within it, at a
// random starting point, skipping ip_local_reserved_ports) for s bound to
// addr, hash the socket and join its SO_REUSEPORT group. EADDRINUSE on
// conflict or when no port is free. Called with s.Mu held.
func (p *Proto) getPort(s *sock, addr netip.Addr, port uint16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if port == 0 {
		lo, hi := p.portRange(s)
		n := hi - lo + 1
		start := int(uint64(p.env.Rand.Uint32()) * uint64(n) >> 32)
		found := false
		for i := 0; i < n; i++ {
			cand := lo + (start+i)%n
			if p.env.PortReserved(cand) || p.conflicts(s, addr, uint16(cand)) {
				continue
			}
			port, found = uint16(cand), true
			break
		}
		if !found {
			return unix.EADDRINUSE
		}
	} else if p.conflicts(s, addr, port) {
		return unix.EADDRINUSE
	}
	s.local = netip.AddrPortFrom(addr, port)
	s.bound = true
	p.ports[port] = append([]*sock{s}, p.ports[port]...)
	if s.Opts.ReusePort.Load() {
		p.joinGroupLocked(s)
	}
	return nil
}

// portRange is inet_sk_get_local_port_range: the sysctl range, narrowed by
// the socket's IP_LOCAL_PORT_RANGE where that lies within it.
func (p *Proto) portRange(s *sock) (lo, hi int) {
	lo, hi = p.env.PortRange()
	r := s.Opts.LocalPortRange.Load()
	slo, shi := int(r&0xffff), int(r>>16)
	if slo != 0 && slo >= lo && slo <= hi {
		lo = slo
	}
	if shi != 0 && shi >= lo && shi <= hi {
		hi = shi
	}
	return lo, hi
}

// joinGroupLocked is udp_reuseport_add_sock: join the group of a
// SO_REUSEPORT socket bound to exactly the same address, port and device,
// or start one.
func (p *Proto) joinGroupLocked(s *sock) {
	for _, o := range p.ports[s.local.Port()] {
		if o == s || o.group == nil || !o.Opts.ReusePort.Load() {
			continue
		}
		if o.local.Addr() == s.local.Addr() && o.Opts.BindDev.Load() == s.Opts.BindDev.Load() {
			o.group.socks = append(o.group.socks, s)
			s.group = o.group
			return
		}
	}
	s.group = &reuseGroup{socks: []*sock{s}}
}

// unhashLocked removes s from the table and its group. Called with p.mu
// held.
func (p *Proto) unhashLocked(s *sock) {
	port := s.local.Port()
	l := p.ports[port]
	for i, o := range l {
		if o == s {
			l = append(l[:i:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(p.ports, port)
	} else {
		p.ports[port] = l
	}
	if g := s.group; g != nil {
		for i, o := range g.socks {
			if o == s {
				g.socks = append(g.socks[:i:i], g.socks[i+1:]...)
				break
			}
		}
		s.group = nil
	}
	s.bound = false
}

// score is compute_score for a datagram from saddr:sport to daddr:dport
// arriving on interface dif, for the sockets whose bound address is want
// (the destination in the first pass, INADDR_ANY in the second): -1 for no
// match, higher for a better one.
func (s *sock) score(want, saddr netip.Addr, sport uint16, dif int) int {
	if s.local.Addr() != want {
		return -1
	}
	sc := 2
	if s.connected {
		if s.remote.Addr() != saddr {
			return -1
		}
		sc += 4
		if s.remote.Port() != sport {
			return -1
		}
		sc += 4
	}
	if bd := int(s.Opts.BindDev.Load()); bd != 0 {
		if bd != dif {
			return -1
		}
		sc += 4
	}
	return sc
}

// lookup is __udp4_lib_lookup: the best-scoring socket bound to daddr:dport,
// else to INADDR_ANY:dport; a SO_REUSEPORT winner hands the datagram to a
// member of its group chosen by flow hash. Called with p.mu read-held.
func (p *Proto) lookup(saddr netip.Addr, sport uint16, daddr netip.Addr, dport uint16, dif int) *sock {
	l := p.ports[dport]
	if len(l) == 0 {
		return nil
	}
	if s := p.lookupPass(l, daddr, saddr, sport, daddr, dport, dif); s != nil {
		return s
	}
	if daddr == anyAddr {
		return nil
	}
	return p.lookupPass(l, anyAddr, saddr, sport, daddr, dport, dif)
}

func (p *Proto) lookupPass(l []*sock, want, saddr netip.Addr, sport uint16, daddr netip.Addr, dport uint16, dif int) *sock {
	var best *sock
	bestScore := 0
	for _, s := range l {
		sc := s.score(want, saddr, sport, dif)
		if sc <= bestScore {
			continue
		}
		if s.group != nil && !s.connected && len(s.group.socks) > 0 && !s.group.hasConns() {
			return s.group.pick(p.flowHash(daddr, dport, saddr, sport))
		}
		best, bestScore = s, sc
	}
	return best
}

// hasConns reports whether a member is connected (reuseport_has_conns):
// then selection falls back to scoring.
func (g *reuseGroup) hasConns() bool {
	for _, s := range g.socks {
		if s.connected {
			return true
		}
	}
	return false
}

// pick is reuseport_select_sock_by_hash: reciprocal_scale of the hash over
// the members, skipping connected ones.
func (g *reuseGroup) pick(hash uint32) *sock {
	n := len(g.socks)
	i := int(uint64(hash) * uint64(n) >> 32)
	for j := 0; j < n; j++ {
		s := g.socks[(i+j)%n]
		if !s.connected {
			return s
		}
	}
	return nil
}

// flowHash is udp_ehashfn's role: a keyed hash of the 4-tuple, so one
// flow always reaches the same group member.
func (p *Proto) flowHash(daddr netip.Addr, dport uint16, saddr netip.Addr, sport uint16) uint32 {
	d, s := daddr.As4(), saddr.As4()
	x := uint64(d[0])<<56 | uint64(d[1])<<48 | uint64(d[2])<<40 | uint64(d[3])<<32 |
		uint64(s[0])<<24 | uint64(s[1])<<16 | uint64(s[2])<<8 | uint64(s[3])
	x ^= p.secret
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x ^= uint64(dport)<<16 | uint64(sport)
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return uint32((x ^ (x >> 31)) >> 32)
}

// broadcastMatch is __udp_is_mcast_sock for a broadcast datagram.
func (s *sock) broadcastMatch(daddr netip.Addr, saddr netip.Addr, sport uint16, dif int) bool {
	if s.connected && (s.remote.Addr() != saddr || (s.remote.Port() != 0 && s.remote.Port() != sport)) {
		return false
	}
	if a := s.local.Addr(); a != anyAddr && a != daddr {
		return false
	}
	if bd := int(s.Opts.BindDev.Load()); bd != 0 && bd != dif {
		return false
	}
	return true
}

// InReuseportGroup reports whether s belongs to a SO_REUSEPORT group.
func (s *sock) InReuseportGroup() bool {
	s.p.mu.RLock()
	defer s.p.mu.RUnlock()
	return s.group != nil
}
