package difftest

import (
	"encoding/binary"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// errRead reads the error queue with room for the payload and every control
// message.
var errRead = RecvOpts{Buf: 100, Control: 256, NameLen: 16, Flags: unix.MSG_ERRQUEUE}

// inspectError records everything a socket says about a pending error:
// poll, SO_ERROR (which clears it), the error queue and the next recv.
func inspectError(r *R, s int) {
	r.Poll(s)
	r.Getsockopt(s, unix.SOL_SOCKET, unix.SO_ERROR, 4)
	r.RecvMsg(s, errRead)
	r.RecvMsg(s, errRead)
	r.Poll(s)
	r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
}

// portUnreachable: A's socket (setup applied) sends to B's closed port
// 6999; B answers port unreachable.
func portUnreachable(name string, connect bool, setup func(r *R, s int), after func(r *R, s int)) Case {
	return Case{Name: name, Run: func(r *R) {
		s := r.UDPAt("0.0.0.0:5000")
		if setup != nil {
			setup(r, s)
		}
		if connect {
			r.Connect(s, SA("198.18.0.2:6999"))
			r.Send(s, []byte("to closed port"), 0)
		} else {
			r.SendTo(s, []byte("to closed port"), 0, "198.18.0.2:6999")
		}
		after(r, s)
	}}
}

func icmpCases() []Case {
	recverr := setInts(unix.SOL_IP, unix.IP_RECVERR, 1)
	all := func(r *R, s int) {
		recverr(r, s)
		for _, o := range []int{unix.IP_PKTINFO, unix.IP_RECVTTL, unix.IP_RECVTOS, unix.IP_RECVORIGDSTADDR} {
			r.SetInt(s, unix.SOL_IP, o, 1)
		}
		r.SetInt(s, unix.SOL_SOCKET, 29, 1)
	}
	wait := func(r *R, s int) { r.WaitFor(s, unix.POLLERR) }
	waitThen := func(f func(r *R, s int)) func(r *R, s int) {
		return func(r *R, s int) {
			wait(r, s)
			f(r, s)
		}
	}
	// syncA waits for the marker sent after the error (on socket s2 of
	// portUnreachable, handle unknown here: FlushA on a new socket).
	syncA := func(r *R) { r.FlushA(r.UDPAt("0.0.0.0:5002"), 6000, "198.18.0.1:5002") }
	cs := []Case{
		portUnreachable("port-unreachable-connected", true, nil, waitThen(inspectError)),
		portUnreachable("port-unreachable-connected-recverr", true, recverr, waitThen(inspectError)),
		portUnreachable("port-unreachable-connected-recverr-cmsgs", true, all, waitThen(inspectError)),
		portUnreachable("port-unreachable-unconnected", false, nil, func(r *R, s int) {
			syncA(r)
			inspectError(r, s)
		}),
		portUnreachable("port-unreachable-unconnected-recverr", false, recverr, waitThen(inspectError)),
		portUnreachable("port-unreachable-next-send", true, nil, func(r *R, s int) {
			wait(r, s)
			r.Send(s, []byte("again"), 0)
			r.Send(s, []byte("again"), 0)
			syncA(r)
		}),
		portUnreachable("port-unreachable-next-recv-blocking", true, nil, func(r *R, s int) {
			wait(r, s)
			r.RecvMsg(s, ro(100, 0, 16, 0))
			r.Poll(s)
		}),
		portUnreachable("port-unreachable-errqueue-short-buffers", true, recverr, func(r *R, s int) {
			wait(r, s)
			r.RecvMsg(s, RecvOpts{Buf: 4, Control: 40, NameLen: 8, Flags: unix.MSG_ERRQUEUE})
			r.Poll(s)
		}),
		portUnreachable("port-unreachable-errqueue-peek", true, recverr, func(r *R, s int) {
			wait(r, s)
			r.RecvMsg(s, RecvOpts{Buf: 100, Control: 256, NameLen: 16, Flags: unix.MSG_ERRQUEUE | unix.MSG_PEEK})
			r.RecvMsg(s, errRead)
		}),
		portUnreachable("port-unreachable-recverr-off-purges", true, recverr, func(r *R, s int) {
			wait(r, s)
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 0)
			r.Poll(s)
			r.RecvMsg(s, errRead)
			r.Getsockopt(s, unix.SOL_SOCKET, unix.SO_ERROR, 4)
		}),
		portUnreachable("port-unreachable-select-err-queue", true, func(r *R, s int) {
			recverr(r, s)
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_SELECT_ERR_QUEUE, 1)
		}, waitThen(inspectError)),
		portUnreachable("port-unreachable-rfc4884", true, func(r *R, s int) {
			recverr(r, s)
			r.SetInt(s, unix.SOL_IP, 26, 1)
		}, waitThen(inspectError)),
		portUnreachable("port-unreachable-two-errors", true, recverr, func(r *R, s int) {
			wait(r, s)
			r.Send(s, []byte("second"), 0)
			r.Send(s, []byte("third"), 0)
			syncA(r)
			inspectError(r, s)
			r.RecvMsg(s, errRead)
		}),
	}
	// Host unreachable from a failed ARP (198.18.0.3 does not answer).
	for _, re := range []bool{false, true} {
		re := re
		cs = append(cs, Case{Name: fmt.Sprintf("host-unreachable-arp-recverr-%v", re), Run: func(r *R) {
			s := r.UDP()
			if re {
				recverr(r, s)
			}
			r.Connect(s, SA("198.18.0.3:6000"))
			r.Send(s, []byte("nobody"), 0)
			// A second socket with IP_RECVERR, whose datagram waits
			// for the same neighbour, tells when resolution failed.
			w := r.UDP()
			recverr(r, w)
			r.SendTo(w, []byte("witness"), 0, "198.18.0.3:6000")
			r.WaitFor(w, unix.POLLERR)
			inspectError(r, s)
		}})
	}
	// Time exceeded: B routes 198.18.1.0/24 and the TTL runs out there.
	for _, re := range []bool{false, true} {
		re := re
		cs = append(cs, Case{Name: fmt.Sprintf("time-exceeded-recverr-%v", re), Run: func(r *R) {
			s := r.UDP()
			if re {
				recverr(r, s)
			}
			r.SetInt(s, unix.SOL_IP, unix.IP_TTL, 1)
			r.Connect(s, SA("198.18.1.2:6000"))
			r.Send(s, []byte("ttl 1"), 0)
			if re {
				r.WaitFor(s, unix.POLLERR)
			} else {
				syncA(r)
			}
			inspectError(r, s)
		}})
	}
	// A frag-needed error leaves a path MTU in the kernel's route cache
	// that later cases would see: flushed after each such case.
	flushPMTU := func(r *R) {
		if !r.IsInet() {
			r.World().nsA.MustRun("ip", "route", "flush", "cache")
		}
	}
	// Every ICMP error B can send about a datagram of A's, crafted by B's
	// raw socket from the datagram it captured.
	type icmpErr struct {
		name       string
		typ, code  uint8
		rest       uint32
		quoteBytes int // 0: the whole datagram
	}
	var errs []icmpErr
	for code := uint8(0); code <= 16; code++ {
		errs = append(errs, icmpErr{name: fmt.Sprintf("unreach-%d", code), typ: 3, code: code})
	}
	errs = append(errs,
		icmpErr{name: "frag-needed-mtu-1280", typ: 3, code: 4, rest: 1280},
		icmpErr{name: "frag-needed-mtu-100", typ: 3, code: 4, rest: 100},
		icmpErr{name: "time-exceeded-0", typ: 11, code: 0},
		icmpErr{name: "time-exceeded-1", typ: 11, code: 1},
		icmpErr{name: "param-problem-0", typ: 12, code: 0, rest: 20 << 24},
		icmpErr{name: "param-problem-1", typ: 12, code: 1},
		icmpErr{name: "param-problem-2", typ: 12, code: 2, rest: 4 << 24},
		icmpErr{name: "source-quench", typ: 4, code: 0},
		icmpErr{name: "redirect", typ: 5, code: 1, rest: 0xc6120005},
		icmpErr{name: "unreach-port-quote-8", typ: 3, code: 3, quoteBytes: 28},
		icmpErr{name: "unreach-port-quote-4", typ: 3, code: 3, quoteBytes: 24},
		icmpErr{name: "unreach-port-rfc4884-length", typ: 3, code: 3, rest: 32 << 16},
	)
	for _, e := range errs {
		e := e
		for _, variant := range []string{"connected", "connected-recverr", "unconnected-recverr"} {
			variant := variant
			cs = append(cs, Case{Name: fmt.Sprintf("crafted-%s-%s", e.name, variant), Run: func(r *R) {
				ps := r.PeerListen(6000)
				c := r.Capture()
				s := r.UDPAt("0.0.0.0:5000")
				if variant != "connected" {
					recverr(r, s)
				}
				if variant == "unconnected-recverr" {
					r.SendTo(s, []byte("quoted datagram"), 0, "198.18.0.2:6000")
				} else {
					r.Connect(s, SA("198.18.0.2:6000"))
					r.Send(s, []byte("quoted datagram"), 0)
				}
				ip := r.Captured(c, "datagram", UDPTo(6000))
				r.PeerRecv(ps)
				if ip == nil {
					return
				}
				q := ip.Packet()
				if e.quoteBytes > 0 && e.quoteBytes < len(q) {
					q = q[:e.quoteBytes]
				}
				r.PeerSendICMP(e.typ, e.code, e.rest, q)
				syncA(r)
				inspectError(r, s)
				if e.typ == 3 && e.code == 4 {
					flushPMTU(r)
				}
			}})
		}
	}
	// An error about a datagram no socket sent: counted, nothing else.
	cs = append(cs, Case{Name: "crafted-no-socket", Run: func(r *R) {
		q := udpIP(5999, 6000, "198.18.0.2", []byte("x"), nil)
		copy(q[12:16], netip4("198.18.0.1"))
		copy(q[16:20], netip4("198.18.0.2"))
		binary.BigEndian.PutUint16(q[10:], 0)
		r.PeerSendICMP(3, 3, 0, q)
		syncA(r)
	}})
	return cs
}

func TestICMPErrors(t *testing.T) { Run(t, New(t), icmpCases()) }
