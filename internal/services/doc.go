// Package services runs the small Internet services over inet sockets, for
// `inet serve` and the demo: echo (RFC 862) over UDP and TCP, discard (RFC
// 863) and an HTTP server.
//
// A Server owns a set of services, each on its own socket and goroutine,
// and stops them all with Close. UDPEcho serves one socket; the TCP
// services (TCPEcho, Discard, HTTP) listen through gonet and serve each
// connection on a goroutine of its own (the application's: the stack keeps
// none per connection); Close closes their listeners and open connections
// too.
//
// What is promised:
//   - UDP echo: every datagram that arrives is sent back, unchanged, to the
//     address and port it came from, from the address it was sent to;
//     datagrams from source ports below 1024 are dropped (counted in
//     Refused), as BSD inetd's dg_badinput drops them, so that two small
//     services (echo, chargen) cannot be set to answer each other forever.
//     The steady-state receive-and-echo path allocates nothing.
//   - TCP echo: the bytes a client sends come back in order until it
//     closes its side; then the service closes. Discard reads and counts
//     everything and sends nothing.
//   - HTTP (Handler): GET / answers "ok\n"; GET /bytes?n=N streams exactly
//     N bytes (N decimal, 0 to MaxBytes) whose byte at offset i is
//     byte(i % 251), with a Content-Length, from a fixed buffer, so no
//     request holds N bytes; a missing or malformed n is 400, other paths
//     404, methods other than GET and HEAD 405.
//
// Not yet: chargen, daytime, time; limits on the number of TCP connections
// a service serves at once.
package services
