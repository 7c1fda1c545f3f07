package services

import (
	"errors"
	"net/netip"
	"sync"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// EchoPort is the echo service's port (RFC 862).
const EchoPort = 7

// Stack is what a Server needs from an inet stack: socket(2).
type Stack interface {
	Socket(domain, typ, proto int) (*socket.Socket, error)
}

// Server runs services on one stack until Close.
type Server struct {
	st Stack

	mu     sync.Mutex
	socks  []*socket.Socket // guarded by mu; every service's socket
	closed bool             // guarded by mu
	wg     sync.WaitGroup   // one per running service
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

// start runs serve on its own goroutine; Close will close so, which must
// make serve return.
func (s *Server) start(so *socket.Socket, serve func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		so.Close()
		return ErrServerClosed
	}
	s.socks = append(s.socks, so)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = serve()
	}()
	return nil
}

// Close closes every service's socket and waits until all have stopped.
// Later calls return ErrServerClosed.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closed = true
	socks := s.socks
	s.socks = nil
	s.mu.Unlock()
	for _, so := range socks {
		so.Close()
	}
	s.wg.Wait()
	return nil
}
