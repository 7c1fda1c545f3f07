package tcp_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// kernelWorld is Linux behind a TUN device (inet0, hostIP/24) in a
// namespace of the test's own: the test writes the peer's packets into the
// TUN device and a reader stamps what the kernel sends. An ICMP echo
// request after the injected packets marks the end of the kernel's
// answers to them.
type kernelWorld struct {
	t       *testing.T
	ns      *nstest.NS
	fd      int
	snmp    *os.File
	netstat *os.File
	tcpMu   sync.Mutex // guards tcpTab: closes may run in goroutines
	tcpTab  *os.File   // /proc/net/tcp of the namespace
	start   time.Time

	mu   sync.Mutex
	got  []seg  // guarded by mu; segments read, not yet returned
	pong uint16 // guarded by mu; highest echo reply sequence seen
	stop atomic.Bool

	// Used by the test goroutine only.
	echo     uint16        // last echo request sent
	first    uint16        // the step's first echo, 0 before the step acts
	actStart time.Duration // when the step began
	lastEnd  time.Duration // when the last step ended
	held     []seg         // timer-driven segments, for the next sleep
	slept    bool
}

const tunSetIff = 0x400454ca // TUNSETIFF

func newKernelWorld(t *testing.T) *kernelWorld {
	ns := nstest.New(t)
	w := &kernelWorld{t: t, ns: ns, start: time.Now()}
	err := ns.Do(func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		var req [unix.IFNAMSIZ + 64]byte
		copy(req[:], "inet0")
		binary.NativeEndian.PutUint16(req[unix.IFNAMSIZ:], unix.IFF_TUN|unix.IFF_NO_PI)
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), tunSetIff, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
			unix.Close(fd)
			return e
		}
		w.fd = fd
		if w.snmp, err = os.Open("/proc/thread-self/net/snmp"); err != nil {
			return err
		}
		if w.netstat, err = os.Open("/proc/thread-self/net/netstat"); err != nil {
			return err
		}
		w.tcpTab, err = os.Open("/proc/thread-self/net/tcp")
		return err
	})
	if err != nil {
		t.Fatalf("kernel world: %v", err)
	}
	ns.MustRun("sysctl", "-qw", "net.ipv6.conf.inet0.disable_ipv6=1")
	ns.MustRun("sysctl", "-qw", "net.ipv4.icmp_ratelimit=0")
	ns.MustRun("ip", "addr", "add", hostIP.String()+"/24", "dev", "inet0")
	ns.MustRun("ip", "link", "set", "inet0", "up")
	// One segment per skb: inet has no TSO/GSO, whose splitting moves
	// PSH flags and segment boundaries.
	ns.MustRun("ip", "link", "set", "inet0", "gso_max_segs", "1")
	done := make(chan struct{})
	go w.read(done)
	t.Cleanup(func() {
		w.stop.Store(true)
		<-done
		unix.Close(w.fd)
		w.snmp.Close()
		w.netstat.Close()
		w.tcpTab.Close()
	})
	w.answers()
	return w
}

// read stamps every IPv4 packet the kernel sends until the device closes.
func (w *kernelWorld) read(done chan struct{}) {
	defer close(done)
	// The stamps are taken on read: a real-time priority keeps a loaded
	// machine (other test packages at full CPU) from delaying them. The
	// thread is never unlocked, so it ends with this goroutine and its
	// priority with it. Without the privilege the stamps are as before.
	runtime.LockOSThread()
	_ = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: 10}, 0)
	buf := make([]byte, 65536)
	for {
		if w.stop.Load() {
			return
		}
		n, err := unix.Read(w.fd, buf)
		if err != nil {
			if err == unix.EINTR || err == unix.EAGAIN {
				pfd := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
				_, _ = unix.Poll(pfd, 20)
				continue
			}
			w.mu.Lock()
			w.pong = 0xffff
			w.mu.Unlock()
			return
		}
		at := time.Since(w.start)
		b := buf[:n]
		if ip, err := wire.ParseIPv4(b); err == nil && ip.Protocol() == wire.ProtoICMP {
			if m, err := wire.ParseICMP(ip.Payload()); err == nil && m.Type() == wire.ICMPEchoReply && m.ID() == 0xfeed {
				w.mu.Lock()
				w.pong = m.Seq()
				w.mu.Unlock()
			}
			continue
		}
		if s, ok := parseSeg(b); ok {
			s.at = at
			w.mu.Lock()
			s.epoch = w.pong
			w.got = append(w.got, s)
			w.mu.Unlock()
		}
	}
}

func (w *kernelWorld) name() string   { return "kernel" }
func (w *kernelWorld) tb() *testing.T { return w.t }

// inject writes b and, right behind it, an echo request: what the
// kernel sends before the echo reply is its immediate answer to b.
func (w *kernelWorld) inject(b []byte) {
	if w.first == 0 {
		w.actStart = time.Since(w.start)
	}
	// Nothing may come between the two writes on a loaded machine, or
	// a timer's segment (a 40 ms delayed ACK) would pass for an answer:
	// the thread writes them at a real-time priority.
	runtime.LockOSThread()
	rt := unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: 10}, 0) == nil
	w.write(b)
	w.sendEcho()
	if rt && unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}, 0) != nil {
		return // the thread stays locked, and ends with this goroutine
	}
	runtime.UnlockOSThread()
}

