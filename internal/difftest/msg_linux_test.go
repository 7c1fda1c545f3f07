package difftest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// cmsg builds one control message as Linux lays it out (cmsg_len may be
// given, else CMSG_LEN of the data; the data padded to CMSG_SPACE).
func cmsg(level, typ int, data []byte, cmlen ...int) []byte {
	l := 16 + len(data)
	if len(cmlen) > 0 {
		l = cmlen[0]
	}
	b := make([]byte, 16+(len(data)+7)&^7)
	binary.NativeEndian.PutUint64(b, uint64(l))
	binary.NativeEndian.PutUint32(b[8:], uint32(int32(level)))
	binary.NativeEndian.PutUint32(b[12:], uint32(int32(typ)))
	copy(b[16:], data)
	return b
}

func pktinfo(ifindex int, specDst, addr string) []byte {
	b := Int(ifindex)
	b = append(b, netip4(specDst)...)
	return append(b, netip4(addr)...)
}

// recvCase: A's socket bound to 0.0.0.0:5000 with setup applied, B sends
// what send says, A reads with o.
func recvCase(name string, setup func(r *R, s int), send []Datagram, reads ...RecvOpts) Case {
	return Case{Name: name, Run: func(r *R) {
		s := r.UDPAt("0.0.0.0:5000")
		if setup != nil {
			setup(r, s)
		}
		for _, d := range send {
			r.PeerSend(d)
		}
		for _, o := range reads {
			r.RecvMsg(s, o)
		}
	}}
}

func dg(data string) Datagram {
	return Datagram{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: []byte(data)}
}

func withTTL(d Datagram, ttl int) Datagram  { d.TTL = ttl; return d }
func withTOS(d Datagram, tos int) Datagram  { d.TOS = tos; return d }
func withOpt(d Datagram, o []byte) Datagram { d.Options = o; return d }

func setInts(opts ...int) func(r *R, s int) {
	return func(r *R, s int) {
		for i := 0; i+2 < len(opts)+1; i += 3 {
			r.SetInt(s, opts[i], opts[i+1], opts[i+2])
		}
	}
}

var full = RecvOpts{Buf: 2048, Control: 512, NameLen: 16}

func ro(buf, ctl, name, flags int) RecvOpts {
	return RecvOpts{Buf: buf, Control: ctl, NameLen: name, Flags: flags}
}

