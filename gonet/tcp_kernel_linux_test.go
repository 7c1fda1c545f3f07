package gonet_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"golang.org/x/sys/unix"
)

// netWorld is what the scenario below runs against: package net on the
// kernel, or gonet on an inet stack. Both own 198.18.0.2/24 on an
// interface and nothing else (no default route).
type netWorld struct {
	listen func(network, address string) (net.Listener, error)
	dial   func(ctx context.Context, network, address string) (net.Conn, error)
	// sockopt reads an integer option of a connection or listener;
	// linger reads SO_LINGER as (onoff, seconds).
	sockopt func(c any, level, name int) int
	linger  func(c any) (int, int)
}

// kernelWorld is package net in a namespace of its own with 198.18.0.2/24
// on a dummy interface.
func kernelWorld(t *testing.T) netWorld {
	ns := nstest.New(t)
	// This kernel has no dummy interfaces: one end of a veth pair holds
	// the address, the other stays down.
	ns.MustRun("ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1")
	ns.MustRun("ip", "addr", "add", "198.18.0.2/24", "dev", "d0")
	ns.MustRun("ip", "link", "set", "d0", "up")
	raw := func(c any, f func(fd int)) {
		sc, ok := c.(syscall.Conn)
		if !ok {
			t.Fatalf("%T has no SyscallConn", c)
		}
		rc, err := sc.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.Control(func(fd uintptr) { f(int(fd)) }); err != nil {
			t.Fatal(err)
		}
	}
	return netWorld{
		listen: func(network, address string) (l net.Listener, err error) {
			if e := ns.Do(func() error { l, err = net.Listen(network, address); return nil }); e != nil {
				t.Fatal(e)
			}
			return l, err
		},
		dial: func(ctx context.Context, network, address string) (c net.Conn, err error) {
			if e := ns.Do(func() error { c, err = (&net.Dialer{}).DialContext(ctx, network, address); return nil }); e != nil {
				t.Fatal(e)
			}
			return c, err
		},
		sockopt: func(c any, level, name int) (v int) {
			raw(c, func(fd int) {
				var err error
				if v, err = unix.GetsockoptInt(fd, level, name); err != nil {
					t.Fatal(err)
				}
			})
			return v
		},
		linger: func(c any) (on, sec int) {
			raw(c, func(fd int) {
				l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER)
				if err != nil {
					t.Fatal(err)
				}
				on, sec = int(l.Onoff), int(l.Linger)
			})
			return on, sec
		},
	}
}

// inetWorld is gonet on a stack with 198.18.0.2/24 on an in-memory link.
func inetWorld(t *testing.T) netWorld {
	n := testnet.New(t, nil)
	s := n.Stack()
	n.Attach(s, n.Switch(link.KindEthernet).NewPort(mem.Options{}), "eth0", "198.18.0.2/24")
	so := func(c any) interface {
		GetsockoptInt(level, name int) (int, error)
		Getsockopt(level, name int, buf []byte) (int, error)
	} {
		switch c := c.(type) {
		case *gonet.TCPConn:
			return c.Socket()
		case *gonet.TCPListener:
			return c.Socket()
		}
		t.Fatalf("%T is not a gonet TCP type", c)
		return nil
	}
	return netWorld{
		listen: s.Listen,
		dial:   s.DialContext,
		sockopt: func(c any, level, name int) int {
			v, err := so(c).GetsockoptInt(level, name)
			if err != nil {
				t.Fatal(err)
			}
			return v
		},
		linger: func(c any) (int, int) {
			var b [8]byte
			if _, err := so(c).Getsockopt(unix.SOL_SOCKET, unix.SO_LINGER, b[:]); err != nil {
				t.Fatal(err)
			}
			return int(int32(binary.NativeEndian.Uint32(b[:]))), int(int32(binary.NativeEndian.Uint32(b[4:])))
		},
	}
}

// ephemeral matches the ports of ip_local_port_range (32768-60999), which
// differ from run to run.
var ephemeral = regexp.MustCompile(`:(3[2-9]\d{3}|[45]\d{4}|60\d{3})\b`)

