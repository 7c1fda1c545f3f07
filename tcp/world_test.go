package tcp_test

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// world is a TCP under test as a raw peer sees it: inet on a manual clock
// (inetWorld) or, in kernel tests, Linux behind a TUN device in a network
// namespace. A scenario written against world runs on both, so inet's
// answers can be held against the kernel's.
type world interface {
	name() string
	// socket returns a new non-blocking SOCK_STREAM socket of the host.
	socket() hsock
	// inject sends an IPv4 packet from the peer to the host.
	inject(b []byte)
	// answers returns what the host sent the peer since the last call,
	// once it has dealt with everything injected.
	answers() []seg
	// sleep lets d pass on the host's clock.
	sleep(d time.Duration)
	// now is the host's clock since the world began.
	now() time.Duration
	// counters returns the host's Tcp: and TcpExt: counters.
	counters() map[string]uint64
	// sysctl sets a host setting ("net.ipv4.tcp_sack").
	sysctl(name, value string)
	tb() *testing.T
}

// hsock is a socket of the host under test.
type hsock interface {
	bind(ap netip.AddrPort) error
	listen(backlog int) error
	connect(ap netip.AddrPort) error
	// disconnect is connect(2) with AF_UNSPEC.
	disconnect() error
	accept(flags int) (hsock, netip.AddrPort, error)
	send(b []byte, flags int) (int, error)
	recv(b []byte, flags int) (int, error)
	// recvErr is recvmsg(MSG_ERRQUEUE): the payload and the control
	// messages' bytes.
	recvErr(b, oob []byte) (n, oobn int, err error)
	shutdown(how int) error
	close() error
	setInt(level, name, v int) error
	getInt(level, name int) (int, error)
	setBytes(level, name int, v []byte) error
	getBytes(level, name, n int) ([]byte, error)
	// poll returns poll(2)'s revents for POLLIN|POLLPRI|POLLOUT|POLLRDHUP.
	poll() int16
	ioctl(req uint) (int, error)
	sockname() netip.AddrPort
	peername() (netip.AddrPort, error)
}

const pollAll = unix.POLLIN | unix.POLLPRI | unix.POLLOUT | unix.POLLRDHUP

// inetWorld is inet on a manual clock with a probe for the peer.
type inetWorld struct {
	t     *testing.T
	n     *testnet.Net
	clk   *clock.Manual
	s     *inet.Stack
	probe *testnet.Probe
	start time.Time
	held  []seg // sent while the clock moved, not yet returned
}

func newInetWorld(t *testing.T) *inetWorld {
	clk := clock.NewManual()
	n := testnet.New(t, clk)
	s := n.Stack()
	ep, probe := n.NewProbe(link.KindIP)
	n.Attach(s, ep, "tun0", hostIP.String()+"/24")
	w := &inetWorld{t: t, n: n, clk: clk, s: s, probe: probe, start: clk.Now()}
	w.answers() // whatever the interface announced
	return w
}

func (w *inetWorld) name() string   { return "inet" }
func (w *inetWorld) tb() *testing.T { return w.t }

func (w *inetWorld) socket() hsock {
	so, err := w.s.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { so.Close() })
	return inetSock{so}
}

func (w *inetWorld) inject(b []byte) {
	w.probe.Send(b)
}

// collect gathers what the probe received, stamped with the clock.
func (w *inetWorld) collect() {
	w.n.Idle()
	at := w.clk.Now().Sub(w.start)
	for _, b := range w.probe.Take() {
		if s, ok := parseSeg(b); ok {
			s.at = at
			w.held = append(w.held, s)
		}
	}
}

func (w *inetWorld) answers() []seg {
	w.collect()
	out := w.held
	w.held = nil
	return out
}

// sleep moves the clock timer by timer, so that what each timer sends is
// stamped with its time.
func (w *inetWorld) sleep(d time.Duration) {
	w.collect()
	end := w.clk.Now().Add(d)
	for {
		next, ok := w.clk.Next()
		if !ok || next.After(end) {
			break
		}
		w.clk.AdvanceTo(next)
		w.collect()
	}
	w.clk.AdvanceTo(end)
	w.collect()
}

func (w *inetWorld) now() time.Duration { return w.clk.Now().Sub(w.start) }

func (w *inetWorld) counters() map[string]uint64 {
	m := w.s.Stats().Snapshot()
	for k := range m {
		if !strings.HasPrefix(k, "Tcp:") && !strings.HasPrefix(k, "TcpExt:") {
			delete(m, k)
		}
	}
	return m
}

func (w *inetWorld) sysctl(name, value string) {
	if err := w.s.SetSysctl(name, value); err != nil {
		w.t.Fatalf("sysctl %s=%s: %v", name, value, err)
	}
}

// inetSock adapts an inet socket.
type inetSock struct{ so *inet.Socket }

func (s inetSock) bind(ap netip.AddrPort) error    { return s.so.BindAddr(ap) }
func (s inetSock) listen(n int) error              { return s.so.Listen(n) }
func (s inetSock) connect(ap netip.AddrPort) error { return s.so.ConnectAddr(ap) }
func (s inetSock) disconnect() error               { return s.so.Disconnect() }
func (s inetSock) accept(flags int) (hsock, netip.AddrPort, error) {
	c, a, err := s.so.Accept(flags | unix.SOCK_NONBLOCK)
	if err != nil {
		return nil, a, err
	}
	return inetSock{c}, a, nil
}
func (s inetSock) send(b []byte, flags int) (int, error) {
	return s.so.Send(b, flags|unix.MSG_DONTWAIT)
}
func (s inetSock) recv(b []byte, flags int) (int, error) {
	return s.so.Recv(b, flags|unix.MSG_DONTWAIT)
}
func (s inetSock) recvErr(b, oob []byte) (int, int, error) {
	m := &socket.Msg{Buf: b, Control: oob, Flags: unix.MSG_ERRQUEUE | unix.MSG_DONTWAIT}
	n, err := s.so.RecvMsg(m)
	return n, m.ControlLen, err
}
func (s inetSock) shutdown(how int) error              { return s.so.Shutdown(how) }
func (s inetSock) close() error                        { return s.so.Close() }
func (s inetSock) setInt(level, name, v int) error     { return s.so.SetsockoptInt(level, name, v) }
func (s inetSock) getInt(level, name int) (int, error) { return s.so.GetsockoptInt(level, name) }
func (s inetSock) setBytes(level, name int, v []byte) error {
	return s.so.Setsockopt(level, name, v)
}
func (s inetSock) getBytes(level, name, n int) ([]byte, error) {
	b := make([]byte, n)
	k, err := s.so.Getsockopt(level, name, b)
	return b[:k], err
}
func (s inetSock) poll() int16                 { return int16(s.so.Poll(pollAll)) }
func (s inetSock) ioctl(req uint) (int, error) { return s.so.Ioctl(req, 0) }
func (s inetSock) sockname() netip.AddrPort {
	a, _ := s.so.GetSockName()
	return a
}
func (s inetSock) peername() (netip.AddrPort, error) { return s.so.GetPeerName() }

// delta returns the counters that moved between two snapshots.
func delta(before, after map[string]uint64) map[string]int64 {
	d := make(map[string]int64)
	for k, v := range after {
		if x := int64(v - before[k]); x != 0 {
			d[k] = x
		}
	}
	return d
}

// fmtDelta spells a counter delta in a stable order.
func fmtDelta(d map[string]int64) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strconv.FormatInt(d[k], 10))
	}
	return b.String()
}
