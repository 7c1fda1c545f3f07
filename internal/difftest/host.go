package difftest

import (
	"time"

	"github.com/seed96fbdc48/inet/socket"
)

// Host is the host under test, "A": the socket system calls of one
// implementation. The kernel implementation makes real syscalls in a
// network namespace; the inet implementation calls an inet stack. Socket
// handles are small integers (file descriptors on the kernel).
//
// Methods take and return what the syscalls do at the byte level: sockaddrs
// and option values as raw bytes, errors as unix.Errno.
type Host interface {
	// Name is "kernel" or "inet".
	Name() string
	Socket(domain, typ, proto int) (int, error)
	Close(fd int) error
	Bind(fd int, sa []byte) error
	Connect(fd int, sa []byte) error
	Listen(fd, backlog int) error
	// Accept is accept4(2); it returns the new handle and the peer's
	// sockaddr as written.
	Accept(fd, flags int) (int, []byte, error)
	// GetSockName and GetPeerName return the sockaddr the kernel writes
	// (its length is the returned addrlen).
	GetSockName(fd int) ([]byte, error)
	GetPeerName(fd int) ([]byte, error)
	Setsockopt(fd, level, name int, val []byte) error
	// Getsockopt passes a buffer of optlen bytes and returns the bytes
	// written (the returned optlen).
	Getsockopt(fd, level, name, optlen int) ([]byte, error)
	SendMsg(fd int, m *Send) (int, error)
	// RecvMsg fills m's results. It may block: callers poll first.
	RecvMsg(fd int, m *Recv) (int, error)
	Shutdown(fd, how int) error
	// Poll is poll(2) on one socket, waiting up to timeout (0: no wait).
	Poll(fd int, events int16, timeout time.Duration) (int16, error)
	// Ioctl is an ioctl whose argument is an int written by the call
	// (SIOCINQ, SIOCOUTQ).
	Ioctl(fd int, req uint) (int, error)
	// Stamp is SIOCGSTAMP.
	Stamp(fd int) (time.Time, error)
	SetNonblock(fd int, on bool) error
	Nonblocking(fd int) bool
	// Counters returns the host's /proc/net/snmp and /proc/net/netstat
	// counters keyed "Group:Name".
	Counters() (map[string]uint64, error)
	Sysctl(name string) (string, error)
	SetSysctl(name, value string) error
	// SetCap grants or withdraws a capability (socket.CapNetBindService,
	// CapNetAdmin or CapNetRaw) for the calls that follow.
	SetCap(c socket.Caps, on bool) error
}

// How a Send passes its address: sendmsg(2) (msg_name, msg_namelen),
// sendto(2) (its own length check) or send(2) (none).
const (
	CallSendmsg = iota
	CallSendto
	CallSend
)

// Send is one sendmsg, sendto or send call.
type Send struct {
	Call    int
	Data    []byte
	Name    []byte // nil: no address
	Control []byte // nil: none
	Flags   int
}

// Recv is one recvmsg call: the sizes passed and what came back.
type Recv struct {
	BufLen, ControlLen, NameLen int
	Flags                       int

	Data     []byte // the bytes copied into the buffer
	Control  []byte // msg_controllen bytes of the control buffer
	Name     []byte // the sockaddr written (at most NameLen bytes)
	NameOut  int    // msg_namelen on return
	OutFlags int    // msg_flags on return
}
