package udp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Bind is __inet_bind with udp_v4_get_port.
func (s *sock) Bind(sa socket.Sockaddr) error {
	t, err := s.BindCheck(sa)
	if err != nil {
		return err
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.connected || s.bound {
		return unix.EINVAL
	}
	addr, port := sa.Addr.Addr(), sa.Addr.Port()
	s.saddr = addr
	if t == route.TypeMulticast || t == route.TypeBroadcast {
		s.saddr = anyAddr // send from the device's address
	}
	if port != 0 || !s.Opts.BindNoPort.Load() {
		if err := s.p.getPort(s, addr, port); err != nil {
			s.saddr = netip.Addr{}
			return err
		}
	} else {
		s.p.mu.Lock()
		s.local = netip.AddrPortFrom(addr, 0)
		s.p.mu.Unlock()
	}
	s.lockAddr = addr != anyAddr
	s.lockPort = port != 0
	return nil
}

// Autobind is inet_autobind for connect(2).
func (s *sock) Autobind() error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.autobindLocked()
}

// autobindLocked is inet_autobind: claim an ephemeral port for an unbound
// socket (EAGAIN if none is free).
func (s *sock) autobindLocked() error {
	if s.bound {
		return nil
	}
	addr := s.local.Addr()
	if !addr.IsValid() {
		addr = anyAddr
	}
	if err := s.p.getPort(s, addr, 0); err != nil {
		return unix.EAGAIN
	}
	return nil
}

// Connect is inet_dgram_connect and __ip4_datagram_connect: autobind, route
// to the peer (OutNoRoutes on ENETUNREACH), refuse a broadcast peer without
// SO_BROADCAST (EACCES), take the route's source as the local address if
// none was bound, and remember the peer and the route.
func (s *sock) Connect(sa socket.Sockaddr) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if err := s.autobindLocked(); err != nil {
		return err
	}
	s.rt = nil
	dst := sa.Addr.Addr()
	oif := int(s.Opts.BindDev.Load())
	saddr := s.saddr
	if dst.IsMulticast() {
		if oif == 0 {
			oif = int(s.Opts.McIndex.Load())
		}
		if !saddr.IsValid() || saddr == anyAddr {
			saddr = mcAddr(&s.Base)
		}
	} else if oif == 0 {
		oif = int(s.Opts.UcIndex.Load())
	}
	// ip_route_connect fills inet->cork.fl, the flow a pending corked
	// datagram goes by, before routing: a failed connect rewrites it
	// too.
	fsrc := saddr
	if !fsrc.IsValid() {
		fsrc = anyAddr
	}
	s.flow = flow{dst: netip.AddrPortFrom(dst, sa.Addr.Port()), src: fsrc}
	rt, err := s.p.env.FIB.Output(route.Flow{Dst: dst, Src: saddr, Oif: oif, Proto: unix.IPPROTO_UDP,
		AnySrc: s.Opts.Transparent.Load(), OnLink: s.Opts.DontRoute.Load()})
	if err != nil {
		if err == unix.ENETUNREACH {
			s.p.stats.IP.Inc(snmp.IPOutNoRoutes)
		}
		return err
	}
	s.flow = flow{dst: netip.AddrPortFrom(rt.Dst, sa.Addr.Port()), src: rt.Src}
	if rt.Type == route.TypeBroadcast && !s.Opts.Broadcast.Load() {
		return unix.EACCES
	}
	if !s.saddr.IsValid() || s.saddr == anyAddr {
		s.saddr = rt.Src
	}
	s.p.mu.Lock()
	if s.local.Addr() == anyAddr || !s.local.Addr().IsValid() {
		s.local = netip.AddrPortFrom(rt.Src, s.local.Port())
	}
	s.remote = netip.AddrPortFrom(rt.Dst, sa.Addr.Port())
	s.connected = true
	s.p.mu.Unlock()
	s.id.Store(uint32(s.p.env.Rand.Uint32() & 0xffff))
	s.rt = &rt
	return nil
}

// Disconnect is __udp_disconnect: forget the peer and the bound device;
// an address or port not chosen by bind(2) is released.
func (s *sock) Disconnect() error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.p.mu.Lock()
	s.connected = false
	s.remote = netip.AddrPort{}
	s.Opts.BindDev.Store(0)
	if !s.lockAddr {
		s.saddr = netip.Addr{}
		s.local = netip.AddrPortFrom(anyAddr, s.local.Port())
	}
	if !s.lockPort && s.bound {
		s.p.unhashLocked(s)
		s.local = netip.AddrPortFrom(s.local.Addr(), 0)
	}
	s.p.mu.Unlock()
	s.rt = nil
	return nil
}

// LocalAddr is getsockname.
func (s *sock) LocalAddr() netip.AddrPort {
	s.p.mu.RLock()
	defer s.p.mu.RUnlock()
	a := s.local.Addr()
	if !a.IsValid() {
		a = anyAddr
	}
	return netip.AddrPortFrom(a, s.local.Port())
}

// RemoteAddr is getpeername.
func (s *sock) RemoteAddr() (netip.AddrPort, bool) {
	s.p.mu.RLock()
	defer s.p.mu.RUnlock()
	return s.remote, s.connected
}

// Shutdown is inet_shutdown: an unconnected socket answers ENOTCONN but is
// shut down all the same (Linux's "hack to wake up other listeners").
func (s *sock) Shutdown(how int) error {
	bits := uint32(how + 1)
	s.AddShutdown(bits)
	s.p.mu.RLock()
	connected := s.connected
	s.p.mu.RUnlock()
	if !connected {
		return unix.ENOTCONN
	}
	return nil
}

// Close is udp_destroy_sock and udp_lib_close: the pending datagram is
// thrown away, the socket unhashed and what it queued dropped.
func (s *sock) Close() error {
	s.Mu.Lock()
	s.flushLocked()
	s.p.mu.Lock()
	if s.bound {
		s.p.unhashLocked(s)
	}
	s.connected = false
	s.p.mu.Unlock()
	s.Mu.Unlock()
	s.Rcv.Purge()
	s.Err.Purge()
	return nil
}

// mcAddr returns the IP_MULTICAST_IF source address, or 0.0.0.0.
func mcAddr(b *socket.Base) netip.Addr {
	v := b.Opts.McAddr.Load()
	a := netip.AddrFrom4([4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
	return a
}
