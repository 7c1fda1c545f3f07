package socket

import (
	"net/netip"
	"sync"
	"time"

	"github.com/seed96fbdc48/inet/route"
	"golang.org/x/sys/unix"
)

// Socket is one socket, the object a file descriptor names: its methods
// are the socket system calls, checked as Linux's net/socket.c and
// net/ipv4/af_inet.c check them before the protocol is asked.
type Socket struct {
	p Proto
	b *Base
}

// New wraps a protocol's socket.
func New(p Proto) *Socket { return &Socket{p: p, b: p.Core()} }

// Proto returns the protocol side (for the protocol packages' own tests).
func (s *Socket) Proto() Proto { return s.p }

// Base returns the generic state.
func (s *Socket) Base() *Base { return s.b }

// Type returns SOCK_DGRAM, SOCK_STREAM or SOCK_RAW.
func (s *Socket) Type() int { return s.b.Type }

// Protocol returns the protocol number.
func (s *Socket) Protocol() int { return s.b.Protocol }

func (s *Socket) closed() bool { return s.b.closed.Load() }

// SetNonblock sets O_NONBLOCK (SOCK_NONBLOCK, fcntl F_SETFL).
func (s *Socket) SetNonblock(on bool) { s.b.nonblock.Store(on) }

// Nonblocking reports O_NONBLOCK.
func (s *Socket) Nonblocking() bool { return s.b.nonblock.Load() }

// Bind is bind(2) with a raw struct sockaddr (inet_bind): longer than
// struct sockaddr_storage or shorter than sockaddr_in is EINVAL; a family
// other than AF_INET is EAFNOSUPPORT, except AF_UNSPEC with INADDR_ANY,
// accepted for compatibility.
func (s *Socket) Bind(sa []byte) error {
	if s.closed() {
		return unix.EBADF
	}
	if len(sa) > maxSockaddr {
		return unix.EINVAL // move_addr_to_kernel
	}
	a, err := ParseSockaddr(sa)
	if err != nil {
		return err
	}
	if a.Family != unix.AF_INET {
		if a.Family != unix.AF_UNSPEC || a.Addr.Addr() != anyAddr {
			return unix.EAFNOSUPPORT
		}
	}
	return s.p.Bind(a)
}

// BindAddr binds to an IPv4 address and port.
func (s *Socket) BindAddr(ap netip.AddrPort) error { return s.Bind(SockaddrBytes(ap)) }

// Connect is connect(2) with a raw struct sockaddr: longer than struct
// sockaddr_storage or shorter than the family field is EINVAL; AF_UNSPEC
// dissolves a datagram socket's association. A datagram socket is then
// bound to an ephemeral port (inet_dgram_connect's autobind, EAGAIN when
// none is free) before the address is looked at: shorter than sockaddr_in
// is EINVAL, a family other than AF_INET EAFNOSUPPORT.
func (s *Socket) Connect(sa []byte) error {
	if s.closed() {
		return unix.EBADF
	}
	if len(sa) > maxSockaddr {
		return unix.EINVAL // move_addr_to_kernel
	}
	fam, ok := SockaddrFamily(sa)
	if !ok {
		return unix.EINVAL
	}
	if fam == unix.AF_UNSPEC {
		return s.p.Disconnect()
	}
	if ab, ok := s.p.(Autobinder); ok {
		if err := ab.Autobind(); err != nil {
			return err
		}
	}
	if len(sa) < SockaddrInLen {
		return unix.EINVAL
	}
	a, _ := ParseSockaddr(sa)
	return s.connect(a)
}

// Autobinder is implemented by datagram protocols whose connect(2) binds
// an unbound socket before checking the address (inet_dgram_connect).
type Autobinder interface {
	// Autobind binds an unbound socket to an ephemeral port (EAGAIN
	// when none is free); a bound socket is left as it is.
	Autobind() error
}

func (s *Socket) connect(a Sockaddr) error {
	if a.Family != unix.AF_INET {
		return unix.EAFNOSUPPORT
	}
	return s.p.Connect(a)
}

// ConnectAddr connects to an IPv4 address and port.
func (s *Socket) ConnectAddr(ap netip.AddrPort) error { return s.Connect(SockaddrBytes(ap)) }

