package socket

import (
	"context"
	"sync"

	"golang.org/x/sys/unix"
)

// Poller waits on many sockets at once, as epoll does in its level-
// triggered mode: Wait reports every registered socket whose readiness
// intersects its interest at the time of the call, blocking until one
// does.
//
// Lock order: mu before a socket's wait-queue lock (Add, Modify, Remove);
// readyMu is taken under the wait-queue lock (wake, from Notify), so it is
// never held while taking either of the others.
type Poller struct {
	mu      sync.Mutex
	regs    map[*Socket]*registration // guarded by mu
	closed  bool                      // guarded by mu
	readyMu sync.Mutex
	ready   map[*Socket]struct{} // guarded by readyMu; sockets that may be ready
	scan    []*Socket            // used by Wait only
	signal  chan struct{}        // capacity 1
}

type registration struct {
	s      *Socket
	events Events
	data   uint64
	w      Waiter
}

// PollEvent is one ready socket, as struct epoll_event.
type PollEvent struct {
	Socket *Socket
	Events Events
	Data   uint64
}

// NewPoller returns an empty poller.
func NewPoller() *Poller {
	return &Poller{regs: make(map[*Socket]*registration), ready: make(map[*Socket]struct{}), signal: make(chan struct{}, 1)}
}

// Add registers s for events with user data (EPOLL_CTL_ADD); EEXIST if it
// is registered already.
func (p *Poller) Add(s *Socket, events Events, data uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return unix.EBADF
	}
	if _, ok := p.regs[s]; ok {
		return unix.EEXIST
	}
	r := &registration{s: s, events: events, data: data}
	r.w.mask = events | always
	r.w.fn = func(Events) { p.wake(s) }
	p.regs[s] = r
	s.b.Wq.Add(&r.w)
	p.wake(s)
	return nil
}

// Modify changes a registration (EPOLL_CTL_MOD); ENOENT if absent.
func (p *Poller) Modify(s *Socket, events Events, data uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.regs[s]
	if !ok {
		return unix.ENOENT
	}
	s.b.Wq.Remove(&r.w)
	r.events, r.data = events, data
	r.w.mask = events | always
	s.b.Wq.Add(&r.w)
	p.wake(s)
	return nil
}

// Remove unregisters s (EPOLL_CTL_DEL); ENOENT if absent.
func (p *Poller) Remove(s *Socket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.regs[s]
	if !ok {
		return unix.ENOENT
	}
	s.b.Wq.Remove(&r.w)
	delete(p.regs, s)
	return nil
}

// Close unregisters everything and wakes Wait.
func (p *Poller) Close() {
	p.mu.Lock()
	for s, r := range p.regs {
		s.b.Wq.Remove(&r.w)
	}
	clear(p.regs)
	p.closed = true
	p.mu.Unlock()
	p.kick()
}

func (p *Poller) wake(s *Socket) {
	p.readyMu.Lock()
	p.ready[s] = struct{}{}
	p.readyMu.Unlock()
	p.kick()
}

func (p *Poller) kick() {
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

// Wait fills out with ready sockets and returns how many, blocking until at
// least one is ready or ctx ends.
func (p *Poller) Wait(ctx context.Context, out []PollEvent) (int, error) {
	if len(out) == 0 {
		return 0, unix.EINVAL
	}
	for {
		p.readyMu.Lock()
		p.scan = p.scan[:0]
		for s := range p.ready {
			p.scan = append(p.scan, s)
		}
		clear(p.ready)
		p.readyMu.Unlock()
		n := 0
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, unix.EBADF
		}
		for _, s := range p.scan {
			r, ok := p.regs[s]
			if !ok {
				continue
			}
			ev := s.Poll(r.events)
			if ev == 0 {
				continue
			}
			// Level-triggered: still ready next time unless it changes.
			p.readyMu.Lock()
			p.ready[s] = struct{}{}
			p.readyMu.Unlock()
			if n < len(out) {
				out[n] = PollEvent{Socket: s, Events: ev, Data: r.data}
				n++
			}
		}
		p.mu.Unlock()
		if n > 0 {
			return n, nil
		}
		select {
		case <-p.signal:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// PollFd is one entry of a Poll call, as struct pollfd.
type PollFd struct {
	Socket  *Socket
	Events  Events
	Revents Events
}

// Poll is poll(2) over sockets: it fills Revents and returns how many
// entries have any, blocking until one does or ctx ends (a nil Socket gets
// POLLNVAL, as a bad descriptor does).
func Poll(ctx context.Context, fds []PollFd) (int, error) {
	p := NewPoller()
	defer p.Close()
	count := func() int {
		n := 0
		for i := range fds {
			if fds[i].Socket == nil {
				fds[i].Revents = EventNval
			} else {
				fds[i].Revents = fds[i].Socket.Poll(fds[i].Events)
			}
			if fds[i].Revents != 0 {
				n++
			}
		}
		return n
	}
	if n := count(); n > 0 {
		return n, nil
	}
	for i := range fds {
		if fds[i].Socket != nil {
			_ = p.Add(fds[i].Socket, fds[i].Events, uint64(i))
		}
	}
	var buf [1]PollEvent
	for {
		if _, err := p.Wait(ctx, buf[:]); err != nil {
			return 0, err
		}
		if n := count(); n > 0 {
			return n, nil
		}
	}
}
