package services

import (
	"errors"
	"io"
	"net/netip"
	"sync"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// The services' ports.
const (
	EchoPort    = 7  // RFC 862, TCP and UDP
	DiscardPort = 9  // RFC 863
	HTTPPort    = 80 // RFC 9110
)

// Stack is what a Server needs from an inet stack: socket(2).
type Stack interface {
	Socket(domain, typ, proto int) (*socket.Socket, error)
}

// Server runs services on one stack until Close.
type Server struct {
	st Stack

	mu      sync.Mutex
	closers []io.Closer    // guarded by mu; every service's socket or listener
	closed  bool           // guarded by mu
	wg      sync.WaitGroup // one per running service
}

// NewServer returns a Server that makes its sockets on st.
func NewServer(st Stack) *Server { return &Server{st: st} }

// ErrServerClosed is returned by calls on a closed Server.
var ErrServerClosed = errors.New("services: server closed")

// UDPEcho starts the UDP echo service (RFC 862 §"UDP Based Echo Service")
// on a socket bound to addr (port 7 needs the stack's CapNetBindService).
func (s *Server) UDPEcho(addr netip.AddrPort) (*UDPEcho, error) {
	so, err := s.st.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		return nil, err
	}
	if err := so.BindAddr(addr); err != nil {
		so.Close()
		return nil, err
	}
	e := NewUDPEcho(so)
	if err := s.start(so, e.Serve); err != nil {
		return nil, err
	}
	return e, nil
}

// start runs serve on its own goroutine; Close will close c (a service's
// socket, or a TCP service with its listener and connections), which must
// make serve return.
func (s *Server) start(c io.Closer, serve func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return ErrServerClosed
	}
	s.closers = append(s.closers, c)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = serve()
	}()
	return nil
}

// Close closes every service's socket (and a TCP service's connections)
// and waits until all have stopped.
// Later calls return ErrServerClosed.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closed = true
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	for _, c := range closers {
		c.Close()
	}
	s.wg.Wait()
	return nil
}
