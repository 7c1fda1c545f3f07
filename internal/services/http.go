package services

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/seed96fbdc48/inet/gonet"
)

// MaxBytes is the largest n /bytes?n=N serves: 1 TiB, far beyond any
// test, small enough that every count fits an int64 with room.
const MaxBytes = 1 << 40

// patternPeriod is the period of /bytes' pattern: the byte at offset i is
// byte(i % 251), 251 being the largest prime below 256, so the pattern
// does not line up with powers of two (a shifted or dropped block shows).
const patternPeriod = 251

// pattern holds whole periods of the pattern, 251 * 256 bytes: every chunk
// written starts at an offset that is a multiple of 251, so each is a
// prefix of pattern and nothing of size n is ever held.
var pattern = func() []byte {
	b := make([]byte, patternPeriod*256)
	for i := range b {
		b[i] = byte(i % patternPeriod)
	}
	return b
}()

// HTTPService is the HTTP service of `inet serve`: net/http's server on an
// inet listener, serving Handler.
type HTTPService struct {
	ln       *gonet.TCPListener
	srv      *http.Server
	requests atomic.Uint64
}

// HTTP starts the HTTP service on addr (port 80 needs the stack's
// CapNetBindService).
func (s *Server) HTTP(addr netip.AddrPort) (*HTTPService, error) {
	ln, err := gonet.ListenTCP(s.st, "tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &HTTPService{ln: ln}
	h.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.requests.Add(1)
			Handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if err := s.start(h, h.Serve); err != nil {
		return nil, err
	}
	return h, nil
}

// Addr returns the address the service listens on.
func (h *HTTPService) Addr() netip.AddrPort { return h.ln.AddrPort() }

// Requests returns how many requests the handler has been given.
func (h *HTTPService) Requests() uint64 { return h.requests.Load() }

// Serve runs the server until Close, then returns nil.
func (h *HTTPService) Serve() error {
	if err := h.srv.Serve(h.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the listener and every connection (http.Server.Close).
func (h *HTTPService) Close() error { return h.srv.Close() }

// Handler answers GET (and HEAD) of "/" with "ok\n" and of "/bytes?n=N"
// with exactly N bytes (0 <= N <= MaxBytes, in decimal) whose byte at
// offset i is byte(i % 251), with a Content-Length, streamed from a fixed
// buffer. A missing or malformed n is 400, other paths 404, other methods
// 405.
var Handler http.Handler = http.HandlerFunc(serveHTTP)

func serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/", "/bytes":
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
		return
	}
	n, ok := parseCount(r.URL.Query()["n"])
	if !ok {
		http.Error(w, "bytes: want ?n=N with N a decimal integer from 0 to "+strconv.Itoa(MaxBytes), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	if r.Method == http.MethodHead {
		return
	}
	for n > 0 {
		chunk := pattern[:min(n, int64(len(pattern)))]
		if _, err := w.Write(chunk); err != nil {
			return // the client went away
		}
		n -= int64(len(chunk))
	}
}

// parseCount accepts exactly one n of 1 to 13 decimal digits (no sign,
// no spaces) whose value is at most MaxBytes.
func parseCount(vs []string) (int64, bool) {
	if len(vs) != 1 || len(vs[0]) == 0 || len(vs[0]) > 13 {
		return 0, false
	}
	var n int64
	for _, c := range []byte(vs[0]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= MaxBytes
}
