// Package loopback is the stack's loopback interface, Linux's "lo": every
// packet written to it is delivered back to its own dispatcher,
// asynchronously, through the same queue machinery as package mem's links,
// so a mem.Network's WaitIdle covers loopback traffic too.
//
// What it promises: KindLoopback, MTU 65536 (Linux's default for lo since
// 3.19), link.CapChecksumOffload, and on delivery pkt.PacketHost with
// pkt.FlagLoopedBack and pkt.FlagChecksumOK set in Meta.Flags, the sender's
// Mark, Priority, IfIndex and RouteType kept (loopback_xmit keeps the mark,
// priority and output route) and the rest of Meta cleared. It implements link.Named as "lo".
//
// Not supported: lo's statistics through netlink, and packet capture other
// than through package pcap.
package loopback

import (
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
)

// MTU is the loopback MTU (drivers/net/loopback.c, LOOPBACK_MTU = 64 KiB).
const MTU = 65536

// Name is the interface name Linux gives the loopback device.
const Name = "lo"

// Endpoint is a loopback link.
type Endpoint struct {
	*mem.Endpoint
}

var (
	_ link.Endpoint = (*Endpoint)(nil)
	_ link.Named    = (*Endpoint)(nil)
)

// New returns a loopback endpoint counted on n (a private network when n is
// nil).
func New(n *mem.Network) *Endpoint {
	return &Endpoint{mem.Loop(n, mem.Options{MTU: MTU, ChecksumOffload: true})}
}

// Name returns "lo".
func (*Endpoint) Name() string { return Name }
