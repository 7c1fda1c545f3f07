package difftest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// IP options end to end (ip_options_compile on input, ip_options_echo for
// IP_RETOPTS and ICMP answers, ip_options_build on output): what A's
// sockets report, what A sends, what B's ping shows. Timestamps are
// compared for plausibility (fmtOpts).

var (
	a4 = []byte{198, 18, 0, 1}
	b4 = []byte{198, 18, 0, 2}
	c4 = []byte{198, 18, 0, 9} // nobody's
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func zeros(n int) []byte { return make([]byte, n) }

// rawIP builds a packet from B to A with the options area and payload
// (B's raw socket fills in the header checksum and the total length).
func rawIP(proto uint8, opts, payload []byte) []byte {
	h := wire.IPv4Header{TTL: 64, Protocol: proto, Src: AddrB, Dst: AddrA, Options: opts}
	hl := h.Len()
	h.TotalLen = hl + len(payload)
	b := make([]byte, h.TotalLen)
	h.Emit(b)
	copy(b[hl:], payload)
	if proto == wire.ProtoUDP {
		wire.UDP(b[hl:]).SetChecksum(wire.TransportChecksum(AddrB, AddrA, wire.ProtoUDP, b[hl:]))
	}
	return b
}

// rawUDP builds a UDP datagram from B:6000 to A:port with the options.
func rawUDP(opts []byte, port uint16, data string) []byte {
	u := make([]byte, 8+len(data))
	h := wire.UDPHeader{SrcPort: 6000, DstPort: port, Length: len(u)}
	h.Emit(u)
	copy(u[8:], data)
	return rawIP(wire.ProtoUDP, opts, u)
}

// rawEcho builds an echo request from B to A with the options.
func rawEcho(opts []byte, id uint16) []byte {
	m := make([]byte, 16)
	h := wire.ICMPHeader{Type: wire.ICMPEcho, Rest: wire.EchoRest(id, 1)}
	h.Emit(m)
	copy(m[8:], "options!")
	wire.ICMP(m).ComputeChecksum()
	return rawIP(wire.ProtoICMP, opts, m)
}

// rawSYN builds a TCP SYN from B:6000 to A:port with the IP options.
func rawSYN(opts []byte, port uint16) []byte {
	h := wire.TCPHeader{SrcPort: 6000, DstPort: port, Seq: 1000, Flags: wire.TCPFlagSYN, Window: 8192}
	b := make([]byte, h.Len())
	h.Emit(b)
	wire.TCP(b).ComputeChecksum(AddrB, AddrA)
	return rawIP(wire.ProtoTCP, opts, b)
}

// tcpAnswer: A's TCP socket set up by setup (nil: none) meets B's raw
// SYN with the options; A's answer is captured.
func tcpAnswer(name string, opts []byte, port uint16, setup func(r *R)) Case {
	return Case{Name: name, Run: func(r *R) {
		if setup != nil {
			setup(r)
		}
		c := r.Capture()
		r.PeerSendIP(rawSYN(opts, port))
		r.Captured(c, "answer", TCPFromA)
	}}
}

// rawTCPSeg builds a TCP segment from B:sport to A:dport with the IP
// options.
func rawTCPSeg(opts []byte, sport, dport uint16, sq, ack uint32, flags uint16, data string) []byte {
	h := wire.TCPHeader{SrcPort: sport, DstPort: dport, Seq: sq, Ack: ack, Flags: flags, Window: 8192}
	b := make([]byte, h.Len()+len(data))
	h.Emit(b)
	copy(b[h.Len():], data)
	wire.TCP(b).ComputeChecksum(AddrB, AddrA)
	return rawIP(wire.ProtoTCP, opts, b)
}

// tcpFromPort matches TCP segments from A's port.
func tcpFromPort(port uint16) func(wire.IPv4) bool {
	return func(ip wire.IPv4) bool {
		p := ip.Payload()
		return ip.Protocol() == wire.ProtoTCP && len(p) >= wire.TCPMinHeaderLen && wire.TCP(p).SrcPort() == port
	}
}

// tcpChild: A listens on port (with IP_OPTIONS lopts when set), B
// connects from 1000+port with IP_OPTIONS bopts; the SYN-ACK, the
// accepted child's IP_OPTIONS and TCP_MAXSEG, and its first segment show
// which options the child took. then continues with the capture, B's
// connection and the child.
func tcpChild(name string, port uint16, lopts, bopts []byte, then func(r *R, c *Capture, pc *PeerConn, a int)) Case {
	return Case{Name: name, Run: func(r *R) {
		s := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		if lopts != nil {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, lopts)
		}
		r.Bind(s, SA(fmt.Sprintf("0.0.0.0:%d", port)))
		r.Listen(s, 5)
		c := r.Capture()
		pc := r.PeerDial(1000+int(port), fmt.Sprintf("198.18.0.1:%d", port), bopts)
		if pc == nil {
			return
		}
		r.Captured(c, "syn-ack", tcpFromPort(port))
		r.WaitFor(s, unix.POLLIN)
		a := r.Accept(s, 0)
		if a < 0 {
			return
		}
		r.Getsockopt(a, unix.SOL_IP, unix.IP_OPTIONS, 40)
		r.GetInt(a, unix.IPPROTO_TCP, unix.TCP_MAXSEG)
		r.Send(a, []byte("from the child"), 0)
		r.Captured(c, "data", tcpFromPort(port))
		r.PeerRead(pc)
		if then != nil {
			then(r, c, pc, a)
		}
	}}
}

