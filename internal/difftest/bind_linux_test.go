package difftest

import (
	"fmt"
	"testing"

	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// bindOne binds a fresh UDP socket to sa and reads getsockname back.
func bindOne(name string, sa []byte) Case {
	return Case{Name: name, Run: func(r *R) {
		s := r.UDP()
		r.Bind(s, sa)
		r.GetSockName(s)
	}}
}

// sized returns sa cut or zero-extended to n bytes.
func sized(sa []byte, n int) []byte {
	b := make([]byte, n)
	copy(b, sa)
	return b
}

func bindCases() []Case {
	var cs []Case
	good := SA("198.18.0.1:5000")
	for _, n := range []int{0, 1, 2, 3, 8, 14, 15, 16, 17, 20, 28, 64, 128, 129, 200} {
		cs = append(cs, bindOne(fmt.Sprintf("len-%d", n), sized(good, n)))
	}
	cs = append(cs, Case{Name: "len-0-nil", Run: func(r *R) {
		s := r.UDP()
		r.Bind(s, nil)
	}})
	for _, f := range []uint16{unix.AF_INET6, unix.AF_UNIX, unix.AF_PACKET, 0xffff, 3} {
		cs = append(cs, bindOne(fmt.Sprintf("family-%d", f), SAFamily(f, "198.18.0.1:5000")))
	}
	// AF_UNSPEC is accepted with INADDR_ANY only (inet_bind's compatibility
	// rule), whatever the port.
	cs = append(cs,
		bindOne("unspec-any", SAFamily(unix.AF_UNSPEC, "0.0.0.0:5000")),
		bindOne("unspec-any-port0", SAFamily(unix.AF_UNSPEC, "0.0.0.0:0")),
		bindOne("unspec-local", SAFamily(unix.AF_UNSPEC, "198.18.0.1:5000")),
		bindOne("unspec-loopback", SAFamily(unix.AF_UNSPEC, "127.0.0.1:5000")),
		bindOne("unspec-short", sized(SAFamily(unix.AF_UNSPEC, "0.0.0.0:5000"), 8)),
	)
	// Address classes.
	for _, a := range []string{
		"0.0.0.0:5000", "0.0.0.0:0", "198.18.0.1:0", "198.18.0.1:5000", "127.0.0.1:5000", "127.1.2.3:5000",
		"198.18.0.2:5000", "198.18.0.3:5000", "198.19.0.1:5000", "198.18.0.255:5000", "198.18.0.0:5000",
		"255.255.255.255:5000", "0.1.2.3:5000", "224.0.0.1:5000", "239.1.2.3:5000", "240.0.0.1:5000", "127.255.255.255:5000",
		"198.18.0.1:65535", "198.18.0.1:1024", "198.18.0.1:1023", "198.18.0.1:80", "198.18.0.1:1",
	} {
		cs = append(cs, bindOne("addr-"+a, SA(a)))
	}
	cs = append(cs, bindOne("sin-zero-garbage", func() []byte {
		b := SA("198.18.0.1:5000")
		copy(b[8:], "garbage!")
		return b
	}()))
	// Non-local addresses: IP_FREEBIND, IP_TRANSPARENT, ip_nonlocal_bind.
	for _, a := range []string{"198.18.0.3:5000", "198.19.0.1:5000"} {
		a := a
		cs = append(cs,
			Case{Name: "freebind-" + a, Run: func(r *R) {
				s := r.UDP()
				r.SetInt(s, unix.SOL_IP, unix.IP_FREEBIND, 1)
				r.Bind(s, SA(a))
				r.GetSockName(s)
			}},
			Case{Name: "transparent-" + a, Run: func(r *R) {
				s := r.UDP()
				r.SetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT, 1)
				r.Bind(s, SA(a))
				r.GetSockName(s)
			}},
			Case{Name: "nonlocal-bind-" + a, Run: func(r *R) {
				r.Sysctl("net.ipv4.ip_nonlocal_bind", "1")
				s := r.UDP()
				r.Bind(s, SA(a))
				r.GetSockName(s)
			}},
		)
	}
	cs = append(cs,
		Case{Name: "freebind-off-again", Run: func(r *R) {
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, unix.IP_FREEBIND, 1)
			r.SetInt(s, unix.SOL_IP, unix.IP_FREEBIND, 0)
			r.Bind(s, SA("198.18.0.3:5000"))
		}},
		Case{Name: "transparent-needs-cap", Run: func(r *R) {
			r.DropCap(socket.CapNetAdmin | socket.CapNetRaw)
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT, 1)
			r.SetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT, 0)
			r.Bind(s, SA("198.18.0.3:5000"))
		}},
		Case{Name: "transparent-with-net-raw-only", Run: func(r *R) {
			r.DropCap(socket.CapNetAdmin)
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT, 1)
			r.GetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT)
		}},
		Case{Name: "transparent-with-net-admin-only", Run: func(r *R) {
			r.DropCap(socket.CapNetRaw)
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT, 1)
			r.GetInt(s, unix.SOL_IP, unix.IP_TRANSPARENT)
		}},
	)
	// Privileged ports.
	for _, p := range []int{1, 80, 1023, 1024} {
		p := p
		cs = append(cs, Case{Name: fmt.Sprintf("no-bind-service-port-%d", p), Run: func(r *R) {
			r.DropCap(socket.CapNetBindService)
			s := r.UDP()
			r.Bind(s, SA(fmt.Sprintf("198.18.0.1:%d", p)))
			r.GetSockName(s)
		}})
	}
	cs = append(cs,
		Case{Name: "no-bind-service-port-0", Run: func(r *R) {
			r.DropCap(socket.CapNetBindService)
			s := r.UDP()
			r.Bind(s, SA("0.0.0.0:0"))
		}},
		Case{Name: "no-bind-service-unprivileged-start-80", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_unprivileged_port_start", "80")
			r.DropCap(socket.CapNetBindService)
			s := r.UDP()
			r.Bind(s, SA("198.18.0.1:79"))
			r.Bind(s, SA("198.18.0.1:80"))
			r.GetSockName(s)
		}},
		Case{Name: "no-bind-service-unprivileged-start-0", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_unprivileged_port_start", "0")
			r.DropCap(socket.CapNetBindService)
			s := r.UDP()
			r.Bind(s, SA("198.18.0.1:1"))
		}},
		Case{Name: "no-bind-service-nonlocal-privileged", Run: func(r *R) {
			r.DropCap(socket.CapNetBindService)
			s := r.UDP()
			r.Bind(s, SA("198.18.0.3:80"))
		}},
	)
	// Binding twice, binding after connect.
	cs = append(cs,
		Case{Name: "twice-same", Run: func(r *R) {
			s := r.UDP()
			r.Bind(s, SA("198.18.0.1:5000"))
			r.Bind(s, SA("198.18.0.1:5000"))
			r.Bind(s, SA("198.18.0.1:5001"))
			r.GetSockName(s)
		}},
		Case{Name: "twice-port0", Run: func(r *R) {
			s := r.UDP()
			r.Bind(s, SA("0.0.0.0:0"))
			r.Bind(s, SA("0.0.0.0:0"))
			r.GetSockName(s)
		}},
		Case{Name: "twice-after-failure", Run: func(r *R) {
			s := r.UDP()
			r.Bind(s, SA("198.18.0.3:5000"))
			r.Bind(s, SA("198.18.0.1:5000"))
			r.GetSockName(s)
		}},
		Case{Name: "after-connect", Run: func(r *R) {
			s := r.UDP()
			r.Connect(s, SA("198.18.0.2:6000"))
			r.Bind(s, SA("198.18.0.1:5000"))
			r.GetSockName(s)
		}},
		Case{Name: "after-sendto", Run: func(r *R) {
			s := r.UDP()
			ps := r.PeerListen(6000)
			r.SendTo(s, []byte("x"), 0, "198.18.0.2:6000")
			r.PeerRecv(ps)
			r.Bind(s, SA("198.18.0.1:5000"))
			r.GetSockName(s)
		}},
		Case{Name: "after-close", Run: func(r *R) {
			s := r.UDP()
			r.Bind(s, SA("198.18.0.1:5000"))
			r.Close(s)
			s2 := r.UDP()
			r.Bind(s2, SA("198.18.0.1:5000"))
		}},
	)
	// Two sockets on one port: SO_REUSEADDR, SO_REUSEPORT, addresses.
	type opt struct{ addr, port bool }
	combos := []struct {
		name   string
		a, b   opt
		aa, ba string
	}{
		{"none", opt{}, opt{}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseaddr-both", opt{addr: true}, opt{addr: true}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseaddr-first", opt{addr: true}, opt{}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseaddr-second", opt{}, opt{addr: true}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseport-both", opt{port: true}, opt{port: true}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseport-first", opt{port: true}, opt{}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseport-second", opt{}, opt{port: true}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"reuseaddr-reuseport", opt{addr: true}, opt{port: true}, "198.18.0.1:5000", "198.18.0.1:5000"},
		{"any-then-specific", opt{}, opt{}, "0.0.0.0:5000", "198.18.0.1:5000"},
		{"specific-then-any", opt{}, opt{}, "198.18.0.1:5000", "0.0.0.0:5000"},
		{"any-then-any", opt{}, opt{}, "0.0.0.0:5000", "0.0.0.0:5000"},
		{"any-then-specific-reuseaddr", opt{addr: true}, opt{addr: true}, "0.0.0.0:5000", "198.18.0.1:5000"},
		{"any-then-specific-reuseport", opt{port: true}, opt{port: true}, "0.0.0.0:5000", "198.18.0.1:5000"},
		{"specific-then-any-reuseport", opt{port: true}, opt{port: true}, "198.18.0.1:5000", "0.0.0.0:5000"},
		{"two-addresses", opt{}, opt{}, "198.18.0.1:5000", "127.0.0.1:5000"},
		{"broadcast-then-any", opt{}, opt{}, "198.18.0.255:5000", "0.0.0.0:5000"},
		{"broadcast-then-specific", opt{}, opt{}, "198.18.0.255:5000", "198.18.0.1:5000"},
		{"any-then-broadcast", opt{}, opt{}, "0.0.0.0:5000", "198.18.0.255:5000"},
		{"limited-then-any", opt{}, opt{}, "255.255.255.255:5000", "0.0.0.0:5000"},
	}
	for _, c := range combos {
		c := c
		cs = append(cs, Case{Name: "pair-" + c.name, Run: func(r *R) {
			var s [2]int
			for i, o := range []opt{c.a, c.b} {
				s[i] = r.UDP()
				if o.addr {
					r.SetInt(s[i], unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
				}
				if o.port {
					r.SetInt(s[i], unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
				}
			}
			r.Bind(s[0], SA(c.aa))
			r.Bind(s[1], SA(c.ba))
			r.GetSockName(s[1])
		}})
	}
	cs = append(cs,
		Case{Name: "pair-reuseport-set-after-bind", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			r.Bind(a, SA("198.18.0.1:5000"))
			r.SetInt(a, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			r.SetInt(b, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			r.Bind(b, SA("198.18.0.1:5000"))
		}},
		Case{Name: "pair-reuseport-cleared-after-bind", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			r.SetInt(a, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			r.Bind(a, SA("198.18.0.1:5000"))
			r.SetInt(a, unix.SOL_SOCKET, unix.SO_REUSEPORT, 0)
			r.SetInt(b, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			r.Bind(b, SA("198.18.0.1:5000"))
		}},
		Case{Name: "pair-reuseaddr-cleared-after-bind", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			r.SetInt(a, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.Bind(a, SA("198.18.0.1:5000"))
			r.SetInt(a, unix.SOL_SOCKET, unix.SO_REUSEADDR, 0)
			r.SetInt(b, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.Bind(b, SA("198.18.0.1:5000"))
		}},
		Case{Name: "pair-connected-then-bind", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			r.Bind(a, SA("198.18.0.1:5000"))
			r.Connect(a, SA("198.18.0.2:6000"))
			r.Bind(b, SA("198.18.0.1:5000"))
		}},
		Case{Name: "triple-reuseport", Run: func(r *R) {
			for i := 0; i < 3; i++ {
				s := r.UDP()
				r.SetInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
				r.Bind(s, SA("0.0.0.0:5000"))
			}
			s := r.UDP()
			r.Bind(s, SA("0.0.0.0:5000"))
		}},
		Case{Name: "bindtodevice-pair", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			r.Setsockopt(a, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("a0"))
			r.Setsockopt(b, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("lo"))
			r.Bind(a, SA("0.0.0.0:5000"))
			r.Bind(b, SA("0.0.0.0:5000"))
			c := r.UDP()
			r.Bind(c, SA("0.0.0.0:5000"))
		}},
		Case{Name: "bindtodevice-then-unbound", Run: func(r *R) {
			a, b := r.UDP(), r.UDP()
			r.Bind(a, SA("0.0.0.0:5000"))
			r.Setsockopt(b, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, []byte("a0"))
			r.Bind(b, SA("0.0.0.0:5000"))
		}},
		Case{Name: "bind-address-no-port", Run: func(r *R) {
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
			r.Bind(s, SA("198.18.0.1:0"))
			r.GetSockName(s)
			r.Connect(s, SA("198.18.0.2:6000"))
			r.GetSockName(s)
		}},
	)
	// Ephemeral ports: a tiny ip_local_port_range, exhausted.
	cs = append(cs,
		Case{Name: "ephemeral-exhausted-bind", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40001")
			for i := 0; i < 3; i++ {
				s := r.UDP()
				r.Bind(s, SA("0.0.0.0:0"))
				r.GetSockName(s)
			}
		}},
		Case{Name: "ephemeral-exhausted-connect", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40001")
			for i := 0; i < 3; i++ {
				s := r.UDP()
				r.Connect(s, SA("198.18.0.2:6000"))
				r.GetSockName(s)
			}
		}},
		Case{Name: "ephemeral-exhausted-sendto", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40000")
			a := r.UDP()
			r.Bind(a, SA("0.0.0.0:0"))
			s := r.UDP()
			r.SendTo(s, []byte("x"), 0, "198.18.0.2:6000")
			r.GetSockName(s)
		}},
		Case{Name: "ephemeral-exhausted-other-address", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40000")
			a := r.UDP()
			r.Bind(a, SA("198.18.0.1:0"))
			b := r.UDP()
			r.Bind(b, SA("127.0.0.1:0"))
			r.GetSockName(b)
			c := r.UDP()
			r.Bind(c, SA("0.0.0.0:0"))
		}},
		Case{Name: "ephemeral-reuseaddr-shares", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40000")
			a, b := r.UDP(), r.UDP()
			r.SetInt(a, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.SetInt(b, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			r.Bind(a, SA("0.0.0.0:0"))
			r.Bind(b, SA("0.0.0.0:0"))
			r.GetSockName(b)
		}},
		Case{Name: "ephemeral-distinct", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40009")
			for i := 0; i < 10; i++ {
				s := r.UDP()
				r.Bind(s, SA("0.0.0.0:0"))
				r.GetSockName(s)
			}
		}},
		Case{Name: "ephemeral-range-one-port", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "45000 45000")
			s := r.UDP()
			r.Bind(s, SA("0.0.0.0:0"))
			r.GetSockName(s)
		}},
		Case{Name: "ephemeral-reserved", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40001")
			r.Sysctl("net.ipv4.ip_local_reserved_ports", "40000")
			for i := 0; i < 2; i++ {
				s := r.UDP()
				r.Bind(s, SA("0.0.0.0:0"))
				r.GetSockName(s)
			}
		}},
		Case{Name: "ip-local-port-range-option", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40009")
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, 51, 40005|40005<<16)
			r.Bind(s, SA("0.0.0.0:0"))
			r.GetSockName(s)
			r.GetInt(s, unix.SOL_IP, 51)
		}},
		Case{Name: "ip-local-port-range-option-outside", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_local_port_range", "40000 40000")
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, 51, 50000|50001<<16)
			r.Bind(s, SA("0.0.0.0:0"))
			r.GetSockName(s)
		}},
	)
	// A closed TCP socket gives its port back (inet_csk_destroy_sock puts
	// it even when bind named it): a second bind, without SO_REUSEADDR,
	// succeeds after a bound socket, a listener, and a listener whose
	// child was never accepted are closed.
	tcpRebind := func(name string, setup func(r *R, s int) (settle func())) Case {
		return Case{Name: "tcp-rebind-after-close-" + name, Run: func(r *R) {
			s := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			r.Bind(s, SA("0.0.0.0:5000"))
			settle := setup(r, s)
			r.Close(s)
			if settle != nil {
				settle()
			}
			s2 := r.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			r.Bind(s2, SA("0.0.0.0:5000"))
			r.Listen(s2, 5)
		}}
	}
	cs = append(cs,
		tcpRebind("bound", func(r *R, s int) func() { return nil }),
		tcpRebind("listener", func(r *R, s int) func() { r.Listen(s, 5); return nil }),
		tcpRebind("listener-with-child", func(r *R, s int) func() {
			r.Listen(s, 5)
			c := r.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
			r.Connect(c, SA("127.0.0.1:5000"))
			r.WaitFor(c, unix.POLLOUT)
			// The child is in the accept queue (inet's loopback
			// delivers the handshake's last ACK a moment later than
			// the kernel's, which does it inside connect).
			r.WaitFor(s, unix.POLLIN)
			// The child's reset reaches the client.
			return func() { r.WaitFor(c, unix.POLLIN) }
		}),
	)
	return cs
}

func TestBind(t *testing.T) {
	Run(t, New(t), bindCases())
}
