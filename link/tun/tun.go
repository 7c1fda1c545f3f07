// Package tun attaches a stack to a Linux TUN device: a KindIP endpoint
// whose packets are the bare IPv4 packets the kernel routes to the device
// (IFF_TUN with IFF_NO_PI), so `inet serve --tun X` can own addresses behind
// it.
//
// What it promises: Open creates the device or attaches to an existing one
// (TUNSETIFF), optionally sets its MTU and brings it up; one reader
// goroutine reads into pooled buffers with pkt.DefaultHeadroom through Go's
// poller, delivering in batches whatever is readable at once (up to
// link.MaxBatch); Close interrupts a blocked read at once. Errors name the
// cause (no such device, permission, busy) and wrap the kernel's errno.
//
// The device belongs to the network namespace of the thread that calls
// Open (see nstest.NS.Do); the endpoint keeps working from any goroutine
// afterwards.
//
// Not supported yet: IFF_VNET_HDR offloads (GSO/GRO, checksum offload;
// reserved as link.CapVnetHdr for a later issue), multiqueue devices
// (IFF_MULTI_QUEUE), IFF_TAP, and following MTU changes made after Open:
// MTU reports the value read at Open, and packets longer than it are dropped
// and counted.
//
// Linux-only: on other systems Open returns an error.
package tun

// Options configure Open.
type Options struct {
	// MTU, when positive, is set on the device (SIOCSIFMTU) before use;
	// otherwise the device's own MTU is used.
	MTU int
	// Up brings the device up (SIOCSIFFLAGS with IFF_UP), as `ip link set
	// X up` does.
	Up bool
}

// Stats are an endpoint's counters.
type Stats struct {
	// RxPackets counts packets delivered; RxDropped packets read but
	// dropped for being longer than the MTU (the kernel truncates a read
	// silently, so a full buffer means a packet was cut).
	RxPackets, RxDropped uint64
	// TxPackets counts packets written; TxErrors those the kernel refused
	// or that were not written because an earlier one was refused.
	TxPackets, TxErrors uint64
}
