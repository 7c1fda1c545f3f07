package ipv4

import (
	"net/netip"
	"sync"

	"github.com/seed96fbdc48/inet/internal/rnd"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// EchoReply is a received ICMP echo reply.
type EchoReply struct {
	Src, Dst netip.Addr
	ID, Seq  uint16
	TTL, TOS uint8
	// Data is the reply's payload; it is valid only during the callback.
	Data    []byte
	IfIndex int
	Stamp   int64 // receive time, Unix nanoseconds
}

// EchoHandler receives the replies and errors for one echo identifier, as
// a Linux ping socket (SOCK_DGRAM, IPPROTO_ICMP) does. Its methods run on
// the link's receive goroutine and must not block; the *EchoReply (like
// its Data) is valid only during the call and must not be kept.
type EchoHandler interface {
	EchoReply(r *EchoReply)
	EchoError(e *ICMPError)
}

// echoTable demultiplexes echo replies by identifier.
type echoTable struct {
	mu   sync.RWMutex
	m    map[uint16]EchoHandler // guarded by mu
	next uint16                 // guarded by mu; where the next free-id search starts
}

func (t *echoTable) init(r *rnd.Source) {
	t.m = make(map[uint16]EchoHandler)
	t.next = uint16(r.Uint32())
}

// BindEcho registers h under a free identifier (id 0 picks one) and returns
// the identifier and a function that unregisters it. EADDRINUSE if id is
// taken, EAGAIN if every identifier is.
func (l *Layer) BindEcho(id uint16, h EchoHandler) (uint16, func(), error) {
	t := &l.echos
	t.mu.Lock()
	defer t.mu.Unlock()
	if id == 0 {
		found := false
		for range 1 << 16 {
			t.next++
			if t.next == 0 {
				continue
			}
			if _, taken := t.m[t.next]; !taken {
				id, found = t.next, true
				break
			}
		}
		if !found {
			return 0, nil, unix.EAGAIN
		}
	} else if _, taken := t.m[id]; taken {
		return 0, nil, unix.EADDRINUSE
	}
	t.m[id] = h
	return id, func() {
		t.mu.Lock()
		if t.m[id] == h {
			delete(t.m, id)
		}
		t.mu.Unlock()
	}, nil
}

// SendEcho sends an echo request with the given identifier, sequence and
// payload, per sp (Dst required; Proto is set to ICMP).
func (l *Layer) SendEcho(sp *SendParams, id, seq uint16, data []byte) error {
	p := pkt.Get(pkt.DefaultHeadroom, wire.ICMPHeaderLen+len(data))
	b := p.Bytes()
	h := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(id, seq)}
	h.Emit(b)
	copy(b[wire.ICMPHeaderLen:], data)
	wire.ICMP(b).ComputeChecksum()
	sp.Proto = wire.ProtoICMP
	l.countOut(wire.ICMPEcho)
	return l.Output(p, sp)
}

func (t *echoTable) lookup(id uint16) EchoHandler {
	t.mu.RLock()
	h := t.m[id]
	t.mu.RUnlock()
	return h
}

func (t *echoTable) deliverReply(p *pkt.Buffer, m wire.ICMP) {
	h := t.lookup(m.ID())
	if h == nil {
		return
	}
	ip := wire.IPv4(p.NetworkHeader())
	// Pooled: a reply handed to an interface method would otherwise
	// escape to the heap, one allocation per reply.
	r := replyPool.Get().(*EchoReply)
	*r = EchoReply{
		Src: ip.Src(), Dst: ip.Dst(), ID: m.ID(), Seq: m.Seq(),
		TTL: ip.TTL(), TOS: ip.TOS(), Data: m.Payload(), IfIndex: p.IfIndex, Stamp: p.Stamp,
	}
	h.EchoReply(r)
	*r = EchoReply{}
	replyPool.Put(r)
}

var replyPool = sync.Pool{New: func() any { return new(EchoReply) }}

func (t *echoTable) deliverError(e *ICMPError) {
	q := e.QuotedTransport()
	if len(q) < wire.ICMPHeaderLen || q[0] != wire.ICMPEcho {
		return
	}
	if h := t.lookup(uint16(q[4])<<8 | uint16(q[5])); h != nil {
		h.EchoError(e)
	}
}
