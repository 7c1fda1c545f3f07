package services

import (
	"net/netip"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// maxDatagram is the largest UDP payload over IPv4: 65535 less the IP and
// UDP headers. The buffer has one byte more, so nothing is ever cut.
const maxDatagram = 65535 - 20 - 8

// reservedPorts is IPPORT_RESERVED: datagrams from ports below it are not
// answered (dg_badinput).
const reservedPorts = 1024

// UDPEcho is the UDP echo service of RFC 862 on one socket.
type UDPEcho struct {
	so      *socket.Socket
	echoed  atomic.Uint64
	refused atomic.Uint64
}

// NewUDPEcho returns the echo service for a bound UDP socket; Serve runs it.
func NewUDPEcho(so *socket.Socket) *UDPEcho { return &UDPEcho{so: so} }

// Addr returns the address the service is bound to.
func (e *UDPEcho) Addr() netip.AddrPort {
	a, _ := e.so.GetSockName()
	return a
}

// Echoed returns how many datagrams were sent back.
func (e *UDPEcho) Echoed() uint64 { return e.echoed.Load() }

// Refused returns how many datagrams from reserved source ports were
// dropped.
func (e *UDPEcho) Refused() uint64 { return e.refused.Load() }

// Serve echoes every datagram to its sender until the socket is closed,
// then returns nil. The answer leaves from the address the request was
// sent to (IP_PKTINFO's ipi_spec_dst, given back as the source), so a
// service bound to INADDR_ANY on a host with several addresses answers
// from the right one. Errors of single datagrams (a send with no route, a
// full link queue) drop that datagram and the service goes on.
func (e *UDPEcho) Serve() error {
	if err := e.so.SetsockoptInt(unix.SOL_IP, unix.IP_PKTINFO, 1); err != nil {
		return err
	}
	buf := make([]byte, maxDatagram+1)
	var rctl, sctl [64]byte
	var rm, sm socket.Msg
	for {
		rm = socket.Msg{Buf: buf, Control: rctl[:]}
		n, err := e.so.RecvMsg(&rm)
		if err != nil {
			if e.so.Base().Closed() {
				return nil
			}
			continue
		}
		from := rm.Addr
		if from.Port() < reservedPorts {
			e.refused.Add(1)
			continue
		}
		sm = socket.Msg{Buf: buf[:n], Addr: from}
		if cm, err := gonet.ParseControlMessage(rctl[:rm.ControlLen]); err == nil && cm.Has&gonet.FlagPktInfo != 0 {
			reply := gonet.ControlMessage{Has: gonet.FlagPktInfo, Local: cm.Local}
			sm.Control = reply.Append(sctl[:0])
		}
		if _, err := e.so.SendMsg(&sm); err == nil {
			e.echoed.Add(1)
		}
	}
}
