// Package ipv4 is the IPv4 layer of a stack: input validation as Linux's
// ip_rcv does it (every drop counted under its SNMP name), the input route
// decision and local delivery to the registered transport protocols, basic
// forwarding (TTL, time exceeded), output of locally generated packets with
// Linux's header choices (TTL, identifiers, DF), and ICMP (echo, protocol
// unreachable, errors with Linux's rules and rate limits, errors delivered to
// the protocol that sent the quoted datagram).
//
// The layer reaches the links through Device, the transports through
// Protocol, raw sockets through RawHandler, and the packet filter through
// Filter at Linux's five hook points; it imports none of them.
//
// Not yet (each has its own issue): IP option processing beyond validation
// (record route, timestamps, source routing, router alert delivery),
// fragmentation and reassembly, the PMTU cache, IGMP and multicast
// membership, ICMP redirects, rp_filter.
package ipv4