func (w *kernelWorld) write(b []byte) {
	if _, err := unix.Write(w.fd, b); err != nil {
		w.t.Fatalf("TUN write: %v", err)
	}
}

// sendEcho writes the next echo request of the step.
func (w *kernelWorld) sendEcho() {
	w.echo++
	if w.first == 0 {
		w.first = w.echo
	}
	icmp := make([]byte, 8+16)
	icmp[0] = wire.ICMPEcho
	binary.BigEndian.PutUint16(icmp[4:], 0xfeed)
	binary.BigEndian.PutUint16(icmp[6:], w.echo)
	wire.ICMP(icmp).ComputeChecksum()
	pk := make([]byte, 20+len(icmp))
	h := wire.IPv4Header{TotalLen: len(pk), TTL: 64, Protocol: wire.ProtoICMP, Src: peerIP, Dst: hostIP}
	h.Emit(pk)
	copy(pk[20:], icmp)
	w.write(pk)
}

// answers returns the kernel's immediate answers to the step: what it
// sent after the step began and before the reply to the step's first
// echo. What its timers send otherwise (inet's manual clock runs timers
// only in sleep) is held back until a sleep.
func (w *kernelWorld) answers() []seg {
	if w.first == 0 {
		// Only socket calls since the last step: they acted just now.
		w.actStart = w.lastEnd
		w.sendEcho()
	}
	want := w.echo
	deadline := time.Now().Add(5 * time.Second)
	w.mu.Lock()
	for w.pong < want {
		if time.Now().After(deadline) {
			w.mu.Unlock()
			w.t.Fatal("the kernel never answered the echo that ends a step")
		}
		w.mu.Unlock()
		time.Sleep(100 * time.Microsecond)
		w.mu.Lock()
	}
	got := w.got
	w.got = nil
	w.mu.Unlock()
	var out []seg
	if w.slept {
		out = append(w.held, got...)
		w.held = nil
	} else {
		for _, s := range got {
			if s.epoch < w.first && s.at >= w.actStart {
				out = append(out, s)
			} else {
				w.held = append(w.held, s)
			}
		}
	}
	w.slept = false
	w.first = 0
	w.lastEnd = time.Since(w.start)
	return out
}

func (w *kernelWorld) now() time.Duration { return time.Since(w.start) }

func (w *kernelWorld) sleep(d time.Duration) {
	time.Sleep(d)
	w.slept = true
}

