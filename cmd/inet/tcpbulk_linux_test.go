package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/link/tun"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/stack"
)

// bulkBytes is how much each direction of a bulk test moves: 1 GiB, less
// under the race detector (which slows the stack's hot path several
// times), or INET_BULK_BYTES.
func bulkBytes(t *testing.T) int64 {
	if v := os.Getenv("INET_BULK_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("INET_BULK_BYTES=%q", v)
		}
		return n
	}
	if raceEnabled {
		return 256 << 20
	}
	return 1 << 30
}

// TestServeTCPBulkKernel: bulk transfers between a kernel socket and an
// inet socket, each way, over a TUN device and over a veth, byte for byte
// (running CRC-32 on both sides), with the throughput logged.
func TestServeTCPBulkKernel(t *testing.T) {
	n := bulkBytes(t)
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			ns := nstest.New(t)
			s := tcpServeIn(t, ns, kind)
			ln, err := s.Listen("tcp", "198.18.0.2:5001")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			pair := func() (*gonet.TCPConn, halfCloser) { return kernelPair(t, ns, ln, 10*time.Minute) }
			c, k := pair()
			checkFlow(t, fmt.Sprintf("%s kernel->inet", kind), transfer(t, k, c, n, 1, 10*time.Minute), n)
			t.Logf("%s after kernel->inet: %s", kind, tcpCounters(t, s))
			c, k = pair()
			checkFlow(t, fmt.Sprintf("%s inet->kernel", kind), transfer(t, c, k, n, 2, 10*time.Minute), n)
			t.Logf("%s after inet->kernel: %s", kind, tcpCounters(t, s))
		})
	}
}

// kernelPair connects a kernel socket in ns to ln (on 198.18.0.2:5001) and
// returns inet's accepted end and the kernel's, both with deadlines limit
// away; inet's end is closed when the test ends.
func kernelPair(t *testing.T, ns *nstest.NS, ln net.Listener, limit time.Duration) (*gonet.TCPConn, halfCloser) {
	k := kernelDial(t, ns, "198.18.0.2:5001")
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	withDeadline(c, limit)
	withDeadline(k, limit)
	return c.(*gonet.TCPConn), k
}

// tcpCounters summarizes the stack's TCP counters for a log line.
func tcpCounters(t *testing.T, s *inet.Stack) string {
	out := ""
	for _, name := range []string{"Tcp:InSegs", "Tcp:OutSegs", "Tcp:RetransSegs", "TcpExt:TCPOFOQueue", "TcpExt:TCPSackRecovery", "TcpExt:TCPTimeouts", "TcpExt:TCPDSACKRecv"} {
		out += fmt.Sprintf(" %s=%d", name, stat(t, s, name))
	}
	return out
}

// recoveryCounters are the counters of loss recovery's undo and of
// reordering.
func recoveryCounters(t *testing.T, s *inet.Stack) string {
	out := ""
	for _, name := range []string{"TcpExt:TCPFullUndo", "TcpExt:TCPPartialUndo", "TcpExt:TCPDSACKUndo", "TcpExt:TCPLossUndo",
		"TcpExt:TCPSpuriousRTOs", "TcpExt:TCPSACKReorder", "TcpExt:TCPTSReorder", "TcpExt:TCPDSACKIgnoredNoUndo",
		"TcpExt:TCPDSACKIgnoredOld", "TcpExt:TCPDSACKIgnoredDubious", "TcpExt:TCPLostRetransmit", "TcpExt:TCPLossProbes",
		"TcpExt:TCPFastRetrans", "TcpExt:TCPSlowStartRetrans"} {
		out += fmt.Sprintf(" %s=%d", name, stat(t, s, name))
	}
	return out
}

// patternChecker checks a stream against /bytes' pattern as it arrives,
// comparing whole slices with a reference of 251 * 4096 bytes.
type patternChecker struct {
	ref      []byte
	off, bad int64 // bytes seen; offset of the first wrong byte or -1
}

func newPatternChecker() *patternChecker {
	return &patternChecker{ref: bytesPattern(251 * 4096), bad: -1}
}

func (p *patternChecker) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		start := int(p.off % 251)
		k := min(len(b), len(p.ref)-start)
		if p.bad < 0 && !bytes.Equal(b[:k], p.ref[start:start+k]) {
			for i := range k {
				if b[i] != p.ref[start+i] {
					p.bad = p.off + int64(i)
					break
				}
			}
		}
		p.off += int64(k)
		b = b[k:]
	}
	return n, nil
}

