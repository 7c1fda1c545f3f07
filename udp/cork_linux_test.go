package udp_test

import (
	"bytes"
	"testing"

	"github.com/seed96fbdc48/inet/internal/difftest"
	"golang.org/x/sys/unix"
)

// Corking (UDP_CORK, MSG_MORE) against the kernel: udp_sendmsg with
// corkreq, ip_append_data into the pending datagram, and
// udp_push_pending_frames.

type (
	dR   = difftest.R
	send = difftest.Send
)

var sa = difftest.SA

// corkCase: B listens on 6000 and 6001, captures what A sends, and A's
// socket s (unbound) runs f; then every packet A put on the wire up to a
// marker is recorded.
func corkCase(name string, f func(r *dR, s int)) difftest.Case {
	return difftest.Case{Name: name, Run: func(r *dR) {
		ps := r.PeerListen(6000)
		r.PeerListen(6001)
		c := r.Capture()
		s := r.UDP()
		f(r, s)
		r.CaptureAll(c, ps, 6000)
	}}
}

// loCase: A's socket rx is bound to 127.0.0.1:7000 (loopback's MTU lets a
// datagram reach the 64 KiB limit unfragmented), s sends to it, and what
// rx received is read after f (its length with MSG_TRUNC).
func loCase(name string, f func(r *dR, s int), reads int) difftest.Case {
	return difftest.Case{Name: name, Run: func(r *dR) {
		rx := r.UDPAt("127.0.0.1:7000")
		s := r.UDP()
		f(r, s)
		for range reads {
			r.RecvMsg(rx, difftest.RecvOpts{Buf: 16, NameLen: 16, Flags: unix.MSG_TRUNC})
		}
		r.RecvMsg(rx, difftest.RecvOpts{Buf: 16, NameLen: 16, Flags: unix.MSG_DONTWAIT})
	}}
}

func to(data string, flags int, port string) send {
	return send{Call: difftest.CallSendto, Data: []byte(data), Flags: flags, Name: sa("198.18.0.2:" + port)}
}

func cmsgInt(level, typ int, v int) []byte {
	b := make([]byte, 24)
	b[0] = 20
	b[8], b[12] = byte(level), byte(typ)
	copy(b[16:], difftest.Int(v))
	return b
}

const more = unix.MSG_MORE