// optsSocket is A's socket on 0.0.0.0:5000 reporting the options both
// ways and the local address.
func optsSocket(r *R) int {
	s := r.UDPAt("0.0.0.0:5000")
	r.SetInt(s, unix.SOL_IP, unix.IP_RECVOPTS, 1)
	r.SetInt(s, unix.SOL_IP, unix.IP_RETOPTS, 1)
	r.SetInt(s, unix.SOL_IP, unix.IP_PKTINFO, 1)
	return s
}

// recvOpts: B sends with the options (through its socket's IP_OPTIONS, B
// making its own entries, or raw as given), A reads what came.
func recvOpts(name string, opts []byte, raw bool) Case {
	return Case{Name: "recv-" + name, Run: func(r *R) {
		s := optsSocket(r)
		if raw {
			r.PeerSendIP(rawUDP(opts, 5000, name))
		} else {
			r.PeerSend(withOpt(dg(name), opts))
		}
		r.FlushA(s, 6000, "198.18.0.1:5000")
	}}
}

// quoted notes the options and checksum of the header an ICMP error
// quotes (Linux quotes it as input left it: stale checksum when changed).
func (r *R) quoted(ip wire.IPv4) {
	if ip == nil || len(ip.Payload()) < 8+wire.IPv4MinHeaderLen {
		return
	}
	q := wire.IPv4(ip.Payload()[8:])
	hl := q.HeaderLen()
	if hl > len(q) || hl < wire.IPv4MinHeaderLen {
		return
	}
	r.Note("quoted header", fmt.Sprintf("opts=%s checksum valid=%v", fmtOpts(q[20:hl]), wire.Checksum(q[:hl]) == 0))
}

// answer: B sends b raw to A, then a plain echo request; what A sends back
// is captured up to the plain echo's reply (so that no answer shows too).
func answer(name string, b []byte) Case {
	return Case{Name: name, Run: func(r *R) {
		c := r.Capture()
		r.PeerSendIP(b)
		r.PeerSendIP(rawEcho(nil, 0x6d6b))
		for range 4 {
			ip := r.Captured(c, "answer", ICMPFromA)
			if ip == nil {
				break
			}
			if m := wire.ICMP(ip.Payload()); m.Type() != wire.ICMPEchoReply {
				r.quoted(ip)
			} else if m.ID() == 0x6d6b {
				break
			}
		}
	}}
}

// sendOpts: A's socket sends with IP_OPTIONS; B's capture and B's socket
// (its IP_RECVOPTS) show what left and what B made of it.
func sendOpts(name string, opts []byte) Case {
	return sendCase("send-"+name, func(r *R, s int) { r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, opts) }, to6000(name))
}

// loopOpts: A sends to itself (to) with the options; its own socket
// reports them.
func loopOpts(name, to string, opts []byte) Case {
	return Case{Name: "loop-" + name, Run: func(r *R) {
		s := optsSocket(r)
		c := r.UDP()
		r.Setsockopt(c, unix.SOL_IP, unix.IP_OPTIONS, opts)
		r.SendTo(c, []byte(name), 0, to)
		r.RecvMsg(s, full)
	}}
}

var (
	timeNow  = regexp.MustCompile(`time=[0-9.]+ ms`)
	tsNumber = regexp.MustCompile(`\t(-?[0-9]+)( absolute)?$`)
	pingSum  = regexp.MustCompile(`, time [0-9]+ms$`)
)

