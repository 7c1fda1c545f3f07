package difftest

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/seed96fbdc48/inet/wire"
)

// Peer returns B.
func (r *R) Peer() *Peer { return r.w.Peer }

// PeerSend makes B send d (recorded only when B fails to send).
func (r *R) PeerSend(d Datagram) {
	if err := r.w.Peer.Send(d); err != nil {
		r.Record(fmt.Sprintf("peer sendto(%s)", d.Dst), fmtErr(err))
	}
}

// PeerSendTo makes B send data from B:srcPort to dst.
func (r *R) PeerSendTo(srcPort int, dst string, data string) {
	r.PeerSend(Datagram{SrcPort: srcPort, Dst: AP(dst), Data: []byte(data)})
}

// PeerSendIP makes B send a whole IPv4 packet through a raw socket (see
// Peer.SendIP).
func (r *R) PeerSendIP(b []byte) {
	if err := r.w.Peer.SendIP(b); err != nil {
		r.Record("peer raw send", fmtErr(err))
	}
}

// PeerSendICMP makes B send an ICMP message to A (see Peer.SendICMP).
func (r *R) PeerSendICMP(typ, code uint8, rest uint32, body []byte) {
	if err := r.w.Peer.SendICMP(typ, code, rest, body); err != nil {
		r.Record("peer icmp", fmtErr(err))
	}
}

// PeerListen opens a UDP socket on B at port (closed when the case ends).
func (r *R) PeerListen(port int) *PeerSock {
	ps, err := r.w.Peer.Listen(netip.Addr{}, port)
	if err != nil {
		r.Fatal("peer listen %d: %v", port, err)
	}
	r.closers = append(r.closers, ps.Close)
	return ps
}

// PeerRecv waits (bounded) for a datagram on B's socket and records what B
// got: data, source, and the TTL, TOS and options of its IP header.
func (r *R) PeerRecv(ps *PeerSock) *PeerMsg {
	m, err := ps.Recv(Wait)
	if err != nil {
		r.Record("peer recv", err.Error())
		return nil
	}
	s := fmt.Sprintf("%s from %s ttl=%d tos=%#x", fmtData(m.Data), r.n.addrPort(m.From), m.TTL, m.TOS)
	if m.Options != nil {
		s += " opts=" + fmtOpts(m.Options)
	}
	if m.Dst != AddrB {
		s += " dst=" + m.Dst.String()
	}
	r.Record("peer recv", s)
	return m
}

// Capture starts capturing what arrives at B (stopped when the case ends).
func (r *R) Capture() *Capture {
	c, err := r.w.Peer.Capture()
	if err != nil {
		r.Fatal("capture: %v", err)
	}
	r.closers = append(r.closers, c.Close)
	return c
}

// Captured waits for the next packet match accepts and records its
// header: TOS, total length, the ID as policy (zero or not), DF, TTL,
// protocol, addresses, options, whether the header checksum is right, and
// for UDP the ports, length and checksum status. It returns the packet.
func (r *R) Captured(c *Capture, what string, match func(wire.IPv4) bool) wire.IPv4 {
	ip, ok := c.Next(Wait, match)
	if !ok {
		r.Record("wire "+what, "nothing")
		return nil
	}
	r.Record("wire "+what, r.fmtIP(ip))
	return ip
}

// UDPTo matches UDP packets to port.
func UDPTo(port int) func(wire.IPv4) bool {
	return func(ip wire.IPv4) bool {
		p := ip.Payload()
		return ip.Protocol() == wire.ProtoUDP && len(p) >= 8 && int(p[2])<<8|int(p[3]) == port
	}
}

// ICMPFromA matches ICMP packets.
func ICMPFromA(ip wire.IPv4) bool { return ip.Protocol() == wire.ProtoICMP }

