package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/nstest"
)

// The kernel interop tests of the TCP issue: the kernel's tools (curl,
// socat, nc) and the kernel's sockets against `inet serve` and inet's
// client, over a TUN device and over a veth, in a namespace of the test's
// own, with 198.18.0.1 the kernel's address and 198.18.0.2 inet's.

// linkKinds are the two ways `inet serve` meets the kernel.
var linkKinds = []string{"tun", "veth"}

// tcpServeIn runs the stack and services of `inet serve` in ns on a TUN
// device (inet0) or a veth (veth1, the kernel's end veth0), the kernel's
// side at 198.18.0.1/24.
func tcpServeIn(t *testing.T, ns *nstest.NS, kind string) *inet.Stack {
	t.Helper()
	var s *inet.Stack
	if kind == "tun" {
		s = serveIn(t, ns, &serveConfig{tun: "inet0", addrs: []netip.Prefix{stackCIDR}})
		ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inet0")
	} else {
		vethPair(t, ns)
		s = serveIn(t, ns, &serveConfig{veth: "veth1", addrs: []netip.Prefix{stackCIDR}})
	}
	svc, _, err := startServices(s)
	if err != nil {
		t.Fatalf("startServices: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	return s
}

// kernelDial connects a kernel socket of ns to addr (package net, so the
// socket is the kernel's own).
func kernelDial(t *testing.T, ns *nstest.NS, addr string) *net.TCPConn {
	t.Helper()
	var c net.Conn
	err := ns.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp4", addr, 10*time.Second)
		return err
	})
	if err != nil {
		t.Fatalf("kernel dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// kernelListen listens on addr with a kernel socket of ns.
func kernelListen(t *testing.T, ns *nstest.NS, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	err := ns.Do(func() error {
		var err error
		ln, err = net.Listen("tcp4", addr)
		return err
	})
	if err != nil {
		t.Fatalf("kernel listen %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// tool runs a command in ns with stdin, bounded by 60 s, and returns its
// stdout, stderr and error.
func tool(t *testing.T, ns *nstest.NS, stdin []byte, name string, args ...string) ([]byte, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.String(), err
}

// bytesPattern is what /bytes serves: byte(i % 251) at offset i.
func bytesPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// TestServeTCPToolsKernel: curl gets "ok\n" from GET /, exact bodies from
// /bytes, 400 and 404 for bad requests; socat and nc get their bytes back
// from the echo port and send to discard; a closed port refuses socat as
// the kernel's own does. Over a TUN device and over a veth.
func TestServeTCPToolsKernel(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			ns := nstest.New(t)
			for _, tl := range []string{"curl", "socat", "nc"} {
				nstest.RequireTool(t, tl)
			}
			s := tcpServeIn(t, ns, kind)

			out, errs, err := tool(t, ns, nil, "curl", "-sS", "--max-time", "30", "http://198.18.0.2/")
			if err != nil || string(out) != "ok\n" {
				t.Errorf("curl /: %q %q %v", out, errs, err)
			}
			for _, n := range []int{0, 1, 251, 100000, 3000017} {
				out, errs, err := tool(t, ns, nil, "curl", "-sS", "--max-time", "30", fmt.Sprintf("http://198.18.0.2/bytes?n=%d", n))
				if err != nil || !bytes.Equal(out, bytesPattern(n)) {
					t.Errorf("curl /bytes?n=%d: %d bytes, %q %v", n, len(out), errs, err)
				}
			}
			for url, code := range map[string]string{"/bytes?n=abc": "400", "/bytes?n=-5": "400", "/bytes": "400", "/nope": "404"} {
				out, errs, err := tool(t, ns, nil, "curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}", "http://198.18.0.2"+url)
				if err != nil || string(out) != code {
					t.Errorf("curl %s: status %q (%q %v), want %s", url, out, errs, err, code)
				}
			}
			// Keep-alive: curl fetches two URLs on one connection.
			_, errs, err = tool(t, ns, nil, "curl", "-sSv", "--max-time", "30", "-o", "/dev/null", "-o", "/dev/null",
				"http://198.18.0.2/", "http://198.18.0.2/bytes?n=10")
			if err != nil || !strings.Contains(errs, "Re-using existing connection") && !strings.Contains(errs, "Reusing existing") {
				t.Errorf("curl two URLs: %v; connection not reused:\n%s", err, errs)
			}

			msg := bytes.Repeat([]byte("RFC 862 echo over TCP through inet. "), 30000) // ~1 MB
			out, errs, err = tool(t, ns, msg, "socat", "-t", "10", "-", "TCP4:198.18.0.2:7")
			if err != nil || !bytes.Equal(out, msg) {
				t.Errorf("socat to echo: %d of %d bytes back, %q %v", len(out), len(msg), errs, err)
			}
			out, errs, err = tool(t, ns, msg[:5000], "nc", "-N", "198.18.0.2", "7")
			if err != nil || !bytes.Equal(out, msg[:5000]) {
				t.Errorf("nc to echo: %d bytes back, %q %v", len(out), errs, err)
			}
			out, errs, err = tool(t, ns, msg, "nc", "-N", "198.18.0.2", "9")
			if err != nil || len(out) != 0 {
				t.Errorf("nc to discard: %d bytes back, %q %v", len(out), errs, err)
			}
			out, errs, err = tool(t, ns, msg, "socat", "-u", "-", "TCP4:198.18.0.2:9")
			if err != nil || len(out) != 0 {
				t.Errorf("socat to discard: %d bytes back, %q %v", len(out), errs, err)
			}

			// A closed port: inet's reset and the kernel's give socat
			// the same error.
			for _, dst := range []string{"198.18.0.2:19", "198.18.0.1:19"} {
				out, errs, err := tool(t, ns, []byte("x"), "socat", "-", "TCP4:"+dst)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || len(out) != 0 || !strings.Contains(errs, "Connection refused") {
					t.Errorf("socat to closed %s: %v, stdout %q stderr %q; want Connection refused", dst, err, out, errs)
				}
			}
			for _, name := range []string{"Tcp:InErrs", "Tcp:InCsumErrors", "Ip:InHdrErrors", "Ip:OutDiscards"} {
				if v := stat(t, s, name); v != 0 {
					t.Errorf("%s = %d, want 0", name, v)
				}
			}
		})
	}
}

// TestServeTCPClientKernel: inet's client (gonet through the root
// package) talks to the kernel's servers: socat's echo, and net/http's
// server on a kernel socket, over a TUN device and over a veth.
func TestServeTCPClientKernel(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			ns := nstest.New(t)
			nstest.RequireTool(t, "socat")
			s := tcpServeIn(t, ns, kind)

			// socat as an echo server on the kernel's side.
			// One connection, no fork: a forked child would outlive the
			// kill of the PID nstest started and hold its output open.
			// EXEC:cat, not PIPE: socat's PIPE echo stalls now and then
			// on its own (a kernel client across a veth, 1 run in 40).
			ns.Start("socat", "TCP4-LISTEN:8007,bind=198.18.0.1,reuseaddr", "EXEC:cat")
			c := dialUntilListening(t, s, "198.18.0.1:8007")
			c.SetDeadline(time.Now().Add(30 * time.Second))
			msg := bytes.Repeat([]byte("inet's client, socat's echo. "), 20000)
			go func() {
				c.Write(msg)
				c.(interface{ CloseWrite() error }).CloseWrite()
			}()
			got, err := io.ReadAll(c)
			if err != nil || !bytes.Equal(got, msg) {
				t.Errorf("socat echo: %d of %d bytes back (%v);%s", len(got), len(msg), err, tcpCounters(t, s))
			}
			c.Close()

			// net/http on a kernel socket, inet's http.Client.
			ln := kernelListen(t, ns, "198.18.0.1:8080")
			srv := &httpServer{}
			go srv.serve(ln)
			defer srv.close()
			hc := inetHTTPClient(s)
			for _, n := range []int{0, 10, 1 << 20} {
				body, err := httpGet(hc, fmt.Sprintf("http://198.18.0.1:8080/bytes?n=%d", n))
				if err != nil || !bytes.Equal(body, bytesPattern(n)) {
					t.Errorf("GET from the kernel's server, n=%d: %d bytes, %v", n, len(body), err)
				}
			}
		})
	}
}