// pingStamp reduces a timestamp ping -T prints to its plausibility: an
// absolute one (milliseconds since midnight UT) within a minute of now, a
// relative one (milliseconds since the previous) within a second.
func pingStamp(m string) string {
	g := tsNumber.FindStringSubmatch(m)
	var v int64
	fmt.Sscan(g[1], &v)
	if g[2] != "" {
		if v >= 0 && msNow(uint32(v)) {
			return "\t<now> absolute"
		}
		return m
	}
	if v > -1000 && v < 1000 {
		return "\t<near>"
	}
	return m
}

// ping runs iputils ping in B against A with args and records its output,
// round-trip times left out and timestamps (TS: lines) reduced to their
// presence: the two worlds' clocks are not the same instant.
func ping(name string, args ...string) Case {
	return Case{Name: name, Run: func(r *R) {
		out, err := r.w.Peer.ns.Run("ping", append([]string{"-n", "-c", "3", "-i", "0.2", "-W", "2"}, append(args, AddrA.String())...)...)
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			switch {
			case strings.HasPrefix(l, "rtt "):
				continue
			case strings.HasPrefix(l, "TS: ") || (strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "\t198.")),
				strings.HasPrefix(l, "\t198.") && strings.Count(l, "\t") > 1:
				l = tsNumber.ReplaceAllStringFunc(l, pingStamp)
			}
			l = timeNow.ReplaceAllString(l, "time=<rtt>")
			l = pingSum.ReplaceAllString(l, "")
			lines = append(lines, l)
		}
		r.Record("peer ping "+strings.Join(args, " "), fmt.Sprintf("%s exit=%v", strings.Join(lines, " | "), err))
	}}
}

