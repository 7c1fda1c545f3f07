package mem

import (
	"math/rand/v2"
	"time"
)

// MaxDuplicates bounds Verdict.Duplicates.
const MaxDuplicates = 16

// Verdict is an Impairment's decision about one packet.
type Verdict struct {
	// Drop loses the packet (it is released and counted in
	// Stats.ImpairDropped); the other fields are then ignored.
	Drop bool
	// Duplicates is how many extra copies to deliver right after the
	// packet, with the same Delay (at most MaxDuplicates).
	Duplicates int
	// Delay holds the packet until the sending endpoint's clock has
	// advanced by Delay; 0 sends it at once. A packet with a shorter delay
	// overtakes packets written before it with longer ones: that is how
	// reordering happens (as with netem's delay, jitter and reorder).
	// Packets with equal delays keep their order.
	Delay time.Duration
}

// An Impairment decides the fate of each packet an endpoint writes. Decide
// is called once per packet, in write order, with the endpoint's write lock
// held, so implementations need not be safe for concurrent use and a seeded
// one is deterministic as long as the endpoint's writes are (one writer, or
// writers ordered by the test). frame is the packet as written (from the
// Ethernet header on KindEthernet links); Decide may modify it, to corrupt
// it, but must not keep it.
type Impairment interface {
	Decide(frame []byte) Verdict
}

// ImpairFunc adapts a function to Impairment; a test that wants to drop
// exactly the third TCP segment writes one.
type ImpairFunc func(frame []byte) Verdict

// Decide calls f.
func (f ImpairFunc) Decide(frame []byte) Verdict { return f(frame) }

// Random describes a netem-like impairment driven by a seeded generator.
// Every packet draws the same four numbers from the generator whatever the
// probabilities are, so changing one probability does not shift the others'
// stream, and two runs with the same Seed and the same writes make the same
// decisions.
type Random struct {
	// Seed selects the stream; each side of a pipe takes its own (see
	// Impair).
	Seed uint64
	// Loss is the probability a packet is dropped.
	Loss float64
	// Duplicate is the probability a (kept) packet is delivered twice.
	Duplicate float64
	// Delay is added to every packet.
	Delay time.Duration
	// Jitter adds a uniformly distributed [0, Jitter) to the delay, so
	// packets written close together may swap places.
	Jitter time.Duration
	// Reorder is the probability a packet skips the delay altogether and
	// overtakes the packets still held back (netem's reorder: it needs a
	// Delay to have an effect).
	Reorder float64
}

// Impair returns a fresh impairment for one direction; it fits
// Options.Impair. side selects an independent stream of the same Seed (a
// PCG generator seeded with Seed and side).
func (r Random) Impair(side int) Impairment {
	return &random{cfg: r, rng: rand.New(rand.NewPCG(r.Seed, uint64(side)))}
}

type random struct {
	cfg Random
	rng *rand.Rand
}

func (r *random) Decide([]byte) Verdict {
	loss, dup, reorder, jitter := r.rng.Float64(), r.rng.Float64(), r.rng.Float64(), r.rng.Float64()
	if loss < r.cfg.Loss {
		return Verdict{Drop: true}
	}
	var v Verdict
	if dup < r.cfg.Duplicate {
		v.Duplicates = 1
	}
	if reorder >= r.cfg.Reorder {
		v.Delay = r.cfg.Delay + time.Duration(jitter*float64(r.cfg.Jitter))
	}
	return v
}