func recvCases() []Case {
	ten := []Datagram{dg("0123456789")}
	cs := []Case{
		recvCase("basic", nil, ten, full),
		recvCase("peek-then-read", nil, ten, ro(2048, 0, 16, unix.MSG_PEEK), ro(2048, 0, 16, unix.MSG_PEEK), full, ro(2048, 0, 16, unix.MSG_DONTWAIT)),
		recvCase("short-buffer", nil, ten, ro(3, 0, 16, 0), ro(3, 0, 16, unix.MSG_DONTWAIT)),
		recvCase("trunc-flag", nil, ten, ro(3, 0, 16, unix.MSG_TRUNC)),
		recvCase("trunc-flag-zero-buffer", nil, ten, ro(0, 0, 16, unix.MSG_TRUNC)),
		recvCase("trunc-flag-big-buffer", nil, ten, ro(100, 0, 16, unix.MSG_TRUNC)),
		recvCase("peek-trunc", nil, ten, ro(4, 0, 16, unix.MSG_PEEK|unix.MSG_TRUNC), ro(100, 0, 16, 0)),
		recvCase("zero-buffer", nil, ten, ro(0, 0, 16, 0)),
		recvCase("no-name", nil, ten, ro(100, 0, 0, 0)),
		recvCase("name-4", nil, ten, ro(100, 0, 4, 0)),
		recvCase("name-8", nil, ten, ro(100, 0, 8, 0)),
		recvCase("name-32", nil, ten, ro(100, 0, 32, 0)),
		recvCase("waitall", nil, ten, ro(100, 0, 16, unix.MSG_WAITALL)),
		recvCase("oob", nil, ten, ro(100, 0, 16, unix.MSG_OOB), ro(100, 0, 16, unix.MSG_DONTWAIT)),
		recvCase("dontwait-empty", nil, nil, ro(100, 0, 16, unix.MSG_DONTWAIT)),
		recvCase("errqueue-empty", nil, nil, ro(100, 64, 16, unix.MSG_ERRQUEUE)),
		recvCase("errqueue-empty-recverr", setInts(unix.SOL_IP, unix.IP_RECVERR, 1), nil, ro(100, 64, 16, unix.MSG_ERRQUEUE)),
		recvCase("errqueue-with-data", nil, ten, ro(100, 64, 16, unix.MSG_ERRQUEUE), full),
		recvCase("zero-length-datagram", nil, []Datagram{dg("")}, full),
		recvCase("two-datagrams", nil, []Datagram{dg("one"), dg("two")}, full, full, ro(100, 0, 16, unix.MSG_DONTWAIT)),
		recvCase("nonblocking-empty", func(r *R, s int) { r.SetNonblock(s, true) }, nil, ro(100, 0, 16, 0)),
		recvCase("cmsg-flags-unknown", nil, ten, ro(100, 0, 16, 0x4000000)),
		recvCase("cmsg-cloexec", nil, ten, ro(100, 64, 16, unix.MSG_CMSG_CLOEXEC)),
		recvCase("peek-zero-length", nil, []Datagram{dg("")}, ro(100, 0, 16, unix.MSG_PEEK), full),
		recvCase("large-datagram", nil, []Datagram{{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: bytes.Repeat([]byte("x"), 1472)}}, ro(2000, 0, 16, 0)),
	}
	// Receive control messages, one at a time and together.
	type opt struct{ level, name int }
	cmsgOpts := []struct {
		name string
		o    []opt
	}{
		{"pktinfo", []opt{{unix.SOL_IP, unix.IP_PKTINFO}}},
		{"recvttl", []opt{{unix.SOL_IP, unix.IP_RECVTTL}}},
		{"recvtos", []opt{{unix.SOL_IP, unix.IP_RECVTOS}}},
		{"recvopts", []opt{{unix.SOL_IP, unix.IP_RECVOPTS}}},
		{"retopts", []opt{{unix.SOL_IP, unix.IP_RETOPTS}}},
		{"origdstaddr", []opt{{unix.SOL_IP, unix.IP_RECVORIGDSTADDR}}},
		{"recvfragsize", []opt{{unix.SOL_IP, unix.IP_RECVFRAGSIZE}}},
		{"timestamp", []opt{{unix.SOL_SOCKET, 29}}},
		{"timestampns", []opt{{unix.SOL_SOCKET, 35}}},
		{"timestamp-new", []opt{{unix.SOL_SOCKET, 63}}},
		{"timestampns-new", []opt{{unix.SOL_SOCKET, 64}}},
		{"timestamp-then-ns", []opt{{unix.SOL_SOCKET, 29}, {unix.SOL_SOCKET, 35}}},
		{"rxq-ovfl", []opt{{unix.SOL_SOCKET, unix.SO_RXQ_OVFL}}},
		{"rcvmark", []opt{{unix.SOL_SOCKET, unix.SO_RCVMARK}}},
		{"rcvpriority", []opt{{unix.SOL_SOCKET, 82}}},
		{"all-ip", []opt{{unix.SOL_IP, unix.IP_PKTINFO}, {unix.SOL_IP, unix.IP_RECVTTL}, {unix.SOL_IP, unix.IP_RECVTOS},
			{unix.SOL_IP, unix.IP_RECVOPTS}, {unix.SOL_IP, unix.IP_RECVORIGDSTADDR}}},
		{"all", []opt{{unix.SOL_SOCKET, 29}, {unix.SOL_IP, unix.IP_PKTINFO}, {unix.SOL_IP, unix.IP_RECVTTL},
			{unix.SOL_IP, unix.IP_RECVTOS}, {unix.SOL_IP, unix.IP_RECVORIGDSTADDR}}},
	}
	rrOpt := []byte{1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0} // NOP, record route with two slots
	for _, c := range cmsgOpts {
		c := c
		setup := func(r *R, s int) {
			for _, o := range c.o {
				r.SetInt(s, o.level, o.name, 1)
			}
		}
		cs = append(cs,
			recvCase("cmsg-"+c.name, setup, []Datagram{withTOS(withTTL(dg("hello"), 33), 0x28)}, full),
			recvCase("cmsg-"+c.name+"-with-options", setup, []Datagram{withOpt(dg("opts"), rrOpt)}, full),
		)
		for _, n := range []int{0, 8, 15, 16, 17, 20, 24, 28, 31, 32, 40, 48} {
			cs = append(cs, recvCase(fmt.Sprintf("cmsg-%s-ctl-%d", c.name, n), setup, []Datagram{dg("short")}, ro(100, n, 16, 0)))
		}
	}
	cs = append(cs,
		Case{Name: "pktinfo-enabled-after-queueing", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSend(dg("early"))
			r.WaitFor(s, unix.POLLIN)
			r.SetInt(s, unix.SOL_IP, unix.IP_PKTINFO, 1)
			r.PeerSend(dg("late"))
			r.Recv(s, 0)
			r.Recv(s, 0)
		}},
		Case{Name: "pktinfo-disabled-after-queueing", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_IP, unix.IP_PKTINFO, 1)
			r.PeerSend(dg("early"))
			r.WaitFor(s, unix.POLLIN)
			r.SetInt(s, unix.SOL_IP, unix.IP_PKTINFO, 0)
			r.Recv(s, 0)
		}},
		Case{Name: "pktinfo-broadcast", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_IP, unix.IP_PKTINFO, 1)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVORIGDSTADDR, 1)
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.255:5000"), Data: []byte("bcast")})
			r.Recv(s, 0)
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("255.255.255.255:5000"), Data: []byte("limited"), Device: "b0"})
			r.Recv(s, 0)
		}},
		Case{Name: "pktinfo-loopback", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_IP, unix.IP_PKTINFO, 1)
			c := r.UDP()
			r.SendTo(c, []byte("lo"), 0, "127.0.0.1:5000")
			r.Recv(s, 0)
			r.SendTo(c, []byte("self"), 0, "198.18.0.1:5000")
			r.Recv(s, 0)
			r.SendTo(c, []byte("lo2"), 0, "127.3.4.5:5000")
			r.Recv(s, 0)
		}},
		recvCase("timestamping-rx-software", func(r *R, s int) { r.SetInt(s, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, 1<<3|1<<4) }, ten, full),
		recvCase("timestamping-new-rx-software", func(r *R, s int) { r.SetInt(s, unix.SOL_SOCKET, 65, 1<<3|1<<4) }, ten, full),
		recvCase("timestamping-and-timestamp", func(r *R, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, 1<<3|1<<4)
			r.SetInt(s, unix.SOL_SOCKET, 35, 1)
		}, []Datagram{dg("one"), dg("two")}, full, ro(100, 50, 16, 0)),
		recvCase("timestamping-tx-only", func(r *R, s int) { r.SetInt(s, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, 1<<1|1<<17) }, ten, full),
		Case{Name: "siocgstamp", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.Stamp(s)
			r.PeerSend(dg("x"))
			r.WaitFor(s, unix.POLLIN)
			r.Stamp(s)
			r.RecvMsg(s, ro(100, 0, 0, unix.MSG_PEEK))
			r.Stamp(s)
			r.Recv(s, 0)
			r.Stamp(s)
		}},
		Case{Name: "rcvtimeo-negative-does-not-wait", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_RCVTIMEO, timeval(-1, 0))
			r.RecvMsg(s, RecvOpts{Buf: 100, NameLen: 16, NoGuard: true})
		}},
		Case{Name: "rcvtimeo-expires", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_RCVTIMEO, timeval(0, 20000))
			r.RecvMsg(s, RecvOpts{Buf: 100, NameLen: 16, NoGuard: true})
		}},
		Case{Name: "rcvlowat", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_RCVLOWAT, 100)
			r.PeerSend(dg("small"))
			r.WaitFor(s, unix.POLLIN)
			r.Poll(s)
			r.Recv(s, 0)
		}},
	)
	return cs
}

