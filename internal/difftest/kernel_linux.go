package difftest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// kernelHost is Host on the Linux kernel: raw syscalls made on a thread in
// the host's namespace.
type kernelHost struct {
	w   *worker
	fds map[int]bool // sockets open, closed at cleanup
}

var _ Host = (*kernelHost)(nil)

func (k *kernelHost) Name() string { return "kernel" }

func errnoOf(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// ptr returns a pointer to b's first byte, or to a dummy byte for an empty
// (non-nil) slice, and nil for a nil slice, as a C caller passes them.
func ptr(b []byte) unsafe.Pointer {
	if b == nil {
		return nil
	}
	if len(b) == 0 {
		return unsafe.Pointer(&dummy[0])
	}
	return unsafe.Pointer(&b[0])
}

var dummy [8]byte

func (k *kernelHost) Socket(domain, typ, proto int) (fd int, err error) {
	k.w.do(func() {
		r, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(domain), uintptr(typ), uintptr(proto))
		fd, err = int(r), errnoOf(e)
	})
	if err != nil {
		return -1, err
	}
	k.fds[fd] = true
	return fd, nil
}

func (k *kernelHost) Close(fd int) (err error) {
	k.w.do(func() { err = unix.Close(fd) })
	delete(k.fds, fd)
	return err
}

func (k *kernelHost) closeAll() {
	for fd := range k.fds {
		_ = k.Close(fd)
	}
}

func (k *kernelHost) Bind(fd int, sa []byte) (err error) {
	k.w.do(func() {
		_, _, e := unix.Syscall(unix.SYS_BIND, uintptr(fd), uintptr(ptr(sa)), uintptr(len(sa)))
		err = errnoOf(e)
	})
	return err
}

func (k *kernelHost) Connect(fd int, sa []byte) (err error) {
	k.w.do(func() {
		_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(ptr(sa)), uintptr(len(sa)))
		err = errnoOf(e)
	})
	return err
}

func (k *kernelHost) Listen(fd, backlog int) (err error) {
	k.w.do(func() { err = unix.Listen(fd, backlog) })
	return err
}

func (k *kernelHost) Accept(fd, flags int) (nfd int, sa []byte, err error) {
	k.w.do(func() {
		buf := make([]byte, 128)
		l := uint32(len(buf))
		r, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(ptr(buf)), uintptr(unsafe.Pointer(&l)), uintptr(flags), 0, 0)
		if err = errnoOf(e); err == nil {
			nfd, sa = int(r), buf[:min(int(l), len(buf))]
		}
	})
	if err != nil {
		return -1, nil, err
	}
	k.fds[nfd] = true
	return nfd, sa, nil
}

func (k *kernelHost) name(fd int, call uintptr) (out []byte, err error) {
	k.w.do(func() {
		buf := make([]byte, 128)
		l := uint32(len(buf))
		_, _, e := unix.Syscall(call, uintptr(fd), uintptr(ptr(buf)), uintptr(unsafe.Pointer(&l)))
		if err = errnoOf(e); err == nil {
			out = buf[:min(int(l), len(buf))]
		}
	})
	return out, err
}

func (k *kernelHost) GetSockName(fd int) ([]byte, error) { return k.name(fd, unix.SYS_GETSOCKNAME) }
func (k *kernelHost) GetPeerName(fd int) ([]byte, error) { return k.name(fd, unix.SYS_GETPEERNAME) }

func (k *kernelHost) Setsockopt(fd, level, name int, val []byte) (err error) {
	if val == nil {
		val = []byte{}
	}
	k.w.do(func() {
		_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name),
			uintptr(ptr(val)), uintptr(len(val)), 0)
		err = errnoOf(e)
	})
	return err
}

func (k *kernelHost) Getsockopt(fd, level, name, optlen int) (out []byte, err error) {
	k.w.do(func() {
		buf := make([]byte, optlen)
		l := uint32(optlen)
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name),
			uintptr(ptr(buf)), uintptr(unsafe.Pointer(&l)), 0)
		if err = errnoOf(e); err == nil {
			out = buf[:min(int(l), len(buf))]
		}
	})
	return out, err
}

func (k *kernelHost) SendMsg(fd int, m *Send) (n int, err error) {
	data := m.Data
	if data == nil {
		data = []byte{}
	}
	k.w.do(func() {
		var r uintptr
		var e unix.Errno
		switch m.Call {
		case CallSendto, CallSend:
			r, _, e = unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(ptr(data)), uintptr(len(data)),
				uintptr(m.Flags), uintptr(ptr(m.Name)), uintptr(len(m.Name)))
		default:
			iov := unix.Iovec{Base: (*byte)(ptr(data))}
			iov.SetLen(len(data))
			h := unix.Msghdr{Iov: &iov, Iovlen: 1}
			h.Name = (*byte)(ptr(m.Name))
			h.Namelen = uint32(len(m.Name))
			if m.Control != nil {
				h.Control = (*byte)(ptr(m.Control))
				h.SetControllen(len(m.Control))
			}
			r, _, e = unix.Syscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&h)), uintptr(m.Flags))
		}
		n, err = int(r), errnoOf(e)
	})
	if err != nil {
		n = -1
	}
	return n, err
}

// hangBound is how long a blocking call may take before the harness stops
// it (and records errHang): a case must never hang the suite.
const hangBound = 10 * time.Second

