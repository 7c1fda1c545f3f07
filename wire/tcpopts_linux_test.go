package wire

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"golang.org/x/sys/unix"
)

// TestTCPOptionsLinuxLive opens a TCP connection over loopback in a fresh
// namespace, once with each of timestamps, SACK and window scaling turned
// off and once with all on, captures the segments on lo with an AF_PACKET
// socket, and checks that parsing each segment's options and laying them
// out again reproduces the kernel's bytes. The static vectors pin Linux
// 6.18; this follows whatever kernel runs the test.
func TestTCPOptionsLinuxLive(t *testing.T) {
	ns := nstest.New(t)
	for i, sysctls := range [][]string{
		{"net.ipv4.tcp_timestamps=1", "net.ipv4.tcp_sack=1", "net.ipv4.tcp_window_scaling=1"},
		{"net.ipv4.tcp_timestamps=0"},
		{"net.ipv4.tcp_timestamps=1", "net.ipv4.tcp_sack=0"},
		{"net.ipv4.tcp_sack=1", "net.ipv4.tcp_window_scaling=0"},
	} {
		ns.MustRun("sysctl", append([]string{"-qw"}, sysctls...)...)
		var segs [][]byte
		err := ns.Do(func() error {
			var err error
			segs, err = loopbackTCPExchange(uint16(40100 + i))
			return err
		})
		if err != nil {
			t.Fatalf("%v: %v", sysctls, err)
		}
		var syns int
		for _, b := range segs {
			s, err := ParseTCP(b)
			if err != nil {
				t.Fatalf("%v: captured segment %x: %v", sysctls, b, err)
			}
			if s.SYN() {
				syns++
			}
			o := ParseTCPOptions(s.Options(), s.SYN())
			out := make([]byte, o.Len())
			o.Emit(out)
			if o.Unknown || !bytes.Equal(out, s.Options()) {
				t.Errorf("%v: flags %#x: emitted %x\nLinux %x", sysctls, s.Flags(), out, s.Options())
			}
		}
		if syns != 2 || len(segs) < 5 {
			t.Fatalf("%v: captured %d segments, %d with SYN", sysctls, len(segs), syns)
		}
	}
}

// loopbackTCPExchange connects to a listener on 127.0.0.1:port, sends a few
// bytes each way, closes, and returns the TCP segments seen on lo. It runs
// on a thread inside the test's namespace.
func loopbackTCPExchange(port uint16) ([][]byte, error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return nil, err
	}
	capfd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_IP)))
	if err != nil {
		return nil, err
	}
	defer unix.Close(capfd)
	if err := unix.Bind(capfd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: lo.Index}); err != nil {
		return nil, err
	}
	tv := unix.NsecToTimeval(int64(200 * time.Millisecond))
	if err := unix.SetsockoptTimeval(capfd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, err
	}
	sa := &unix.SockaddrInet4{Port: int(port), Addr: [4]byte{127, 0, 0, 1}}
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, sa); err != nil {
		return nil, err
	}
	if err := unix.Listen(ln, 1); err != nil {
		return nil, err
	}
	c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(c)
	// Loopback completes the handshake within connect.
	if err := unix.Connect(c, sa); err != nil {
		return nil, err
	}
	a, _, err := unix.Accept(ln)
	if err != nil {
		return nil, err
	}
	defer unix.Close(a)
	buf := make([]byte, 2048)
	if _, err := unix.Write(c, []byte("ping")); err != nil {
		return nil, err
	}
	if _, err := unix.Read(a, buf); err != nil {
		return nil, err
	}
	if _, err := unix.Write(a, []byte("pong")); err != nil {
		return nil, err
	}
	if _, err := unix.Read(c, buf); err != nil {
		return nil, err
	}
	// A packet socket bound to ETH_P_IP sees each segment once, as lo
	// delivers it.
	var segs [][]byte
	for range 64 {
		n, _, err := unix.Recvfrom(capfd, buf, 0)
		if err == unix.EAGAIN || err == unix.EWOULDBLOCK {
			break
		}
		if err != nil {
			return nil, err
		}
		ip, err := ParseIPv4(buf[:n])
		if err != nil || ip.Protocol() != ProtoTCP {
			continue
		}
		s, err := ParseTCP(ip.Payload())
		if err != nil || (s.SrcPort() != port && s.DstPort() != port) {
			continue
		}
		segs = append(segs, append([]byte(nil), s...))
	}
	return segs, nil
}
