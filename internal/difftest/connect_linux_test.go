package difftest

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// connectOne connects a fresh UDP socket and reads both names back.
func connectOne(name string, sa []byte, setup func(r *R, s int)) Case {
	return Case{Name: name, Run: func(r *R) {
		s := r.UDP()
		if setup != nil {
			setup(r, s)
		}
		r.Connect(s, sa)
		r.GetSockName(s)
		r.GetPeerName(s)
	}}
}

func unspec(n int) []byte { return sized(SAFamily(unix.AF_UNSPEC, "0.0.0.0:0"), n) }

func connectCases() []Case {
	var cs []Case
	good := SA("198.18.0.2:6000")
	for _, n := range []int{0, 1, 2, 3, 8, 15, 16, 17, 128, 129} {
		cs = append(cs, connectOne(fmt.Sprintf("len-%d", n), sized(good, n), nil))
	}
	for _, f := range []uint16{unix.AF_INET6, unix.AF_UNIX, 0xffff} {
		cs = append(cs, connectOne(fmt.Sprintf("family-%d", f), SAFamily(f, "198.18.0.2:6000"), nil))
	}
	for _, a := range []string{
		"198.18.0.2:6000", "198.18.0.2:0", "0.0.0.0:6000", "0.0.0.0:0", "198.18.0.1:6000", "127.0.0.1:6000",
		"127.9.9.9:6000", "198.18.1.2:6000", "198.18.0.3:6000", "198.19.0.1:6000", "198.18.0.255:6000",
		"198.18.0.0:6000", "255.255.255.255:6000", "224.0.0.1:6000", "239.1.2.3:6000", "240.0.0.1:6000",
		"198.18.0.2:65535",
	} {
		cs = append(cs, connectOne("to-"+a, SA(a), nil))
	}
	bcast := func(r *R, s int) { r.SetInt(s, unix.SOL_SOCKET, unix.SO_BROADCAST, 1) }
	dev := func(name string) func(r *R, s int) {
		return func(r *R, s int) { r.Setsockopt(s, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte(name)) }
	}
	cs = append(cs,
		connectOne("broadcast-with-so-broadcast", SA("198.18.0.255:6000"), bcast),
		connectOne("limited-with-so-broadcast", SA("255.255.255.255:6000"), bcast),
		connectOne("limited-with-device", SA("255.255.255.255:6000"), dev("a0")),
		connectOne("limited-with-device-and-so-broadcast", SA("255.255.255.255:6000"), func(r *R, s int) {
			bcast(r, s)
			dev("a0")(r, s)
		}),
		connectOne("device-lo-to-peer", SA("198.18.0.2:6000"), dev("lo")),
		connectOne("device-a0-to-loopback", SA("127.0.0.1:6000"), dev("a0")),
		connectOne("unicast-if-to-peer", SA("198.18.0.2:6000"), func(r *R, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_UNICAST_IF, 2<<24)
		}),
		connectOne("unicast-if-lo-to-peer", SA("198.18.0.2:6000"), func(r *R, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_UNICAST_IF, 1<<24)
		}),
		connectOne("bound-specific", SA("198.18.0.2:6000"), func(r *R, s int) { r.Bind(s, SA("198.18.0.1:5000")) }),
		connectOne("bound-loopback-to-peer", SA("198.18.0.2:6000"), func(r *R, s int) { r.Bind(s, SA("127.0.0.1:5000")) }),
		connectOne("bound-any-port", SA("198.18.0.2:6000"), func(r *R, s int) { r.Bind(s, SA("0.0.0.0:5000")) }),
		connectOne("bound-broadcast", SA("198.18.0.2:6000"), func(r *R, s int) { r.Bind(s, SA("198.18.0.255:5000")) }),
		connectOne("freebind-nonlocal", SA("198.18.0.2:6000"), func(r *R, s int) {
			r.SetInt(s, unix.SOL_IP, unix.IP_FREEBIND, 1)
			r.Bind(s, SA("198.18.0.3:5000"))
		}),
		connectOne("unspec-unconnected", unspec(16), nil),
		connectOne("unspec-2-bytes", unspec(2), nil),
		connectOne("unspec-1-byte", unspec(1), nil),
		connectOne("unspec-with-address", SAFamily(unix.AF_UNSPEC, "198.18.0.2:6000"), nil),
	)
	// Disconnect (AF_UNSPEC) and what it leaves of the local name.
	disc := []struct {
		name  string
		setup func(r *R, s int)
	}{
		{"autobound", nil},
		{"bound-any-port", func(r *R, s int) { r.Bind(s, SA("0.0.0.0:5000")) }},
		{"bound-specific-port", func(r *R, s int) { r.Bind(s, SA("198.18.0.1:5000")) }},
		{"bound-specific-port0", func(r *R, s int) { r.Bind(s, SA("198.18.0.1:0")) }},
		{"bound-any-port0", func(r *R, s int) { r.Bind(s, SA("0.0.0.0:0")) }},
		{"bindtodevice", dev("a0")},
		{"bindtodevice-bound", func(r *R, s int) {
			dev("a0")(r, s)
			r.Bind(s, SA("198.18.0.1:5000"))
		}},
	}
	for _, d := range disc {
		cs = append(cs, Case{Name: "disconnect-" + d.name, Run: func(r *R) {
			s := r.UDP()
			if d.setup != nil {
				d.setup(r, s)
			}
			r.Connect(s, SA("198.18.0.2:6000"))
			r.GetSockName(s)
			r.Connect(s, unspec(16))
			r.GetSockName(s)
			r.GetPeerName(s)
			r.Getsockopt(s, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, 16)
			r.Send(s, []byte("x"), 0)
			r.Connect(s, unspec(16))
		}})
	}
	cs = append(cs,
		Case{Name: "reconnect", Run: func(r *R) {
			s := r.UDP()
			r.Connect(s, SA("198.18.0.2:6000"))
			r.GetSockName(s)
			r.Connect(s, SA("127.0.0.1:6001"))
			r.GetSockName(s)
			r.GetPeerName(s)
			r.Connect(s, SA("198.19.0.1:6000"))
			r.GetSockName(s)
			r.GetPeerName(s)
		}},
		Case{Name: "no-route-then-send", Run: func(r *R) {
			s := r.UDP()
			r.Connect(s, SA("198.19.0.1:6000"))
			r.GetSockName(s)
			r.SendTo(s, []byte("x"), 0, "198.19.0.1:6000")
			r.GetSockName(s)
		}},
		Case{Name: "port-zero-send", Run: func(r *R) {
			s := r.UDP()
			c := r.Capture()
			r.Connect(s, SA("198.18.0.2:0"))
			r.Send(s, []byte("zero"), 0)
			r.Captured(c, "datagram", UDPTo(0))
		}},
		Case{Name: "any-then-send", Run: func(r *R) {
			l := r.UDPAt("127.0.0.1:6000")
			s := r.UDP()
			r.Connect(s, SA("0.0.0.0:6000"))
			r.Send(s, []byte("to any"), 0)
			r.Recv(l, 0)
		}},
		Case{Name: "disconnect-and-receive", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.Connect(s, SA("198.18.0.2:6001"))
			r.PeerSendTo(6000, "198.18.0.1:5000", "filtered")
			r.PeerSendTo(6001, "198.18.0.1:5000", "marker")
			r.Recv(s, 0)
			r.Connect(s, unspec(16))
			r.PeerSendTo(6000, "198.18.0.1:5000", "after")
			r.Recv(s, 0)
		}},
	)
	return cs
}

func TestConnect(t *testing.T) {
	Run(t, New(t), connectCases())
}
