// Package services runs the small Internet services over inet sockets, for
// `inet serve` and the demo: today the UDP echo service of RFC 862.
//
// A Server owns a set of services, each on its own socket and goroutine,
// and stops them all with Close. A service is a value with a Serve method
// that runs until its socket is closed (UDPEcho); Server.start is how a new
// one (the TCP issue's echo and discard of RFC 862 and RFC 863, an HTTP
// server through gonet) joins the set.
//
// What is promised: every datagram that arrives is sent back, unchanged, to
// the address and port it came from, from the address it was sent to;
// datagrams from source ports below 1024 are dropped (counted in Refused),
// as BSD inetd's dg_badinput drops them, so that two small services (echo,
// chargen) cannot be set to answer each other forever. The steady-state
// receive-and-echo path allocates nothing.
//
// Not yet: TCP echo (RFC 862), discard (RFC 863), HTTP: they come with
// TCP.
package services
