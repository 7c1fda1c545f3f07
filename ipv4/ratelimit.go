package ipv4

import (
	"net/netip"
	"sync"
	"time"
)

// icmpState holds ICMP's rate limiters: Linux's global token bucket
// (icmp_msgs_per_sec, icmp_msgs_burst) and the per-destination one
// (icmp_ratelimit, inet_peer_xrlim_allow), both applied only to the types
// in icmp_ratemask.
type icmpState struct {
	mu          sync.Mutex
	credit      int                    // guarded by mu; global tokens
	stamp       time.Time              // guarded by mu; last global refill
	peers       map[netip.Addr]peerBkt // guarded by mu
	initialised bool                   // guarded by mu
}

type peerBkt struct {
	tokens time.Duration // accumulated allowance
	last   time.Time
}

// xrlimBurst is Linux's XRLIM_BURST_FACTOR: a peer may receive a burst of
// six messages before the per-destination limit bites.
const xrlimBurst = 6

// maxPeers bounds the per-destination table; idle entries (whose bucket
// would be full anyway) are evicted first.
const maxPeers = 4096

func (s *icmpState) init() { s.peers = make(map[netip.Addr]peerBkt) }

// evictLocked makes room in a full per-destination table. Every idle entry
// goes (its bucket would be full again, so forgetting it changes nothing);
// if that frees less than an eighth of the table, arbitrary others go too,
// as Linux's inetpeer collects unused entries under pressure, so that a
// flood of new destinations costs one sweep per maxPeers/8 of them rather
// than one per message.
func (s *icmpState) evictLocked(now time.Time, timeout time.Duration) {
	for a, x := range s.peers {
		if now.Sub(x.last) >= xrlimBurst*timeout {
			delete(s.peers, a)
		}
	}
	for a := range s.peers {
		if len(s.peers) <= maxPeers-maxPeers/8 {
			break
		}
		delete(s.peers, a)
	}
}

// masked reports whether ICMP type/code is subject to rate limiting
// (icmpv4_mask_allow: types in icmp_ratemask, except fragmentation needed,
// which path MTU discovery depends on).
func (l *Layer) masked(typ, code uint8) bool {
	if typ > 18 {
		return false
	}
	if typ == 3 && code == 4 {
		return false
	}
	return l.icmpRatemask.Int()&(1<<typ) != 0
}

// globalAllow is icmp_global_allow: while credit remains, allow; otherwise
// refill by icmp_msgs_per_sec for the time since the last refill (at most
// one second's worth, at least 20 ms apart), capped at icmp_msgs_burst.
func (l *Layer) globalAllow(now time.Time) bool {
	s := &l.icmp
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.initialised {
		s.initialised = true
		s.stamp = now.Add(-time.Second)
	}
	if s.credit > 0 {
		return true
	}
	delta := min(now.Sub(s.stamp), time.Second)
	if delta < time.Second/50 {
		return false
	}
	incr := int(int64(l.icmpPerSec.Int()) * int64(delta) / int64(time.Second))
	if incr == 0 {
		return false
	}
	s.stamp = now
	s.credit = min(s.credit+incr, l.icmpBurst.Int())
	return true
}

// globalConsume is icmp_global_consume: a message costs a random 0 to 2
// credits, so an observer cannot read the bucket exactly.
func (l *Layer) globalConsume() {
	n := int(l.rand.Below(3))
	l.icmp.mu.Lock()
	l.icmp.credit -= n
	l.icmp.mu.Unlock()
}

// peerAllow is inet_peer_xrlim_allow for destination dst: tokens accrue
// with time up to six times icmp_ratelimit; a message spends one
// icmp_ratelimit. A new peer starts with a full bucket.
func (l *Layer) peerAllow(dst netip.Addr, now time.Time) bool {
	timeout := time.Duration(l.icmpRatelimit.Int()) * time.Millisecond
	s := &l.icmp
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.peers[dst]
	if !ok {
		if len(s.peers) >= maxPeers {
			s.evictLocked(now, timeout)
		}
		b = peerBkt{last: now.Add(-60 * time.Second)}
	}
	b.tokens += now.Sub(b.last)
	b.last = now
	if b.tokens > xrlimBurst*timeout {
		b.tokens = xrlimBurst * timeout
	}
	allow := b.tokens >= timeout
	if allow {
		b.tokens -= timeout
	}
	s.peers[dst] = b
	return allow
}

// Linux's ip_rt_error_cost and ip_rt_error_burst (net.ipv4.route.error_cost
// and error_burst, HZ and 5*HZ): settings of the initial namespace only,
// so fixed here.
const (
	ipErrorCost  = time.Second
	ipErrorBurst = 5 * time.Second
)

// ipErrorAllow is ip_error's own limit on the ICMP it sends about a packet
// it cannot route: a message costs ipErrorCost from a bucket of at most
// ipErrorBurst. Linux keeps these tokens in the destination's inet_peer,
// the very rate_tokens inet_peer_xrlim_allow spends, so the two limits
// drain one bucket (checked on the kernel: ten unroutable packets at once
// get two net unreachables, the third stopped and counted by the ICMP
// limit, the rest silently here).
func (l *Layer) ipErrorAllow(dst netip.Addr, now time.Time) bool {
	s := &l.icmp
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.peers[dst]
	if !ok {
		if len(s.peers) >= maxPeers {
			s.evictLocked(now, time.Duration(l.icmpRatelimit.Int())*time.Millisecond)
		}
		b = peerBkt{last: now.Add(-60 * time.Second)}
	}
	b.tokens += now.Sub(b.last)
	b.last = now
	b.tokens = min(b.tokens, ipErrorBurst)
	allow := b.tokens >= ipErrorCost
	if allow {
		b.tokens -= ipErrorCost
	}
	s.peers[dst] = b
	return allow
}
