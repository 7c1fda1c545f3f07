package gonet

import (
	"net"
	"net/netip"
	"sync"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Each method checks, before it tries, that the socket is open and its
// deadline has not passed (net's prepareRead and prepareWrite), then makes
// the one socket call package net would make on Linux and names that call
// in its errors: read(2) for Read, recvfrom for ReadFrom, recvmsg for
// ReadMsg, write(2), sendto and sendmsg for the writes.

// Read reads one datagram into b (read(2)): from the peer on a connected
// socket, from anyone otherwise. A datagram longer than b is truncated and
// the rest lost. An empty b returns at once, as net's Read does.
func (c *UDPConn) Read(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.readError("read", net.ErrClosed)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if c.rdl.expired() {
		return 0, c.readError("read", errDeadline)
	}
	n, err := c.so.Recv(b, 0)
	if err != nil {
		return 0, c.readError("read", err)
	}
	return n, nil
}

// ReadFromUDPAddrPort reads one datagram into b and returns its source
// (recvfrom(2)).
func (c *UDPConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	if err := c.readCheck(); err != nil {
		return 0, netip.AddrPort{}, c.readError("recvfrom", err)
	}
	n, from, err := c.so.RecvFrom(b, 0)
	if err != nil {
		return 0, netip.AddrPort{}, c.readError("recvfrom", err)
	}
	return n, from, nil
}

// ReadFrom implements net.PacketConn: ReadFromUDPAddrPort with the source
// as a *net.UDPAddr (allocated, as net allocates it).
func (c *UDPConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, udpAddr(from), nil
}

// ReadFromUDP is ReadFrom returning a *net.UDPAddr.
func (c *UDPConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	n, from, err := c.ReadFromUDPAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, udpAddr(from), nil
}

// ReadMsgUDPAddrPort reads one datagram into b and its control messages,
// in Linux's cmsg layout, into oob (recvmsg(2)). It returns the bytes of
// b and of oob filled, the message flags (MSG_TRUNC when the datagram was
// longer than b, MSG_CTRUNC when oob was too short) and the source.
// SetControlMessage chooses the messages; ParseControlMessage decodes them.
func (c *UDPConn) ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, addr netip.AddrPort, err error) {
	if err := c.readCheck(); err != nil {
		return 0, 0, 0, netip.AddrPort{}, c.readError("recvmsg", err)
	}
	m := getMsg()
	m.Buf, m.Control = b, oob
	n, err = c.so.RecvMsg(m)
	oobn, flags = m.ControlLen, m.OutFlags
	if m.HasAddr {
		addr = m.Addr
	}
	putMsg(m)
	if err != nil {
		return 0, 0, 0, netip.AddrPort{}, c.readError("recvmsg", err)
	}
	return n, oobn, flags, addr, nil
}

// ReadMsgUDP is ReadMsgUDPAddrPort returning a *net.UDPAddr.
func (c *UDPConn) ReadMsgUDP(b, oob []byte) (n, oobn, flags int, addr *net.UDPAddr, err error) {
	var ap netip.AddrPort
	n, oobn, flags, ap, err = c.ReadMsgUDPAddrPort(b, oob)
	if ap.IsValid() {
		addr = udpAddr(ap)
	}
	return
}

// Write sends b as one datagram to the peer of a connected socket
// (write(2)); on an unconnected socket it fails with EDESTADDRREQ.
func (c *UDPConn) Write(b []byte) (int, error) {
	if err := c.writeCheck(); err != nil {
		return 0, c.writeError("write", nil, err)
	}
	n, err := c.so.Send(b, 0)
	if err != nil {
		return 0, c.writeError("write", nil, err)
	}
	return n, nil
}

// WriteToUDPAddrPort sends b as one datagram to addr (sendto(2)). A
// connected socket refuses it (net.ErrWriteToConnected), as package net
// does.
func (c *UDPConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if err := c.destCheck(addr, true); err != nil {
		return 0, c.writeError("sendto", addrPort{addr}, err)
	}
	if err := c.writeCheck(); err != nil {
		return 0, c.writeError("sendto", addrPort{addr}, err)
	}
	n, err := c.so.SendTo(b, 0, addr)
	if err != nil {
		return 0, c.writeError("sendto", addrPort{addr}, err)
	}
	return n, nil
}

// WriteTo implements net.PacketConn: addr must be a *net.UDPAddr (EINVAL
// otherwise, as net answers).
func (c *UDPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	a, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: c.network, Source: c.laddr, Addr: addr, Err: unix.EINVAL}
	}
	return c.WriteToUDP(b, a)
}

