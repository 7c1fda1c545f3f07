package gonet_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// checkErr checks err is a *net.OpError with op whose text is want, and
// that errors.Is finds is in it.
func checkErr(t *testing.T, what string, err error, op, want string, is error) {
	t.Helper()
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != op {
		t.Errorf("%s: %v (%T), want a *net.OpError with Op %q", what, err, err, op)
		return
	}
	if err.Error() != want {
		t.Errorf("%s: %q, want %q", what, err, want)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("%s: %v is not %v", what, err, is)
	}
}

// TestListenAndDialErrors: errors of bind and connect, as net reports the
// kernel's (texts as Go 1.26 prints them on Linux).
func TestListenAndDialErrors(t *testing.T) {
	l := newLAN(t, nil)
	listen(t, l.b, "198.18.0.2:7000")
	_, err := l.b.ListenPacket("udp4", "198.18.0.2:7000")
	checkErr(t, "bind in use", err, "listen", "listen udp4 198.18.0.2:7000: bind: address already in use", unix.EADDRINUSE)
	_, err = l.a.ListenPacket("udp4", "198.18.0.1:7")
	checkErr(t, "bind to port 7 without CAP_NET_BIND_SERVICE", err, "listen", "listen udp4 198.18.0.1:7: bind: permission denied", unix.EACCES)
	_, err = l.a.ListenPacket("udp4", "198.18.9.9:53")
	checkErr(t, "bind to a foreign address", err, "listen", "listen udp4 198.18.9.9:53: bind: cannot assign requested address", unix.EADDRNOTAVAIL)
	var se *os.SyscallError
	if !errors.As(err, &se) || se.Syscall != "bind" {
		t.Errorf("bind error %#v, want an *os.SyscallError for bind", err)
	}
	_, err = l.a.Dial("udp4", "198.19.5.5:53")
	checkErr(t, "connect without a route", err, "dial", "dial udp4 198.19.5.5:53: connect: network is unreachable", unix.ENETUNREACH)
	_, err = l.a.Dial("udp4", "198.18.0.2")
	checkErr(t, "dial without a port", err, "dial", "dial udp4: address 198.18.0.2: missing port in address", nil)
	_, err = l.a.Dial("udp4", "198.18.0.255:53")
	if err != nil {
		t.Errorf("dial a broadcast address: %v (net's sockets have SO_BROADCAST)", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = l.a.DialContext(ctx, "udp4", "198.18.0.2:7")
	checkErr(t, "canceled dial", err, "dial", "dial udp4 198.18.0.2:7: operation was canceled", context.Canceled)
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = l.a.DialContext(ctx, "udp4", "198.18.0.2:7")
	checkErr(t, "dial past its deadline", err, "dial", "dial udp4 198.18.0.2:7: i/o timeout", context.DeadlineExceeded)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("dial past its deadline: %v, want Timeout() true", err)
	}
}

// TestConnectionRefused: the ICMP port unreachable a closed port answers
// reaches a connected socket's next read, then its next write, as
// ECONNREFUSED from read(2) and write(2).
func TestConnectionRefused(t *testing.T) {
	l := newLAN(t, nil)
	c := dial(t, l.a, "198.18.0.2:9")
	c.SetDeadline(time.Now().Add(within))
	port := c.LocalAddr().(*net.UDPAddr).Port
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 10))
	checkErr(t, "read", err, "read", sprintf("read udp4 198.18.0.1:%d->198.18.0.2:9: read: connection refused", port), unix.ECONNREFUSED)
	c.Write([]byte("x"))
	l.n.Idle()
	_, err = c.Write([]byte("x"))
	checkErr(t, "write", err, "write", sprintf("write udp4 198.18.0.1:%d->198.18.0.2:9: write: connection refused", port), unix.ECONNREFUSED)
	c.Write([]byte("x"))
	l.n.Idle()
	_, _, err = c.ReadFrom(make([]byte, 10))
	checkErr(t, "recvfrom", err, "read", sprintf("read udp4 198.18.0.1:%d->198.18.0.2:9: recvfrom: connection refused", port), unix.ECONNREFUSED)
	var se *os.SyscallError
	if !errors.As(err, &se) || se.Err != unix.ECONNREFUSED {
		t.Errorf("%#v, want an *os.SyscallError around unix.ECONNREFUSED", err)
	}
}