func (r *R) fmtIP(ip wire.IPv4) string {
	var sb strings.Builder
	id := "0"
	if ip.ID() != 0 {
		id = "nonzero"
	}
	fmt.Fprintf(&sb, "tos=%#x len=%d id=%s df=%v mf=%v off=%d ttl=%d proto=%d %s>%s", ip.TOS(), ip.TotalLen(), id,
		ip.DF(), ip.MF(), ip.FragOffset(), ip.TTL(), ip.Protocol(), ip.Src(), ip.Dst())
	if o := ip.Options(); len(o) > 0 {
		sb.WriteString(" opts=" + fmtOpts(o))
	}
	if !ip.ValidChecksum() {
		sb.WriteString(" BAD-IP-CSUM")
	}
	p := ip.Payload()
	switch ip.Protocol() {
	case wire.ProtoUDP:
		if len(p) >= 8 {
			u := wire.UDP(p)
			cs := "ok"
			switch {
			case u.Checksum() == 0:
				cs = "zero"
			case len(p) >= u.Length() && u.Length() >= 8 &&
				wire.Sum(p[:u.Length()], wire.PseudoHeaderSum(ip.Src(), ip.Dst(), wire.ProtoUDP, u.Length())) != 0xffff:
				cs = "BAD"
			}
			fmt.Fprintf(&sb, " udp %s>%s ulen=%d csum=%s data=%s", r.n.port(u.SrcPort()), r.n.port(u.DstPort()), u.Length(), cs, fmtData(p[8:]))
		}
	case wire.ProtoICMP:
		if len(p) >= 8 {
			fmt.Fprintf(&sb, " icmp type=%d code=%d rest=%s quoted=%d bytes", p[0], p[1], hexBytes(p[4:8]), len(p)-8)
		}
	case wire.ProtoTCP:
		if len(p) >= wire.TCPMinHeaderLen {
			tc := wire.TCP(p)
			fmt.Fprintf(&sb, " tcp %s>%s flags=%s", r.n.port(tc.SrcPort()), r.n.port(tc.DstPort()), tcpFlags(tc.Flags()))
		}
	}
	return sb.String()
}

// Marker is the payload Flush sends.
const Marker = "marker"

// Flush proves what reached B's socket ps (and capture c, when not nil)
// without waiting for nothing: a new socket of A's sends Marker to ps's
// port, and everything B got before it is recorded, then the marker. As
// the link keeps order, a datagram not seen before the marker was not sent.
func (r *R) Flush(ps *PeerSock, port int, c *Capture) {
	m := r.UDP()
	r.SendTo(m, []byte(Marker), 0, fmt.Sprintf("%s:%d", AddrB, port))
	if c != nil {
		for i := 0; i < 16; i++ {
			ip := r.Captured(c, "datagram", UDPTo(port))
			if ip == nil || bytes.HasSuffix(ip.Payload(), []byte(Marker)) {
				break
			}
		}
	}
	for i := 0; i < 16; i++ {
		pm := r.PeerRecv(ps)
		if pm == nil || string(pm.Data) == Marker {
			break
		}
	}
}

// FlushA proves what reached A's socket s: B sends Marker from port to
// s's address, and A reads (recording) until the marker arrives.
func (r *R) FlushA(s int, port int, to string) {
	r.PeerSend(Datagram{SrcPort: port, Dst: AP(to), Data: []byte(Marker)})
	for i := 0; i < 16; i++ {
		res := r.Recv(s, 0)
		if res.Err != nil || string(res.Data) == Marker {
			break
		}
	}
}

// CaptureAll records every packet B's capture c saw from A up to a marker
// A sends to B's socket ps on port: proof of what A sent, and of what it
// did not, without waiting for nothing.
func (r *R) CaptureAll(c *Capture, ps *PeerSock, port int) {
	m := r.UDP()
	r.SendTo(m, []byte(Marker), 0, fmt.Sprintf("%s:%d", AddrB, port))
	for i := 0; i < 16; i++ {
		ip := r.Captured(c, "packet", nil)
		if ip == nil || (ip.Protocol() == wire.ProtoUDP && bytes.HasSuffix(ip.Payload(), []byte(Marker))) {
			break
		}
	}
	r.PeerRecv(ps)
}

// tcpFlags names a TCP header's flags.
func tcpFlags(f uint16) string {
	var parts []string
	for _, n := range []struct {
		f    uint16
		name string
	}{{wire.TCPFlagSYN, "SYN"}, {wire.TCPFlagACK, "ACK"}, {wire.TCPFlagFIN, "FIN"}, {wire.TCPFlagRST, "RST"}, {wire.TCPFlagPSH, "PSH"}} {
		if f&n.f != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "|")
}

// TCPFromA matches TCP packets.
func TCPFromA(ip wire.IPv4) bool { return ip.Protocol() == wire.ProtoTCP }