// WriteToUDP is WriteTo with a *net.UDPAddr. An IP of length 0 means
// 0.0.0.0 (this host), as net's sockaddr conversion has it.
func (c *UDPConn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	var opAddr net.Addr
	if addr != nil {
		opAddr = addr
	}
	if c.connected {
		return 0, c.writeError("sendto", opAddr, net.ErrWriteToConnected)
	}
	if addr == nil {
		return 0, c.writeError("sendto", opAddr, errMissingAddress)
	}
	ap, err := addrPortOf(addr)
	if err != nil {
		return 0, c.writeError("sendto", opAddr, err)
	}
	if err := c.writeCheck(); err != nil {
		return 0, c.writeError("sendto", opAddr, err)
	}
	n, err := c.so.SendTo(b, 0, ap)
	if err != nil {
		return 0, c.writeError("sendto", opAddr, err)
	}
	return n, nil
}

// WriteMsgUDPAddrPort sends b as one datagram with the control messages
// oob (Linux's cmsg bytes: IP_PKTINFO, IP_TTL, IP_TOS ...; see
// ControlMessage.Append) to addr, or to the peer of a connected socket, for
// which addr must be the zero AddrPort (sendmsg(2)). It returns the bytes
// of b and of oob sent.
func (c *UDPConn) WriteMsgUDPAddrPort(b, oob []byte, addr netip.AddrPort) (n, oobn int, err error) {
	if err := c.destCheck(addr, false); err != nil {
		return 0, 0, c.writeError("sendmsg", addrPort{addr}, err)
	}
	if err := c.writeCheck(); err != nil {
		return 0, 0, c.writeError("sendmsg", addrPort{addr}, err)
	}
	m := getMsg()
	m.Buf, m.Control, m.Addr = b, oob, addr
	n, err = c.so.SendMsg(m)
	putMsg(m)
	if err != nil {
		return 0, 0, c.writeError("sendmsg", addrPort{addr}, err)
	}
	return n, len(oob), nil
}

// WriteMsgUDP is WriteMsgUDPAddrPort with a *net.UDPAddr (nil for a
// connected socket).
func (c *UDPConn) WriteMsgUDP(b, oob []byte, addr *net.UDPAddr) (n, oobn int, err error) {
	var ap netip.AddrPort
	var opAddr net.Addr
	if addr != nil {
		opAddr = addr
		if ap, err = addrPortOf(addr); err != nil {
			return 0, 0, c.writeError("sendmsg", opAddr, err)
		}
	}
	return c.WriteMsgUDPAddrPort(b, oob, ap)
}

// destCheck is net's check of a destination: a connected socket refuses
// one (sendto: any; sendmsg: a valid one), an unconnected socket needs
// one, and it must be IPv4.
func (c *UDPConn) destCheck(addr netip.AddrPort, sendto bool) error {
	switch {
	case c.connected && (sendto || addr.IsValid()):
		return net.ErrWriteToConnected
	case !c.connected && !addr.IsValid():
		return errMissingAddress
	case addr.IsValid() && !addr.Addr().Is4():
		return &net.AddrError{Err: "non-IPv4 address", Addr: addr.Addr().String()}
	}
	return nil
}

// addrPortOf converts a *net.UDPAddr as net's ipToSockaddrInet4 does: an
// empty IP is 0.0.0.0, an IPv4-mapped IPv6 address is its IPv4 address,
// another IPv6 address is refused, a port outside 0..65535 is EINVAL.
func addrPortOf(a *net.UDPAddr) (netip.AddrPort, error) {
	var ip netip.Addr
	switch {
	case len(a.IP) == 0:
		ip = netip.IPv4Unspecified()
	case a.IP.To4() != nil:
		ip = netip.AddrFrom4([4]byte(a.IP.To4()))
	default:
		return netip.AddrPort{}, &net.AddrError{Err: "non-IPv4 address", Addr: a.IP.String()}
	}
	if a.Port < 0 || a.Port > 0xffff {
		return netip.AddrPort{}, unix.EINVAL
	}
	return netip.AddrPortFrom(ip, uint16(a.Port)), nil
}

// msgPool holds the socket.Msg of the Msg calls: passed to the protocol
// through an interface, a Msg on the stack would escape.
var msgPool = sync.Pool{New: func() any { return new(socket.Msg) }}

func getMsg() *socket.Msg { return msgPool.Get().(*socket.Msg) }

func putMsg(m *socket.Msg) {
	*m = socket.Msg{}
	msgPool.Put(m)
}
