package mem_test

import (
	"slices"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
)

func seqOf(frame []byte) uint32 { return seqs([]*pkt.Buffer{pkt.From(frame)}, 4)[0] }

// Delays run on the manual clock: nothing delayed arrives before its time,
// shorter delays overtake longer ones, equal delays keep their order.
func TestImpairDelayManualClock(t *testing.T) {
	clk := clock.NewManual()
	nw := mem.NewNetwork()
	delays := map[uint32]time.Duration{1: time.Millisecond, 2: 2 * time.Millisecond, 3: time.Millisecond}
	a, b := mem.Pipe(nw, mem.Options{Clock: clk, Impair: func(side int) mem.Impairment {
		return mem.ImpairFunc(func(f []byte) mem.Verdict {
			return mem.Verdict{Delay: delays[seqOf(f)]}
		})
	}})
	defer a.Close()
	defer b.Close()
	var rx collector
	b.Attach(&rx)
	for i := range 5 {
		a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, uint32(i), 40)})
	}
	step := func(d time.Duration, want []uint32, delayed int) {
		t.Helper()
		clk.Advance(d)
		idle(t, nw)
		got := rx.take()
		if s := seqs(got, 4); !slices.Equal(s, want) {
			t.Errorf("at %v: got %v, want %v", clk.Since(), s, want)
		}
		releaseAll(got)
		if nw.Delayed() != delayed {
			t.Errorf("at %v: Delayed = %d, want %d", clk.Since(), nw.Delayed(), delayed)
		}
	}
	step(0, []uint32{0, 4}, 3)
	step(999*time.Microsecond, nil, 3)
	step(time.Microsecond, []uint32{1, 3}, 1)
	step(time.Millisecond, []uint32{2}, 0)
	if s := a.Stats(); s.ImpairDelayed != 3 {
		t.Errorf("stats %+v", s)
	}
}

// run sends n numbered packets through a pipe impaired by r on a manual
// clock, ten per 1 ms tick, and returns the sequence numbers in arrival
// order.
func run(t *testing.T, r mem.Random, n int) ([]uint32, mem.Stats) {
	clk := clock.NewManual()
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{Clock: clk, Impair: r.Impair})
	defer a.Close()
	defer b.Close()
	var rx collector
	b.Attach(&rx)
	var out []uint32
	for i := 0; i < n; i++ {
		a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, uint32(i), 40)})
		if i%10 == 9 {
			clk.Advance(time.Millisecond)
			idle(t, nw)
		}
	}
	clk.Advance(time.Second)
	idle(t, nw)
	got := rx.take()
	out = seqs(got, 4)
	releaseAll(got)
	if nw.Delayed() != 0 {
		t.Errorf("%d packets still delayed", nw.Delayed())
	}
	return out, a.Stats()
}

// A fixed seed makes the same decisions every run: the same losses,
// duplicates and reordering.
func TestRandomDeterministic(t *testing.T) {
	r := mem.Random{Seed: 42, Loss: 0.1, Duplicate: 0.1, Delay: 5 * time.Millisecond,
		Jitter: 3 * time.Millisecond, Reorder: 0.2}
	const n = 500
	first, st := run(t, r, n)
	for range 3 {
		again, _ := run(t, r, n)
		if !slices.Equal(first, again) {
			t.Fatalf("same seed, different arrivals:\n%v\n%v", first, again)
		}
	}
	if st.ImpairDropped == 0 || st.ImpairDuplicated == 0 || st.ImpairDelayed == 0 {
		t.Errorf("stats %+v: want drops, duplicates and delays", st)
	}
	if want := n - int(st.ImpairDropped) + int(st.ImpairDuplicated); len(first) != want {
		t.Errorf("arrived %d, want %d sent - %d lost + %d duplicated", len(first), n, st.ImpairDropped, st.ImpairDuplicated)
	}
	if slices.IsSorted(first) {
		t.Errorf("no reordering")
	}
	// Losses near 10%: the stream is fixed, so this is exact for seed 42,
	// but any seed should land near it.
	if st.ImpairDropped < n/20 || st.ImpairDropped > n/5 {
		t.Errorf("lost %d of %d with Loss 0.1", st.ImpairDropped, n)
	}
	r.Seed = 43
	if other, _ := run(t, r, n); slices.Equal(first, other) {
		t.Errorf("seeds 42 and 43 gave the same arrivals")
	}
}

// Without delay, probabilities 0 change nothing; Loss 1 loses everything.
func TestRandomExtremes(t *testing.T) {
	got, _ := run(t, mem.Random{Seed: 1}, 50)
	if want := seqRange(50); !slices.Equal(got, want) {
		t.Errorf("no impairment: %v", got)
	}
	if got, _ := run(t, mem.Random{Seed: 1, Loss: 1}, 50); len(got) != 0 {
		t.Errorf("Loss 1: %d arrived", len(got))
	}
	got, _ = run(t, mem.Random{Seed: 1, Duplicate: 1}, 5)
	if !slices.Equal(got, []uint32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}) {
		t.Errorf("Duplicate 1: %v", got)
	}
}

func seqRange(n int) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = uint32(i)
	}
	return s
}

// The two directions of a pipe draw from separate streams.
func TestRandomSides(t *testing.T) {
	r := mem.Random{Seed: 7, Loss: 0.5}
	a, b := r.Impair(0), r.Impair(1)
	same := true
	for range 64 {
		if a.Decide(nil) != b.Decide(nil) {
			same = false
		}
	}
	if same {
		t.Errorf("sides 0 and 1 made identical decisions")
	}
}

// SetImpairment changes the verdicts mid-test; a Verdict may duplicate
// several times.
func TestSetImpairment(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{})
	defer a.Close()
	defer b.Close()
	var rx collector
	b.Attach(&rx)
	a.SetImpairment(mem.ImpairFunc(func([]byte) mem.Verdict { return mem.Verdict{Duplicates: 2} }))
	orig := numbered([]byte{0x45}, 4, 1, 40)
	a.WriteBatch([]*pkt.Buffer{orig})
	a.SetImpairment(mem.ImpairFunc(func([]byte) mem.Verdict { return mem.Verdict{Drop: true} }))
	a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 2, 40)})
	a.SetImpairment(nil)
	a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, 3, 40)})
	idle(t, nw)
	got := rx.take()
	defer releaseAll(got)
	if s := seqs(got, 4); !slices.Equal(s, []uint32{1, 1, 1, 3}) {
		t.Errorf("arrivals %v", s)
	}
	if got[0] != orig || got[1] == orig || got[2] == orig {
		t.Errorf("the original must arrive first, then clones")
	}
}

// With the real clock, delayed packets arrive by themselves.
func TestImpairDelayRealClock(t *testing.T) {
	nw := mem.NewNetwork()
	a, b := mem.Pipe(nw, mem.Options{Impair: mem.Random{Delay: time.Millisecond}.Impair})
	defer a.Close()
	defer b.Close()
	arrived := make(chan uint32, 10)
	b.Attach(dispatchFunc(func(p []*pkt.Buffer) {
		for _, x := range p {
			arrived <- seqs([]*pkt.Buffer{x}, 4)[0]
			x.Release()
		}
	}))
	for i := range 3 {
		a.WriteBatch([]*pkt.Buffer{numbered([]byte{0x45}, 4, uint32(i), 40)})
	}
	timeout := time.After(10 * time.Second)
	for i := range 3 {
		select {
		case s := <-arrived:
			if s != uint32(i) {
				t.Errorf("arrival %d is seq %d", i, s)
			}
		case <-timeout:
			t.Fatalf("delayed packet %d never arrived", i)
		}
	}
}
