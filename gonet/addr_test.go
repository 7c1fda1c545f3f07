package gonet_test

import (
	"errors"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAddressParsingAsNet: for IP literals, ListenPacket accepts what
// net.ResolveUDPAddr accepts, with the same address, and refuses what it
// refuses with the same error (wrapped in a listen *net.OpError).
func TestAddressParsingAsNet(t *testing.T) {
	l := newLAN(t, nil)
	cases := []string{
		"", ":", ":0", "198.18.0.2:", "198.18.0.2:0", "198.18.0.2:7001", "[198.18.0.2]:7002",
		"[::ffff:198.18.0.2]:7003", "198.18.0.2:domain", "0.0.0.0:7004",
		"198.18.0.2", "198.18.0.2:99999", "198.18.0.2:-1", "198.18.0.2:nosuchservice",
		"::1:53", "[::1]:53", "[fe80::1%eth0]:53", "198.18.0.2:53:1", "[198.18.0.2:53", "198.18.0.2]:53",
		"198.18.0.2:0x10",
	}
	for _, addr := range cases {
		want, werr := net.ResolveUDPAddr("udp4", addr)
		pc, err := l.b.ListenPacket("udp4", addr)
		if werr != nil {
			var oe *net.OpError
			if !errors.As(err, &oe) || oe.Op != "listen" || oe.Net != "udp4" || oe.Addr != nil || oe.Err.Error() != werr.Error() {
				t.Errorf("ListenPacket(udp4, %q): %v, want listen udp4: %v", addr, err, werr)
			}
			if pc != nil {
				t.Errorf("ListenPacket(udp4, %q): %#v with an error", addr, pc)
			}
			continue
		}
		if err != nil {
			t.Errorf("ListenPacket(udp4, %q): %v, want %v", addr, err, want)
			continue
		}
		got := pc.LocalAddr().(*net.UDPAddr)
		wantIP := want.IP
		if wantIP == nil {
			wantIP = net.IPv4zero
		}
		if !got.IP.Equal(wantIP) || (want.Port != 0 && got.Port != want.Port) {
			t.Errorf("ListenPacket(udp4, %q): bound %v, want %v", addr, got, want)
		}
		pc.Close()
	}
}

// TestAddressErrors: what net does not resolve from literals, and IPv6 on
// an IPv4-only stack.
func TestAddressErrors(t *testing.T) {
	l := newLAN(t, nil)
	cases := []struct {
		network, addr, want string
		is                  error
	}{
		// Host names other than localhost: a lookup that found nothing.
		{"udp4", "example.invalid:53", "listen udp4: lookup example.invalid: no such host", nil},
		{"udp", "01.2.3.4:53", "listen udp: lookup 01.2.3.4: no such host", nil},
		// IPv6: for "udp" the socket call refuses the family, as on a
		// kernel without IPv6; for "udp4" no address is suitable.
		{"udp", "[::1]:53", "listen udp [::1]:53: socket: address family not supported by protocol", unix.EAFNOSUPPORT},
		{"udp4", "[::1]:53", "listen udp4: address ::1: no suitable address found", nil},
		// Networks the stack does not serve.
		{"udp6", ":53", "listen udp6: unknown network udp6", nil},
		{"ip4:1", "198.18.0.2", "listen ip4:1: unknown network ip4:1", nil},
		{"UDP", ":53", "listen UDP: unknown network UDP", nil},
	}
	for _, c := range cases {
		_, err := l.b.ListenPacket(c.network, c.addr)
		if err == nil || err.Error() != c.want {
			t.Errorf("ListenPacket(%s, %s): %v, want %q", c.network, c.addr, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("ListenPacket(%s, %s): %v is not %v", c.network, c.addr, err, c.is)
		}
		var oe *net.OpError
		if !errors.As(err, &oe) {
			t.Errorf("ListenPacket(%s, %s): %T, want *net.OpError", c.network, c.addr, err)
		}
		_, err = l.b.Dial(c.network, c.addr)
		if want := "dial" + c.want[len("listen"):]; err == nil || err.Error() != want {
			t.Errorf("Dial(%s, %s): %v, want %q", c.network, c.addr, err, want)
		}
	}
	// TCP is a stream: ListenPacket does not serve it (Listen does).
	var ue net.UnknownNetworkError
	if _, err := l.b.ListenPacket("tcp", ":80"); !errors.As(err, &ue) || err.Error() != "listen tcp: unknown network tcp" {
		t.Errorf("tcp: %v, want net.UnknownNetworkError inside", err)
	}
	var de *net.DNSError
	if _, err := l.b.Dial("udp", "example.invalid:53"); !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("host name: %v, want a not-found *net.DNSError inside", err)
	}
}
