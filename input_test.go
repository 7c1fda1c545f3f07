package inet_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/wire"
)

// The input-validation table: hand-built packets sent to a host that owns
// 198.18.0.1/24 from a peer at 198.18.0.2, with the counters Linux moves
// for each and what it answers. TestInputValidation runs it against the
// stack; TestInputValidationKernel (input_linux_test.go) runs the same
// packets against the kernel in a namespace, through a TUN device or a veth
// pair, and requires the kernel's counters and answers to match: the table
// is the kernel's behaviour written down.

const (
	hostIP = "198.18.0.1"
	peerIP = "198.18.0.2"
	// fwdNet is the host's second link (IP, MTU 576), where packets it
	// forwards leave; 198.19.0.9 lies beyond it.
	fwdNet = "198.19.0.1/24"
)

// Link-level destinations of a case on an Ethernet link.
type ethDst uint8

const (
	onIP        ethDst = iota // an IP link: a TUN device, a KindIP pipe
	ethHost                   // the host's own MAC
	ethBcast                  // ff:ff:ff:ff:ff:ff
	ethMcast                  // 01:00:5e:00:00:01
	ethOtherHst               // another host's MAC: PACKET_OTHERHOST
)

// otherMAC is the MAC of a host that is neither the host nor the peer.
var otherMAC = wire.MAC{0x02, 0x00, 0x5e, 0x10, 0x99, 0x99}

// inputCase is one packet and Linux's reaction to it.
type inputCase struct {
	name string
	link ethDst
	pkt  []byte // the IPv4 packet (on Ethernet, the frame's payload)
	// sysctls are set for the case, on the kernel and on the stack
	// (names valid on both; "IF" stands for the host's interface).
	sysctls [][2]string
	// want lists the counters that move: "Ip:InReceives" moves by one,
	// "Ip:InReceives=2" by two. Octet counters and RtCache:in_slow_tot
	// are left out (the kernel comparison checks octets).
	want string
	// answer is what the host sends the peer, in order (see describe).
	answer []string
	// gap, when set, says how inet differs from Linux today: the kernel is
	// held to want and answer, the stack to stackWant and stackAnswer.
	gap         string
	stackWant   string
	stackAnswer []string
}

// Counter sets common to many cases.
const (
	rx       = "Ip:InReceives IpExt:InNoECTPkts "
	echoed   = rx + "Ip:InDelivers Ip:OutRequests Ip:OutTransmits Icmp:InMsgs Icmp:InEchos Icmp:OutMsgs Icmp:OutEchoReps IcmpMsg:InType8 IcmpMsg:OutType0"
	icmpOut  = " Ip:OutRequests Ip:OutTransmits Icmp:OutMsgs"
	paramOut = icmpOut + " Icmp:OutParmProbs IcmpMsg:OutType12"
	unreach  = icmpOut + " Icmp:OutDestUnreachs IcmpMsg:OutType3"
)

// pktOpts describe a hand-built IPv4 packet.
type pktOpts struct {
	src, dst string
	tos      uint8
	ttl      uint8
	id       uint16
	ff       uint16 // flags and fragment offset, as on the wire
	proto    uint8
	options  []byte
	payload  []byte
}

// ip4 builds a well-formed packet.
func ip4(o pktOpts) []byte {
	if o.src == "" {
		o.src = peerIP
	}
	if o.dst == "" {
		o.dst = hostIP
	}
	if o.ttl == 0 {
		o.ttl = 64
	}
	h := wire.IPv4Header{
		TOS: o.tos, ID: o.id, FlagsFrag: o.ff, TTL: o.ttl, Protocol: o.proto,
		Src: netip.MustParseAddr(o.src), Dst: netip.MustParseAddr(o.dst), Options: o.options,
	}
	hl := h.Len()
	h.TotalLen = hl + len(o.payload)
	b := make([]byte, h.TotalLen)
	h.Emit(b)
	copy(b[hl:], o.payload)
	return b
}

// icmpMsg builds an ICMP message with a correct checksum.
func icmpMsg(typ, code uint8, rest uint32, data []byte) []byte {
	b := make([]byte, wire.ICMPHeaderLen+len(data))
	h := wire.ICMPHeader{Type: typ, Code: code, Rest: rest}
	h.Emit(b)
	copy(b[wire.ICMPHeaderLen:], data)
	wire.ICMP(b).ComputeChecksum()
	return b
}

func echoData(n int) []byte {
	d := make([]byte, n)
	for i := range d {
		d[i] = byte(i)
	}
	return d
}

