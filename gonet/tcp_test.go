package gonet_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"golang.org/x/sys/unix"
)

func tcpListen(t testing.TB, s *inet.Stack, addr string) *gonet.TCPListener {
	t.Helper()
	ln, err := s.Listen("tcp4", addr)
	if err != nil {
		t.Fatalf("Listen %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln.(*gonet.TCPListener)
}

func tcpDial(t testing.TB, s *inet.Stack, addr string) *gonet.TCPConn {
	t.Helper()
	c, err := s.DialContext(context.Background(), "tcp4", addr)
	if err != nil {
		t.Fatalf("Dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*gonet.TCPConn)
}

// tcpPair is a connection across l: the client on a, the server's end on
// b, accepted from a listener on 198.18.0.2:port.
func tcpPair(t testing.TB, l *lan, port string) (cli, srv *gonet.TCPConn) {
	t.Helper()
	ln := tcpListen(t, l.b, "198.18.0.2:"+port)
	cli = tcpDial(t, l.a, "198.18.0.2:"+port)
	srv, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return cli, srv
}

// patternReader yields n bytes of a fixed pseudo-random stream and
// nothing more, without holding them.
type patternReader struct {
	n, off int64
	x      uint32
}

func (r *patternReader) Read(b []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), r.n-r.off)]
	for i := range b {
		r.x = r.x*1664525 + 1013904223
		b[i] = byte(r.x >> 24)
	}
	r.off += int64(len(b))
	return len(b), nil
}

func patternCRC(n int64) uint32 {
	h := crc32.NewIEEE()
	io.Copy(h, &patternReader{n: n})
	return h.Sum32()
}

// TestTCPBulkBothWays: 16 MB each way at once across the link, sent with
// io.Copy (the conns' ReadFrom) and received with io.Copy (WriteTo),
// arrive byte for byte; each side's CloseWrite ends the other's copy.
func TestTCPBulkBothWays(t *testing.T) {
	l := newLAN(t, nil)
	cli, srv := tcpPair(t, l, "5001")
	const size = 16 << 20
	want := patternCRC(size)
	var wg sync.WaitGroup
	for _, c := range []*gonet.TCPConn{cli, srv} {
		c.SetDeadline(time.Now().Add(60 * time.Second))
		wg.Add(2)
		go func() {
			defer wg.Done()
			n, err := io.Copy(c, &patternReader{n: size})
			if err != nil || n != size {
				t.Errorf("send: %d %v", n, err)
			}
			if err := c.CloseWrite(); err != nil {
				t.Errorf("CloseWrite: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			h := crc32.NewIEEE()
			n, err := io.Copy(h, c)
			if err != nil || n != size || h.Sum32() != want {
				t.Errorf("receive: %d bytes, crc %08x (%v), want %d bytes, crc %08x", n, h.Sum32(), err, size, want)
			}
		}()
	}
	wg.Wait()
}

// TestTCPConnToConnCopy: io.Copy from one TCPConn to another (a proxy's
// loop) goes through WriteTo and ReadFrom and moves every byte.
func TestTCPConnToConnCopy(t *testing.T) {
	l := newLAN(t, nil)
	in, inPeer := tcpPair(t, l, "5002")
	out, outPeer := tcpPair(t, l, "5003")
	const size = 4 << 20
	for _, c := range []*gonet.TCPConn{in, inPeer, out, outPeer} {
		c.SetDeadline(time.Now().Add(60 * time.Second))
	}
	go func() {
		io.Copy(in, &patternReader{n: size})
		in.CloseWrite()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(outPeer, inPeer) // inPeer.WriteTo(outPeer)
		outPeer.CloseWrite()
		done <- err
	}()
	h := crc32.NewIEEE()
	n, err := io.Copy(h, out)
	if err != nil || n != size || h.Sum32() != patternCRC(size) {
		t.Fatalf("through the proxy: %d bytes %v", n, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestTCPDialCanceledWhileConnecting: a connect to a peer that never
// answers blocks in SYN-SENT until the context is canceled or its deadline
// passes, then fails with net's error for it, and the socket is gone.
func TestTCPDialCanceledWhileConnecting(t *testing.T) {
	n := testnet.New(t, nil)
	s := n.Stack()
	ep, probe := n.NewProbe(link.KindIP)
	n.Attach(s, ep, "ip0", "198.18.5.1/24")
	dialed := func(ctx context.Context) error {
		done := make(chan error, 1)
		go func() {
			_, err := s.DialContext(ctx, "tcp", "198.18.5.2:80")
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(within):
			t.Fatal("dial did not return")
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the connect is blocked waiting for the SYN-ACK.
		waitBlocked(t, 1)
		cancel()
	}()
	err := dialed(ctx)
	if len(probe.Take()) == 0 {
		t.Error("no SYN was sent")
	}
	checkErr(t, "canceled while connecting", err, "dial", "dial tcp 198.18.5.2:80: operation was canceled", context.Canceled)

	tctx, tcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer tcancel()
	start := time.Now()
	err = dialed(tctx)
	checkErr(t, "timed out while connecting", err, "dial", "dial tcp 198.18.5.2:80: i/o timeout", context.DeadlineExceeded)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("dial gave up after %v, before its deadline", d)
	}
	if v, _ := s.Stats().Get("Tcp:CurrEstab"); v != 0 {
		t.Errorf("CurrEstab %d", v)
	}
}

// TestTCPDeadlinesManualClock: on a manual clock a blocked Read times out
// when the clock reaches its deadline, and a Write blocked on a full send
// buffer returns what it queued, with the timeout, at its own.
func TestTCPDeadlinesManualClock(t *testing.T) {
	clk := clock.NewManual()
	n := testnet.New(t, clk)
	s := n.Stack()
	ln := tcpListen(t, s, "127.0.0.1:5004")
	cli := tcpDial(t, s, "127.0.0.1:5004")
	srv, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	srv.SetReadDeadline(clk.Now().Add(time.Second))
	rc := make(chan error, 1)
	go func() {
		_, err := srv.Read(make([]byte, 10))
		rc <- err
	}()
	waitBlocked(t, 1)
	clk.Advance(999 * time.Millisecond)
	select {
	case err := <-rc:
		t.Fatalf("read returned %v before its deadline", err)
	default:
	}
	clk.Advance(time.Millisecond)
	isTimeout(t, <-rc, "read")

	// The server reads nothing: the client's writes fill the receive
	// window and the send buffer, then block until the deadline.
	cli.SetWriteDeadline(clk.Now().Add(time.Minute))
	wc := make(chan struct {
		n   int
		err error
	}, 1)
	big := make([]byte, 32<<20)
	go func() {
		n, err := cli.Write(big)
		wc <- struct {
			n   int
			err error
		}{n, err}
	}()
	waitBlocked(t, 1)
	clk.Advance(time.Minute)
	r := <-wc
	isTimeout(t, r.err, "write")
	if r.n <= 0 || r.n >= len(big) {
		t.Errorf("write queued %d of %d bytes before its deadline", r.n, len(big))
	}
}

// TestTCPCloseWakesBlockedCalls: Close wakes a blocked Read with
// net.ErrClosed, and a listener's Close wakes a blocked Accept.
func TestTCPCloseWakesBlockedCalls(t *testing.T) {
	l := newLAN(t, nil)
	cli, _ := tcpPair(t, l, "5005")
	ln := tcpListen(t, l.b, "198.18.0.2:5006")
	errs := make(chan error, 2)
	go func() {
		_, err := cli.Read(make([]byte, 1))
		errs <- err
	}()
	go func() {
		_, err := ln.Accept()
		errs <- err
	}()
	waitBlocked(t, 2)
	cli.Close()
	ln.Close()
	for range 2 {
		err := <-errs
		var oe *net.OpError
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) || (oe.Op != "read" && oe.Op != "accept") {
			t.Errorf("blocked call after Close: %v", err)
		}
	}
}

// TestTCPPeerReset: a peer's SetLinger(0) Close resets the connection; the
// reader gets ECONNRESET from read(2).
func TestTCPPeerReset(t *testing.T) {
	l := newLAN(t, nil)
	cli, srv := tcpPair(t, l, "5007")
	cli.SetDeadline(time.Now().Add(within))
	srv.SetLinger(0)
	srv.Close()
	_, err := cli.Read(make([]byte, 1))
	if !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("read after reset: %v", err)
	}
	if _, err := cli.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("second read after reset: %v, want io.EOF", err)
	}
}

// TestTCPManyConnsConcurrent: 64 connections echoing at once through one
// listener, for the race detector; every byte comes back. The link's
// queues are long enough that nothing is lost, so the test is about
// concurrency, not recovery.
func TestTCPManyConnsConcurrent(t *testing.T) {
	n := testnet.New(t, nil)
	a, b := n.Stack(), n.Stack()
	ea, eb := mem.Pipe(n.NW, mem.Options{Kind: link.KindEthernet, QueueLen: 1 << 16})
	n.Attach(a, ea, "eth0", "198.18.0.1/24")
	n.Attach(b, eb, "eth0", "198.18.0.2/24")
	l := &lan{n: n, a: a, b: b}
	ln := tcpListen(t, l.b, "198.18.0.2:5008")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	const conns, each = 64, 64 << 10
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := l.a.Dial("tcp", "198.18.0.2:5008")
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(60 * time.Second))
			go func() {
				io.Copy(c, &patternReader{n: each, x: uint32(i)})
				c.(*gonet.TCPConn).CloseWrite()
			}()
			h, w := crc32.NewIEEE(), crc32.NewIEEE()
			io.Copy(w, &patternReader{n: each, x: uint32(i)})
			if n, err := io.Copy(h, c); n != each || err != nil || h.Sum32() != w.Sum32() {
				t.Errorf("conn %d: %d bytes back, %v", i, n, err)
			}
		}()
	}
	wg.Wait()
}

// TestTCPSteadyStateAllocs: a 1 KB write and its read across the link,
// through Write and Read, allocate nothing once warm.
func TestTCPSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are not checked under the race detector")
	}
	l := newLAN(t, nil)
	cli, srv := tcpPair(t, l, "5009")
	msg, buf := make([]byte, 1024), make([]byte, 4096)
	var err error
	one := func() {
		if _, e := cli.Write(msg); e != nil {
			err = e
		}
		got := 0
		for got < len(msg) && err == nil {
			n, e := srv.Read(buf)
			got += n
			err = e
		}
	}
	for range 200 {
		one()
	}
	if n := testing.AllocsPerRun(1000, one); n != 0 || err != nil {
		t.Errorf("%v allocations per 1 KB write and read (%v), want 0", n, err)
	}
}
