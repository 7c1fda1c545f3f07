package main

import (
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/services"
)

// httpServer is net/http's server with the services' handler, on a
// listener of the kernel's.
type httpServer struct{ srv http.Server }

func (h *httpServer) serve(ln net.Listener) {
	h.srv.Handler = services.Handler
	h.srv.Serve(ln)
}

func (h *httpServer) close() { h.srv.Close() }

// inetHTTPClient is an http.Client whose connections are inet's.
func inetHTTPClient(s *inet.Stack) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: s.DialContext}, Timeout: 60 * time.Second}
}

func httpGet(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// halfCloser is a stream whose writing side closes alone: *net.TCPConn
// and *gonet.TCPConn.
type halfCloser interface {
	io.ReadWriter
	CloseWrite() error
}

// flow is what one direction of a transfer measured.
type flow struct {
	sent, received       int64
	sentCRC, receivedCRC uint32
	elapsed              time.Duration
	sendErr, recvErr     error
}

func (f flow) mbps() float64 { return float64(f.received) / f.elapsed.Seconds() / 1e6 }

// transfer sends n bytes of a seeded ChaCha8 stream from tx to rx, closing
// tx's writing side at the end, and reads rx to its end; both sides keep a
// running CRC-32 (nothing is held), so the stream arrived byte for byte
// when the lengths and CRCs agree. Bounded by limit.
func transfer(t *testing.T, tx, rx halfCloser, n int64, seed uint64, limit time.Duration) flow {
	t.Helper()
	var f flow
	start := time.Now()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 'i', 'n', 'e', 't'})
		h := crc32.NewIEEE()
		buf := make([]byte, 256<<10)
		for f.sent < n {
			b := buf[:min(int64(len(buf)), n-f.sent)]
			src.Read(b)
			h.Write(b)
			m, err := tx.Write(b)
			f.sent += int64(m)
			if err != nil {
				f.sendErr = err
				break
			}
		}
		f.sentCRC = h.Sum32()
		if f.sendErr == nil {
			f.sendErr = tx.CloseWrite()
		}
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h := crc32.NewIEEE()
		buf := make([]byte, 256<<10)
		for {
			m, err := rx.Read(buf)
			h.Write(buf[:m])
			f.received += int64(m)
			if err == io.EOF {
				break
			}
			if err != nil {
				f.recvErr = err
				break
			}
		}
		f.receivedCRC = h.Sum32()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("transfer of %d bytes not done after %v (%d received)", n, limit, f.received)
	}
	<-sent
	f.elapsed = time.Since(start)
	return f
}

// checkFlow fails the test unless f moved n bytes intact.
func checkFlow(t *testing.T, what string, f flow, n int64) {
	t.Helper()
	if f.sendErr != nil || f.recvErr != nil || f.sent != n || f.received != n || f.sentCRC != f.receivedCRC {
		t.Errorf("%s: sent %d (crc %08x, %v), received %d (crc %08x, %v), want %d intact",
			what, f.sent, f.sentCRC, f.sendErr, f.received, f.receivedCRC, f.recvErr, n)
		return
	}
	t.Logf("%s: %d MB byte-exact in %v, %.0f MB/s", what, n>>20, f.elapsed.Round(time.Millisecond), f.mbps())
}

// withDeadline bounds every call on c.
func withDeadline(c net.Conn, d time.Duration) net.Conn {
	c.SetDeadline(time.Now().Add(d))
	return c
}
