package udp

import (
	"net/netip"
	"sync"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Proto is UDP of one stack: the socket tables and the handlers the IPv4
// layer calls.
type Proto struct {
	env   *socket.Env
	ip    *ipv4.Layer
	stats *snmp.Stats

	mu     sync.RWMutex
	ports  map[uint16][]*sock // guarded by mu; bound sockets by local port, newest first
	secret uint64             // flow-hash key for SO_REUSEPORT selection
}

// New returns UDP for a stack and registers it with the IPv4 layer.
func New(env *socket.Env, ip *ipv4.Layer) *Proto {
	p := &Proto{env: env, ip: ip, stats: env.Stats, ports: make(map[uint16][]*sock), secret: env.Rand.Uint64()}
	ip.Register(unix.IPPROTO_UDP, p)
	return p
}

// NewSocket returns a new, unbound UDP socket.
func (p *Proto) NewSocket() *socket.Socket {
	s := &sock{p: p}
	s.Init(p.env, unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	return socket.New(s)
}

// Bound returns the local addresses of every bound socket, for tests and
// inspection (ss -u).
func (p *Proto) Bound() []netip.AddrPort {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []netip.AddrPort
	for _, l := range p.ports {
		for _, s := range l {
			out = append(out, s.local)
		}
	}
	return out
}