// echo builds an echo request from the peer; o's proto and payload are
// filled in.
func echo(id uint16, o pktOpts) []byte {
	o.proto = wire.ProtoICMP
	o.payload = icmpMsg(wire.ICMPEcho, 0, wire.EchoRest(id, 1), echoData(16))
	return ip4(o)
}

// proto253 builds a packet of a protocol nobody speaks.
func proto253(o pktOpts) []byte {
	o.proto = 253
	o.payload = []byte("protocol 253 payload")
	return ip4(o)
}

// edit changes a packet's bytes; recsum recomputes the header checksum
// afterwards (over the header length the edited packet claims).
func edit(b []byte, recsum bool, f func(b []byte)) []byte {
	b = slices.Clone(b)
	f(b)
	if recsum {
		hl := int(b[0]&0xf) * 4
		if hl > len(b) {
			hl = len(b)
		}
		b[10], b[11] = 0, 0
		binary.BigEndian.PutUint16(b[10:], wire.Checksum(b[:hl]))
	}
	return b
}

// quoteOf returns what an ICMP error quotes of p: its header and the first
// 8 bytes after it.
func quoteOf(p []byte) []byte {
	hl := int(p[0]&0xf) * 4
	return slices.Clone(p[:hl+8])
}

// describe renders an answer the host sent for comparison: "echo-reply",
// "icmp 12/0 ptr 22", "icmp 3/2", or "proto N len L" for anything else.
func describe(b []byte) string {
	h, err := wire.ParseIPv4(b)
	if err != nil {
		return fmt.Sprintf("malformed % x", b)
	}
	if h.Protocol() != wire.ProtoICMP {
		return fmt.Sprintf("proto %d len %d", h.Protocol(), len(b))
	}
	m, err := wire.ParseICMP(h.Payload())
	if err != nil {
		return fmt.Sprintf("short icmp % x", b)
	}
	switch m.Type() {
	case wire.ICMPEchoReply:
		return "echo-reply"
	case wire.ICMPParameterProb:
		return fmt.Sprintf("icmp %d/%d ptr %d", m.Type(), m.Code(), m.Pointer())
	}
	return fmt.Sprintf("icmp %d/%d", m.Type(), m.Code())
}

// parseWant turns a want string into counter deltas.
func parseWant(s string) map[string]uint64 {
	m := make(map[string]uint64)
	for _, f := range strings.Fields(s) {
		name, n, ok := strings.Cut(f, "=")
		v := uint64(1)
		if ok {
			x, err := strconv.ParseUint(n, 10, 64)
			if err != nil {
				panic("bad want " + f)
			}
			v = x
		}
		m[name] += v
	}
	return m
}

// ignoredInTable are counters the table leaves out: octets (the kernel
// comparison checks them) and the routing-cache slow-path count every
// routed packet bumps.
func ignoredInTable(name string) bool {
	return strings.HasSuffix(name, "Octets") || name == "RtCache:in_slow_tot"
}

// deltas returns the counters that moved between two snapshots.
func deltas(before, after map[string]uint64) map[string]uint64 {
	d := make(map[string]uint64)
	for k, v := range after {
		if v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}

// diffCounters lists the differences between got and want, over the names
// keep accepts.
func diffCounters(got, want map[string]uint64, keep func(string) bool) []string {
	var out []string
	for _, k := range sortedKeys(got, want) {
		if keep != nil && !keep(k) {
			continue
		}
		if got[k] != want[k] {
			out = append(out, fmt.Sprintf("%s %+d (want %+d)", k, int64(got[k]), int64(want[k])))
		}
	}
	return out
}

func sortedKeys(ms ...map[string]uint64) []string {
	var ks []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(ks, k) {
				ks = append(ks, k)
			}
		}
	}
	slices.Sort(ks)
	return ks
}

// fwdOn turns forwarding on for a case.
var fwdOn = [][2]string{{"net.ipv4.ip_forward", "1"}}

