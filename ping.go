package inet

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/route"
	"golang.org/x/sys/unix"
)

// PingOptions configure a Pinger or a Ping run.
type PingOptions struct {
	// Count is how many echo requests Ping sends (default 1).
	Count int
	// Interval is the time between requests in Ping (default 0: the next
	// request goes as soon as the previous one is answered or timed out).
	Interval time.Duration
	// Timeout is how long Ping waits for each reply (default 1 s), on the
	// stack's clock.
	Timeout time.Duration
	// Size is the payload length in bytes (default 56, as ping(8)).
	Size int
	// TTL of the requests; 0 means the default.
	TTL uint8
	// TOS of the requests.
	TOS uint8
	// Src forces the source address.
	Src netip.Addr
	// Interface forces the output interface (by index).
	Interface int
	// ID is the ICMP identifier; 0 picks a free one.
	ID uint16
}

// PingReply is one answer to an echo request.
type PingReply struct {
	Seq   uint16
	From  netip.Addr
	TTL   uint8
	Bytes int           // ICMP payload length
	RTT   time.Duration // on the stack's clock
}

// PingError is an ICMP error received about an echo request (time
// exceeded from a router, destination unreachable).
type PingError struct {
	Seq        uint16
	From       netip.Addr
	Type, Code uint8
	Err        unix.Errno
}

// Pinger sends echo requests under one identifier and collects the
// replies and errors, as a ping socket does.
type Pinger struct {
	s       *Stack
	dst     netip.Addr
	o       PingOptions
	id      uint16
	unbind  func()
	unicast bool // dst names one host
	data    []byte

	mu      sync.Mutex
	sent    map[uint16]time.Time // guarded by mu
	replies []PingReply          // guarded by mu
	errs    []PingError          // guarded by mu
	notify  chan struct{}        // guarded by mu; closed on each arrival
}

// NewPinger prepares to ping dst.
func (s *Stack) NewPinger(dst netip.Addr, o PingOptions) (*Pinger, error) {
	if !dst.Is4() {
		return nil, unix.EAFNOSUPPORT
	}
	if o.Size == 0 {
		o.Size = 56
	}
	if o.Size < 0 || o.Size > 65507 {
		return nil, unix.EINVAL
	}
	p := &Pinger{s: s, dst: dst, o: o, sent: make(map[uint16]time.Time), notify: make(chan struct{})}
	p.unicast = s.FIB().AddrType(dst) == route.TypeUnicast || s.FIB().AddrType(dst) == route.TypeLocal
	p.data = make([]byte, o.Size)
	for i := range p.data {
		p.data[i] = byte(i)
	}
	id, unbind, err := s.IP().BindEcho(o.ID, (*pingHandler)(p))
	if err != nil {
		return nil, err
	}
	p.id, p.unbind = id, unbind
	return p, nil
}

// ID returns the ICMP identifier in use.
func (p *Pinger) ID() uint16 { return p.id }

// Send sends the echo request with sequence number seq.
func (p *Pinger) Send(seq uint16) error {
	p.mu.Lock()
	p.sent[seq] = p.s.Clock().Now()
	p.mu.Unlock()
	sp := ipv4.SendParams{Dst: p.dst, Src: p.o.Src, TTL: p.o.TTL, TOS: p.o.TOS, Oif: p.o.Interface}
	return p.s.IP().SendEcho(&sp, p.id, seq, p.data)
}

// Replies returns the replies received so far.
func (p *Pinger) Replies() []PingReply {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PingReply(nil), p.replies...)
}

// Errors returns the ICMP errors received so far.
func (p *Pinger) Errors() []PingError {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PingError(nil), p.errs...)
}

// Wait blocks until at least n replies and errors together have arrived,
// or ctx ends.
func (p *Pinger) Wait(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		got := len(p.replies) + len(p.errs)
		c := p.notify
		p.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close releases the identifier.
func (p *Pinger) Close() { p.unbind() }

type pingHandler Pinger

func (h *pingHandler) EchoReply(r *ipv4.EchoReply) {
	p := (*Pinger)(h)
	if p.unicast && r.Src != p.dst {
		// A unicast ping takes replies from its destination only; a
		// broadcast or multicast ping takes every answer, as ping(8).
		return
	}
	now := p.s.Clock().Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var rtt time.Duration
	if t, ok := p.sent[r.Seq]; ok {
		rtt = now.Sub(t)
	}
	p.replies = append(p.replies, PingReply{Seq: r.Seq, From: r.Src, TTL: r.TTL, Bytes: len(r.Data), RTT: rtt})
	close(p.notify)
	p.notify = make(chan struct{})
}

func (h *pingHandler) EchoError(e *ipv4.ICMPError) {
	p := (*Pinger)(h)
	q := e.QuotedTransport()
	seq := uint16(q[6])<<8 | uint16(q[7])
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, PingError{Seq: seq, From: e.Offender, Type: e.Type, Code: e.Code, Err: e.Errno})
	close(p.notify)
	p.notify = make(chan struct{})
}

// PingResult summarises a Ping run.
type PingResult struct {
	Sent     int
	Received int
	Replies  []PingReply
	Errors   []PingError
	MinRTT   time.Duration
	AvgRTT   time.Duration
	MaxRTT   time.Duration
}

// Ping sends o.Count echo requests to dst, one after another, waiting up to
// o.Timeout (on the stack's clock) for each answer, and reports what came
// back. Sending errors (no route: ENETUNREACH) end the run.
func (s *Stack) Ping(ctx context.Context, dst netip.Addr, o PingOptions) (*PingResult, error) {
	if o.Count <= 0 {
		o.Count = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	p, err := s.NewPinger(dst, o)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	res := &PingResult{}
	clk := s.Clock()
	for i := range o.Count {
		seq := uint16(i + 1)
		before := len(p.Replies()) + len(p.Errors())
		if err := p.Send(seq); err != nil {
			return res, err
		}
		res.Sent++
		expired := make(chan struct{})
		t := clk.AfterFunc(o.Timeout, func() { close(expired) })
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-expired:
				cancel()
			case <-wctx.Done():
			}
		}()
		err := p.Wait(wctx, before+1)
		cancel()
		t.Stop()
		if ctx.Err() != nil {
			break
		}
		_ = err
		if o.Interval > 0 && i+1 < o.Count {
			gap := make(chan struct{})
			g := clk.AfterFunc(o.Interval, func() { close(gap) })
			select {
			case <-gap:
			case <-ctx.Done():
				g.Stop()
			}
		}
	}
	res.Replies = p.Replies()
	res.Errors = p.Errors()
	res.Received = len(res.Replies)
	for i, r := range res.Replies {
		if i == 0 || r.RTT < res.MinRTT {
			res.MinRTT = r.RTT
		}
		res.MaxRTT = max(res.MaxRTT, r.RTT)
		res.AvgRTT += r.RTT
	}
	if res.Received > 0 {
		res.AvgRTT /= time.Duration(res.Received)
	}
	return res, ctx.Err()
}