// dialUntilListening dials addr from s until a server started in the
// background listens (a refused connect comes back at once; bounded to
// 10 s).
func dialUntilListening(t *testing.T, s *inet.Stack, addr string) net.Conn {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := s.DialContext(ctx, "tcp", addr)
		cancel()
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		if time.Now().After(end) {
			t.Fatalf("dial %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond) // poll for the server's start
	}
}

// TestServeBinaryTCPKernel runs the inet command itself: `inet serve
// --tun` announces its services in its start-up line, curl and nc reach
// them, and SIGTERM stops it with status 0.
func TestServeBinaryTCPKernel(t *testing.T) {
	bin := inetBinary(t)
	ns := nstest.New(t)
	nstest.RequireTool(t, "curl")
	nstest.RequireTool(t, "nc")
	cmd, out := ns.Start(bin, "serve", "--tun", "inet0", "--addr", "198.18.0.2/24")
	want := "inet: serving 198.18.0.2/24 on tun inet0 (mtu 1500); udp echo on port 7, tcp echo on port 7, discard on port 9, http on port 80; stop with Ctrl-C or SIGTERM\n"
	for end := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "\n"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no start-up line after 30 s: %q", out.String())
		}
	}
	if got := out.String(); got != want {
		t.Fatalf("start-up line %q, want %q", got, want)
	}
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inet0")
	if body, errs, err := tool(t, ns, nil, "curl", "-sS", "--max-time", "30", "http://198.18.0.2/"); err != nil || string(body) != "ok\n" {
		t.Errorf("curl /: %q %q %v", body, errs, err)
	}
	if body, errs, err := tool(t, ns, []byte("hello\n"), "nc", "-N", "198.18.0.2", "7"); err != nil || string(body) != "hello\n" {
		t.Errorf("nc to echo: %q %q %v", body, errs, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil || !strings.HasSuffix(out.String(), "inet: stopping\n") {
			t.Errorf("after SIGTERM: %v, output %q", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("inet serve did not stop on SIGTERM")
	}
}