// Disconnect is connect(2) with AF_UNSPEC.
func (s *Socket) Disconnect() error {
	if s.closed() {
		return unix.EBADF
	}
	return s.p.Disconnect()
}

// Listen is listen(2).
func (s *Socket) Listen(backlog int) error {
	if s.closed() {
		return unix.EBADF
	}
	return s.p.Listen(backlog)
}

// Accept is accept4(2); flags may hold SOCK_NONBLOCK and SOCK_CLOEXEC
// (anything else is EINVAL).
func (s *Socket) Accept(flags int) (*Socket, netip.AddrPort, error) {
	if s.closed() {
		return nil, netip.AddrPort{}, unix.EBADF
	}
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return nil, netip.AddrPort{}, unix.EINVAL
	}
	return s.p.Accept(flags)
}

// maxSockaddr is sizeof(struct sockaddr_storage): longer names are EINVAL
// (move_addr_to_kernel).
const maxSockaddr = 128

// SendMsg is sendmsg(2). A name longer than struct sockaddr_storage is
// cut to it (__copy_msghdr), where sendto(2) refuses it (SendToRaw).
func (s *Socket) SendMsg(m *Msg) (int, error) {
	if s.closed() {
		return 0, unix.EBADF
	}
	if len(m.Name) > maxSockaddr {
		m.Name = m.Name[:maxSockaddr]
	}
	return s.p.SendMsg(m)
}

// SendToRaw is sendto(2) with a raw struct sockaddr: longer than struct
// sockaddr_storage is EINVAL (move_addr_to_kernel); a non-nil name of
// length 0 is an address of length 0, which the protocol refuses.
func (s *Socket) SendToRaw(b []byte, flags int, name []byte) (int, error) {
	if s.closed() {
		return 0, unix.EBADF
	}
	if len(name) > maxSockaddr {
		return 0, unix.EINVAL
	}
	m := getMsg()
	m.Buf, m.Flags, m.Name = b, flags, name
	if name == nil {
		m.Name = nil
	}
	n, err := s.p.SendMsg(m)
	putMsg(m)
	return n, err
}

// RecvMsg is recvmsg(2).
func (s *Socket) RecvMsg(m *Msg) (int, error) {
	if s.closed() {
		return 0, unix.EBADF
	}
	// ____sys_recvmsg starts msg_flags with MSG_CMSG_CLOEXEC as asked.
	m.OutFlags, m.ControlLen, m.HasAddr = m.Flags&unix.MSG_CMSG_CLOEXEC, 0, false
	return s.p.RecvMsg(m)
}

var msgPool = sync.Pool{New: func() any { return new(Msg) }}

func getMsg() *Msg { return msgPool.Get().(*Msg) }

func putMsg(m *Msg) {
	*m = Msg{}
	msgPool.Put(m)
}

// Send is send(2).
func (s *Socket) Send(b []byte, flags int) (int, error) {
	m := getMsg()
	m.Buf, m.Flags = b, flags
	n, err := s.SendMsg(m)
	putMsg(m)
	return n, err
}

// SendTo is sendto(2) to an IPv4 address and port.
func (s *Socket) SendTo(b []byte, flags int, to netip.AddrPort) (int, error) {
	m := getMsg()
	m.Buf, m.Flags, m.Addr = b, flags, to
	n, err := s.SendMsg(m)
	putMsg(m)
	return n, err
}

// Recv is recv(2).
func (s *Socket) Recv(b []byte, flags int) (int, error) {
	m := getMsg()
	m.Buf, m.Flags = b, flags
	n, err := s.RecvMsg(m)
	putMsg(m)
	return n, err
}

// RecvFrom is recvfrom(2); from is the zero AddrPort when the protocol
// reported no address.
func (s *Socket) RecvFrom(b []byte, flags int) (int, netip.AddrPort, error) {
	m := getMsg()
	m.Buf, m.Flags = b, flags
	n, err := s.RecvMsg(m)
	from := m.Addr
	putMsg(m)
	return n, from, err
}

