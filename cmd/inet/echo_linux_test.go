package main

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/nstest"
	"golang.org/x/sys/unix"
)

// echoServeIn runs `inet serve --tun inet0` with its services in ns, the
// kernel's side of the TUN device at 198.18.0.1/24.
func echoServeIn(t *testing.T, ns *nstest.NS) *inet.Stack {
	t.Helper()
	s := serveIn(t, ns, &serveConfig{tun: "inet0", addrs: []netip.Prefix{stackCIDR}})
	svc, what, err := startServices(s)
	if err != nil {
		t.Fatalf("startServices: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	if what != "udp echo on port 7, tcp echo on port 7, discard on port 9, http on port 80" {
		t.Errorf("services announced as %q", what)
	}
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inet0")
	return s
}

// runIn runs a tool inside ns with stdin, bounded by 30 s, and returns its
// stdout, stderr and error.
func runIn(t *testing.T, ns *nstest.NS, stdin []byte, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// TestServeUDPEchoToolsKernel: the kernel's socat and nc send datagrams to
// inet's port 7 and get them back byte for byte; to a closed port inet
// answers ICMP port unreachable, which socat reports as "Connection
// refused" exactly as it does for a closed port of the kernel's own.
func TestServeUDPEchoToolsKernel(t *testing.T) {
	ns := nstest.New(t)
	nstest.RequireTool(t, "socat")
	nstest.RequireTool(t, "nc")
	s := echoServeIn(t, ns)

	msg := "hello, inet: RFC 862 echo over a TUN device"
	out, errs, err := runIn(t, ns, []byte(msg), "socat", "-t", "1", "-", "UDP4:198.18.0.2:7")
	if err != nil || out != msg || errs != "" {
		t.Errorf("socat to port 7: stdout %q stderr %q (%v), want the message back", out, errs, err)
	}
	out, errs, err = runIn(t, ns, []byte(msg+" (nc)"), "nc", "-u", "-w", "1", "198.18.0.2", "7")
	if err != nil || out != msg+" (nc)" {
		t.Errorf("nc -u to port 7: stdout %q stderr %q (%v), want the message back", out, errs, err)
	}

	// A closed port: inet's answer and the kernel's own give socat the
	// same error.
	for _, dst := range []string{"198.18.0.2:9", "198.18.0.1:9"} {
		out, errs, err := runIn(t, ns, []byte("anyone?"), "socat", "-t", "1", "-", "UDP4:"+dst)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || out != "" || !strings.Contains(errs, "Connection refused") {
			t.Errorf("socat to closed %s: %v, stdout %q stderr %q; want exit status 1 and Connection refused", dst, err, out, errs)
		}
	}
	if v := stat(t, s, "Udp:NoPorts"); v != 1 {
		t.Errorf("Udp:NoPorts %d, want 1", v)
	}
	if v := stat(t, s, "Icmp:OutDestUnreachs"); v != 1 {
		t.Errorf("Icmp:OutDestUnreachs %d, want 1", v)
	}
}

// kernelUDP is a UDP socket of the kernel's in ns, with a receive timeout.
func kernelUDP(t *testing.T, ns *nstest.NS) int {
	t.Helper()
	fd := -1
	err := ns.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	tv := unix.NsecToTimeval((2 * time.Second).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestServeUDPEchoKernel: datagrams of every length from 0 to the most a
// 1500-byte MTU carries unfragmented, with random bytes, sent by a kernel
// socket to inet's port 7, come back intact from 198.18.0.2:7; a
// connected kernel socket gets ECONNREFUSED from a closed port of inet's
// as from one of its own.
func TestServeUDPEchoKernel(t *testing.T) {
	ns := nstest.New(t)
	s := echoServeIn(t, ns)
	fd := kernelUDP(t, ns)
	rng := rand.New(rand.NewPCG(862, 7))
	to := &unix.SockaddrInet4{Addr: [4]byte{198, 18, 0, 2}, Port: 7}
	buf := make([]byte, 2000)
	sizes := []int{0, 1, 2, 3, 7, 8, 9, 63, 64, 100, 511, 512, 1000, 1400, 1471, 1472}
	for _, size := range sizes {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		if err := unix.Sendto(fd, msg, 0, to); err != nil {
			t.Fatalf("sendto %d bytes: %v", size, err)
		}
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			t.Fatalf("%d bytes: no echo: %v", size, err)
		}
		f, _ := from.(*unix.SockaddrInet4)
		if !bytes.Equal(buf[:n], msg) || f == nil || f.Addr != to.Addr || f.Port != to.Port {
			t.Fatalf("%d bytes: echo of %d bytes from %+v differs", size, n, from)
		}
	}
	// The service counts a datagram out after handing it to the link, so
	// the last one may not be counted yet when its echo arrives; one more
	// round trip orders every earlier count before this check.
	if err := unix.Sendto(fd, []byte("last"), 0, to); err != nil {
		t.Fatal(err)
	}
	if _, _, err := unix.Recvfrom(fd, buf, 0); err != nil {
		t.Fatal(err)
	}
	n := uint64(len(sizes)) + 1
	if v := stat(t, s, "Udp:InDatagrams"); v != n {
		t.Errorf("Udp:InDatagrams %d, want %d", v, n)
	}
	if v := stat(t, s, "Udp:OutDatagrams"); v != n-1 && v != n {
		t.Errorf("Udp:OutDatagrams %d, want %d (or %d)", v, n-1, n)
	}

	for _, dst := range []unix.SockaddrInet4{{Addr: [4]byte{198, 18, 0, 2}, Port: 9}, {Addr: [4]byte{198, 18, 0, 1}, Port: 9}} {
		c := kernelUDP(t, ns)
		if err := unix.Connect(c, &dst); err != nil {
			t.Fatal(err)
		}
		if err := unix.Send(c, []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := unix.Recvfrom(c, buf, 0); err != unix.ECONNREFUSED {
			t.Errorf("connected to closed %v:%d: recv %v, want ECONNREFUSED", dst.Addr, dst.Port, err)
		}
	}
}