func (w *kernelWorld) counters() map[string]uint64 {
	m := make(map[string]uint64)
	for _, f := range []*os.File{w.snmp, w.netstat} {
		if _, err := f.Seek(0, 0); err != nil {
			w.t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(f); err != nil {
			w.t.Fatal(err)
		}
		sc := bufio.NewScanner(&b)
		var names []string
		for sc.Scan() {
			group, rest, _ := strings.Cut(sc.Text(), ": ")
			fields := strings.Fields(rest)
			if names == nil || names[0] != group {
				names = append([]string{group}, fields...)
				continue
			}
			if group == "Tcp" || group == "TcpExt" {
				for i, v := range fields {
					if i+1 < len(names) {
						n, _ := strconv.ParseInt(v, 10, 64)
						m[group+":"+names[i+1]] = uint64(n)
					}
				}
			}
			names = nil
		}
	}
	return m
}

func (w *kernelWorld) sysctl(name, value string) {
	w.ns.MustRun("sysctl", "-qw", name+"="+value)
}

func (w *kernelWorld) socket() hsock {
	var fd int
	err := w.ns.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	s := &kernelSock{fd: fd, w: w}
	w.t.Cleanup(func() { s.close() })
	// CUBIC, Linux's compiled-in default that inet has: this machine's
	// kernel defaults to bbr, and a namespace may not change that.
	if err := s.setBytes(unix.IPPROTO_TCP, unix.TCP_CONGESTION, []byte("cubic")); err != nil {
		w.t.Fatalf("TCP_CONGESTION cubic: %v", err)
	}
	return s
}

// kernelSock is a kernel socket of the namespace.
type kernelSock struct {
	fd     int
	closed bool
	w      *kernelWorld
}

func sa4(ap netip.AddrPort) *unix.SockaddrInet4 {
	return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
}

func apOf(sa unix.Sockaddr) netip.AddrPort {
	if s, ok := sa.(*unix.SockaddrInet4); ok {
		return netip.AddrPortFrom(netip.AddrFrom4(s.Addr), uint16(s.Port))
	}
	return netip.AddrPort{}
}

func errno(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return err
}

func (s *kernelSock) bind(ap netip.AddrPort) error    { return errno(unix.Bind(s.fd, sa4(ap))) }
func (s *kernelSock) listen(n int) error              { return errno(unix.Listen(s.fd, n)) }
func (s *kernelSock) connect(ap netip.AddrPort) error { return errno(unix.Connect(s.fd, sa4(ap))) }
func (s *kernelSock) disconnect() error {
	var sa [16]byte // a sockaddr_in whose sin_family is AF_UNSPEC (0)
	_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(s.fd), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa)))
	if e != 0 {
		return e
	}
	return nil
}
func (s *kernelSock) accept(flags int) (hsock, netip.AddrPort, error) {
	fd, sa, err := unix.Accept4(s.fd, flags|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return nil, netip.AddrPort{}, errno(err)
	}
	return &kernelSock{fd: fd, w: s.w}, apOf(sa), nil
}
func (s *kernelSock) send(b []byte, flags int) (int, error) {
	n, err := unix.SendmsgN(s.fd, b, nil, nil, flags|unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	return n, errno(err)
}
func (s *kernelSock) recv(b []byte, flags int) (int, error) {
	n, _, err := unix.Recvfrom(s.fd, b, flags|unix.MSG_DONTWAIT)
	if n < 0 {
		n = 0
	}
	return n, errno(err)
}
func (s *kernelSock) recvErr(b, oob []byte) (int, int, error) {
	n, oobn, _, _, err := unix.Recvmsg(s.fd, b, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	return n, oobn, errno(err)
}
func (s *kernelSock) shutdown(how int) error { return errno(unix.Shutdown(s.fd, how)) }
func (s *kernelSock) close() error {
	if s.closed {
		return unix.EBADF
	}
	s.closed = true
	var st unix.Stat_t
	if err := unix.Fstat(s.fd, &st); err != nil {
		return errno(err)
	}
	if err := unix.Close(s.fd); err != nil {
		return errno(err)
	}
	s.w.waitClosed(st.Ino)
	return nil
}

// waitClosed waits until no socket of /proc/net/tcp has inode ino: the
// socket is orphaned or gone. close(2) acts at once unless a child of
// a parallel test's fork still holds the descriptor between fork and
// exec; then the socket closes, and sends its FIN or RST, only when
// that child execs.
func (w *kernelWorld) waitClosed(ino uint64) {
	w.tcpMu.Lock()
	defer w.tcpMu.Unlock()
	want := strconv.FormatUint(ino, 10)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var b bytes.Buffer
		_, err := w.tcpTab.Seek(0, 0)
		if err == nil {
			_, err = b.ReadFrom(w.tcpTab)
		}
		if err != nil {
			w.t.Errorf("reading /proc/net/tcp: %v", err)
			return
		}
		found := false
		for _, line := range strings.Split(b.String(), "\n") {
			if f := strings.Fields(line); len(f) > 9 && f[9] == want {
				found = true
				break
			}
		}
		if !found {
			return
		}
		if time.Now().After(deadline) {
			w.t.Errorf("socket inode %d still open 5 s after close", ino)
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}
func (s *kernelSock) setInt(level, name, v int) error {
	return errno(unix.SetsockoptInt(s.fd, level, name, v))
}
func (s *kernelSock) getInt(level, name int) (int, error) {
	v, err := unix.GetsockoptInt(s.fd, level, name)
	return v, errno(err)
}
func (s *kernelSock) setBytes(level, name int, v []byte) error {
	var p unsafe.Pointer
	if len(v) > 0 {
		p = unsafe.Pointer(&v[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(s.fd), uintptr(level), uintptr(name), uintptr(p), uintptr(len(v)), 0)
	if e != 0 {
		return e
	}
	return nil
}
func (s *kernelSock) getBytes(level, name, n int) ([]byte, error) {
	b := make([]byte, n)
	l := uint32(n)
	var p unsafe.Pointer
	if n > 0 {
		p = unsafe.Pointer(&b[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(s.fd), uintptr(level), uintptr(name), uintptr(p), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return nil, e
	}
	return b[:l], nil
}
func (s *kernelSock) poll() int16 {
	p := []unix.PollFd{{Fd: int32(s.fd), Events: pollAll}}
	_, _ = unix.Poll(p, 0)
	return p[0].Revents
}
func (s *kernelSock) ioctl(req uint) (int, error) {
	v, err := unix.IoctlGetInt(s.fd, req)
	return v, errno(err)
}
func (s *kernelSock) sockname() netip.AddrPort {
	sa, _ := unix.Getsockname(s.fd)
	return apOf(sa)
}
func (s *kernelSock) peername() (netip.AddrPort, error) {
	sa, err := unix.Getpeername(s.fd)
	if err != nil {
		return netip.AddrPort{}, errno(err)
	}
	return apOf(sa), nil
}

// worlds runs f on inet and, where namespaces can be made, on the kernel.
func worlds(t *testing.T, f func(t *testing.T, w world)) {
	t.Run("kernel", func(t *testing.T) {
		if ok, why := nstest.Available(); !ok {
			t.Skip(why)
		}
		f(t, newKernelWorld(t))
	})
	t.Run("inet", func(t *testing.T) { f(t, newInetWorld(t)) })
}