func optionCases() []Case {
	rr3 := cat([]byte{wire.IPOptNOP, wire.IPOptRR, 15, 4}, zeros(12))
	cs := []Case{
		// Received: IP_RECVOPTS shows what input made of them,
		// IP_RETOPTS what an answer would carry.
		recvOpts("rr", rr3, false),
		recvOpts("rr-full", []byte{wire.IPOptRR, 7, 8, 1, 2, 3, 4}, false),
		recvOpts("rr-length-9", cat([]byte{wire.IPOptRR, 9, 4}, zeros(9)), true),
		recvOpts("ts-only", cat([]byte{wire.IPOptTimestamp, 16, 5, 0}, zeros(12)), false),
		recvOpts("ts-with-addresses", cat([]byte{wire.IPOptTimestamp, 28, 5, 1}, zeros(24)), false),
		recvOpts("ts-prespecified", cat([]byte{wire.IPOptTimestamp, 28, 5, 3}, a4, zeros(4), b4, zeros(4), a4, zeros(4)), false),
		recvOpts("ts-prespecified-another", cat([]byte{wire.IPOptTimestamp, 12, 5, 3}, c4, zeros(4)), false),
		recvOpts("ts-prespecified-zero", cat([]byte{wire.IPOptTimestamp, 12, 5, 3}, zeros(8)), true),
		recvOpts("ts-prespecified-broadcast", cat([]byte{wire.IPOptTimestamp, 12, 5, 3, 198, 18, 0, 255}, zeros(4)), true),
		recvOpts("ts-full", []byte{wire.IPOptTimestamp, 8, 9, 0x30, 0, 0, 0, 1}, false),
		recvOpts("ts-length-10", cat([]byte{wire.IPOptTimestamp, 10, 5, 0}, zeros(8)), true),
		recvOpts("rr-and-ts", cat([]byte{wire.IPOptRR, 7, 4}, zeros(4), []byte{wire.IPOptTimestamp, 12, 5, 0}, zeros(8)), false),
		recvOpts("garbage-after-end", []byte{wire.IPOptNOP, wire.IPOptEnd, 5, 6}, true),
		recvOpts("router-alert", []byte{wire.IPOptRouterAlert, 4, 0, 0}, false),
		recvOpts("rr-pointer-leaves-3-bytes", cat([]byte{wire.IPOptRR, 9, 8}, zeros(9)), true),
		recvOpts("lsrr-dropped", cat([]byte{wire.IPOptLSRR, 11, 12}, c4, b4, zeros(1)), true),

		// Sent with IP_OPTIONS.
		sendOpts("rr-3", rr3),
		sendOpts("ts-with-addresses", cat([]byte{wire.IPOptTimestamp, 20, 5, 1}, zeros(16))),
		sendOpts("ts-prespecified-ours", cat([]byte{wire.IPOptTimestamp, 20, 5, 3}, a4, zeros(4), b4, zeros(4))),
		sendOpts("ts-prespecified-another", cat([]byte{wire.IPOptTimestamp, 12, 5, 3}, c4, zeros(4))),
		sendOpts("ts-full", []byte{wire.IPOptTimestamp, 8, 9, 0x10, 0, 0, 0, 1}),
		sendCase("cmsg-retopts-ts", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_RETOPTS, cat([]byte{wire.IPOptTimestamp, 12, 5, 0}, zeros(8))))),
		sendCase("send-lsrr-first-hop", func(r *R, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, cat([]byte{wire.IPOptLSRR, 7, 4}, b4))
		}, Send{Call: CallSendto, Data: []byte("via B"), Name: SA("198.18.1.2:6000")}),

		// To itself: the sender's entries on output, the receiver's on
		// input, both A's.
		loopOpts("rr-loopback", "127.0.0.1:5000", rr3),
		loopOpts("rr-own-address", "198.18.0.1:5000", rr3),
		loopOpts("ts-loopback", "127.0.0.1:5000", cat([]byte{wire.IPOptTimestamp, 20, 5, 1}, zeros(16))),
		loopOpts("lsrr-loopback", "127.0.0.1:5000", cat([]byte{wire.IPOptLSRR, 7, 4}, []byte{127, 0, 0, 1})),
		loopOpts("lsrr-own-address", "198.18.0.1:5000", cat([]byte{wire.IPOptLSRR, 7, 4}, a4)),

		// Answers: echo replies and errors carry the options echoed.
		answer("echo-rr", rawEcho(rr3, 1)),
		answer("echo-rr-9-slots", rawEcho(cat([]byte{wire.IPOptNOP, wire.IPOptRR, 39, 4}, zeros(36)), 1)),
		answer("echo-rr-full", rawEcho([]byte{wire.IPOptRR, 7, 8, 1, 2, 3, 4, 0}, 1)),
		answer("echo-rr-length-9", rawEcho(cat([]byte{wire.IPOptRR, 9, 4}, zeros(9)), 1)),
		answer("echo-ts-only", rawEcho(cat([]byte{wire.IPOptTimestamp, 16, 5, 0}, zeros(12)), 1)),
		answer("echo-ts-with-addresses", rawEcho(cat([]byte{wire.IPOptTimestamp, 28, 5, 1}, zeros(24)), 1)),
		answer("echo-ts-prespecified", rawEcho(cat([]byte{wire.IPOptTimestamp, 28, 5, 3}, a4, zeros(4), a4, zeros(4), b4, zeros(4)), 1)),
		answer("echo-ts-overflow", rawEcho([]byte{wire.IPOptTimestamp, 8, 9, 0x70, 0, 0, 0, 1}, 1)),
		answer("port-unreachable-rr", rawUDP(rr3, 5999, "closed")),
		answer("port-unreachable-rr-long", rawUDP(rr3, 5999, strings.Repeat("x", 1000))),
		answer("port-unreachable-ts", rawUDP(cat([]byte{wire.IPOptTimestamp, 12, 5, 0}, zeros(8)), 5999, "closed")),
		answer("parameter-problem-after-rr", rawEcho(cat([]byte{wire.IPOptRR, 7, 4}, zeros(4), []byte{wire.IPOptRouterAlert, 0, 0, 0}, zeros(1)), 1)),
		answer("parameter-problem-ts-overflow-15", rawEcho([]byte{wire.IPOptTimestamp, 8, 9, 0xf0, 0, 0, 0, 1}, 1)),
		answer("protocol-unreachable-ts-prespecified", rawIP(253, cat([]byte{wire.IPOptTimestamp, 12, 5, 3}, a4, zeros(4)), []byte("proto 253 data"))),
		{Name: "lsrr-accepted", Known: "accept_source_route (ip_options_rcv_srr) is the router issue: inet drops " +
			"source-routed packets whatever the setting", Run: func(r *R) {
			r.Sysctl("net.ipv4.conf.all.accept_source_route", "1")
			s := optsSocket(r)
			r.PeerSendIP(rawUDP(cat([]byte{wire.IPOptLSRR, 11, 12}, c4, b4, zeros(1)), 5000, "source-routed"))
			r.FlushA(s, 6000, "198.18.0.1:5000")
		}},

		// TCP: a socket's IP_OPTIONS on its segments; what a listener
		// and a closed port answer to a SYN carrying options.
		{Name: "tcp-syn-rr", Run: func(r *R) {
			s := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, rr3)
			c := r.Capture()
			r.Connect(s, SA("198.18.0.2:6999"))
			r.Captured(c, "syn", TCPFromA)
		}},
		tcpAnswer("tcp-listener-with-options", nil, 5000, func(r *R) {
			s := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, rr3)
			r.Bind(s, SA("0.0.0.0:5000"))
			r.Listen(s, 5)
		}),
		tcpAnswer("tcp-synack-echoes-syn-options", rr3, 5000, func(r *R) {
			s := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			r.Bind(s, SA("0.0.0.0:5000"))
			r.Listen(s, 5)
		}),
		tcpAnswer("tcp-rst-echoes-options", rr3, 5999, nil),
		// Options input takes but cannot echo (a Record Route of 9
		// bytes, whose second slot is short): the SYN-ACK goes without them
		// (tcp_v4_save_options keeps none), no reset at all
		// (ip_send_unicast_reply gives up); the next SYN is answered.
		tcpAnswer("tcp-synack-echo-fails", cat([]byte{wire.IPOptRR, 9, 4}, zeros(9)), 5008, func(r *R) {
			s := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			r.Bind(s, SA("0.0.0.0:5008"))
			r.Listen(s, 5)
		}),
		{Name: "tcp-rst-echo-fails", Run: func(r *R) {
			c := r.Capture()
			r.PeerSendIP(rawSYN(cat([]byte{wire.IPOptRR, 9, 4}, zeros(9)), 5999))
			r.PeerSendIP(rawSYN(nil, 5998))
			r.Captured(c, "answer", TCPFromA)
		}},
		// The child takes the SYN's options echoed (ireq_opt becomes
		// its inet_opt, their room off its MSS), never the listener's.
		tcpChild("tcp-child-takes-syn-options", 5001, nil, rr3, nil),
		tcpChild("tcp-child-without-listener-options", 5002, rr3, nil, nil),
		tcpChild("tcp-child-syn-options-not-listener-options", 5003,
			cat([]byte{wire.IPOptTimestamp, 12, 5, 0}, zeros(8)), rr3, nil),
		// IP_OPTIONS set on a connection: its segments carry them and
		// their room comes off the MSS (icsk_ext_hdr_len), until unset.
		tcpChild("tcp-connected-setsockopt-options", 5007, nil, nil, func(r *R, c *Capture, pc *PeerConn, a int) {
			r.Setsockopt(a, unix.SOL_IP, unix.IP_OPTIONS, rr3)
			r.GetInt(a, unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			r.Send(a, []byte("with options"), 0)
			r.Captured(c, "data with options", tcpFromPort(5007))
			r.PeerRead(pc)
			r.Setsockopt(a, unix.SOL_IP, unix.IP_OPTIONS, []byte{})
			r.GetInt(a, unix.IPPROTO_TCP, unix.TCP_MAXSEG)
			r.Getsockopt(a, unix.SOL_IP, unix.IP_OPTIONS, 40)
		}),
		// SYN cookies: the SYN-ACK echoes the SYN's options, the child
		// takes the ACK's (cookie_v4_check).
		func() Case {
			c := tcpChild("tcp-cookie-child-takes-ack-options", 5004, nil, rr3, nil)
			run := c.Run
			c.Run = func(r *R) {
				r.Sysctl("net.ipv4.tcp_syncookies", "2")
				run(r)
			}
			return c
		}(),
		// Resets and ACKs from timewait entries echo the segment's
		// options (tcp_v4_send_reset, tcp_v4_timewait_ack).
		tcpChild("tcp-timewait-ack-echoes-options", 5005, nil, rr3, func(r *R, c *Capture, pc *PeerConn, a int) {
			r.Close(a)
			r.Captured(c, "fin", tcpFromPort(5005))
			r.PeerRead(pc)
			pc.Close()
			r.Captured(c, "last ack", tcpFromPort(5005))
			r.PeerSendIP(rawTCPSeg(rr3, 6005, 5005, 1, 1, wire.TCPFlagACK, "out of window"))
			r.Captured(c, "timewait answer", tcpFromPort(5005))
		}),
		tcpChild("tcp-finwait2-rst-echoes-options", 5006, nil, rr3, func(r *R, c *Capture, pc *PeerConn, a int) {
			r.Close(a)
			r.Captured(c, "fin", tcpFromPort(5006))
			r.PeerRead(pc)
			r.PeerWrite(pc, "after close")
			r.Captured(c, "answer to data", tcpFromPort(5006))
		}),

		// iputils ping from B: the route and the stamps it shows.
		ping("ping-R", "-R"),
		ping("ping-T-tsonly", "-T", "tsonly"),
		ping("ping-T-tsandaddr", "-T", "tsandaddr"),
		ping("ping-T-tsprespec", "-T", "tsprespec", AddrA.String(), AddrB.String()),
	}
	return cs
}

func TestOptions(t *testing.T) { Run(t, New(t), optionCases()) }