// inputCases is the table. Cases on an IP link cannot carry a version
// other than 4: a TUN device refuses to inject them (and the stack drops
// them on an IP link uncounted, as that device never delivers them), so
// those are on Ethernet.
func inputCases() []inputCase {
	okEcho := echo(1, pktOpts{})
	ihl6 := edit(okEcho, true, func(b []byte) { b[0] = 0x46 })
	fragFirst := echo(10, pktOpts{id: 1001, ff: wire.IPv4FlagMF})
	fragLater := ip4(pktOpts{id: 1002, ff: 3, proto: wire.ProtoICMP, payload: make([]byte, 16)})
	pp := func(opts []byte) []byte { return echo(20, pktOpts{options: opts}) }
	destUnreach := func(o pktOpts) []byte {
		o.proto = wire.ProtoICMP
		o.payload = icmpMsg(wire.ICMPDestUnreach, wire.ICMPPortUnreach, 0,
			quoteOf(ip4(pktOpts{src: hostIP, dst: peerIP, proto: wire.ProtoUDP, payload: make([]byte, 8)})))
		return ip4(o)
	}
	icmpOfType := func(typ uint8) []byte {
		return ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(typ, 0, 0, echoData(8))})
	}
	return []inputCase{
		{name: "valid echo", pkt: okEcho, want: echoed, answer: []string{"echo-reply"}},

		{name: "echo with TTL 1", pkt: echo(1, pktOpts{ttl: 1}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with DF", pkt: echo(1, pktOpts{ff: wire.IPv4FlagDF}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with TOS 0x10", pkt: echo(1, pktOpts{tos: 0x10}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with DSCP and CE", pkt: echo(1, pktOpts{tos: 0xbb}), want: strings.Replace(echoed, "InNoECTPkts", "InCEPkts", 1), answer: []string{"echo-reply"}},
		{name: "echo of 1400 bytes", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPEcho, 0, wire.EchoRest(1, 1), echoData(1400))}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo of odd length", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPEcho, 0, wire.EchoRest(1, 1), echoData(17))}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with no-op options", pkt: echo(1, pktOpts{options: []byte{1, 1, 1, 1}}), want: echoed, answer: []string{"echo-reply"}},

		// ip_rcv_core, in its order.
		{name: "shorter than a header", pkt: okEcho[:19], want: "Ip:InReceives Ip:InHdrErrors"},
		{name: "IHL 4", pkt: edit(okEcho, true, func(b []byte) { b[0] = 0x44 }), want: "Ip:InReceives Ip:InHdrErrors"},
		{name: "IHL 15 beyond the packet", pkt: edit(okEcho[:40], true, func(b []byte) { b[0] = 0x4f }), want: rx + "Ip:InHdrErrors"},
		{name: "bad header checksum", pkt: edit(okEcho, false, func(b []byte) { b[10] ^= 0x5a }), want: rx + "Ip:InHdrErrors IpExt:InCsumErrors"},
		{name: "total length beyond the packet", pkt: edit(okEcho, true, func(b []byte) { binary.BigEndian.PutUint16(b[2:], uint16(len(b)+1)) }), want: rx + "IpExt:InTruncatedPkts"},
		{name: "total length below the header", pkt: edit(okEcho, true, func(b []byte) { binary.BigEndian.PutUint16(b[2:], 19) }), want: rx + "Ip:InHdrErrors"},
		{name: "total length below IHL", pkt: edit(ihl6, true, func(b []byte) { binary.BigEndian.PutUint16(b[2:], 22) }), want: rx + "Ip:InHdrErrors"},
		{name: "padding after the total length", pkt: append(slices.Clone(okEcho), make([]byte, 13)...), want: echoed, answer: []string{"echo-reply"}},

		// ECN codepoints (IpExt In*Pkts by the low two bits of TOS).
		{name: "ECT(1)", pkt: echo(2, pktOpts{tos: 1}), want: strings.Replace(echoed, "InNoECTPkts", "InECT1Pkts", 1), answer: []string{"echo-reply"}},
		{name: "ECT(0)", pkt: echo(2, pktOpts{tos: 2}), want: strings.Replace(echoed, "InNoECTPkts", "InECT0Pkts", 1), answer: []string{"echo-reply"}},
		{name: "CE", pkt: echo(2, pktOpts{tos: 3}), want: strings.Replace(echoed, "InNoECTPkts", "InCEPkts", 1), answer: []string{"echo-reply"}},

		// Martians (ip_route_input_slow): RtCache only, nothing in Ip.
		{name: "multicast source", pkt: echo(3, pktOpts{src: "224.0.0.5"}), want: rx + "RtCache:in_martian_src"},
		{name: "limited broadcast source", pkt: echo(3, pktOpts{src: "255.255.255.255"}), want: rx + "RtCache:in_martian_src"},
		// Since Linux 5.3 ("Allow 0.0.0.0/8 as a valid address range")
		// only 0.0.0.0 itself is a zero-network martian: 0.1.2.3 is an
		// ordinary source (delivered; the reply finds no route) and
		// 0.0.0.5 an ordinary destination.
		{name: "0/8 source", pkt: echo(3, pktOpts{src: "0.1.2.3"}), want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InEchos IcmpMsg:InType8"},
		{name: "unspecified source to unicast", pkt: echo(3, pktOpts{src: "0.0.0.0"}), want: rx + "RtCache:in_martian_src"},
		{name: "loopback source", pkt: echo(3, pktOpts{src: "127.0.0.1"}), want: rx + "RtCache:in_martian_src"},
		// With rp_filter off, fib_validate_source refuses only our own
		// addresses: a broadcast source is answered, to the broadcast,
		// and the reply loops back to us (and is refused by ICMP).
		{name: "subnet broadcast source", pkt: echo(3, pktOpts{src: "198.18.0.255"}), answer: []string{"echo-reply"},
			want: "Ip:InReceives=2 IpExt:InNoECTPkts=2 Ip:InDelivers=2 Ip:OutRequests Ip:OutTransmits Icmp:InMsgs=2 Icmp:InEchos Icmp:InEchoReps Icmp:InErrors" +
				" Icmp:OutMsgs Icmp:OutEchoReps IcmpMsg:InType8 IcmpMsg:InType0 IcmpMsg:OutType0 IpExt:InBcastPkts IpExt:OutBcastPkts"},
		{name: "network address source", pkt: echo(3, pktOpts{src: "198.18.0.0"}), want: echoed, answer: []string{"echo-reply"}},
		{name: "network address destination", pkt: echo(3, pktOpts{dst: "198.18.0.0"}), want: rx + "Ip:InAddrErrors RtCache:in_no_route"},
		{name: "our own address as source", pkt: echo(3, pktOpts{src: hostIP}), want: rx + "RtCache:in_martian_src"},
		{name: "0/8 destination", pkt: echo(3, pktOpts{dst: "0.0.0.5"}), want: rx + "Ip:InAddrErrors RtCache:in_no_route"},
		{name: "loopback destination", pkt: echo(3, pktOpts{dst: "127.0.0.1"}), want: rx + "RtCache:in_martian_dst"},

		// Not ours (ip_error with forwarding off).
		{name: "another host on the subnet", pkt: echo(4, pktOpts{dst: "198.18.0.77"}), want: rx + "Ip:InAddrErrors RtCache:in_no_route"},
		{name: "no route", pkt: echo(4, pktOpts{dst: "198.51.100.7"}), want: rx + "Ip:InAddrErrors RtCache:in_no_route"},

		// Forwarding (ip_forward=1), out of the second link.
		{name: "forwarded", pkt: echo(11, pktOpts{dst: "198.19.0.9"}), sysctls: fwdOn,
			want: rx + "Ip:ForwDatagrams Ip:OutTransmits"},
		{name: "forwarded with TTL 1", pkt: echo(11, pktOpts{dst: "198.19.0.9", ttl: 1}), sysctls: fwdOn,
			want: rx + "Ip:InHdrErrors Icmp:OutTimeExcds IcmpMsg:OutType11" + icmpOut, answer: []string{"icmp 11/0"}},
		{name: "forwarded, DF over the MTU", pkt: ip4(pktOpts{dst: "198.19.0.9", ff: wire.IPv4FlagDF, proto: 253, payload: make([]byte, 1000)}), sysctls: fwdOn,
			want: rx + "Ip:ForwDatagrams Ip:FragFails" + unreach, answer: []string{"icmp 3/4"}},
		{name: "forwarded, over the MTU", pkt: ip4(pktOpts{dst: "198.19.0.9", proto: 253, payload: make([]byte, 1000)}), sysctls: fwdOn,
			want: rx + "Ip:ForwDatagrams Ip:FragOKs Ip:FragCreates=2 Ip:OutTransmits=2",
			gap:  "no fragmentation yet", stackWant: rx + "Ip:ForwDatagrams Ip:FragFails"},
		// From a source of its own: ip_error's limit shares its tokens
		// with the ICMP limit, which the kernel's icmp_ratelimit=0
		// (kernelSetup) leaves empty after every error to a source.
		{name: "forwarding, no route", pkt: echo(11, pktOpts{src: "198.18.0.3", dst: "198.51.100.7"}), sysctls: fwdOn,
			want: rx + "IpExt:InNoRoutes RtCache:in_no_route" + unreach, answer: []string{"icmp 3/0"}},
		{name: "forwarding, to a martian", pkt: echo(11, pktOpts{dst: "127.0.0.1"}), sysctls: fwdOn, want: rx + "RtCache:in_martian_dst"},

		// Fragments: reassembly is not implemented yet.
		{name: "first fragment", pkt: fragFirst, want: rx + "Ip:ReasmReqds",
			gap: "no reassembly yet: a fragment fails at once", stackWant: rx + "Ip:ReasmReqds Ip:ReasmFails"},
		{name: "later fragment", pkt: fragLater, want: rx + "Ip:ReasmReqds",
			gap: "no reassembly yet: a fragment fails at once", stackWant: rx + "Ip:ReasmReqds Ip:ReasmFails"},

		// icmp_rcv.
		{name: "ICMP bad checksum", pkt: edit(okEcho, false, func(b []byte) { b[22] ^= 0xff }), want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InCsumErrors Icmp:InErrors"},
		{name: "ICMP shorter than its header", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: []byte{0xf7, 0xff, 0x08, 0x00}}), want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InErrors"},
		{name: "ICMP type 19", pkt: icmpOfType(19), want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InErrors IcmpMsg:InType19"},
		{name: "ICMP type 200", pkt: icmpOfType(200), want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InErrors IcmpMsg:InType200"},
		{name: "ICMP extended echo (42), probe off", pkt: icmpOfType(42), want: rx + "Ip:InDelivers Icmp:InMsgs IcmpMsg:InType42"},
		{name: "ICMP reserved type 1", pkt: icmpOfType(1), want: rx + "Ip:InDelivers Icmp:InMsgs IcmpMsg:InType1"},
		{name: "ICMP reserved type 7", pkt: icmpOfType(7), want: rx + "Ip:InDelivers Icmp:InMsgs IcmpMsg:InType7"},
		{name: "ICMP information request", pkt: icmpOfType(15), want: rx + "Ip:InDelivers Icmp:InMsgs IcmpMsg:InType15"},
		{name: "ICMP timestamp request", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPTimestamp, 0, 0, make([]byte, 12))}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InTimestamps IcmpMsg:InType13 Icmp:OutEchoReps IcmpMsg:OutType0" + icmpOut, answer: []string{"icmp 14/0"}},
		{name: "ICMP timestamp request too short", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPTimestamp, 0, 0, make([]byte, 3))}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InTimestamps IcmpMsg:InType13 Icmp:InErrors"},
		{name: "ICMP redirect too short", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPRedirect, 1, 0, make([]byte, 8))}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InRedirects IcmpMsg:InType5 Icmp:InErrors"},
		{name: "ICMP dest unreachable quoting too little", pkt: ip4(pktOpts{proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPDestUnreach, 3, 0, make([]byte, 8))}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InDestUnreachs IcmpMsg:InType3 Icmp:InErrors"},
		{name: "ICMP address mask request", pkt: icmpOfType(17), want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InAddrMasks IcmpMsg:InType17"},
		{name: "ICMP router solicitation", pkt: icmpOfType(10), want: rx + "Ip:InDelivers Icmp:InMsgs IcmpMsg:InType10"},
		{name: "unknown protocol", pkt: proto253(pktOpts{}), want: rx + "Ip:InUnknownProtos" + unreach, answer: []string{"icmp 3/2"}},

		// Broadcast and multicast destinations.
		{name: "echo to the subnet broadcast, ignored", pkt: echo(5, pktOpts{dst: "198.18.0.255"}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InEchos Icmp:InErrors IcmpMsg:InType8 IpExt:InBcastPkts RtCache:in_brd"},
		{name: "echo to the limited broadcast, ignored", pkt: echo(5, pktOpts{dst: "255.255.255.255"}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InEchos Icmp:InErrors IcmpMsg:InType8 IpExt:InBcastPkts RtCache:in_brd"},
		{name: "echo to the subnet broadcast, answered", pkt: echo(5, pktOpts{dst: "198.18.0.255"}),
			sysctls: [][2]string{{"net.ipv4.icmp_echo_ignore_broadcasts", "0"}},
			want:    echoed + " IpExt:InBcastPkts RtCache:in_brd", answer: []string{"echo-reply"}},
		{name: "echo to all-hosts, answered", pkt: echo(5, pktOpts{dst: "224.0.0.1", ttl: 1}),
			sysctls: [][2]string{{"net.ipv4.icmp_echo_ignore_broadcasts", "0"}},
			want:    echoed + " IpExt:InMcastPkts", answer: []string{"echo-reply"}},
		{name: "echo to all-hosts, ignored", pkt: echo(5, pktOpts{dst: "224.0.0.1", ttl: 1}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InEchos Icmp:InErrors IcmpMsg:InType8 IpExt:InMcastPkts"},
		{name: "timestamp to the broadcast, ignored", pkt: ip4(pktOpts{dst: "198.18.0.255", proto: wire.ProtoICMP, payload: icmpMsg(wire.ICMPTimestamp, 0, 0, make([]byte, 12))}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InTimestamps Icmp:InErrors IcmpMsg:InType13 IpExt:InBcastPkts RtCache:in_brd"},
		{name: "dest unreachable to the broadcast", pkt: destUnreach(pktOpts{dst: "198.18.0.255"}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InDestUnreachs Icmp:InErrors IcmpMsg:InType3 IpExt:InBcastPkts RtCache:in_brd"},

		// Options (ip_options_compile): parameter problem pointing at
		// the octet Linux blames, InHdrErrors.
		{name: "option length 0", pkt: pp([]byte{wire.IPOptRouterAlert, 0, 0, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 20"}},
		{name: "option running past the header", pkt: pp([]byte{wire.IPOptNOP, wire.IPOptRR, 39, 4}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 21"}},
		{name: "option type without a length", pkt: pp([]byte{wire.IPOptNOP, wire.IPOptNOP, wire.IPOptNOP, wire.IPOptRR}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 23"}},
		{name: "record route pointer 3", pkt: pp([]byte{wire.IPOptRR, 7, 3, 0, 0, 0, 0, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 22"}},
		{name: "record route twice", pkt: pp([]byte{wire.IPOptRR, 3, 4, wire.IPOptRR, 3, 4, 0, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 23"}},
		{name: "timestamp length 3", pkt: pp([]byte{wire.IPOptTimestamp, 3, 5, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 21"}},
		{name: "timestamp overflow 15, full", pkt: pp([]byte{wire.IPOptTimestamp, 8, 9, 0xf0, 0, 0, 0, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 23"}},
		{name: "router alert length 3", pkt: pp([]byte{wire.IPOptRouterAlert, 3, 0, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 21"}},
		{name: "CIPSO without a DOI", pkt: pp([]byte{wire.IPOptCIPSO, 8, 0, 0, 0, 1, 0, 0}), want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 22"}},
		{name: "unknown option accepted", pkt: pp([]byte{0x99, 4, 0, 0}), want: echoed, answer: []string{"echo-reply"}},
		{name: "source route dropped", pkt: pp([]byte{wire.IPOptLSRR, 7, 4, 198, 18, 0, 9, 0}), want: rx},

		// Options the host acts on (ip_options_compile records, then
		// icmp_reply and icmp_send echo them, ip_options_build records
		// again; the quoted header keeps its stale checksum).
		{name: "echo with record route", pkt: pp(append([]byte{wire.IPOptNOP, wire.IPOptRR, 39, 4}, make([]byte, 36)...)), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with record route, one slot", pkt: pp([]byte{wire.IPOptRR, 7, 4, 0, 0, 0, 0, 0}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with a full record route", pkt: pp([]byte{wire.IPOptRR, 7, 8, 198, 18, 0, 9, 0}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with record route of length 9, not answered", pkt: pp([]byte{wire.IPOptRR, 9, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InEchos IcmpMsg:InType8"},
		{name: "echo with a prespecified timestamp for another host", pkt: pp([]byte{wire.IPOptTimestamp, 12, 5, 3, 198, 18, 0, 9, 0, 0, 0, 0}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo with a full timestamp", pkt: pp([]byte{wire.IPOptTimestamp, 8, 9, 0x20, 0, 0, 0, 1}), want: echoed, answer: []string{"echo-reply"}},
		{name: "record route then a bad option", pkt: pp([]byte{wire.IPOptRR, 7, 4, 0, 0, 0, 0, wire.IPOptRouterAlert, 0, 0, 0, 0}),
			want: rx + "Ip:InHdrErrors" + paramOut, answer: []string{"icmp 12/0 ptr 27"}},
		{name: "unknown protocol with record route", pkt: proto253(pktOpts{options: []byte{wire.IPOptRR, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}}),
			want: rx + "Ip:InUnknownProtos" + unreach, answer: []string{"icmp 3/2"}},

		// Never an ICMP error about ...
		{name: "no error about an ICMP error", pkt: destUnreach(pktOpts{options: []byte{wire.IPOptRouterAlert, 0, 0, 0}}), want: rx + "Ip:InHdrErrors"},
		{name: "no error about a later fragment", pkt: ip4(pktOpts{id: 1003, ff: 3, proto: 253, options: []byte{wire.IPOptRouterAlert, 0, 0, 0}, payload: make([]byte, 16)}), want: rx + "Ip:InHdrErrors"},
		{name: "no error about an IP broadcast", pkt: proto253(pktOpts{dst: "198.18.0.255"}), want: rx + "Ip:InUnknownProtos IpExt:InBcastPkts RtCache:in_brd"},
		{name: "no error about a multicast", pkt: proto253(pktOpts{dst: "224.0.0.1", ttl: 1}), want: rx + "Ip:InUnknownProtos IpExt:InMcastPkts"},
		{name: "no error about a packet from 0.0.0.0", pkt: proto253(pktOpts{src: "0.0.0.0", dst: "255.255.255.255"}), want: rx + "Ip:InUnknownProtos IpExt:InBcastPkts RtCache:in_brd"},

		// On an IP link the version decides the protocol: a TUN device
		// hands version 6 to IPv6 and refuses anything else (EINVAL), so
		// IPv4 counts neither.
		{name: "version 6 on an IP link", pkt: edit(okEcho, true, func(b []byte) { b[0] = 0x65 })},
		{name: "version 5 on an IP link", pkt: edit(okEcho, true, func(b []byte) { b[0] = 0x55 })},

		// Link-level packet types (Ethernet only).
		{name: "frame for another host", link: ethOtherHst, pkt: okEcho},
		{name: "version 6 in an IPv4 frame", link: ethHost, pkt: edit(okEcho, true, func(b []byte) { b[0] = 0x65 }), want: "Ip:InReceives Ip:InHdrErrors"},
		{name: "version 5", link: ethHost, pkt: edit(okEcho, true, func(b []byte) { b[0] = 0x55 }), want: "Ip:InReceives Ip:InHdrErrors"},
		{name: "Ethernet padding", link: ethHost, pkt: echo(6, pktOpts{payload: nil}), want: echoed, answer: []string{"echo-reply"}},
		{name: "echo in a link broadcast", link: ethBcast, pkt: okEcho, want: echoed, answer: []string{"echo-reply"}},
		{name: "no error about a link broadcast", link: ethBcast, pkt: proto253(pktOpts{}), want: rx + "Ip:InUnknownProtos"},
		{name: "no error about a link multicast", link: ethMcast, pkt: proto253(pktOpts{}), want: rx + "Ip:InUnknownProtos"},
		{name: "no parameter problem for a link broadcast", link: ethBcast, pkt: pp([]byte{wire.IPOptRouterAlert, 0, 0, 0}), want: rx + "Ip:InHdrErrors"},
		{name: "unknown protocol on Ethernet", link: ethHost, pkt: proto253(pktOpts{}), want: rx + "Ip:InUnknownProtos" + unreach, answer: []string{"icmp 3/2"}},
		{name: "echo to the subnet broadcast in a link broadcast", link: ethBcast, pkt: echo(7, pktOpts{dst: "198.18.0.255"}),
			want: rx + "Ip:InDelivers Icmp:InMsgs Icmp:InEchos Icmp:InErrors IcmpMsg:InType8 IpExt:InBcastPkts RtCache:in_brd"},
	}
}

// frame wraps an IP packet for an Ethernet case.
func frame(c *inputCase, host, peer wire.MAC) []byte {
	dst := host
	switch c.link {
	case ethBcast:
		dst = wire.BroadcastMAC
	case ethMcast:
		dst = wire.MAC{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}
	case ethOtherHst:
		dst = otherMAC
	}
	b := make([]byte, wire.EthernetHeaderLen+len(c.pkt))
	h := wire.EthernetHeader{Dst: dst, Src: peer, EtherType: wire.EtherTypeIPv4}
	h.Emit(b)
	copy(b[wire.EthernetHeaderLen:], c.pkt)
	if len(b) < wire.EthernetMinFrame {
		b = append(b, make([]byte, wire.EthernetMinFrame-len(b))...)
	}
	return b
}

// stackRun is what the stack did with one case.
type stackRun struct {
	counters map[string]uint64 // deltas, octets included
	answers  []string
	raw      [][]byte // the IPv4 packets the stack sent the peer
}

// runOnStack sends one case to a fresh stack through a probe and reports
// the counters that moved and what came back.
func runOnStack(t *testing.T, c *inputCase) stackRun {
	t.Helper()
	n := testnet.New(t, nil)
	s := n.Stack()
	kind, name := link.KindIP, "inet0"
	if c.link != onIP {
		kind, name = link.KindEthernet, "veth0"
	}
	ep, probe := n.NewProbe(kind)
	nic := n.Attach(s, ep, name, hostIP+"/24")
	peerMAC, _ := wire.MACFrom(probe.EP.HardwareAddr())
	if kind == link.KindIP {
		// The kernel's inet1: where forwarded packets leave.
		a, b := mem.Pipe(n.NW, mem.Options{MTU: 576})
		far := &testnet.Probe{EP: b}
		mustOK(t, b.Attach(far))
		t.Cleanup(func() { _ = b.Close() })
		n.Attach(s, a, "inet1", fwdNet)
	}
	if kind == link.KindEthernet {
		// As the kernel side has: the peer's MAC is known.
		if err := nic.Neighbours().Set(netip.MustParseAddr(peerIP), peerMAC, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range c.sysctls {
		mustOK(t, s.SetSysctl(strings.ReplaceAll(kv[0], ".IF.", "."+name+"."), kv[1]))
	}
	n.Idle()
	probe.Take()
	before := s.Stats().Snapshot()
	b := c.pkt
	if kind == link.KindEthernet {
		b = frame(c, nic.HardwareAddr(), peerMAC)
	}
	probe.Send(b)
	n.Idle()
	r := stackRun{counters: deltas(before, s.Stats().Snapshot())}
	for _, a := range probe.Take() {
		if kind == link.KindEthernet {
			e, err := wire.ParseEthernet(a)
			if err != nil || e.EtherType() != wire.EtherTypeIPv4 {
				r.answers = append(r.answers, fmt.Sprintf("frame % x", a))
				continue
			}
			if e.Dst() != peerMAC {
				r.answers = append(r.answers, fmt.Sprintf("to %v: ", e.Dst())+describe(e.Payload()))
				continue
			}
			a = e.Payload()
		}
		r.answers = append(r.answers, describe(a))
		r.raw = append(r.raw, a)
	}
	return r
}

// checkTable compares a run with a case's want and answer.
func checkTable(t *testing.T, who string, got map[string]uint64, answers []string, want string, wantAnswers []string, keep func(string) bool) {
	t.Helper()
	w := parseWant(want)
	if d := diffCounters(got, w, func(k string) bool { return !ignoredInTable(k) && (keep == nil || keep(k)) }); len(d) > 0 {
		t.Errorf("%s counters:\n\t%s", who, strings.Join(d, "\n\t"))
	}
	if !slices.Equal(answers, wantAnswers) {
		t.Errorf("%s answered %q, want %q", who, answers, wantAnswers)
	}
}

// TestInputValidation runs the table against the stack.
func TestInputValidation(t *testing.T) {
	for _, c := range inputCases() {
		t.Run(c.name, func(t *testing.T) {
			r := runOnStack(t, &c)
			want, answer := c.want, c.answer
			if c.gap != "" {
				t.Logf("known difference from Linux: %s", c.gap)
				want, answer = c.stackWant, c.stackAnswer
			}
			checkTable(t, "stack", r.counters, r.answers, want, answer, nil)
		})
	}
}

// TestPaddingTrimmed checks the echo reply to a padded packet carries the
// request's data and nothing of the padding.
func TestPaddingTrimmed(t *testing.T) {
	n := testnet.New(t, nil)
	s := n.Stack()
	ep, probe := n.NewProbe(link.KindIP)
	n.Attach(s, ep, "inet0", hostIP+"/24")
	req := echo(9, pktOpts{})
	probe.Send(append(slices.Clone(req), 0xde, 0xad, 0xbe, 0xef))
	n.Idle()
	in := probe.Take()
	if len(in) != 1 {
		t.Fatalf("%d answers, want one echo reply", len(in))
	}
	h, err := wire.ParseIPv4(in[0])
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalLen() != len(req) || len(in[0]) != len(req) {
		t.Fatalf("reply of %d bytes (total length %d), want %d: padding leaked", len(in[0]), h.TotalLen(), len(req))
	}
	if got, want := h.Payload()[wire.ICMPHeaderLen:], req[28:]; !slices.Equal(got, want) {
		t.Errorf("reply data % x, want % x", got, want)
	}
	wantCounters(t, "host", s, map[string]uint64{"IpExt:InOctets": uint64(len(req) + 4), "IpExt:OutOctets": uint64(len(req))})
}
