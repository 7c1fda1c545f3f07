// Package rnd is a stack's one source of randomness: ephemeral ports, IP
// identifiers, ISN secrets, neighbour reachable times, ICMP rate-limit
// jitter. Seeded, it makes a whole stack's behaviour reproducible; unseeded,
// it draws its seed from crypto/rand.
package rnd

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// Source is a concurrency-safe pseudo-random source.
type Source struct {
	mu sync.Mutex
	r  *rand.ChaCha8 // guarded by mu
}

// New returns a source seeded with seed, or from crypto/rand when seed is 0.
func New(seed uint64) *Source {
	var key [32]byte
	if seed == 0 {
		_, _ = crand.Read(key[:])
	} else {
		binary.LittleEndian.PutUint64(key[:], seed)
		binary.LittleEndian.PutUint64(key[8:], seed*0x9e3779b97f4a7c15)
	}
	return &Source{r: rand.NewChaCha8(key)}
}

// Uint64 returns a pseudo-random 64-bit value.
func (s *Source) Uint64() uint64 {
	s.mu.Lock()
	v := s.r.Uint64()
	s.mu.Unlock()
	return v
}

// Uint32 returns a pseudo-random 32-bit value.
func (s *Source) Uint32() uint32 { return uint32(s.Uint64() >> 32) }

// Below returns a value in [0, n) (0 when n is 0), as Linux's
// get_random_u32_below.
func (s *Source) Below(n uint32) uint32 {
	if n == 0 {
		return 0
	}
	return uint32((s.Uint64() >> 32) * uint64(n) >> 32)
}

// Read fills b with pseudo-random bytes (for secrets and keys).
func (s *Source) Read(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(b) > 0 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], s.r.Uint64())
		n := copy(b, w[:])
		b = b[n:]
	}
}
