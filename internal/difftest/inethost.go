package difftest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/stack"
	"golang.org/x/sys/unix"
)

// inetHost is Host on an inet stack. Handles count up from 3, as a fresh
// process's file descriptors do; an unknown handle is EBADF.
type inetHost struct {
	s     *stack.Stack
	socks map[int]*socket.Socket
	next  int
}

var _ Host = (*inetHost)(nil)

func newInetHost(s *stack.Stack) *inetHost {
	return &inetHost{s: s, socks: make(map[int]*socket.Socket), next: 3}
}

func (h *inetHost) Name() string { return "inet" }

func (h *inetHost) sock(fd int) (*socket.Socket, error) {
	so, ok := h.socks[fd]
	if !ok {
		return nil, unix.EBADF
	}
	return so, nil
}

func (h *inetHost) Socket(domain, typ, proto int) (int, error) {
	so, err := h.s.Socket(domain, typ, proto)
	if err != nil {
		return -1, err
	}
	fd := h.next
	h.next++
	h.socks[fd] = so
	return fd, nil
}

func (h *inetHost) Close(fd int) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	delete(h.socks, fd)
	return so.Close()
}

func (h *inetHost) closeAll() {
	for fd := range h.socks {
		_ = h.Close(fd)
	}
}

func (h *inetHost) Bind(fd int, sa []byte) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	return so.Bind(sa)
}

func (h *inetHost) Connect(fd int, sa []byte) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	return so.Connect(sa)
}

func (h *inetHost) Listen(fd, backlog int) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	return so.Listen(backlog)
}

func (h *inetHost) Accept(fd, flags int) (int, []byte, error) {
	so, err := h.sock(fd)
	if err != nil {
		return -1, nil, err
	}
	ns, peer, err := so.Accept(flags)
	if err != nil {
		return -1, nil, err
	}
	nfd := h.next
	h.next++
	h.socks[nfd] = ns
	return nfd, socket.SockaddrBytes(peer), nil
}

func (h *inetHost) GetSockName(fd int) ([]byte, error) {
	so, err := h.sock(fd)
	if err != nil {
		return nil, err
	}
	a, err := so.GetSockName()
	if err != nil {
		return nil, err
	}
	return socket.SockaddrBytes(a), nil
}

func (h *inetHost) GetPeerName(fd int) ([]byte, error) {
	so, err := h.sock(fd)
	if err != nil {
		return nil, err
	}
	a, err := so.GetPeerName()
	if err != nil {
		return nil, err
	}
	return socket.SockaddrBytes(a), nil
}

func (h *inetHost) Setsockopt(fd, level, name int, val []byte) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	if val == nil {
		val = []byte{}
	}
	return so.Setsockopt(level, name, val)
}

func (h *inetHost) Getsockopt(fd, level, name, optlen int) ([]byte, error) {
	so, err := h.sock(fd)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, optlen)
	n, err := so.Getsockopt(level, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

func (h *inetHost) SendMsg(fd int, m *Send) (int, error) {
	so, err := h.sock(fd)
	if err != nil {
		return -1, err
	}
	var n int
	switch m.Call {
	case CallSendto:
		n, err = so.SendToRaw(m.Data, m.Flags, m.Name)
	case CallSend:
		n, err = so.Send(m.Data, m.Flags)
	default:
		// sendmsg: a name of length 0 is no name (__copy_msghdr).
		msg := socket.Msg{Buf: m.Data, Control: m.Control, Flags: m.Flags}
		if len(m.Name) > 0 {
			msg.Name = m.Name
		}
		n, err = so.SendMsg(&msg)
	}
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (h *inetHost) RecvMsg(fd int, m *Recv) (int, error) {
	so, err := h.sock(fd)
	if err != nil {
		return -1, err
	}
	msg := socket.Msg{Buf: make([]byte, m.BufLen), Control: make([]byte, m.ControlLen), Flags: m.Flags}
	so.SetReadDeadline(time.Now().Add(hangBound))
	n, err := so.RecvMsg(&msg)
	so.SetReadDeadline(time.Time{})
	if err != nil {
		if errors.Is(err, socket.ErrDeadline) {
			return -1, errHang
		}
		return -1, err
	}
	m.Data = msg.Buf[:min(n, len(msg.Buf))]
	m.Control = msg.Control[:msg.ControlLen]
	m.OutFlags = msg.OutFlags
	m.NameOut = 0
	m.Name = nil
	if m.NameLen > 0 {
		if msg.HasAddr {
			sa := socket.SockaddrBytes(msg.Addr)
			m.Name = sa[:min(len(sa), m.NameLen)]
			m.NameOut = len(sa)
		}
	}
	return n, nil
}

// errHang marks a call that would have blocked past the harness's bound.
var errHang = errors.New("blocked (stopped by the harness)")

func (h *inetHost) Shutdown(fd, how int) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	return so.Shutdown(how)
}

func (h *inetHost) Poll(fd int, events int16, timeout time.Duration) (int16, error) {
	so, err := h.sock(fd)
	if err != nil {
		return int16(socket.EventNval), nil // poll(2) on a closed descriptor
	}
	if timeout <= 0 {
		return int16(so.Poll(socket.Events(uint16(events)))), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	fds := []socket.PollFd{{Socket: so, Events: socket.Events(uint16(events))}}
	if _, err := socket.Poll(ctx, fds); err != nil {
		return 0, nil
	}
	return int16(fds[0].Revents), nil
}

func (h *inetHost) Ioctl(fd int, req uint) (int, error) {
	so, err := h.sock(fd)
	if err != nil {
		return 0, err
	}
	return so.Ioctl(req, 0)
}

func (h *inetHost) Stamp(fd int) (time.Time, error) {
	so, err := h.sock(fd)
	if err != nil {
		return time.Time{}, err
	}
	return so.Stamp()
}

func (h *inetHost) SetNonblock(fd int, on bool) error {
	so, err := h.sock(fd)
	if err != nil {
		return err
	}
	so.SetNonblock(on)
	return nil
}

func (h *inetHost) Nonblocking(fd int) bool {
	so, err := h.sock(fd)
	return err == nil && so.Nonblocking()
}

func (h *inetHost) Counters() (map[string]uint64, error) { return h.s.Stats().Snapshot(), nil }

func (h *inetHost) Sysctl(name string) (string, error) {
	v, err := h.s.Settings().Get(name)
	return strings.Join(strings.Fields(v), " "), err
}

func (h *inetHost) SetSysctl(name, value string) error { return h.s.Settings().Set(name, value) }

func (h *inetHost) SetCap(c socket.Caps, on bool) error {
	env := h.s.Env()
	have := env.Capabilities()
	if on {
		have |= c
	} else {
		have &^= c
	}
	env.SetCaps(have)
	return nil
}
