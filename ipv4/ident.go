package ipv4

import (
	"net/netip"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/internal/rnd"
	"github.com/seed96fbdc48/inet/wire"
)

// idents is Linux's IP identifier generator for packets not sent by a
// connected socket (ip_idents_reserve): a counter per keyed-hash bucket of
// (destination, source, protocol), advanced by a random amount that grows
// with the time since the bucket was last used, so that identifiers cannot
// be used to count a host's traffic.
type idents struct {
	key   uint64
	ids   [2048]atomic.Uint32
	stamp [2048]atomic.Int64 // ms of last use
	rand  *rnd.Source
}

func (g *idents) init(r *rnd.Source) {
	g.key = r.Uint64()
	g.rand = r
	for i := range g.ids {
		g.ids[i].Store(r.Uint32())
	}
}

// mix is a keyed 64-bit finaliser (splitmix64's), enough to spread buckets
// unpredictably without allocating.
func mix(x, key uint64) uint64 {
	x ^= key
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// next returns the identifier for one packet; nowMS is the current time in
// milliseconds.
func (g *idents) next(dst, src netip.Addr, proto uint8, nowMS int64) uint16 {
	d, s := wire.As4(dst), wire.As4(src)
	x := uint64(d[0])<<56 | uint64(d[1])<<48 | uint64(d[2])<<40 | uint64(d[3])<<32 |
		uint64(s[0])<<24 | uint64(s[1])<<16 | uint64(s[2])<<8 | uint64(s[3])
	b := mix(mix(x, g.key)+uint64(proto), g.key) % uint64(len(g.ids))
	old := g.stamp[b].Load()
	delta := uint32(0)
	if old != nowMS && g.stamp[b].CompareAndSwap(old, nowMS) && old != 0 {
		gap := min(nowMS-old, 1<<20)
		delta = g.rand.Below(uint32(gap))
	}
	return uint16(g.ids[b].Add(1+delta) - 1)
}
