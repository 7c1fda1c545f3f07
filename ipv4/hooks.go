package ipv4

import "github.com/seed96fbdc48/inet/pkt"

// Hook is one of Linux's five netfilter hook points (NF_INET_*).
type Hook uint8

const (
	HookPreRouting  Hook = 0 // every received packet, before the route decision
	HookLocalIn     Hook = 1 // packets for this host, before transport delivery
	HookForward     Hook = 2 // packets being routed through
	HookLocalOut    Hook = 3 // locally generated packets, after the route decision
	HookPostRouting Hook = 4 // every packet leaving, before the link
)

// Verdict is a filter's decision.
type Verdict uint8

const (
	Accept Verdict = iota // continue
	Drop                  // discard (the filter counted it)
	Stolen                // the filter took ownership of the packet
)

// Filter sees packets at the hook points. in and out are interface indexes
// (0 where not applicable). p's front is the IPv4 header. On Drop the layer
// releases p; on Stolen the filter owns it.
type Filter interface {
	Hook(h Hook, p *pkt.Buffer, in, out int) Verdict
}

// hook runs the filter, if any, and reports whether the packet continues.
// It releases p on Drop.
func (l *Layer) hook(h Hook, p *pkt.Buffer, in, out int) bool {
	fe := l.filter.Load()
	if fe == nil {
		return true
	}
	switch fe.f.Hook(h, p, in, out) {
	case Accept:
		return true
	case Drop:
		p.Release()
	}
	return false
}
