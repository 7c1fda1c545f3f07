package difftest

import (
	"fmt"
	"testing"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// socketCase is one socket(2) call; when the socket is made, its type,
// protocol, domain and O_NONBLOCK are read back.
func socketCase(name string, domain, typ, proto int) Case {
	return Case{Name: name, Run: func(r *R) {
		s := r.Socket(domain, typ, proto)
		if s < 0 {
			return
		}
		r.GetInt(s, unix.SOL_SOCKET, unix.SO_TYPE)
		r.GetInt(s, unix.SOL_SOCKET, unix.SO_PROTOCOL)
		r.GetInt(s, unix.SOL_SOCKET, unix.SO_DOMAIN)
		r.Nonblocking(s)
	}}
}

// Families Linux has and inet does not: inet's documented answer is
// EAFNOSUPPORT.
var otherFamilies = []struct {
	name          string
	domain        int
	typ, proto    int
	kernelCreates bool
}{
	{"inet6-dgram", unix.AF_INET6, unix.SOCK_DGRAM, 0, true},
	{"inet6-stream", unix.AF_INET6, unix.SOCK_STREAM, 0, true},
	{"unix-dgram", unix.AF_UNIX, unix.SOCK_DGRAM, 0, true},
	{"unix-stream", unix.AF_UNIX, unix.SOCK_STREAM, 0, true},
	{"packet-dgram", unix.AF_PACKET, unix.SOCK_DGRAM, 0, true},
	{"netlink-raw", unix.AF_NETLINK, unix.SOCK_RAW, 0, true},
}

func socketCases() []Case {
	var cs []Case
	add := func(name string, domain, typ, proto int) {
		cs = append(cs, socketCase(name, domain, typ, proto))
	}
	// UDP and its flags.
	add("udp-0", unix.AF_INET, unix.SOCK_DGRAM, 0)
	add("udp-17", unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	add("udp-nonblock", unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
	add("udp-cloexec", unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	add("udp-both-flags", unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	for _, junk := range []int{0x10, 0x100, 0x4000, 0x40000000, 0x20} {
		add(fmt.Sprintf("udp-junk-flag-%#x", junk), unix.AF_INET, unix.SOCK_DGRAM|junk, 0)
	}
	// Protocols a datagram socket does not carry.
	for _, p := range []int{unix.IPPROTO_TCP, unix.IPPROTO_RAW, unix.IPPROTO_SCTP,
		unix.IPPROTO_MPTCP, 2, 41, 254, 256, 263, 1000, -1, 1 << 16} {
		add(fmt.Sprintf("dgram-proto-%d", p), unix.AF_INET, unix.SOCK_DGRAM, p)
	}
	// Ping sockets under the default ping_group_range ("1 0": nobody).
	add("dgram-icmp-default-range", unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_ICMP)
	// Types AF_INET has no protocol for, and types out of range.
	for _, t := range []int{0, unix.SOCK_RDM, unix.SOCK_SEQPACKET, unix.SOCK_DCCP, 7, 8, 9, 11, 12, 15} {
		add(fmt.Sprintf("type-%d", t), unix.AF_INET, t, 0)
	}
	add("type-negative", unix.AF_INET, -1, 0)
	add("stream-0", unix.AF_INET, unix.SOCK_STREAM, 0)
	add("stream-6", unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	add("stream-nonblock", unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	// Stream sockets with the wrong protocol, raw sockets with protocol 0.
	for _, p := range []int{unix.IPPROTO_UDP, unix.IPPROTO_ICMP, 1000, -1} {
		add(fmt.Sprintf("stream-proto-%d", p), unix.AF_INET, unix.SOCK_STREAM, p)
	}
	for _, p := range []int{1000, -1, 263} {
		add(fmt.Sprintf("raw-proto-%d", p), unix.AF_INET, unix.SOCK_RAW, p)
	}
	// Families out of range or unknown.
	for _, d := range []int{unix.AF_UNSPEC, -1, 45, 255, 1000, unix.AF_MAX} {
		add(fmt.Sprintf("family-%d", d), d, unix.SOCK_DGRAM, 0)
	}
	// The order of the checks: family range, type range, family.
	add("family-1000-type-12", 1000, 12, 0)
	add("family-45-type-12", 45, 12, 0)
	add("family-inet6-type-12", unix.AF_INET6, 12, 0)
	add("family-1000-junk-flag", 1000, unix.SOCK_DGRAM|0x10, 0)
	add("family-unix-type-12", unix.AF_UNIX, 12, 0)
	// Raw sockets without CAP_NET_RAW: EPERM before the protocol is looked
	// at.
	for _, p := range []int{unix.IPPROTO_ICMP, unix.IPPROTO_UDP, unix.IPPROTO_RAW, 0} {
		p := p
		cs = append(cs, Case{Name: fmt.Sprintf("raw-%d-without-cap-net-raw", p), Run: func(r *R) {
			r.DropCap(socket.CapNetRaw)
			r.Socket(unix.AF_INET, unix.SOCK_RAW, p)
		}})
	}
	return cs
}

// Known differences of socket(2).
func socketKnown() []Case {
	var cs []Case
	for _, f := range otherFamilies {
		cs = append(cs, Case{
			Name:  "family-" + f.name,
			Known: "inet is IPv4 only: other families are EAFNOSUPPORT",
			Run: func(r *R) {
				s := r.Socket(f.domain, f.typ, f.proto)
				if s >= 0 {
					r.Close(s)
				}
			},
			Want: []string{fmt.Sprintf("socket(%s, %s, %d) = EAFNOSUPPORT", familyName(f.domain), typeName(f.typ), f.proto), "counters = none"},
		})
	}
	for _, p := range []int{unix.IPPROTO_ICMP, unix.IPPROTO_UDP, unix.IPPROTO_RAW, 200} {
		cs = append(cs, Case{
			Name:  fmt.Sprintf("raw-%d", p),
			Known: "raw sockets are not built in yet: EPROTONOSUPPORT with CAP_NET_RAW",
			Run:   func(r *R) { r.Socket(unix.AF_INET, unix.SOCK_RAW, p) },
			Want:  []string{fmt.Sprintf("socket(AF_INET, SOCK_RAW, %d) = EPROTONOSUPPORT", p), "counters = none"},
		})
	}
	cs = append(cs, Case{
		Name:  "type-packet",
		Known: "socket(AF_INET, SOCK_PACKET) is Linux's old spelling of an AF_PACKET socket, a family inet does not have: EAFNOSUPPORT",
		Run:   func(r *R) { r.Socket(unix.AF_INET, unix.SOCK_PACKET, 0) },
		Want:  []string{"socket(AF_INET, SOCK_PACKET, 0) = EAFNOSUPPORT", "counters = none"},
	})
	cs = append(cs, Case{
		Name:  "dgram-udplite",
		Known: "UDP-Lite (RFC 3828) is not implemented: EPROTONOSUPPORT",
		Run:   func(r *R) { r.Socket(unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDPLITE) },
		Want:  []string{"socket(AF_INET, SOCK_DGRAM, 136) = EPROTONOSUPPORT", "counters = none"},
	})
	cs = append(cs, Case{
		Name:  "dgram-icmp-group-allowed",
		Known: "ping sockets arrive with raw sockets: EACCES even when ping_group_range admits the caller",
		Run: func(r *R) {
			r.Sysctl("net.ipv4.ping_group_range", "0 2147483647")
			r.Socket(unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_ICMP)
		},
		Want: []string{"sysctl net.ipv4.ping_group_range=0 2147483647 = ok", "socket(AF_INET, SOCK_DGRAM, 1) = EACCES", "counters = none"},
	})
	return cs
}

func TestSocket(t *testing.T) {
	topo := New(t)
	Run(t, topo, append(socketCases(), socketKnown()...))
}