// TestMisuse: the calls package net refuses before the socket is asked,
// and the socket's own refusals, with net's texts.
func TestMisuse(t *testing.T) {
	l := newLAN(t, nil)
	conn := dial(t, l.a, "198.18.0.2:7000")
	pc := listen(t, l.a, "198.18.0.1:7001")
	cp := conn.LocalAddr().(*net.UDPAddr).Port
	dst := &net.UDPAddr{IP: net.IPv4(198, 18, 0, 2), Port: 7000}

	_, err := conn.WriteTo([]byte("x"), dst)
	checkErr(t, "WriteTo on a connected socket", err, "write", sprintf("write udp4 198.18.0.1:%d->198.18.0.2:7000: use of WriteTo with pre-connected connection", cp), net.ErrWriteToConnected)
	_, err = conn.WriteToUDPAddrPort([]byte("x"), ap("198.18.0.2:7000"))
	checkErr(t, "WriteToUDPAddrPort on a connected socket", err, "write", sprintf("write udp4 198.18.0.1:%d->198.18.0.2:7000: use of WriteTo with pre-connected connection", cp), net.ErrWriteToConnected)
	_, _, err = conn.WriteMsgUDPAddrPort([]byte("x"), nil, ap("198.18.0.2:7000"))
	checkErr(t, "WriteMsg on a connected socket", err, "write", sprintf("write udp4 198.18.0.1:%d->198.18.0.2:7000: use of WriteTo with pre-connected connection", cp), net.ErrWriteToConnected)
	if n, oobn, err := conn.WriteMsgUDPAddrPort([]byte("x"), nil, netip.AddrPort{}); n != 1 || oobn != 0 || err != nil {
		t.Errorf("WriteMsg on a connected socket without an address: %d %d %v", n, oobn, err)
	}

	_, err = pc.WriteTo([]byte("x"), nil)
	checkErr(t, "WriteTo(nil)", err, "write", "write udp4 198.18.0.1:7001: invalid argument", unix.EINVAL)
	_, err = pc.WriteTo([]byte("x"), &net.IPAddr{IP: net.IPv4(198, 18, 0, 2)})
	checkErr(t, "WriteTo(*IPAddr)", err, "write", "write udp4 198.18.0.1:7001->198.18.0.2: invalid argument", unix.EINVAL)
	_, err = pc.WriteToUDPAddrPort([]byte("x"), netip.AddrPort{})
	checkErr(t, "WriteToUDPAddrPort(zero)", err, "write", "write udp4 198.18.0.1:7001->invalid AddrPort: missing address", nil)
	_, _, err = pc.WriteMsgUDPAddrPort([]byte("x"), nil, netip.AddrPort{})
	checkErr(t, "WriteMsg(zero) unconnected", err, "write", "write udp4 198.18.0.1:7001->invalid AddrPort: missing address", nil)
	_, err = pc.WriteToUDPAddrPort([]byte("x"), ap("[::1]:9"))
	checkErr(t, "WriteToUDPAddrPort(IPv6)", err, "write", "write udp4 198.18.0.1:7001->[::1]:9: address ::1: non-IPv4 address", nil)
	_, err = pc.WriteTo([]byte("x"), &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 9})
	checkErr(t, "WriteTo(IPv6)", err, "write", "write udp4 198.18.0.1:7001->[2001:db8::1]:9: address 2001:db8::1: non-IPv4 address", nil)
	_, err = pc.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(198, 18, 0, 2), Port: 0})
	checkErr(t, "WriteTo port 0", err, "write", "write udp4 198.18.0.1:7001->198.18.0.2:0: sendto: invalid argument", unix.EINVAL)
	_, err = pc.WriteTo(make([]byte, 70000), dst)
	checkErr(t, "WriteTo 70000 bytes", err, "write", "write udp4 198.18.0.1:7001->198.18.0.2:7000: sendto: message too long", unix.EMSGSIZE)
	_, err = pc.Write([]byte("x"))
	checkErr(t, "Write unconnected", err, "write", "write udp4 198.18.0.1:7001: write: destination address required", unix.EDESTADDRREQ)
	// An empty IP is 0.0.0.0: this host, reached from and at the bound
	// address (Linux's output route for 0.0.0.0 takes the source as the
	// destination).
	if _, err := pc.WriteTo([]byte("x"), &net.UDPAddr{Port: 7001}); err != nil {
		t.Errorf("WriteTo(:7001): %v", err)
	}
	pc.SetReadDeadline(time.Now().Add(within))
	if _, from, err := pc.ReadFromUDPAddrPort(make([]byte, 4)); err != nil || from != ap("198.18.0.1:7001") {
		t.Errorf("datagram to 0.0.0.0: from %v, %v", from, err)
	}
	// An empty Read returns at once, as net's does.
	if n, err := pc.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil): %d %v", n, err)
	}
}