func (k *kernelHost) RecvMsg(fd int, m *Recv) (n int, err error) {
	var hung atomic.Bool
	if m.Flags&(unix.MSG_DONTWAIT|unix.MSG_ERRQUEUE) == 0 && !k.Nonblocking(fd) {
		// A watchdog: shutting the socket down for reading wakes the
		// blocked recvmsg.
		t := time.AfterFunc(hangBound, func() {
			hung.Store(true)
			_ = unix.Shutdown(fd, unix.SHUT_RD)
		})
		defer t.Stop()
	}
	defer func() {
		if hung.Load() {
			n, err = -1, errHang
		}
	}()
	k.w.do(func() {
		buf := make([]byte, m.BufLen)
		ctl := make([]byte, m.ControlLen)
		name := make([]byte, m.NameLen)
		iov := unix.Iovec{Base: (*byte)(ptr(buf))}
		iov.SetLen(len(buf))
		h := unix.Msghdr{Iov: &iov, Iovlen: 1}
		if m.NameLen > 0 {
			h.Name = (*byte)(ptr(name))
			h.Namelen = uint32(len(name))
		}
		if m.ControlLen > 0 {
			h.Control = (*byte)(ptr(ctl))
			h.SetControllen(len(ctl))
		}
		r, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&h)), uintptr(m.Flags))
		if e != 0 {
			n, err = -1, e
			return
		}
		n = int(r)
		m.Data = buf[:min(n, len(buf))]
		m.Control = ctl[:min(int(h.Controllen), len(ctl))]
		m.NameOut = int(h.Namelen)
		m.Name = name[:min(int(h.Namelen), len(name))]
		m.OutFlags = int(h.Flags)
	})
	return n, err
}

func (k *kernelHost) Shutdown(fd, how int) (err error) {
	k.w.do(func() {
		_, _, e := unix.Syscall(unix.SYS_SHUTDOWN, uintptr(fd), uintptr(how), 0)
		err = errnoOf(e)
	})
	return err
}

func (k *kernelHost) Poll(fd int, events int16, timeout time.Duration) (rev int16, err error) {
	k.w.do(func() {
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		deadline := time.Now().Add(timeout)
		for {
			ms := int(time.Until(deadline).Milliseconds())
			if ms < 0 {
				ms = 0
			}
			_, err = unix.Poll(fds, ms)
			if err != unix.EINTR {
				break
			}
		}
		rev = fds[0].Revents
	})
	return rev, err
}

func (k *kernelHost) Ioctl(fd int, req uint) (v int, err error) {
	k.w.do(func() { v, err = unix.IoctlGetInt(fd, req) })
	return v, err
}

func (k *kernelHost) Stamp(fd int) (t time.Time, err error) {
	k.w.do(func() {
		var tv [16]byte
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), 0x8906, uintptr(unsafe.Pointer(&tv[0])))
		if err = errnoOf(e); err == nil {
			t = time.Unix(int64(binary.NativeEndian.Uint64(tv[0:])), int64(binary.NativeEndian.Uint64(tv[8:]))*1000)
		}
	})
	return t, err
}

func (k *kernelHost) SetNonblock(fd int, on bool) (err error) {
	k.w.do(func() { err = unix.SetNonblock(fd, on) })
	return err
}

func (k *kernelHost) Nonblocking(fd int) (on bool) {
	k.w.do(func() {
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		on = err == nil && fl&unix.O_NONBLOCK != 0
	})
	return on
}

func (k *kernelHost) Counters() (m map[string]uint64, err error) {
	k.w.do(func() {
		m = make(map[string]uint64)
		for _, f := range []string{"/proc/thread-self/net/snmp", "/proc/thread-self/net/netstat"} {
			b, e := os.ReadFile(f)
			if e != nil {
				err = e
				return
			}
			parseProcCounters(b, m)
		}
	})
	return m, err
}

// parseProcCounters reads /proc/net/snmp's layout: pairs of lines, names
// then values, each starting with "Group:".
func parseProcCounters(b []byte, m map[string]uint64) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	var names []string
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 1 {
			continue
		}
		if names == nil || names[0] != f[0] {
			names = f
			continue
		}
		for i := 1; i < len(f) && i < len(names); i++ {
			if v, err := strconv.ParseInt(f[i], 10, 64); err == nil {
				m[strings.TrimSuffix(f[0], ":")+":"+names[i]] = uint64(v)
			}
		}
		names = nil
	}
}

func sysctlPath(name string) string {
	return "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
}

func (k *kernelHost) Sysctl(name string) (v string, err error) {
	k.w.do(func() {
		var b []byte
		b, err = os.ReadFile(sysctlPath(name))
		v = strings.Join(strings.Fields(string(b)), " ")
	})
	return v, err
}

func (k *kernelHost) SetSysctl(name, value string) (err error) {
	k.w.do(func() {
		err = os.WriteFile(sysctlPath(name), []byte(value), 0)
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
	})
	return err
}

// SetCap raises or drops a capability in the worker thread's effective
// set (capabilities are per thread).
func (k *kernelHost) SetCap(c socket.Caps, on bool) (err error) {
	k.w.do(func() {
		for _, m := range []struct {
			c   socket.Caps
			cap int
		}{{socket.CapNetBindService, unix.CAP_NET_BIND_SERVICE}, {socket.CapNetAdmin, unix.CAP_NET_ADMIN}, {socket.CapNetRaw, unix.CAP_NET_RAW}} {
			if c&m.c != 0 && err == nil {
				err = setEffectiveCap(m.cap, on)
			}
		}
	})
	return err
}

func setEffectiveCap(c int, on bool) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	bit := uint32(1) << (c % 32)
	if on {
		data[c/32].Effective |= bit
	} else {
		data[c/32].Effective &^= bit
	}
	return unix.Capset(&hdr, &data[0])
}
