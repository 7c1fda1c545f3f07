package difftest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// udpIP builds an IPv4/UDP packet from B (198.18.0.2:sport) to dst:dport
// with the right checksum, then lets mod change it (bad checksum, bad
// length) before B sends it raw.
func udpIP(sport, dport int, dst string, payload []byte, mod func(ip, udp []byte)) []byte {
	b := make([]byte, 28+len(payload))
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	copy(b[12:16], netip4("198.18.0.2"))
	copy(b[16:20], netip4(dst))
	u := b[20:]
	binary.BigEndian.PutUint16(u[0:], uint16(sport))
	binary.BigEndian.PutUint16(u[2:], uint16(dport))
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	copy(u[8:], payload)
	c := wire.TransportChecksum(AP("198.18.0.2:0").Addr(), AP(dst+":0").Addr(), 17, u)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:], c)
	if mod != nil {
		mod(b, u)
	}
	return b
}

func badCsum(ip, u []byte) { u[6] ^= 0x55 }

func zeroCsum(ip, u []byte) { u[6], u[7] = 0, 0 }

func udpCases() []Case {
	to := func(data string, mod func(ip, u []byte)) []byte {
		return udpIP(6000, 5000, "198.18.0.1", []byte(data), mod)
	}
	cs := []Case{
		{Name: "checksum-zero-accepted", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: []byte("no csum"), NoCheck: true})
			r.Recv(s, 0)
			r.PeerSendIP(to("raw zero", zeroCsum))
			r.Recv(s, 0)
		}},
		{Name: "checksum-bad-dropped-at-recvmsg", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("bad", badCsum))
			r.PeerSendIP(to("good", nil))
			r.WaitFor(s, unix.POLLIN)
			r.Recv(s, 0)
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
		}},
		{Name: "checksum-bad-peek", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("bad", badCsum))
			r.PeerSendIP(to("good", nil))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
			r.Recv(s, 0)
		}},
		{Name: "checksum-bad-siocinq", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("bad", badCsum))
			r.PeerSendIP(to("good!", nil))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Ioctl(s, unix.SIOCINQ)
			r.Recv(s, 0)
		}},
		{Name: "checksum-bad-only-poll-blocking", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("bad", badCsum))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Poll(s)
			r.Poll(s)
		}},
		{Name: "checksum-bad-only-poll-nonblocking", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetNonblock(s, true)
			r.PeerSendIP(to("bad", badCsum))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Poll(s)
			r.RecvMsg(s, ro(100, 0, 16, 0))
			r.Poll(s)
		}},
		{Name: "checksum-bad-large-dropped-at-recvmsg", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to(string(bytes.Repeat([]byte("b"), 69)), badCsum))
			r.PeerSendIP(to("good", nil))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Counters()
			r.Recv(s, 0)
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
		}},
		{Name: "checksum-bad-large-poll", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to(string(bytes.Repeat([]byte("b"), 100)), badCsum))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Counters()
			r.SetNonblock(s, true)
			r.Poll(s)
			r.SetNonblock(s, false)
			r.Poll(s)
			r.Counters()
		}},
		{Name: "checksum-bad-large-siocinq", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to(string(bytes.Repeat([]byte("b"), 100)), badCsum))
			r.PeerSendIP(to(string(bytes.Repeat([]byte("g"), 70)), nil))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Ioctl(s, unix.SIOCINQ)
			r.Counters()
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_PEEK))
		}},
		{Name: "checksum-bad-large-peek", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to(string(bytes.Repeat([]byte("b"), 100)), badCsum))
			r.PeerSendIP(to("good", nil))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
			r.Counters()
			r.Recv(s, 0)
		}},
		{Name: "checksum-bad-closed-port", Run: func(r *R) {
			ps := r.PeerListen(6000)
			c := r.Capture()
			r.PeerSendIP(to("bad", badCsum))
			r.PeerSendIP(to(string(bytes.Repeat([]byte("b"), 100)), badCsum))
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.CaptureAll(c, ps, 6000)
		}},
		{Name: "closed-port-answers-unreachable", Run: func(r *R) {
			c := r.Capture()
			r.PeerSendTo(6000, "198.18.0.1:5999", "closed")
			r.Captured(c, "icmp", ICMPFromA)
		}},
		{Name: "length-too-long", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("short", func(ip, u []byte) { binary.BigEndian.PutUint16(u[4:], 100) }))
			r.FlushA(s, 6000, "198.18.0.1:5000")
		}},
		{Name: "length-below-header", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("short", func(ip, u []byte) { binary.BigEndian.PutUint16(u[4:], 7) }))
			r.FlushA(s, 6000, "198.18.0.1:5000")
		}},
		{Name: "length-shorter-than-packet", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendIP(to("abcdefgh", func(ip, u []byte) {
				binary.BigEndian.PutUint16(u[4:], 12)
				u[6], u[7] = 0, 0
				c := wire.TransportChecksum(AP("198.18.0.2:0").Addr(), AP("198.18.0.1:0").Addr(), 17, u[:12])
				binary.BigEndian.PutUint16(u[6:], c)
			}))
			r.FlushA(s, 6000, "198.18.0.1:5000")
		}},
		{Name: "siocinq-siocoutq", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.Ioctl(s, unix.SIOCINQ)
			r.Ioctl(s, unix.SIOCOUTQ)
			r.PeerSendTo(6000, "198.18.0.1:5000", "twelve bytes")
			r.PeerSendTo(6000, "198.18.0.1:5000", "x")
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.Ioctl(s, unix.SIOCINQ)
			r.Recv(s, 0)
			r.Ioctl(s, unix.SIOCINQ)
			r.PeerSendTo(6000, "198.18.0.1:5000", "")
			r.Recv(s, 0)
			r.Ioctl(s, unix.SIOCINQ)
			r.Recv(s, 0)
			r.Ioctl(s, unix.SIOCINQ)
		}},
		{Name: "siocoutq-after-send", Run: func(r *R) {
			ps := r.PeerListen(6000)
			s := r.UDP()
			r.SendTo(s, []byte("out"), 0, "198.18.0.2:6000")
			r.Flush(ps, 6000, nil)
			r.Ioctl(s, unix.SIOCOUTQ)
		}},
		{Name: "ioctl-unknown", Run: func(r *R) {
			s := r.UDP()
			r.Ioctl(s, 0x5401) // TCGETS
		}},
	}
	// Receive buffer overflow: how many datagrams of a size fit SO_RCVBUF.
	for _, c := range []struct{ rcvbuf, size, n int }{
		{0, 100, 40}, {0, 1000, 20}, {4000, 1, 20}, {4000, 1000, 10}, {10000, 1400, 20}, {3000, 0, 30},
	} {
		c := c
		cs = append(cs, Case{Name: fmt.Sprintf("rcvbuf-%d-datagrams-%d", c.rcvbuf, c.size), Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF, c.rcvbuf)
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
			for i := 0; i < c.n; i++ {
				r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: bytes.Repeat([]byte{byte('a' + i%26)}, c.size)})
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			got := 0
			for i := 0; i < c.n+1; i++ {
				res := r.RecvMsg(s, ro(2048, 64, 0, unix.MSG_DONTWAIT))
				if res.Err != nil {
					break
				}
				got++
			}
			r.Note("datagrams read", got)
		}})
	}
	// shutdown(2).
	for _, how := range []int{unix.SHUT_RD, unix.SHUT_WR, unix.SHUT_RDWR, 3, -1} {
		how := how
		// A recv that would block (not shut down for reading) is made
		// with MSG_DONTWAIT.
		rd := RecvOpts{Buf: 100, NameLen: 16}
		if how != unix.SHUT_RD && how != unix.SHUT_RDWR {
			rd.Flags = unix.MSG_DONTWAIT
		}
		cs = append(cs,
			Case{Name: fmt.Sprintf("shutdown-%d-unconnected", how), Run: func(r *R) {
				ps := r.PeerListen(6000)
				s := r.UDPAt("0.0.0.0:5000")
				r.Shutdown(s, how)
				r.Poll(s)
				r.RecvMsg(s, rd)
				r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
				r.SendTo(s, []byte("x"), unix.MSG_NOSIGNAL, "198.18.0.2:6000")
				r.PeerSendTo(6000, "198.18.0.1:5000", "after")
				r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
				r.RecvMsg(s, rd)
				r.RecvMsg(s, rd)
				r.Flush(ps, 6000, nil)
			}},
			Case{Name: fmt.Sprintf("shutdown-%d-connected", how), Run: func(r *R) {
				ps := r.PeerListen(6000)
				s := r.UDPAt("0.0.0.0:5000")
				r.Connect(s, SA("198.18.0.2:6000"))
				r.PeerSendTo(6000, "198.18.0.1:5000", "queued")
				r.WaitFor(s, unix.POLLIN)
				r.Shutdown(s, how)
				r.Poll(s)
				r.RecvMsg(s, rd)
				r.RecvMsg(s, rd)
				r.Send(s, []byte("x"), unix.MSG_NOSIGNAL)
				r.Shutdown(s, how)
				r.Flush(ps, 6000, nil)
			}},
		)
	}
	cs = append(cs,
		Case{Name: "shutdown-rd-then-wr", Run: func(r *R) {
			s := r.UDP()
			r.Connect(s, SA("198.18.0.2:6000"))
			r.Shutdown(s, unix.SHUT_RD)
			r.Poll(s)
			r.Shutdown(s, unix.SHUT_WR)
			r.Poll(s)
		}},
		Case{Name: "shutdown-then-connect", Run: func(r *R) {
			ps := r.PeerListen(6000)
			defer r.Flush(ps, 6000, nil)
			s := r.UDP()
			r.Shutdown(s, unix.SHUT_RDWR)
			r.Connect(s, SA("198.18.0.2:6000"))
			r.Poll(s)
			r.Send(s, []byte("x"), unix.MSG_NOSIGNAL)
		}},
		Case{Name: "shutdown-then-disconnect", Run: func(r *R) {
			s := r.UDP()
			r.Connect(s, SA("198.18.0.2:6000"))
			r.Shutdown(s, unix.SHUT_RDWR)
			r.Connect(s, unspec(16))
			r.Poll(s)
		}},
	)
	// poll(2) in every state.
	cs = append(cs,
		Case{Name: "poll-fresh", Run: func(r *R) { r.Poll(r.UDP()) }},
		Case{Name: "poll-bound", Run: func(r *R) { r.Poll(r.UDPAt("0.0.0.0:5000")) }},
		Case{Name: "poll-connected", Run: func(r *R) {
			s := r.UDP()
			r.Connect(s, SA("198.18.0.2:6000"))
			r.Poll(s)
		}},
		Case{Name: "poll-data", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendTo(6000, "198.18.0.1:5000", "d")
			r.WaitFor(s, unix.POLLIN)
			r.Poll(s)
			r.Recv(s, 0)
			r.Poll(s)
		}},
		Case{Name: "poll-zero-length-datagram", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSendTo(6000, "198.18.0.1:5000", "")
			r.WaitFor(s, unix.POLLIN)
			r.Poll(s)
		}},
		Case{Name: "poll-closed", Run: func(r *R) {
			s := r.UDP()
			r.Close(s)
			r.Poll(s)
		}},
		Case{Name: "poll-sndbuf-small", Run: func(r *R) {
			s := r.UDP()
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_SNDBUF, 0)
			r.Poll(s)
		}},
	)
	// Broadcasts reach every matching socket.
	cs = append(cs,
		Case{Name: "broadcast-every-matching-socket", Run: func(r *R) {
			var socks []int
			for _, a := range []string{"0.0.0.0:5000", "198.18.0.255:5000", "198.18.0.1:5000", "255.255.255.255:5000", "127.0.0.1:5000", "0.0.0.0:5000"} {
				s := r.UDP()
				r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
				r.Bind(s, SA(a))
				socks = append(socks, s)
			}
			c := r.UDP()
			r.SetInt(c, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.Bind(c, SA("0.0.0.0:5000"))
			r.Connect(c, SA("198.18.0.2:6001"))
			socks = append(socks, c)
			for _, d := range []Datagram{
				{SrcPort: 6000, Dst: AP("198.18.0.255:5000"), Data: []byte("directed")},
				{SrcPort: 6000, Dst: AP("255.255.255.255:5000"), Data: []byte("limited"), Device: "b0"},
				{SrcPort: 6001, Dst: AP("198.18.0.255:5000"), Data: []byte("from 6001")},
				{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: []byte("unicast")},
			} {
				r.PeerSend(d)
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			for _, s := range socks {
				for i := 0; i < 5; i++ {
					if res := r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT)); res.Err != nil {
						break
					}
				}
			}
		}},
		Case{Name: "broadcast-no-socket", Run: func(r *R) {
			ps := r.PeerListen(6000)
			c := r.Capture()
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.255:5999"), Data: []byte("nobody")})
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("255.255.255.255:5999"), Data: []byte("nobody"), Device: "b0"})
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.CaptureAll(c, ps, 6000)
		}},
		Case{Name: "broadcast-bound-device", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			for _, s := range []int{a, b} {
				r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			}
			r.Setsockopt(a, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("a0"))
			r.Setsockopt(b, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("lo"))
			r.Bind(a, SA("0.0.0.0:5000"))
			r.Bind(b, SA("0.0.0.0:5000"))
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.255:5000"), Data: []byte("bcast")})
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(a, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.RecvMsg(b, ro(100, 0, 16, unix.MSG_DONTWAIT))
		}},
		Case{Name: "broadcast-loop-to-self", Run: func(r *R) {
			l := r.UDPAt("0.0.0.0:5000")
			s := r.UDP()
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
			r.SendTo(s, []byte("to all"), 0, "198.18.0.255:5000")
			r.Recv(l, 0)
		}},
	)
	// SO_REUSEADDR duplicates: which socket gets unicast.
	for _, binds := range [][]string{
		{"0.0.0.0:5000", "0.0.0.0:5000"},
		{"0.0.0.0:5000", "198.18.0.1:5000"},
		{"198.18.0.1:5000", "0.0.0.0:5000"},
		{"198.18.0.1:5000", "198.18.0.1:5000"},
		{"0.0.0.0:5000", "0.0.0.0:5000", "0.0.0.0:5000"},
	} {
		binds := binds
		cs = append(cs, Case{Name: "reuseaddr-unicast-" + fmt.Sprint(binds), Run: func(r *R) {
			var socks []int
			for _, a := range binds {
				s := r.UDP()
				r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
				r.Bind(s, SA(a))
				socks = append(socks, s)
			}
			for i := 0; i < 3; i++ {
				r.PeerSendTo(6000+i, "198.18.0.1:5000", fmt.Sprint("u", i))
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			for _, s := range socks {
				for i := 0; i < 4; i++ {
					if res := r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT)); res.Err != nil {
						break
					}
				}
			}
		}})
	}
	// SO_REUSEPORT spreads flows over a group; a flow keeps its member.
	for _, members := range []int{2, 4} {
		members := members
		cs = append(cs, Case{Name: fmt.Sprintf("reuseport-spread-%d", members), Run: func(r *R) {
			var socks []int
			for i := 0; i < members; i++ {
				s := r.UDP()
				r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
				r.Bind(s, SA("0.0.0.0:5000"))
				socks = append(socks, s)
			}
			const flows = 32
			for round := 0; round < 2; round++ {
				for f := 0; f < flows; f++ {
					r.PeerSend(Datagram{SrcPort: 7000 + f, Dst: AP("198.18.0.1:5000"), Data: []byte{byte(f)}})
				}
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			owner := map[int]int{}
			perMember := make([]int, members)
			sameMember, total := true, 0
			for i, s := range socks {
				for {
					res := r.h
					m := Recv{BufLen: 10, NameLen: 16, Flags: unix.MSG_DONTWAIT}
					if _, err := res.RecvMsg(s, &m); err != nil {
						break
					}
					total++
					perMember[i]++
					port := int(binary.BigEndian.Uint16(m.Name[2:4]))
					if o, ok := owner[port]; ok && o != i {
						sameMember = false
					}
					owner[port] = i
				}
			}
			every := true
			for _, n := range perMember {
				if n == 0 {
					every = false
				}
			}
			r.Note("datagrams received", total)
			r.Note("every member got some", every)
			r.Note("each flow always the same member", sameMember)
		}})
	}
	cs = append(cs,
		Case{Name: "reuseport-connected-member", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			for _, s := range []int{a, b} {
				r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
				r.Bind(s, SA("0.0.0.0:5000"))
			}
			r.Connect(a, SA("198.18.0.2:6000"))
			r.PeerSendTo(6000, "198.18.0.1:5000", "to connected")
			r.PeerSendTo(6001, "198.18.0.1:5000", "to other")
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(a, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.RecvMsg(a, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.RecvMsg(b, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.RecvMsg(b, ro(100, 0, 16, unix.MSG_DONTWAIT))
		}},
		Case{Name: "connected-filters-other-sources", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.Connect(s, SA("198.18.0.2:6000"))
			c := r.Capture()
			r.PeerSendTo(6001, "198.18.0.1:5000", "other port")
			r.PeerSendTo(6000, "198.18.0.1:5000", "peer")
			r.Recv(s, 0)
			r.Captured(c, "icmp", ICMPFromA)
		}},
		Case{Name: "icmp-ratelimit-port-unreachable", Run: func(r *R) {
			r.Sysctl("net.ipv4.icmp_ratelimit", "1000")
			for i := 0; i < 10; i++ {
				r.PeerSendTo(6000, "198.18.0.1:5999", "closed")
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
		}},
		Case{Name: "fragmented-send-1473", Run: func(r *R) {
			ps := r.PeerListen(6000)
			s := r.UDP()
			r.SendTo(s, make([]byte, 1473), 0, "198.18.0.2:6000")
			r.Flush(ps, 6000, nil)
		}},
		Case{Name: "fragmented-receive", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: make([]byte, 3000)})
			r.FlushA(s, 6000, "198.18.0.1:5000")
		}},
	)
	return cs
}

func TestUDP(t *testing.T) { Run(t, New(t), udpCases()) }
