package mem

import "sync/atomic"

// Stats are an endpoint's counters.
type Stats struct {
	// TxPackets counts packets WriteBatch accepted; TxErrors those it
	// refused (closed, too long, too short).
	TxPackets, TxErrors uint64
	// RxPackets counts packets handed to the dispatcher; RxDropped those
	// that arrived while the queue was full or closed, were longer than
	// the MTU, or were still queued at Close.
	RxPackets, RxDropped uint64
	// Impair* count the impairment's verdicts on written packets: lost,
	// extra copies made, and packets (copies included) held for a delay.
	ImpairDropped, ImpairDuplicated, ImpairDelayed uint64
}

type counters struct {
	txPackets, txErrors                            atomic.Uint64
	rxPackets, rxDropped                           atomic.Uint64
	impairDropped, impairDuplicated, impairDelayed atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		TxPackets:        c.txPackets.Load(),
		TxErrors:         c.txErrors.Load(),
		RxPackets:        c.rxPackets.Load(),
		RxDropped:        c.rxDropped.Load(),
		ImpairDropped:    c.impairDropped.Load(),
		ImpairDuplicated: c.impairDuplicated.Load(),
		ImpairDelayed:    c.impairDelayed.Load(),
	}
}
