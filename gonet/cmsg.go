package gonet

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// ControlFlags name control messages: the ones SetControlMessage asks
// for, and the ones a ControlMessage holds.
type ControlFlags uint

const (
	// FlagPktInfo is IP_PKTINFO: on receive the interface, local address
	// and header destination; on send the source address and interface.
	FlagPktInfo ControlFlags = 1 << iota
	// FlagTTL is IP_RECVTTL on receive (the header's TTL), IP_TTL on send.
	FlagTTL
	// FlagTOS is IP_RECVTOS on receive (the header's TOS), IP_TOS on send.
	FlagTOS
	// FlagOrigDst is IP_RECVORIGDSTADDR: the original destination address
	// and port (receive only).
	FlagOrigDst
	// FlagTimestamp is SO_TIMESTAMPNS: the receive time on the stack's
	// clock (receive only).
	FlagTimestamp
)

// ControlMessage is the IP-level control messages of one datagram, as
// ip(7) describes them. Has says which fields are set.
type ControlMessage struct {
	Has ControlFlags
	// IfIndex is ipi_ifindex: the interface the datagram arrived on, or on
	// send the interface to leave by (0: the route's).
	IfIndex int
	// Local is ipi_spec_dst: on receive the local address the stack
	// would answer from (the route's preferred source for a broadcast,
	// the destination otherwise); on send the source address to use.
	Local netip.Addr
	// Dst is ipi_addr: the destination in the datagram's IP header
	// (receive only).
	Dst netip.Addr
	// TTL and TOS are the header's fields on receive; on send they
	// override IP_TTL and IP_TOS for this datagram.
	TTL int
	TOS uint8
	// OrigDst is IP_ORIGDSTADDR: the datagram's destination address and
	// port.
	OrigDst netip.AddrPort
	// Time is the receive time (SO_TIMESTAMPNS).
	Time time.Time
}

// ParseControlMessage decodes the control messages ReadMsgUDPAddrPort
// returned (oob[:oobn]) into a ControlMessage, without allocating.
// Messages it does not know are skipped; a header whose length is below
// the header's or runs past the buffer is EINVAL, as Linux's CMSG_OK
// would judge it.
func ParseControlMessage(oob []byte) (ControlMessage, error) {
	var cm ControlMessage
	hdr := socket.CmsgLen(0)
	for off := 0; off+hdr <= len(oob); {
		l := binary.NativeEndian.Uint64(oob[off:])
		if l < uint64(hdr) || l > uint64(len(oob)-off) {
			return cm, unix.EINVAL
		}
		level := int32(binary.NativeEndian.Uint32(oob[off+8:]))
		typ := int32(binary.NativeEndian.Uint32(oob[off+12:]))
		cm.decode(int(level), int(typ), oob[off+hdr:off+int(l)])
		off += socket.CmsgSpace(int(l) - hdr)
	}
	return cm, nil
}

// decode records one message; a message of the wrong length is skipped.
func (cm *ControlMessage) decode(level, typ int, d []byte) {
	switch {
	case level == unix.SOL_IP && typ == unix.IP_PKTINFO && len(d) >= 12:
		cm.Has |= FlagPktInfo
		cm.IfIndex = int(int32(binary.NativeEndian.Uint32(d)))
		cm.Local = netip.AddrFrom4([4]byte(d[4:8]))
		cm.Dst = netip.AddrFrom4([4]byte(d[8:12]))
	case level == unix.SOL_IP && typ == unix.IP_TTL && len(d) >= 4:
		cm.Has |= FlagTTL
		cm.TTL = int(int32(binary.NativeEndian.Uint32(d)))
	case level == unix.SOL_IP && typ == unix.IP_TOS && len(d) >= 1:
		cm.Has |= FlagTOS
		cm.TOS = d[0]
	case level == unix.SOL_IP && typ == unix.IP_ORIGDSTADDR && len(d) >= socket.SockaddrInLen:
		if sa, err := socket.ParseSockaddr(d); err == nil {
			cm.Has |= FlagOrigDst
			cm.OrigDst = sa.Addr
		}
	case level == unix.SOL_SOCKET && (typ == unix.SO_TIMESTAMPNS || typ == unix.SO_TIMESTAMPNS_NEW) && len(d) >= 16:
		cm.Has |= FlagTimestamp
		cm.Time = time.Unix(int64(binary.NativeEndian.Uint64(d)), int64(binary.NativeEndian.Uint64(d[8:])))
	case level == unix.SOL_SOCKET && (typ == unix.SO_TIMESTAMP || typ == unix.SO_TIMESTAMP_NEW) && len(d) >= 16:
		cm.Has |= FlagTimestamp
		cm.Time = time.Unix(int64(binary.NativeEndian.Uint64(d)), 1000*int64(binary.NativeEndian.Uint64(d[8:])))
	}
}