func corkCases() []difftest.Case {
	cs := []difftest.Case{
		corkCase("msg-more-then-send", func(r *dR, s int) {
			r.SendMsg(s, to("ab", more, "6000"))
			r.SendMsg(s, to("cd", more, "6000"))
			r.SendMsg(s, to("ef", 0, "6000"))
		}),
		corkCase("udp-cork-option", func(r *dR, s int) {
			r.GetInt(s, unix.SOL_UDP, unix.UDP_CORK)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 5)
			r.GetInt(s, unix.SOL_UDP, unix.UDP_CORK)
			r.SendMsg(s, to("a", 0, "6000"))
			r.SendMsg(s, to("b", 0, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.Poll(s)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
			r.GetInt(s, unix.SOL_UDP, unix.UDP_CORK)
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
		}),
		corkCase("udp-cork-then-msg-more-off", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 1)
			r.SendMsg(s, to("a", more, "6000"))
			r.SendMsg(s, to("b", 0, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
			r.SendMsg(s, to("c", 0, "6000"))
		}),
		corkCase("udp-cork-uncork-empty", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 1)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
			r.SendMsg(s, to("a", 0, "6000"))
		}),
		corkCase("pending-other-destination", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.SendMsg(s, to("b", 0, "6001"))
			r.SendMsg(s, to("c", 0, "6001"))
		}),
		corkCase("pending-bad-addresses", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("b"), Flags: more, Name: difftest.SAFamily(unix.AF_INET6, "198.18.0.2:6000")})
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("c"), Flags: more, Name: sa("198.18.0.2:0")})
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("d"), Flags: more, Name: sa("198.18.0.2:6000")[:8]})
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("e"), Flags: more, Name: sa("198.19.0.1:6000")})
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("f"), Flags: more, Name: sa("198.18.0.255:6000")})
			r.SendMsg(s, send{Call: difftest.CallSend, Data: []byte("g")})
		}),
		corkCase("pending-oob-and-65536", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.SendMsg(s, to("b", unix.MSG_OOB, "6000"))
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: make([]byte, 65536), Name: sa("198.18.0.2:6000")})
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendMsg(s, to("c", 0, "6000"))
		}),
		corkCase("zero-length", func(r *dR, s int) {
			r.SendMsg(s, to("", more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendMsg(s, to("", more, "6000"))
			r.SendMsg(s, to("", 0, "6000"))
			r.SendMsg(s, to("", more, "6000"))
			r.SendMsg(s, to("x", more, "6000"))
			r.SendMsg(s, to("", 0, "6000"))
		}),
		corkCase("connected", func(r *dR, s int) {
			r.Connect(s, sa("198.18.0.2:6000"))
			r.Send(s, []byte("a"), more)
			r.Send(s, []byte("b"), more)
			r.Send(s, []byte("c"), 0)
			r.Send(s, []byte("d"), 0)
		}),
		corkCase("connect-while-pending", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.Connect(s, sa("198.18.0.2:6001"))
			r.Send(s, []byte("b"), 0)
			r.Send(s, []byte("c"), 0)
		}),
		corkCase("disconnect-while-pending", func(r *dR, s int) {
			r.Connect(s, sa("198.18.0.2:6000"))
			r.GetSockName(s)
			r.Send(s, []byte("a"), more)
			r.Connect(s, difftest.SAFamily(unix.AF_UNSPEC, "0.0.0.0:0"))
			r.GetSockName(s)
			r.Send(s, []byte("b"), 0)
			r.GetSockName(s)
		}),
		corkCase("shutdown-while-pending", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.Shutdown(s, unix.SHUT_WR)
			r.SendMsg(s, to("b", more, "6000"))
			r.SendMsg(s, to("c", 0, "6000"))
			r.SendMsg(s, to("d", more, "6000"))
		}),
		corkCase("cmsg-first-fixes", func(r *dR, s int) {
			ctl := append(cmsgInt(unix.SOL_IP, unix.IP_TTL, 3), cmsgInt(unix.SOL_IP, unix.IP_TOS, 0x28)...)
			r.SendMsg(s, send{Data: []byte("a"), Flags: more, Name: sa("198.18.0.2:6000"), Control: ctl})
			r.SendMsg(s, send{Data: []byte("b"), Flags: more, Name: sa("198.18.0.2:6000"), Control: cmsgInt(unix.SOL_IP, unix.IP_TTL, 9)})
			r.SendMsg(s, send{Data: []byte("c"), Flags: more, Name: sa("198.18.0.2:6000"), Control: cmsgInt(unix.SOL_IP, unix.IP_TTL, 0)})
			r.SendMsg(s, send{Data: []byte("d"), Name: sa("198.18.0.2:6000"), Control: []byte{1, 2, 3}})
			r.SendMsg(s, send{Data: []byte("e"), Name: sa("198.18.0.2:6000"), Control: cmsgInt(unix.SOL_IP, unix.IP_TTL, 0)})
		}),
		corkCase("cmsg-pktinfo-first", func(r *dR, s int) {
			pi := make([]byte, 12)
			copy(pi[4:8], []byte{198, 18, 0, 1})
			ctl := make([]byte, 32)
			ctl[0] = 28
			ctl[12] = unix.IP_PKTINFO
			copy(ctl[16:], pi)
			r.SendMsg(s, send{Data: []byte("a"), Flags: more, Name: sa("198.18.0.2:6000"), Control: ctl})
			r.SendMsg(s, send{Data: []byte("b"), Name: sa("198.18.0.2:6000")})
		}),
		corkCase("socket-options-between", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_TTL, 5)
			r.SetInt(s, unix.SOL_IP, unix.IP_TOS, 0x10)
			r.SendMsg(s, to("a", more, "6000"))
			r.SetInt(s, unix.SOL_IP, unix.IP_TTL, 6)
			r.SetInt(s, unix.SOL_IP, unix.IP_TOS, 0x20)
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT)
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_NO_CHECK, 1)
			r.SendMsg(s, to("b", 0, "6000"))
		}),
		corkCase("ip-options-fixed-at-first", func(r *dR, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{1})
			r.SendMsg(s, to("a", more, "6000"))
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, nil)
			r.SendMsg(s, to("b", 0, "6000"))
		}),
		// The local error names fl4->daddr: the first hop of a source
		// route uncorked, the final destination corked.
		corkCase("ip-options-lsrr-emsgsize", func(r *dR, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{131, 7, 4, 198, 18, 0, 2, 0})
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: make([]byte, 1465), Name: sa("198.18.1.1:6000")})
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: make([]byte, 1465), Flags: more, Name: sa("198.18.1.1:6000")})
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
		}),
		corkCase("ip-options-added-later", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{1})
			r.SendMsg(s, to("b", 0, "6000"))
		}),
		corkCase("siocoutq-and-poll", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_SNDBUF, 0)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_SNDBUF)
			r.SendMsg(s, to("a", more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.Poll(s)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 1000)), more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.Poll(s)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("c"), 471)), more|unix.MSG_DONTWAIT, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.Poll(s)
			r.SendMsg(s, to("", unix.MSG_DONTWAIT, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.Poll(s)
		}),
		corkCase("siocoutq-first-1472", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_SNDBUF, 0)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 1472)), more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.Poll(s)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendMsg(s, to("", 0, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
		}),
		corkCase("pmtudisc-do-limit", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("a"), 1000)), more, "6000"))
			r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 472)), more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendMsg(s, to("c", more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
			r.SendMsg(s, send{Call: difftest.CallSend, Data: []byte("d")})
			r.SendMsg(s, to("e", 0, "6000"))
		}),
		corkCase("pmtudisc-do-set-while-pending", func(r *dR, s int) {
			r.SendMsg(s, to(string(bytes.Repeat([]byte("a"), 1000)), more, "6000"))
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 473)), 0, "6000"))
			r.SendMsg(s, to("c", 0, "6000"))
		}),
		corkCase("pmtudisc-do-connected-recverr", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.Connect(s, sa("198.18.0.2:6001"))
			r.SendMsg(s, to(string(bytes.Repeat([]byte("a"), 1000)), more, "6000"))
			r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 1000)), more, "6000"))
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
		}),
		corkCase("close-drops-pending", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 1)
			r.SendMsg(s, to("a", 0, "6000"))
			r.Close(s)
		}),
		corkCase("sk-err-while-pending", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.Bind(s, sa("0.0.0.0:5000"))
			r.Connect(s, sa("198.18.0.2:6002"))
			r.Send(s, []byte("a"), more)
			s2 := r.UDP()
			r.SetInt(s2, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.Bind(s2, sa("0.0.0.0:5000"))
			r.SendMsg(s2, to("x", 0, "6002"))
			r.WaitFor(s, unix.POLLERR)
			r.Send(s, []byte("b"), 0)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_ERROR)
		}),
		loCase("lo-limit-65507", func(r *dR, s int) {
			r.SendTo(s, make([]byte, 65000), more, "127.0.0.1:7000")
			r.SendTo(s, make([]byte, 507), more, "127.0.0.1:7000")
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendTo(s, nil, 0, "127.0.0.1:7000")
		}, 1),
		loCase("lo-limit-65508", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SendTo(s, make([]byte, 65000), more, "127.0.0.1:7000")
			r.SendTo(s, make([]byte, 508), more, "127.0.0.1:7000")
			r.Ioctl(s, unix.SIOCOUTQ)
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
			r.SendTo(s, []byte("z"), 0, "127.0.0.1:7000")
		}, 1),
		loCase("lo-sndbuf-poll", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_SNDBUF, 0)
			r.SendTo(s, make([]byte, 1000), more, "127.0.0.1:7000")
			r.Poll(s)
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendTo(s, make([]byte, 5000), more|unix.MSG_DONTWAIT, "127.0.0.1:7000")
			r.Poll(s)
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendTo(s, make([]byte, 5000), more|unix.MSG_DONTWAIT, "127.0.0.1:7000")
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendTo(s, nil, 0, "127.0.0.1:7000")
			r.Poll(s)
		}, 1),
		corkCase("connected-cork-elsewhere-then-send", func(r *dR, s int) {
			r.Connect(s, sa("198.18.0.2:6000"))
			r.SendMsg(s, to("a", more, "6001"))
			r.SendMsg(s, to("b", 0, "6001"))
			r.Send(s, []byte("c"), 0)
			r.SendMsg(s, to("d", 0, "6001"))
			r.Send(s, []byte("e"), 0)
		}),
		// connect(2) rewrites the flow even when it fails: the pending
		// datagram goes to the new address from 0.0.0.0 (the unbound
		// socket's inet_saddr), through the first send's route (B, the
		// gateway to 198.18.1.0/24, which drops it as a martian).
		corkCase("failed-connect-while-pending", func(r *dR, s int) {
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("a"), Flags: more, Name: sa("198.18.1.1:6000")})
			r.Connect(s, sa("198.19.0.1:6001"))
			r.SendMsg(s, to("b", 0, "6000"))
			r.SendMsg(s, to("c", 0, "6000"))
		}),
		// From an on-link route the next hop is the new destination:
		// 198.18.1.1 is B's too (it answers ARP for it on b0, and port
		// unreachable, which the connected socket waits for).
		corkCase("connect-elsewhere-while-pending", func(r *dR, s int) {
			r.SendMsg(s, to("a", more, "6000"))
			r.Connect(s, sa("198.18.1.1:6001"))
			r.SendMsg(s, to("b", 0, "6000"))
			r.WaitFor(s, unix.POLLERR)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_ERROR)
			r.GetSockName(s)
			r.GetPeerName(s)
		}),
		// __ip_append_data's IP_MAX_MTU check is the one the MTU check
		// is: it queues a local error too, corked or not.
		corkCase("uncorked-65508-recverr", func(r *dR, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: make([]byte, 65508), Name: sa("198.18.0.2:6000")})
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
			r.SendMsg(s, send{Call: difftest.CallSendto, Data: make([]byte, 65507), Name: sa("198.18.0.255:6000")})
		}),
		// An IP_TTL control message beats IP_MULTICAST_TTL; without one
		// a corked datagram takes IP_MULTICAST_TTL as it is at the push.
		corkCase("multicast-ttl", func(r *dR, s int) {
			mreqn := make([]byte, 12)
			mreqn[8] = 2 // imr_ifindex: a0
			r.Setsockopt(s, unix.SOL_IP, unix.IP_MULTICAST_IF, mreqn)
			r.SetInt(s, unix.SOL_IP, unix.IP_MULTICAST_TTL, 3)
			r.SendMsg(s, send{Data: []byte("cmsg"), Name: sa("224.0.0.9:6000"), Control: cmsgInt(unix.SOL_IP, unix.IP_TTL, 9)})
			r.SendMsg(s, send{Data: []byte("plain"), Name: sa("224.0.0.9:6000")})
			r.SendMsg(s, send{Data: []byte("a"), Flags: more, Name: sa("224.0.0.9:6000"), Control: cmsgInt(unix.SOL_IP, unix.IP_TTL, 7)})
			r.SendMsg(s, send{Data: []byte("b"), Name: sa("224.0.0.9:6000")})
			r.SendMsg(s, send{Data: []byte("c"), Flags: more, Name: sa("224.0.0.9:6000")})
			r.SetInt(s, unix.SOL_IP, unix.IP_MULTICAST_TTL, 4)
			r.SetInt(s, unix.SOL_IP, unix.IP_TTL, 5)
			r.SendMsg(s, send{Data: []byte("d"), Name: sa("224.0.0.9:6000")})
		}),
		corkCase("cmsg-retopts-first", func(r *dR, s int) {
			ctl := make([]byte, 24)
			ctl[0], ctl[12] = 20, unix.IP_RETOPTS
			copy(ctl[16:], []byte{1, 1, 1, 1})
			r.SendMsg(s, send{Data: []byte("a"), Flags: more, Name: sa("198.18.0.2:6000"), Control: ctl})
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendMsg(s, send{Data: []byte("b"), Name: sa("198.18.0.2:6000")})
		}),
		corkCase("ip-options-siocoutq", func(r *dR, s int) {
			r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{1, 1, 1, 1, 1, 1, 1, 1})
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("a"), 1000)), more, "6000"))
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 465)), more, "6000"))
			r.SendMsg(s, to("c", 0, "6000"))
			r.RecvMsg(s, difftest.RecvOpts{Buf: 100, Control: 128, NameLen: 16, Flags: unix.MSG_ERRQUEUE})
			r.SendMsg(s, to(string(bytes.Repeat([]byte("d"), 1464)), 0, "6000"))
		}),
		loCase("lo-siocoutq-linear-limit", func(r *dR, s int) {
			r.SendTo(s, make([]byte, 16004), more, "127.0.0.1:7000")
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
			r.SendTo(s, make([]byte, 16005), more, "127.0.0.1:7000")
			r.Ioctl(s, unix.SIOCOUTQ)
			r.SetInt(s, unix.SOL_UDP, unix.UDP_CORK, 0)
		}, 2),
	}
	// The kernel fragments a corked datagram above the MTU when it may;
	// inet cannot yet, and the push fails as an uncorked send does.
	over := corkCase("over-mtu-fragmented", func(r *dR, s int) {
		r.SendMsg(s, to(string(bytes.Repeat([]byte("a"), 1000)), more, "6000"))
		r.SendMsg(s, to(string(bytes.Repeat([]byte("b"), 1000)), 0, "6000"))
	})
	over.Known = "fragmentation is the fragmentation issue: a corked datagram above the MTU fails with EMSGSIZE when it is pushed"
	// A corked datagram with a source route leaves the kernel with its
	// final destination in the header (the cork's flow keeps daddr, not
	// the first hop, and ip_options_build writes daddr in the last slot),
	// through the first hop's route: the route is not followed. inet
	// sends it as an uncorked one, to the first hop.
	lsrr := corkCase("ip-options-lsrr", func(r *dR, s int) {
		r.Setsockopt(s, unix.SOL_IP, unix.IP_OPTIONS, []byte{131, 7, 4, 198, 18, 0, 2, 0})
		r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("a"), Flags: more, Name: sa("198.18.1.1:6000")})
		r.SendMsg(s, send{Call: difftest.CallSendto, Data: []byte("b"), Name: sa("198.18.1.1:6000")})
	})
	lsrr.Known = "the kernel's corked datagram ignores its source route (header to the final destination); " +
		"inet follows the route, as for an uncorked datagram: ipv4 output takes the header's destination from the options"
	return append(cs, over, lsrr)
}

func TestCork(t *testing.T) { difftest.Run(t, difftest.New(t), corkCases()) }
