package services

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/gonet"
	"golang.org/x/sys/unix"
)

// StreamService is a TCP service: a listener whose connections are each
// served on a goroutine of their own by the service's handler (the
// application's goroutines; the stack has none per connection).
type StreamService struct {
	ln     *gonet.TCPListener
	handle func(c *gonet.TCPConn, count *atomic.Uint64)

	mu     sync.Mutex
	conns  map[*gonet.TCPConn]struct{} // guarded by mu; open connections
	closed bool                        // guarded by mu
	wg     sync.WaitGroup              // one per open connection

	accepted atomic.Uint64
	bytes    atomic.Uint64
}

// TCPEcho starts the TCP echo service (RFC 862 §"TCP Based Echo Service":
// any data received is sent back until the client closes) on addr.
func (s *Server) TCPEcho(addr netip.AddrPort) (*StreamService, error) {
	return s.stream(addr, echo)
}

// Discard starts the discard service (RFC 863: any data received is
// thrown away, nothing is sent) on addr.
func (s *Server) Discard(addr netip.AddrPort) (*StreamService, error) {
	return s.stream(addr, discard)
}

func (s *Server) stream(addr netip.AddrPort, handle func(*gonet.TCPConn, *atomic.Uint64)) (*StreamService, error) {
	ln, err := gonet.ListenTCP(s.st, "tcp", addr)
	if err != nil {
		return nil, err
	}
	svc := &StreamService{ln: ln, handle: handle, conns: make(map[*gonet.TCPConn]struct{})}
	if err := s.start(svc, svc.Serve); err != nil {
		return nil, err
	}
	return svc, nil
}

// Addr returns the address the service listens on.
func (svc *StreamService) Addr() netip.AddrPort { return svc.ln.AddrPort() }

// Accepted returns how many connections the service has taken.
func (svc *StreamService) Accepted() uint64 { return svc.accepted.Load() }

// Bytes returns how many bytes the service has echoed or discarded.
func (svc *StreamService) Bytes() uint64 { return svc.bytes.Load() }

// Serve accepts connections until the service is closed, then returns
// nil. An accept that fails for one connection is skipped.
func (svc *StreamService) Serve() error {
	for {
		c, err := svc.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EBADF) {
				return nil
			}
			continue
		}
		if !svc.track(c) {
			c.Close()
			return nil
		}
		svc.accepted.Add(1)
		go func() {
			defer svc.untrack(c)
			svc.handle(c, &svc.bytes)
		}()
	}
}

// track records an open connection; false once the service is closed.
func (svc *StreamService) track(c *gonet.TCPConn) bool {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.closed {
		return false
	}
	svc.conns[c] = struct{}{}
	svc.wg.Add(1)
	return true
}

func (svc *StreamService) untrack(c *gonet.TCPConn) {
	c.Close()
	svc.mu.Lock()
	delete(svc.conns, c)
	svc.mu.Unlock()
	svc.wg.Done()
}

// Close stops listening, closes every open connection and waits until
// their goroutines have returned.
func (svc *StreamService) Close() error {
	svc.mu.Lock()
	if svc.closed {
		svc.mu.Unlock()
		return ErrServerClosed
	}
	svc.closed = true
	err := svc.ln.Close()
	for c := range svc.conns {
		c.Close()
	}
	svc.mu.Unlock()
	svc.wg.Wait()
	return err
}

// streamBufSize is the buffer each connection reads into.
const streamBufSize = 64 << 10

var streamBufs = sync.Pool{New: func() any {
	b := make([]byte, streamBufSize)
	return &b
}}

// echo sends back what it reads until the client's FIN (then closes,
// which sends ours) or an error.
func echo(c *gonet.TCPConn, count *atomic.Uint64) {
	bp := streamBufs.Get().(*[]byte)
	defer streamBufs.Put(bp)
	for {
		n, err := c.Read(*bp)
		if n > 0 {
			m, werr := c.Write((*bp)[:n])
			count.Add(uint64(m))
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// discard reads until the client's FIN or an error.
func discard(c *gonet.TCPConn, count *atomic.Uint64) {
	bp := streamBufs.Get().(*[]byte)
	defer streamBufs.Put(bp)
	for {
		n, err := c.Read(*bp)
		count.Add(uint64(n))
		if err != nil {
			return
		}
	}
}