// Append appends the send-side control messages cm asks for to b, in
// Linux's cmsg layout, for WriteMsgUDPAddrPort: IP_PKTINFO (FlagPktInfo:
// IfIndex and Local as the interface and source), IP_TTL (FlagTTL, 1 to
// 255) and IP_TOS (FlagTOS). It allocates nothing when b has room.
func (cm *ControlMessage) Append(b []byte) []byte {
	if cm.Has&FlagPktInfo != 0 {
		var d [12]byte
		binary.NativeEndian.PutUint32(d[0:], uint32(int32(cm.IfIndex)))
		if a := cm.Local.Unmap(); a.Is4() {
			a4 := a.As4()
			copy(d[4:8], a4[:])
		}
		b = appendCmsg(b, unix.SOL_IP, unix.IP_PKTINFO, d[:])
	}
	if cm.Has&FlagTTL != 0 {
		b = appendCmsgInt(b, unix.SOL_IP, unix.IP_TTL, int32(cm.TTL))
	}
	if cm.Has&FlagTOS != 0 {
		b = appendCmsgInt(b, unix.SOL_IP, unix.IP_TOS, int32(cm.TOS))
	}
	return b
}

func appendCmsg(b []byte, level, typ int, d []byte) []byte {
	var h [16]byte
	binary.NativeEndian.PutUint64(h[0:], uint64(socket.CmsgLen(len(d))))
	binary.NativeEndian.PutUint32(h[8:], uint32(int32(level)))
	binary.NativeEndian.PutUint32(h[12:], uint32(int32(typ)))
	b = append(b, h[:socket.CmsgLen(0)]...)
	b = append(b, d...)
	var pad [8]byte
	return append(b, pad[:socket.CmsgSpace(len(d))-socket.CmsgLen(len(d))]...)
}

func appendCmsgInt(b []byte, level, typ int, v int32) []byte {
	var d [4]byte
	binary.NativeEndian.PutUint32(d[:], uint32(v))
	return appendCmsg(b, level, typ, d[:])
}

// SetControlMessage turns the receive control messages cf names on or
// off (setsockopt IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVORIGDSTADDR,
// SO_TIMESTAMPNS), as golang.org/x/net/ipv4's PacketConn does.
func (c *UDPConn) SetControlMessage(cf ControlFlags, on bool) error {
	v := 0
	if on {
		v = 1
	}
	opts := [...]struct {
		f           ControlFlags
		level, name int
	}{
		{FlagPktInfo, unix.SOL_IP, unix.IP_PKTINFO},
		{FlagTTL, unix.SOL_IP, unix.IP_RECVTTL},
		{FlagTOS, unix.SOL_IP, unix.IP_RECVTOS},
		{FlagOrigDst, unix.SOL_IP, unix.IP_RECVORIGDSTADDR},
		{FlagTimestamp, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS},
	}
	for _, o := range opts {
		if cf&o.f == 0 {
			continue
		}
		if err := c.setsockoptInt(o.level, o.name, v); err != nil {
			return err
		}
	}
	return nil
}
