package services_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/services"
)

// tcpClient dials addr from s with a deadline.
func tcpClient(t *testing.T, s *inet.Stack, addr string) *gonet.TCPConn {
	t.Helper()
	c, err := s.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c.(*gonet.TCPConn)
}

// pattern is n bytes that differ from their neighbours' offsets.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// TestTCPEcho: what a client sends comes back byte for byte while it is
// still sending; after its FIN the service closes, so the client reads
// end of stream.
func TestTCPEcho(t *testing.T) {
	cli, _, _, s := lan(t)
	echo, err := s.TCPEcho(ap("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	if echo.Addr() != ap("0.0.0.0:7") {
		t.Errorf("Addr %v", echo.Addr())
	}
	for i, to := range []string{"198.18.0.2:7", "198.18.0.3:7"} {
		c := tcpClient(t, cli, to)
		msg := pattern(3<<20+17, byte(i))
		go func() {
			c.Write(msg)
			c.CloseWrite()
		}()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != string(msg) {
			t.Fatalf("echo from %s: %d of %d bytes back (%v)", to, len(got), len(msg), err)
		}
		if c.RemoteAddr().String() != to {
			t.Errorf("peer %v, want %s", c.RemoteAddr(), to)
		}
	}
	if echo.Accepted() != 2 || echo.Bytes() != 2*(3<<20+17) {
		t.Errorf("accepted %d, echoed %d bytes", echo.Accepted(), echo.Bytes())
	}
}

// TestDiscard: the service takes everything and sends nothing; the
// client reads end of stream once it has closed its side.
func TestDiscard(t *testing.T) {
	cli, _, _, s := lan(t)
	d, err := s.Discard(ap("0.0.0.0:9"))
	if err != nil {
		t.Fatal(err)
	}
	c := tcpClient(t, cli, "198.18.0.2:9")
	const n = 8 << 20
	if m, err := c.Write(pattern(n, 1)); m != n || err != nil {
		t.Fatalf("write: %d %v", m, err)
	}
	c.CloseWrite()
	if got, err := io.ReadAll(c); len(got) != 0 || err != nil {
		t.Fatalf("discard sent %d bytes (%v)", len(got), err)
	}
	if d.Bytes() != n || d.Accepted() != 1 {
		t.Errorf("discarded %d bytes of %d connections, want %d of 1", d.Bytes(), d.Accepted(), n)
	}
}

// TestStreamServiceClose: the Server's Close closes the listener and the
// connections still open, and waits for their goroutines; a new
// connection is refused.
func TestStreamServiceClose(t *testing.T) {
	cli, _, _, s := lan(t)
	if _, err := s.TCPEcho(ap("0.0.0.0:7")); err != nil {
		t.Fatal(err)
	}
	c := tcpClient(t, cli, "198.18.0.2:7")
	c.Write([]byte("x"))
	buf := make([]byte, 1)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read after the service closed: %d %v, want io.EOF", n, err)
	}
	_, err := cli.Dial("tcp", "198.18.0.2:7")
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Errorf("dial after Close: %v, want refused", err)
	}
	if _, err := s.Discard(ap("0.0.0.0:9")); !errors.Is(err, services.ErrServerClosed) {
		t.Errorf("Discard after Close: %v", err)
	}
}
