// Package stack wires the layers of inet together: it owns the interfaces
// (each a link.Endpoint, with ARP and a neighbour table on Ethernet links,
// and the loopback "lo"), the routing state, the IPv4 layer, the settings
// and the counters, and it is the only package that imports all of them.
//
// Receive path: a link's reader delivers a batch -> the interface strips the
// link header (ARP goes to the neighbour table) -> ipv4.Layer.Input.
// Send path: ipv4.Layer -> Interface.Transmit -> the neighbour table on
// Ethernet links -> link.Endpoint.WriteBatch.
package stack