// transcript records what each step returned, with ephemeral ports
// replaced, and the identity of the errors that matter to callers.
type transcript struct{ lines []string }

func (tr *transcript) add(step string, v ...any) {
	tr.lines = append(tr.lines, ephemeral.ReplaceAllString(step+" = "+fmt.Sprint(v...), ":EPH"))
}

// errInfo says what an error is, as a caller of net sees it.
func errInfo(err error) string {
	if err == nil {
		return "<nil>"
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%T %q", err, err.Error()))
	if err == io.EOF {
		parts = append(parts, "io.EOF")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		parts = append(parts, "timeout")
	}
	for _, is := range []error{net.ErrClosed, os.ErrDeadlineExceeded, context.Canceled, context.DeadlineExceeded, syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.EPIPE, syscall.EADDRINUSE} {
		if errors.Is(err, is) {
			parts = append(parts, "is "+is.Error())
		}
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		parts = append(parts, "syscall "+se.Syscall)
	}
	return strings.Join(parts, ", ")
}

func addrInfo(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return fmt.Sprintf("%T %v", a, a)
	}
	return fmt.Sprintf("%s %s (ip len %d)", a.Network(), ta, len(ta.IP))
}

// tcpScenario is the life of a few connections, from listen to reset,
// written against package net's interfaces only.
func tcpScenario(t *testing.T, w netWorld) []string {
	var tr transcript
	ln, err := w.listen("tcp", "198.18.0.2:8080")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	tr.add("listen addr", addrInfo(ln.Addr()))
	_, err = w.listen("tcp", "198.18.0.2:8080")
	tr.add("listen in use", errInfo(err))
	_, err = w.listen("tcp4", ":8080")
	tr.add("listen in use, any address", errInfo(err))
	_, err = w.listen("tcp4", "198.18.9.9:80")
	tr.add("listen foreign address", errInfo(err))
	_, err = w.listen("tcp", "198.18.0.2")
	tr.add("listen without port", errInfo(err))
	_, err = w.listen("tcp4", "[::1]:80")
	tr.add("listen tcp4 ipv6", errInfo(err))
	tr.add("listener SO_REUSEADDR", w.sockopt(ln, unix.SOL_SOCKET, unix.SO_REUSEADDR))

	ctx := context.Background()
	_, err = w.dial(ctx, "tcp", "198.18.0.2:9")
	tr.add("dial closed port", errInfo(err))
	_, err = w.dial(ctx, "tcp", ":9")
	tr.add("dial closed port of this host", errInfo(err))
	_, err = w.dial(ctx, "tcp4", "198.19.5.5:80")
	tr.add("dial without route", errInfo(err))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = w.dial(cctx, "tcp", "198.18.0.2:8080")
	tr.add("dial canceled", errInfo(err))
	dctx, dcancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer dcancel()
	_, err = w.dial(dctx, "tcp", "198.18.0.2:8080")
	tr.add("dial past deadline", errInfo(err))
	// The refused and canceled dials above may have left connections in
	// the accept queue (a dial canceled after its handshake); drain it.
	ln.(interface{ SetDeadline(time.Time) error }).SetDeadline(time.Now().Add(100 * time.Millisecond))
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		c.Close()
	}
	ln.(interface{ SetDeadline(time.Time) error }).SetDeadline(time.Time{})

	accept := func() net.Conn {
		s, err := ln.Accept()
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		return s
	}
	dial := func() (net.Conn, net.Conn) {
		c, err := w.dial(ctx, "tcp", "198.18.0.2:8080")
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		return c, accept()
	}
	read := func(c net.Conn, n int) (string, error) {
		buf := make([]byte, n)
		m, err := c.Read(buf)
		return string(buf[:m]), err
	}

	// Addresses and Go's default options on both ends.
	c, s := dial()
	tr.add("client local", addrInfo(c.LocalAddr()))
	tr.add("client remote", addrInfo(c.RemoteAddr()))
	tr.add("server local", addrInfo(s.LocalAddr()))
	tr.add("server remote", addrInfo(s.RemoteAddr()))
	for name, conn := range map[string]net.Conn{"client": c, "server": s} {
		_ = name
		tr.add("options", w.sockopt(conn, unix.SOL_TCP, unix.TCP_NODELAY), w.sockopt(conn, unix.SOL_SOCKET, unix.SO_KEEPALIVE),
			w.sockopt(conn, unix.SOL_TCP, unix.TCP_KEEPIDLE), w.sockopt(conn, unix.SOL_TCP, unix.TCP_KEEPINTVL), w.sockopt(conn, unix.SOL_TCP, unix.TCP_KEEPCNT))
	}
	type tcpConn interface {
		net.Conn
		CloseWrite() error
		CloseRead() error
		SetNoDelay(bool) error
		SetKeepAlive(bool) error
		SetKeepAlivePeriod(time.Duration) error
		SetKeepAliveConfig(net.KeepAliveConfig) error
		SetLinger(int) error
		SetReadBuffer(int) error
	}
	tc, ts := c.(tcpConn), s.(tcpConn)
	tr.add("SetNoDelay(false)", errInfo(tc.SetNoDelay(false)), " ", w.sockopt(c, unix.SOL_TCP, unix.TCP_NODELAY))
	tr.add("SetKeepAlivePeriod(1.5s)", errInfo(tc.SetKeepAlivePeriod(1500*time.Millisecond)), " ", w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPIDLE))
	tr.add("SetKeepAliveConfig", errInfo(tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: -1, Interval: 3 * time.Second, Count: -1})), " ",
		w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPIDLE), w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPINTVL), w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPCNT))
	tr.add("SetKeepAliveConfig zero", errInfo(tc.SetKeepAliveConfig(net.KeepAliveConfig{})), " ",
		w.sockopt(c, unix.SOL_SOCKET, unix.SO_KEEPALIVE), w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPIDLE), w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPINTVL), w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPCNT))
	tr.add("SetKeepAlivePeriod(0)", errInfo(tc.SetKeepAlivePeriod(0)), " ", w.sockopt(c, unix.SOL_TCP, unix.TCP_KEEPIDLE))
	on, sec := w.linger(c)
	tr.add("SO_LINGER default", on, sec)
	tr.add("SetLinger(7)", errInfo(tc.SetLinger(7)))
	on, sec = w.linger(c)
	tr.add("SO_LINGER", on, sec)
	tr.add("SetLinger(-1)", errInfo(tc.SetLinger(-1)))
	on, sec = w.linger(c)
	tr.add("SO_LINGER off", on, sec)
	tr.add("SetKeepAlivePeriod(-1)", errInfo(tc.SetKeepAlivePeriod(-1)))

	// Data, half-close, end of stream.
	n, err := c.Write(nil)
	tr.add("write nothing", n, " ", errInfo(err))
	n, err = c.Write([]byte("hello"))
	tr.add("write", n, " ", errInfo(err))
	tr.add("CloseWrite", errInfo(tc.CloseWrite()))
	n, err = c.Write([]byte("more"))
	tr.add("write after CloseWrite", n, " ", errInfo(err))
	got, err := read(s, 100)
	tr.add("server read", got, " ", errInfo(err))
	got, err = read(s, 100)
	tr.add("server read at FIN", got, " ", errInfo(err))
	got, err = read(s, 0)
	tr.add("server read 0 bytes", got, " ", errInfo(err))
	n, err = s.Write([]byte("bye"))
	tr.add("server write", n, " ", errInfo(err))
	tr.add("server close", errInfo(s.Close()))
	got, err = read(c, 100)
	tr.add("client read", got, " ", errInfo(err))
	got, err = read(c, 100)
	tr.add("client read at FIN", got, " ", errInfo(err))
	tr.add("client close", errInfo(c.Close()))

	// Everything after Close.
	_, err = s.Read(make([]byte, 1))
	tr.add("read after close", errInfo(err))
	_, err = s.Write([]byte("x"))
	tr.add("write after close", errInfo(err))
	tr.add("close twice", errInfo(s.Close()))
	tr.add("SetDeadline after close", errInfo(s.SetDeadline(time.Now())))
	tr.add("SetReadDeadline after close", errInfo(s.SetReadDeadline(time.Now())))
	tr.add("SetReadBuffer after close", errInfo(ts.SetReadBuffer(1<<16)))
	tr.add("SetNoDelay after close", errInfo(ts.SetNoDelay(true)))
	tr.add("SetKeepAlive after close", errInfo(ts.SetKeepAlive(true)))
	tr.add("SetLinger after close", errInfo(ts.SetLinger(1)))
	tr.add("CloseWrite after close", errInfo(ts.CloseWrite()))
	tr.add("CloseRead after close", errInfo(ts.CloseRead()))
	tr.add("addresses after close", addrInfo(s.LocalAddr()), " ", addrInfo(s.RemoteAddr()))

	// A reset: SO_LINGER 0 and Close on the server.
	c, s = dial()
	s.(tcpConn).SetLinger(0)
	s.Close()
	_, err = read(c, 10)
	tr.add("read after peer reset", errInfo(err))
	_, err = read(c, 10)
	tr.add("read again after reset", errInfo(err))
	_, err = c.Write([]byte("x"))
	tr.add("write after reset", errInfo(err))
	c.Close()

	// Deadlines.
	c, s = dial()
	s.SetReadDeadline(time.Now().Add(-time.Second))
	_, err = read(s, 10)
	tr.add("read past deadline", errInfo(err))
	s.SetWriteDeadline(time.Now().Add(-time.Second))
	_, err = s.Write([]byte("x"))
	tr.add("write past deadline", errInfo(err))
	s.SetDeadline(time.Time{})
	c.Write([]byte("x"))
	got, err = read(s, 10)
	tr.add("read after clearing", got, " ", errInfo(err))
	s.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = read(s, 10)
	tr.add("read until deadline", errInfo(err))
	// A write deadline passing while the peer reads nothing: part of the
	// data is queued, the rest refused.
	c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	big := make([]byte, 64<<20)
	n, err = c.Write(big)
	tr.add("write until deadline", n > 0 && n < len(big), " ", errInfo(err))
	tr.add("CloseRead", errInfo(c.(tcpConn).CloseRead()))
	got, err = read(c, 10)
	tr.add("read after CloseRead", got, " ", errInfo(err))
	c.Close()
	s.Close()

	// The listener's deadline and Close.
	type deadliner interface{ SetDeadline(time.Time) error }
	ln.(deadliner).SetDeadline(time.Now().Add(-time.Second))
	_, err = ln.Accept()
	tr.add("accept past deadline", errInfo(err))
	tr.add("listener close", errInfo(ln.Close()))
	_, err = ln.Accept()
	tr.add("accept after close", errInfo(err))
	tr.add("listener close twice", errInfo(ln.Close()))
	tr.add("listener SetDeadline after close", errInfo(ln.(deadliner).SetDeadline(time.Time{})))
	_, err = w.dial(ctx, "tcp", "198.18.0.2:8080")
	tr.add("dial closed listener", errInfo(err))
	return tr.lines
}

// TestTCPAsNetOnLinux runs one scenario with package net on the kernel and
// with gonet on inet and requires the same results: addresses, Go's
// default options, option setters, data and end of stream, errors (text,
// type, errors.Is identity, the syscall named) for every failure.
func TestTCPAsNetOnLinux(t *testing.T) {
	want := tcpScenario(t, kernelWorld(t))
	got := tcpScenario(t, inetWorld(t))
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("step %d:\n kernel: %s\n   inet: %s", i, w, g)
		}
	}
	if testing.Verbose() {
		t.Logf("kernel transcript:\n%s", strings.Join(want, "\n"))
	}
}
