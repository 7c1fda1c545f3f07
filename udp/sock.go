package udp

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/socket"
)

// sock is a UDP socket.
type sock struct {
	socket.Base
	socket.Unsupported
	p *Proto

	// Table state: written with both s.Mu and p.mu held, read under
	// either.
	local     netip.AddrPort // rcv_saddr and local port (inet_num)
	bound     bool           // hashed with a port
	connected bool           // TCP_ESTABLISHED: a peer is set
	remote    netip.AddrPort // inet_daddr, inet_dport
	group     *reuseGroup

	// Guarded by s.Mu.
	saddr    netip.Addr          // inet_saddr: source for sending (0 for a broadcast bind)
	lockAddr bool                // SOCK_BINDADDR_LOCK
	lockPort bool                // SOCK_BINDPORT_LOCK
	rt       *route.OutputResult // the connected route (sk_dst)
	flow     flow                // inet->cork.fl: written by connect and by a first corked send
	cork     pending             // the corked datagram (up->pending)

	id atomic.Uint32 // inet_id, for a connected socket's IP identifiers

	readMu sync.Mutex // serialises readers of the receive queue (a peeked packet stays valid)

	// wmem is sk_wmem_alloc without its bias: the memory the pending
	// datagram holds (SIOCOUTQ, and poll's sock_writeable). Written
	// under s.Mu.
	wmem atomic.Int32

	// SOL_UDP options. UDP_CORK is corkflag; GSO and GRO are stored and
	// reported only.
	corkflag atomic.Bool
	encap    atomic.Int32
	gso      atomic.Int32
	gro      atomic.Bool

	noCheck6Tx, noCheck6Rx atomic.Bool // UDP_NO_CHECK6_*: IPv6 only, stored
}

var _ socket.Proto = (*sock)(nil)

// Core returns the generic state.
func (s *sock) Core() *socket.Base { return &s.Base }
