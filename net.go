package inet

import (
	"context"
	"net"

	"github.com/seed96fbdc48/inet/gonet"
)

// ListenPacket is net.ListenPacket on this stack: for "udp" and "udp4",
// a UDP socket bound to address ("198.18.0.2:53", ":0" for any address and
// an ephemeral port), as a *gonet.UDPConn. Addresses are IP literals, as
// package net parses them; errors are *net.OpError as net returns them
// (net.UnknownNetworkError for networks the stack does not serve yet).
// See package gonet.
func (s *Stack) ListenPacket(network, address string) (net.PacketConn, error) {
	return gonet.ListenPacket(s.Stack, network, address)
}

// Listen is net.Listen on this stack: for "tcp" and "tcp4", a TCP
// listener on address ("198.18.0.2:80", ":0" for every address and an
// ephemeral port), as a *gonet.TCPListener whose connections are
// *gonet.TCPConn. net/http and crypto/tls run on it unchanged:
//
//	ln, _ := s.Listen("tcp", ":80")
//	http.Serve(ln, handler)
func (s *Stack) Listen(network, address string) (net.Listener, error) {
	return gonet.Listen(s.Stack, network, address)
}

// DialContext is net.Dialer.DialContext on this stack: for "udp" and
// "udp4", a UDP socket connected to address, as a *gonet.UDPConn; for
// "tcp" and "tcp4", a TCP connection, as a *gonet.TCPConn. A done ctx
// fails the dial with net's error for it, also while a TCP handshake is
// under way. An http.Transport dials through it with
//
//	&http.Transport{DialContext: s.DialContext}
func (s *Stack) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return gonet.DialContext(ctx, s.Stack, network, address)
}

// Dial is DialContext with context.Background().
func (s *Stack) Dial(network, address string) (net.Conn, error) {
	return s.DialContext(context.Background(), network, address)
}