// sendCase: A's socket (setup applied) sends with m; B listens on 6000 and
// captures.
func sendCase(name string, setup func(r *R, s int), ms ...Send) Case {
	return Case{Name: name, Run: func(r *R) {
		ps := r.PeerListen(6000)
		c := r.Capture()
		s := r.UDP()
		if setup != nil {
			setup(r, s)
		}
		for _, m := range ms {
			r.SendMsg(s, m)
		}
		r.GetSockName(s)
		r.Flush(ps, 6000, c)
	}}
}

func to6000(data string) Send {
	return Send{Call: CallSendto, Data: []byte(data), Name: SA("198.18.0.2:6000")}
}

func msgTo(data string, ctl []byte) Send {
	return Send{Call: CallSendmsg, Data: []byte(data), Name: SA("198.18.0.2:6000"), Control: ctl}
}

func sendCases() []Case {
	cs := []Case{
		sendCase("sendto", nil, to6000("hello")),
		sendCase("sendmsg", nil, msgTo("hello", nil)),
		sendCase("send-unconnected", nil, Send{Call: CallSend, Data: []byte("x")}),
		sendCase("sendmsg-no-name-unconnected", nil, Send{Data: []byte("x")}),
		sendCase("sendmsg-namelen-0", nil, Send{Data: []byte("x"), Name: []byte{}}),
		sendCase("sendto-namelen-0", nil, Send{Call: CallSendto, Data: []byte("x"), Name: []byte{}}),
		sendCase("sendto-namelen-8", nil, Send{Call: CallSendto, Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 8)}),
		sendCase("sendmsg-namelen-8", nil, Send{Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 8)}),
		sendCase("sendmsg-namelen-2", nil, Send{Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 2)}),
		sendCase("sendto-namelen-128", nil, Send{Call: CallSendto, Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 128)}),
		sendCase("sendto-namelen-129", nil, Send{Call: CallSendto, Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 129)}),
		sendCase("sendmsg-namelen-129", nil, Send{Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 129)}),
		sendCase("sendmsg-namelen-1000", nil, Send{Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 1000)}),
		sendCase("sendto-family-inet6", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SAFamily(unix.AF_INET6, "198.18.0.2:6000")}),
		sendCase("sendto-family-unspec", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SAFamily(unix.AF_UNSPEC, "198.18.0.2:6000")}),
		sendCase("sendto-port-0", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:0")}),
		sendCase("sendto-any", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("0.0.0.0:6000")}),
		sendCase("sendto-no-route", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.19.0.1:6000")}),
		sendCase("sendto-broadcast-no-so-broadcast", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.255:6000")}),
		sendCase("sendto-broadcast", setInts(unix.SOL_SOCKET, unix.SO_BROADCAST, 1), Send{Call: CallSendto, Data: []byte("bcast"), Name: SA("198.18.0.255:6000")}),
		sendCase("sendto-limited-broadcast-no-route", setInts(unix.SOL_SOCKET, unix.SO_BROADCAST, 1), Send{Call: CallSendto, Data: []byte("x"), Name: SA("255.255.255.255:6000")}),
		sendCase("sendto-limited-broadcast-device", func(r *R, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
			r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("a0"))
		}, Send{Call: CallSendto, Data: []byte("limited"), Name: SA("255.255.255.255:6000")}),
		// 198.18.0.0 is no broadcast address: the datagram waits for
		// ARP, which fails; IP_RECVERR shows when.
		sendCase("sendto-network-address", func(r *R, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SendTo(s, []byte("x"), 0, "198.18.0.0:6000")
			r.WaitFor(s, unix.POLLERR)
			r.RecvMsg(s, errRead)
		}),
		sendCase("oob", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_OOB}),
		sendCase("dontroute", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_DONTROUTE}),
		sendCase("dontroute-beyond", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.1.2:6000"), Flags: unix.MSG_DONTROUTE}),
		sendCase("so-dontroute-beyond", setInts(unix.SOL_SOCKET, unix.SO_DONTROUTE, 1), Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.1.2:6000")}),
		sendCase("confirm", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_CONFIRM}),
		sendCase("nosignal", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_NOSIGNAL}),
		sendCase("dontwait", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_DONTWAIT}),
		sendCase("eor", nil, Send{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_EOR}),
		sendCase("zero-length", nil, to6000("")),
		sendCase("1472-bytes", nil, Send{Call: CallSendto, Data: bytes.Repeat([]byte("y"), 1472), Name: SA("198.18.0.2:6000")}),
		sendCase("65508-bytes", nil, Send{Call: CallSendto, Data: make([]byte, 65508), Name: SA("198.18.0.2:6000")}),
		sendCase("65536-bytes", nil, Send{Call: CallSendto, Data: make([]byte, 65536), Name: SA("198.18.0.2:6000")}),
		sendCase("pmtudisc-do-1473", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO), Send{Call: CallSendto, Data: make([]byte, 1473), Name: SA("198.18.0.2:6000")}),
		sendCase("pmtudisc-probe-1473", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE), Send{Call: CallSendto, Data: make([]byte, 1473), Name: SA("198.18.0.2:6000")}),
		sendCase("pmtudisc-do-1472", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO), Send{Call: CallSendto, Data: make([]byte, 1472), Name: SA("198.18.0.2:6000")}),
		sendCase("pmtudisc-dont", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT), to6000("nodf")),
		sendCase("pmtudisc-do", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO), to6000("df")),
		sendCase("pmtudisc-probe", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE), to6000("probe")),
		sendCase("pmtudisc-interface", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_INTERFACE), to6000("iface")),
		sendCase("pmtudisc-omit", setInts(unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_OMIT), to6000("omit")),
		sendCase("ip-ttl", setInts(unix.SOL_IP, unix.IP_TTL, 7), to6000("ttl")),
		sendCase("ip-ttl-reset", setInts(unix.SOL_IP, unix.IP_TTL, 7, unix.SOL_IP, unix.IP_TTL, -1), to6000("ttl")),
		sendCase("ip-tos", setInts(unix.SOL_IP, unix.IP_TOS, 0xb8), to6000("tos")),
		sendCase("ip-tos-ecn", setInts(unix.SOL_IP, unix.IP_TOS, 0x03), to6000("tos")),
		sendCase("default-ttl-sysctl", func(r *R, s int) { r.Sysctl("net.ipv4.ip_default_ttl", "99") }, to6000("ttl")),
		sendCase("ip-options-rr", func(r *R, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{7, 7, 4, 0, 0, 0, 0})
		}, to6000("rr")),
		sendCase("ip-options-nop", func(r *R, s int) { r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{1}) }, to6000("nop")),
		sendCase("ip-options-ts", func(r *R, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0})
		}, to6000("ts")),
		sendCase("ip-options-cleared", func(r *R, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{1})
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, nil)
		}, to6000("none")),
		sendCase("no-check", setInts(unix.SOL_SOCKET, unix.SO_NO_CHECK, 1), to6000("zero csum")),
		sendCase("bound-broadcast-source", func(r *R, s int) { r.Bind(s, SA("198.18.0.255:5000")) }, to6000("from bcast")),
		sendCase("freebind-nonlocal-source", func(r *R, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_FREEBIND, 1)
			r.Bind(s, SA("198.18.0.3:5000"))
		}, to6000("spoof")),
		sendCase("transparent-nonlocal-source", func(r *R, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT, 1)
			r.Bind(s, SA("198.18.0.3:5000"))
		}, to6000("spoof")),
		sendCase("bound-loopback-to-peer", func(r *R, s int) { r.Bind(s, SA("127.0.0.1:5000")) }, to6000("x")),
		sendCase("unicast-if", setInts(unix.SOL_IP, unix.IP_UNICAST_IF, 2<<24), to6000("x")),
		sendCase("unicast-if-lo", setInts(unix.SOL_IP, unix.IP_UNICAST_IF, 1<<24), to6000("x")),
		sendCase("bindtodevice-lo", func(r *R, s int) { r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("lo")) }, to6000("x")),
		sendCase("two-datagrams-unconnected", nil, to6000("one"), to6000("two")),
		sendCase("connected-send", func(r *R, s int) { r.Connect(s, SA("198.18.0.2:6000")) }, Send{Call: CallSend, Data: []byte("c1")}, Send{Call: CallSend, Data: []byte("c2")}),
		sendCase("connected-sendto-other", func(r *R, s int) { r.Connect(s, SA("198.18.0.2:6001")) }, to6000("other")),
		sendCase("connected-sendmsg-null-name", func(r *R, s int) { r.Connect(s, SA("198.18.0.2:6000")) }, Send{Data: []byte("n")}),
		sendCase("msg-more", nil, Send{Call: CallSendto, Data: []byte("a"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_MORE}),
		// Control messages on sendmsg.
		sendCase("cmsg-pktinfo-src", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(0, "198.18.0.1", "0.0.0.0")))),
		sendCase("cmsg-pktinfo-ifindex", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(2, "0.0.0.0", "0.0.0.0")))),
		sendCase("cmsg-pktinfo-ifindex-lo", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(1, "0.0.0.0", "0.0.0.0")))),
		sendCase("cmsg-pktinfo-ifindex-99", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(99, "0.0.0.0", "0.0.0.0")))),
		sendCase("cmsg-pktinfo-nonlocal-src", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(0, "198.18.0.3", "0.0.0.0")))),
		sendCase("cmsg-pktinfo-loopback-src", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(0, "127.0.0.1", "0.0.0.0")))),
		sendCase("cmsg-pktinfo-addr-ignored", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(0, "0.0.0.0", "198.18.0.77")))),
		sendCase("cmsg-pktinfo-short", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, pktinfo(0, "0.0.0.0", "0.0.0.0")[:8]))),
		sendCase("cmsg-pktinfo-long", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_PKTINFO, append(pktinfo(0, "0.0.0.0", "0.0.0.0"), 0, 0, 0, 0)))),
		sendCase("cmsg-ttl", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(3)))),
		sendCase("cmsg-ttl-0", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(0)))),
		sendCase("cmsg-ttl-255", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(255)))),
		sendCase("cmsg-ttl-256", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(256)))),
		sendCase("cmsg-ttl-minus-1", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(-1)))),
		sendCase("cmsg-ttl-1-byte", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, []byte{3}))),
		sendCase("cmsg-tos-int", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TOS, Int(0x28)))),
		sendCase("cmsg-tos-byte", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TOS, []byte{0x28}))),
		sendCase("cmsg-tos-2-bytes", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TOS, []byte{0x28, 0}))),
		sendCase("cmsg-tos-256", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TOS, Int(256)))),
		sendCase("cmsg-tos-negative", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TOS, Int(-1)))),
		sendCase("cmsg-retopts", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_RETOPTS, []byte{1, 1, 1, 1}))),
		sendCase("cmsg-retopts-rr", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_RETOPTS, []byte{7, 7, 4, 0, 0, 0, 0}))),
		sendCase("cmsg-retopts-bad", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_RETOPTS, []byte{7, 2, 4, 0}))),
		sendCase("cmsg-retopts-41", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_RETOPTS, make([]byte, 41)))),
		sendCase("cmsg-unknown-ip-type", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_RECVERR, Int(1)))),
		sendCase("cmsg-unknown-level", nil, msgTo("x", cmsg(99, 1, Int(1)))),
		sendCase("cmsg-sol-udp", nil, msgTo("x", cmsg(unix.SOL_UDP, 103, []byte{0xdc, 0x05}))),
		sendCase("cmsg-so-mark", nil, msgTo("x", cmsg(unix.SOL_SOCKET, unix.SO_MARK, Int(5)))),
		sendCase("cmsg-so-priority", nil, msgTo("x", cmsg(unix.SOL_SOCKET, unix.SO_PRIORITY, Int(3)))),
		sendCase("cmsg-so-timestamping", nil, msgTo("x", cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMPING, Int(0)))),
		sendCase("cmsg-so-txtime", nil, msgTo("x", cmsg(unix.SOL_SOCKET, unix.SO_TXTIME, make([]byte, 8)))),
		sendCase("cmsg-so-unknown", nil, msgTo("x", cmsg(unix.SOL_SOCKET, 999, Int(0)))),
		sendCase("cmsg-scm-rights", nil, msgTo("x", cmsg(unix.SOL_SOCKET, unix.SCM_RIGHTS, Int(0)))),
		sendCase("cmsg-len-short", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(3), 12))),
		sendCase("cmsg-len-long", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(3), 200))),
		sendCase("cmsg-len-0", nil, msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(3), 0))),
		sendCase("cmsg-buffer-8", nil, msgTo("x", []byte{1, 2, 3, 4, 5, 6, 7, 8})),
		sendCase("cmsg-buffer-empty", nil, msgTo("x", []byte{})),
		sendCase("cmsg-two", nil, msgTo("x", append(cmsg(unix.SOL_IP, unix.IP_TTL, Int(5)), cmsg(unix.SOL_IP, unix.IP_TOS, []byte{0x10})...))),
		sendCase("cmsg-two-ttl", nil, msgTo("x", append(cmsg(unix.SOL_IP, unix.IP_TTL, Int(5)), cmsg(unix.SOL_IP, unix.IP_TTL, Int(9))...))),
		sendCase("cmsg-bad-after-good", nil, msgTo("x", append(cmsg(unix.SOL_IP, unix.IP_TTL, Int(5)), cmsg(unix.SOL_IP, unix.IP_TTL, Int(0))...))),
		sendCase("cmsg-with-connected", func(r *R, s int) { r.Connect(s, SA("198.18.0.2:6000")) },
			Send{Data: []byte("c"), Control: cmsg(unix.SOL_IP, unix.IP_TTL, Int(4))}),
		sendCase("cmsg-trailing-garbage", nil, msgTo("x", append(cmsg(unix.SOL_IP, unix.IP_TTL, Int(6)), 1, 2, 3))),
	}
	// Autobind on sendmsg comes before the address checks.
	for _, m := range []Send{
		{Call: CallSendto, Data: []byte("x"), Name: SAFamily(unix.AF_INET6, "198.18.0.2:6000")},
		{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:0")},
		{Call: CallSendto, Data: []byte("x"), Name: sized(SA("198.18.0.2:6000"), 8)},
		{Call: CallSend, Data: []byte("x")},
		{Call: CallSendto, Data: []byte("x"), Name: SA("198.18.0.2:6000"), Flags: unix.MSG_OOB},
		{Call: CallSendto, Data: make([]byte, 65536), Name: SA("198.18.0.2:6000")},
		msgTo("x", cmsg(unix.SOL_IP, unix.IP_TTL, Int(0))),
		{Call: CallSendto, Data: []byte("x"), Name: SA("198.19.0.1:6000")},
	} {
		m := m
		cs = append(cs, Case{Name: "autobind-before-checks-" + fmt.Sprint(len(cs)), Run: func(r *R) {
			s := r.UDP()
			r.SendMsg(s, m)
			r.GetSockName(s)
		}})
	}
	// The IP identifier of a connected socket counts up by one.
	cs = append(cs, Case{Name: "connected-ip-id-sequence", Run: func(r *R) {
		ps := r.PeerListen(6000)
		c := r.Capture()
		s := r.UDP()
		r.Connect(s, SA("198.18.0.2:6000"))
		var ids []uint16
		for i := 0; i < 3; i++ {
			r.Send(s, []byte("seq"), 0)
			if ip := r.Captured(c, "datagram", UDPTo(6000)); ip != nil {
				ids = append(ids, ip.ID())
			}
			r.PeerRecv(ps)
		}
		if len(ids) == 3 {
			r.Note("id deltas", fmt.Sprint(ids[1]-ids[0], ids[2]-ids[1]))
		}
	}})
	// EMSGSIZE under IP_PMTUDISC_DO with IP_RECVERR queues a local error.
	cs = append(cs, Case{Name: "local-emsgsize-recverr", Run: func(r *R) {
		s := r.UDP()
		r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
		r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
		r.SendTo(s, make([]byte, 2000), 0, "198.18.0.2:6000")
		r.Poll(s)
		r.Getsockopt(s, unix.SOL_SOCKET, unix.SO_ERROR, 4)
		r.RecvMsg(s, ro(100, 128, 16, unix.MSG_ERRQUEUE))
		r.RecvMsg(s, ro(100, 128, 16, unix.MSG_ERRQUEUE))
		r.Poll(s)
	}}, Case{Name: "local-emsgsize-recverr-connected", Run: func(r *R) {
		s := r.UDP()
		r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
		r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
		r.Connect(s, SA("198.18.0.2:6000"))
		r.Getsockopt(s, unix.SOL_IP, unix.IP_MTU, 4)
		r.Send(s, make([]byte, 1473), 0)
		r.RecvMsg(s, ro(100, 128, 16, unix.MSG_ERRQUEUE))
	}}, Case{Name: "local-emsgsize-no-recverr", Run: func(r *R) {
		s := r.UDP()
		r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
		r.SendTo(s, make([]byte, 2000), 0, "198.18.0.2:6000")
		r.RecvMsg(s, ro(100, 128, 16, unix.MSG_ERRQUEUE))
		r.Poll(s)
	}}, Case{Name: "local-emsgsize-ctl-short", Run: func(r *R) {
		s := r.UDP()
		r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
		r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
		r.SendTo(s, make([]byte, 2000), 0, "198.18.0.2:6000")
		r.RecvMsg(s, ro(100, 40, 16, unix.MSG_ERRQUEUE))
	}}, Case{Name: "ip-mtu", Run: func(r *R) {
		s := r.UDP()
		r.Getsockopt(s, unix.SOL_IP, unix.IP_MTU, 4)
		r.Connect(s, SA("198.18.0.2:6000"))
		r.Getsockopt(s, unix.SOL_IP, unix.IP_MTU, 4)
		r.Connect(s, SA("127.0.0.1:6000"))
		r.Getsockopt(s, unix.SOL_IP, unix.IP_MTU, 4)
	}})
	return cs
}

var _ = wire.ProtoUDP

func TestRecv(t *testing.T) { Run(t, New(t), recvCases()) }

func TestSend(t *testing.T) { Run(t, New(t), sendCases()) }