// Shutdown is shutdown(2): how must be SHUT_RD, SHUT_WR or SHUT_RDWR.
func (s *Socket) Shutdown(how int) error {
	if s.closed() {
		return unix.EBADF
	}
	if how < unix.SHUT_RD || how > unix.SHUT_RDWR {
		return unix.EINVAL
	}
	return s.p.Shutdown(how)
}

// Close is close(2). Later calls fail with EBADF; blocked calls wake.
func (s *Socket) Close() error {
	if s.b.closed.Swap(true) {
		return unix.EBADF
	}
	err := s.p.Close()
	s.b.Wq.Notify(eventWake | EventHup)
	return err
}

// GetSockName is getsockname(2).
func (s *Socket) GetSockName() (netip.AddrPort, error) {
	if s.closed() {
		return netip.AddrPort{}, unix.EBADF
	}
	return s.p.LocalAddr(), nil
}

// GetPeerName is getpeername(2): ENOTCONN without a peer, and for a peer
// port of 0 (inet_getname tests inet_dport), as a datagram socket
// connected to port 0 has.
func (s *Socket) GetPeerName() (netip.AddrPort, error) {
	if s.closed() {
		return netip.AddrPort{}, unix.EBADF
	}
	a, ok := s.p.RemoteAddr()
	if !ok || a.Port() == 0 {
		return netip.AddrPort{}, unix.ENOTCONN
	}
	return a, nil
}

// Poll returns the socket's readiness, as poll(2) would report it for
// events (POLLERR, POLLHUP and POLLNVAL are always reported).
func (s *Socket) Poll(events Events) Events {
	if s.closed() {
		return EventNval
	}
	return s.p.Poll() & (events | always)
}

// Ioctl handles the socket ioctls: FIONREAD/SIOCINQ, SIOCOUTQ (the
// protocol's), SIOCGSTAMP and SIOCGSTAMPNS (ENOENT before a packet was
// read), FIONBIO (arg: non-zero sets O_NONBLOCK).
func (s *Socket) Ioctl(req uint, arg int) (int, error) {
	if s.closed() {
		return 0, unix.EBADF
	}
	switch req {
	case FIONBIO:
		s.SetNonblock(arg != 0)
		return 0, nil
	}
	return s.p.Ioctl(req)
}

// Stamp is SIOCGSTAMP: the receive time of the last packet read; ENOENT if
// none was.
func (s *Socket) Stamp() (time.Time, error) {
	if s.closed() {
		return time.Time{}, unix.EBADF
	}
	n := s.b.stamp.Load()
	if n == 0 {
		return time.Time{}, unix.ENOENT
	}
	return time.Unix(0, n), nil
}

// SetDeadline sets the Go read and write deadlines (zero: none).
func (s *Socket) SetDeadline(t time.Time) {
	s.b.SetReadDeadline(t)
	s.b.SetWriteDeadline(t)
}

// SetReadDeadline sets the Go read deadline.
func (s *Socket) SetReadDeadline(t time.Time) { s.b.SetReadDeadline(t) }

// SetWriteDeadline sets the Go write deadline.
func (s *Socket) SetWriteDeadline(t time.Time) { s.b.SetWriteDeadline(t) }

// BindCheck applies the checks __inet_bind makes before the port is
// claimed: the address must be local, a broadcast or multicast address or
// INADDR_ANY, unless IP_FREEBIND, IP_TRANSPARENT or ip_nonlocal_bind allow
// any (EADDRNOTAVAIL); a port below ip_unprivileged_port_start needs
// CapNetBindService (EACCES). It returns the address type.
func (b *Base) BindCheck(sa Sockaddr) (route.Type, error) {
	a := sa.Addr.Addr()
	t := b.Env.AddrType(a)
	nonlocal := b.Env.NonlocalBind() || b.Opts.Freebind.Load() || b.Opts.Transparent.Load()
	if !nonlocal && a != anyAddr && t != route.TypeLocal && t != route.TypeMulticast && t != route.TypeBroadcast {
		return t, unix.EADDRNOTAVAIL
	}
	if p := int(sa.Addr.Port()); p != 0 && b.Env.PortNeedsCap(p) && !b.Env.Capable(CapNetBindService) {
		return t, unix.EACCES
	}
	return t, nil
}
