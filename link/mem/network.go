package mem

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// Network counts the packets in flight across every endpoint built on it, so
// tests can wait for a quiet network instead of sleeping. A packet is in
// flight from the moment it enters an endpoint's inbound queue until the
// receiving Dispatcher's DeliverBatch returns, so packets sent from inside a
// delivery keep the network busy. Packets an Impairment holds back for a
// Delay are not in flight until their time comes (see Delayed): WaitIdle
// never waits for a clock.
//
// The zero value is not usable; call NewNetwork.
type Network struct {
	inflight atomic.Int64
	delayed  atomic.Int64
	macs     atomic.Uint32 // last MAC address handed out

	mu   sync.Mutex
	idle chan struct{} // guarded by mu; closed when inflight drops to 0, nil when nobody waits
}

// NewNetwork returns an empty network.
func NewNetwork() *Network { return new(Network) }

// InFlight reports how many packets are queued or being delivered.
func (n *Network) InFlight() int { return int(n.inflight.Load()) }

// Delayed reports how many packets impairments hold for a later delivery.
func (n *Network) Delayed() int { return int(n.delayed.Load()) }

// WaitIdle returns nil once no packet is queued or being delivered, or the
// context's error if that does not happen first. When it returns nil the
// network was idle at some instant after the call began.
func (n *Network) WaitIdle(ctx context.Context) error {
	n.mu.Lock()
	if n.inflight.Load() == 0 {
		n.mu.Unlock()
		return nil
	}
	if n.idle == nil {
		n.idle = make(chan struct{})
	}
	c := n.idle
	n.mu.Unlock()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *Network) add(k int) { n.inflight.Add(int64(k)) }

func (n *Network) done(k int) {
	if k == 0 || n.inflight.Add(-int64(k)) != 0 {
		return
	}
	n.mu.Lock()
	if n.idle != nil && n.inflight.Load() == 0 {
		close(n.idle)
		n.idle = nil
	}
	n.mu.Unlock()
}

// newMAC returns the next locally administered unicast address,
// 02:00:00:00:hi:lo, numbered in the order endpoints are made so that a
// test's addresses are reproducible.
func (n *Network) newMAC() net.HardwareAddr {
	v := n.macs.Add(1)
	return net.HardwareAddr{0x02, 0x00, byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}
