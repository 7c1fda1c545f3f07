package gonet

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// resolveAddr parses address for network ("udp", "udp4", "tcp" or "tcp4")
// as package net's ResolveUDPAddr and ResolveTCPAddr do when the host is
// an IP literal: "host:port", with the host in brackets if it has
// colons; an empty host or address is 0.0.0.0 (INADDR_ANY to bind; this host to connect, as Linux connects
// 0.0.0.0 to itself); the port is a number or a service name from the
// host's services database (net.LookupPort). "localhost" is 127.0.0.1
// (RFC 6761 §6.3); other names are *net.DNSError, as a lookup that found
// nothing. An IPv6 address is returned as is for "udp" and "tcp" (the socket call
// will refuse it) and is net's *net.AddrError "no suitable address found"
// for "udp4" and "tcp4". The errors are net's own, unwrapped.
func resolveAddr(ctx context.Context, network, address string) (netip.AddrPort, error) {
	var host, port string
	if address != "" {
		var err error
		if host, port, err = net.SplitHostPort(address); err != nil {
			return netip.AddrPort{}, err
		}
	}
	portnum, err := net.DefaultResolver.LookupPort(ctx, network, port)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var ip netip.Addr
	switch {
	case host == "":
		ip = netip.IPv4Unspecified()
	case strings.EqualFold(host, "localhost"):
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	default:
		a, err := netip.ParseAddr(host)
		if err != nil {
			return netip.AddrPort{}, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		ip = a.Unmap()
		if !ip.Is4() && (network == "udp4" || network == "tcp4") {
			return netip.AddrPort{}, &net.AddrError{Err: errNoSuitableAddress, Addr: host}
		}
	}
	return netip.AddrPortFrom(ip, uint16(portnum)), nil
}

// opAddr returns ap as the Addr of an error: a *net.UDPAddr (with a 16-byte
// IP for IPv6), or nil for the zero AddrPort.
func opAddr(ap netip.AddrPort) net.Addr {
	if !ap.IsValid() {
		return nil
	}
	if ap.Addr().Is4() {
		return udpAddr(ap)
	}
	return net.UDPAddrFromAddrPort(ap)
}
