// Package packet attaches a stack to a host interface through an AF_PACKET
// SOCK_RAW socket: a KindEthernet endpoint that sends and receives whole
// Ethernet frames on a named interface, typically one end of a veth pair
// whose other end is the kernel's host side (`inet serve --veth X`).
//
// What it promises: the endpoint's MAC address and MTU are the interface's;
// frames the kernel reports as PACKET_OUTGOING (our own transmissions) are
// never delivered (PACKET_IGNORE_OUTGOING, and sll_pkttype checked too);
// every delivered frame's pkt.Meta.PktType is its sll_pkttype (host,
// broadcast, multicast, otherhost); reads and writes are batched with
// recvmmsg and sendmmsg through Go's poller, so Close interrupts a blocked
// read at once.
//
// The socket asks for a virtio_net_hdr on every frame (PACKET_VNET_HDR).
// On receive it tells which frames the kernel left with a partial checksum
// (CHECKSUM_PARTIAL: a veth advertises checksum offload, so the kernel's
// TCP and UDP frames cross it with only the pseudo-header summed); the
// reader completes those checksums, so the stack sees frames as they would
// be on a wire. GSO super-frames (a veth also advertises TSO) are dropped
// and counted in Stats.RxGSO until the offload issue segments them; keep
// the kernel from building them with `ip link set <kernel end> gso_max_segs
// 1` or `ethtool -K <kernel end> tso off gso off`.
//
// What the namespace must look like: the interface the endpoint binds
// (say veth1) must be up and carry no IPv4 address, above all not the
// addresses the stack owns: the kernel sees every frame arriving on it too,
// and would answer ARP for its own addresses there (arp_ignore=0 answers for
// any local address on any interface) and send resets for TCP it does not
// know. The kernel's side is the peer (veth0, say 198.18.0.1/24), in the
// same or another namespace. Keep net.ipv4.ip_forward off there, so the
// kernel does not route the stack's frames it also receives on veth1.
// IPv6 on veth1 adds router solicitations and MLD reports the stack will
// ignore; net.ipv6.conf.veth1.disable_ipv6=1 silences them.
//
// The socket belongs to the network namespace of the thread that calls
// Open (see nstest.NS.Do).
//
// Not supported yet: GSO/GRO (see above), VLAN tags (frames keep them, the
// stack sees EtherType 0x8100), PACKET_MMAP rings, following MTU or address
// changes made after Open, and link state changes.
//
// Linux-only: on other systems Open returns an error.
package packet

// Options configure Open.
type Options struct {
	// Up brings the interface up (SIOCSIFFLAGS with IFF_UP), as `ip link
	// set X up` does.
	Up bool
}

// Stats are an endpoint's counters.
type Stats struct {
	// RxPackets counts frames delivered. RxDropped counts frames dropped
	// for being longer than the buffers (MTU plus an Ethernet header and
	// a VLAN tag) or with a checksum request pointing outside the frame;
	// RxGSO counts GSO super-frames dropped.
	RxPackets, RxDropped, RxGSO uint64
	// TxPackets counts frames sent; TxErrors those the kernel refused or
	// that were not sent because an earlier one was refused.
	TxPackets, TxErrors uint64
}
