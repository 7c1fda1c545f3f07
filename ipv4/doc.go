// Package ipv4 is the IPv4 layer of a stack: input validation as Linux's
// ip_rcv does it (every drop counted under its SNMP name), the input route
// decision and local delivery to the registered transport protocols, basic
// forwarding (TTL, time exceeded), output of locally generated packets with
// Linux's header choices (TTL, identifiers, DF), and ICMP (echo, protocol
// unreachable, errors with Linux's rules and rate limits, errors delivered to
// the protocol that sent the quoted datagram). IP options are acted upon as
// Linux does (options.go): checked on input, where Record Route and
// Timestamp get this host's entries; echoed in ICMP answers and errors
// (ip_options_echo, the reversed source route included); given the
// sender's entries on output (ip_options_build); a forwarded packet's
// Record Route gets the outgoing address (ip_forward_options). Timestamps
// come from the layer's clock.
//
// The layer reaches the links through Device, the transports through
// Protocol, raw sockets through RawHandler, and the packet filter through
// Filter at Linux's five hook points; it imports none of them.
//
// Not yet (each has its own issue): accepting source-routed packets
// (accept_source_route, ip_options_rcv_srr, source-routed forwarding: they
// are dropped, as with Linux's default), Router Alert delivery to raw
// sockets, fragmentation and reassembly, the PMTU cache, IGMP and multicast
// membership, ICMP redirects, rp_filter.
package ipv4
