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

// DialContext is net.Dialer.DialContext on this stack: for "udp" and
// "udp4", a UDP socket connected to address, as a *gonet.UDPConn. A done
// ctx fails the dial with net's error for it.
func (s *Stack) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return gonet.DialContext(ctx, s.Stack, network, address)
}

// Dial is DialContext with context.Background().
func (s *Stack) Dial(network, address string) (net.Conn, error) {
	return s.DialContext(context.Background(), network, address)
}
