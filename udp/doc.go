// Package udp is UDP (RFC 768) with the behaviour of Linux's net/ipv4/udp.c
// and udp(7): binding with SO_REUSEADDR and SO_REUSEPORT groups, ephemeral
// ports drawn as udp_lib_get_port draws them, socket lookup scored as
// compute_score scores it, broadcast delivered to every matching socket,
// checksums verified lazily at recvmsg as Linux does (zero accepted), ICMP
// port unreachable for closed ports, ICMP errors mapped to the socket that
// sent the quoted datagram (sk_err and the IP_RECVERR queue), corking
// with UDP_CORK and MSG_MORE as udp_sendmsg corks (one pending datagram,
// its memory seen by SIOCOUTQ and poll), and the Udp: counters under
// Linux's names.
//
// Not yet: UDP_SEGMENT (GSO) and UDP_GRO, UDP-Lite, encapsulation
// sockets, multicast delivery (the multicast issue), fragmentation of large
// datagrams (the fragmentation issue: until then a datagram above the path
// MTU fails with EMSGSIZE, a corked one when it is pushed).
package udp