// TestServeHTTPBulkKernel: the kernel's curl downloads a large /bytes body
// from `inet serve` over the TUN device; the test reads curl's output as
// it comes and checks every byte against the pattern.
func TestServeHTTPBulkKernel(t *testing.T) {
	n := bulkBytes(t)
	ns := nstest.New(t)
	nstest.RequireTool(t, "curl")
	tcpServeIn(t, ns, "tun")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := ns.Command(ctx, "curl", "-sS", "--max-time", "600", fmt.Sprintf("http://198.18.0.2/bytes?n=%d", n))
	var errb bytes.Buffer
	pc := newPatternChecker()
	cmd.Stdout, cmd.Stderr = pc, &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil || pc.off != n || pc.bad >= 0 {
		t.Fatalf("curl /bytes?n=%d: %v %q; %d bytes, first wrong at %d", n, err, errb.String(), pc.off, pc.bad)
	}
	t.Logf("curl: %d MB byte-exact in %v, %.0f MB/s", n>>20, d.Round(time.Millisecond), float64(n)/d.Seconds()/1e6)
}

// relay forwards what one endpoint delivers to another (a link.Dispatcher).
type relay struct{ to link.Endpoint }

func (r relay) DeliverBatch(pkts []*pkt.Buffer) {
	out := make([]*pkt.Buffer, len(pkts))
	copy(out, pkts)
	r.to.WriteBatch(out)
}

// TestServeTCPLossyKernel: a transfer each way between a kernel socket and
// inet across a path that loses, duplicates, delays and reorders packets.
// This kernel lacks sch_netem, so the test relays itself: the kernel's
// side is a TUN device the test opens; inet's stack sits on an in-memory
// pipe whose other end the test bridges to the device, and the pipe
// impairs both directions (mem.Random, fixed seed: 1% loss, 0.5%
// duplicates, 1 ms delay, 2% reordered past the delay).
func TestServeTCPLossyKernel(t *testing.T) {
	n := int64(64 << 20)
	if raceEnabled {
		n = 16 << 20
	}
	ns := nstest.New(t)
	var dev *tun.Endpoint
	if err := ns.Do(func() error {
		var err error
		dev, err = tun.Open("inet0", tun.Options{Up: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	ns.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "inet0")

	nw := mem.NewNetwork()
	imp := mem.Random{Seed: 9293, Loss: 0.01, Duplicate: 0.005, Delay: time.Millisecond, Reorder: 0.02}
	stackEnd, relayEnd := mem.Pipe(nw, mem.Options{MTU: dev.MTU(), Impair: imp.Impair})
	t.Cleanup(func() { relayEnd.Close() })
	s := inet.New(inet.Options{Network: nw, Seed: 5})
	t.Cleanup(func() { s.Close() })
	nic, err := s.AddInterface(stackEnd, stack.InterfaceOptions{Name: "lossy0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(nic.Index(), stackCIDR); err != nil {
		t.Fatal(err)
	}
	if err := relayEnd.Attach(relay{dev}); err != nil {
		t.Fatal(err)
	}
	if err := dev.Attach(relay{relayEnd}); err != nil {
		t.Fatal(err)
	}

	ln, err := s.Listen("tcp", "198.18.0.2:5001")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pair := func() (*gonet.TCPConn, halfCloser) { return kernelPair(t, ns, ln, 5*time.Minute) }
	c, k := pair()
	in := transfer(t, k, c, n, 3, 5*time.Minute)
	checkFlow(t, "lossy kernel->inet", in, n)
	t.Logf("after kernel->inet: %s", tcpCounters(t, s))
	if stat(t, s, "TcpExt:TCPOFOQueue") == 0 {
		t.Errorf("no segment arrived out of order: the path did not impair")
	}
	c, k = pair()
	retrans := stat(t, s, "Tcp:RetransSegs")
	undos := func() uint64 {
		return stat(t, s, "TcpExt:TCPDSACKUndo") + stat(t, s, "TcpExt:TCPFullUndo") + stat(t, s, "TcpExt:TCPPartialUndo")
	}
	undone := undos()
	out := transfer(t, c, k, n, 4, 5*time.Minute)
	checkFlow(t, "lossy inet->kernel", out, n)
	t.Logf("after inet->kernel: %s", tcpCounters(t, s))
	t.Logf("recovery: %s", recoveryCounters(t, s))
	if out.elapsed > 0 {
		t.Logf("inet->kernel took %.1f times as long as kernel->inet", float64(out.elapsed)/float64(in.elapsed))
	}
	// Reordering makes inet's sender start recoveries that D-SACKs and
	// timestamps then prove spurious: some must be undone.
	if undos() == undone {
		t.Errorf("no recovery undone (TCPDSACKUndo, TCPFullUndo, TCPPartialUndo) on a reordering path")
	}
	if stat(t, s, "Tcp:RetransSegs") == retrans {
		t.Errorf("inet retransmitted nothing: the path did not impair")
	}
	st := relayEnd.Stats()
	t.Logf("relay: %+v", st)
}
