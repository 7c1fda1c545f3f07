package socket

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// Msg is one sendmsg or recvmsg call's message.
type Msg struct {
	// Buf is the data to send, or the buffer to receive into.
	Buf []byte
	// Control is, for sendmsg, the raw control messages; for recvmsg, the
	// buffer the control messages are written into (its length is
	// msg_controllen).
	Control []byte
	// ControlLen is set by recvmsg: the bytes of Control filled.
	ControlLen int
	// Addr is the destination (sendmsg) or source (recvmsg). For
	// sendmsg, Name holds the raw sockaddr when the caller gave bytes;
	// otherwise a valid Addr is the destination (as a well-formed
	// AF_INET sockaddr_in would be) and an invalid one means none.
	Addr netip.AddrPort
	Name []byte
	// HasAddr is set by recvmsg when it filled Addr (msg_namelen > 0).
	HasAddr bool
	// Flags are the call's MSG_* flags (in) and, for recvmsg, the
	// returned msg_flags (MSG_TRUNC, MSG_CTRUNC, MSG_ERRQUEUE ...).
	Flags int
	// OutFlags are recvmsg's returned flags.
	OutFlags int
}

// Proto is a transport protocol's side of a socket. The generic Socket
// checks what Linux checks before calling into the protocol (closed
// sockets, sockaddr lengths and families where the syscall layer checks
// them) and handles SOL_SOCKET and SOL_IP options itself; the rest is the
// protocol's.
type Proto interface {
	// Core returns the generic state.
	Core() *Base
	// Bind binds to a decoded sockaddr_in (family already accepted).
	Bind(sa Sockaddr) error
	// Connect connects (family AF_INET); Disconnect handles AF_UNSPEC.
	Connect(sa Sockaddr) error
	Disconnect() error
	// Listen and Accept are for stream sockets (EOPNOTSUPP otherwise).
	Listen(backlog int) error
	Accept(flags int) (*Socket, netip.AddrPort, error)
	// SendMsg and RecvMsg move data; they honour the socket's blocking
	// mode, timeouts and deadlines.
	SendMsg(m *Msg) (int, error)
	RecvMsg(m *Msg) (int, error)
	// Shutdown is shutdown(2) with how already validated.
	Shutdown(how int) error
	// Close releases the protocol state.
	Close() error
	// LocalAddr and RemoteAddr are getsockname and getpeername (ok false:
	// ENOTCONN for the peer).
	LocalAddr() netip.AddrPort
	RemoteAddr() (netip.AddrPort, bool)
	// Poll reports the current readiness.
	Poll() Events
	// Ioctl handles SIOCINQ/FIONREAD, SIOCOUTQ and the like.
	Ioctl(req uint) (int, error)
	// SetOption and GetOption handle the protocol's own level (SOL_UDP,
	// SOL_TCP, SOL_RAW). GetOption writes into buf and returns the length.
	SetOption(level, name int, val []byte) error
	GetOption(level, name int, buf []byte) (int, error)
	// OptionChanged tells the protocol that a SOL_SOCKET or SOL_IP option
	// was set (TCP re-sizes windows, resets routes ...).
	OptionChanged(level, name int)
	// MTU is IP_MTU: the connected route's MTU (ok false: ENOTCONN).
	MTU() (int, bool)
	// Listening reports SO_ACCEPTCONN.
	Listening() bool
}

// Unsupported can be embedded by protocols to answer the calls they do not
// implement as Linux's sock_no_* functions do.
type Unsupported struct{}

func (Unsupported) Listen(int) error { return unix.EOPNOTSUPP }
func (Unsupported) Accept(int) (*Socket, netip.AddrPort, error) {
	return nil, netip.AddrPort{}, unix.EOPNOTSUPP
}
func (Unsupported) OptionChanged(int, int) {}
func (Unsupported) Listening() bool        { return false }
