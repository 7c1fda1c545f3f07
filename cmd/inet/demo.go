package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/services"
	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/stack"
	"github.com/seed96fbdc48/inet/wire"
)

// demoNet is the demo's network: alice on lan1, bob on lan2, a router
// between them, every link an in-memory Ethernet switch.
type demoNet struct {
	nw                 *mem.Network
	alice, router, bob *inet.Stack
	svc                *services.Server // bob's services, once started
}

func host(nw *mem.Network, seed uint64, caps socket.Caps) *inet.Stack {
	return inet.New(inet.Options{Seed: seed, Network: nw, Caps: caps})
}

func attach(s *inet.Stack, sw *mem.Switch, name, cidr string) (*stack.Interface, error) {
	nic, err := s.AddInterface(sw.NewPort(mem.Options{}), stack.InterfaceOptions{Name: name})
	if err != nil {
		return nil, err
	}
	return nic, s.AddAddress(nic.Index(), netip.MustParsePrefix(cidr))
}

func buildDemo() (*demoNet, error) {
	nw := mem.NewNetwork()
	lan1 := mem.NewSwitch(nw, link.KindEthernet)
	lan2 := mem.NewSwitch(nw, link.KindEthernet)
	// bob's owner is root, so bob's echo service may bind port 7.
	d := &demoNet{nw: nw, alice: host(nw, 1, 0), router: host(nw, 2, 0), bob: host(nw, 3, socket.AllCaps)}
	steps := []func() error{
		func() error { _, err := attach(d.alice, lan1, "eth0", "198.18.1.2/24"); return err },
		func() error { return d.alice.SetDefaultGateway(netip.MustParseAddr("198.18.1.1")) },
		func() error { _, err := attach(d.router, lan1, "eth0", "198.18.1.1/24"); return err },
		func() error { _, err := attach(d.router, lan2, "eth1", "198.18.2.1/24"); return err },
		func() error { return d.router.SetSysctl("net.ipv4.ip_forward", "1") },
		// Give up on unanswered ARP after 3 x 100 ms instead of 3 x 1 s.
		func() error { return d.router.SetSysctl("net.ipv4.neigh.eth1.retrans_time_ms", "100") },
		func() error { _, err := attach(d.bob, lan2, "eth0", "198.18.2.2/24"); return err },
		func() error { return d.bob.SetDefaultGateway(netip.MustParseAddr("198.18.2.1")) },
	}
	for _, f := range steps {
		if err := f(); err != nil {
			d.close()
			return nil, err
		}
	}
	return d, nil
}

func (d *demoNet) close() {
	if d.svc != nil {
		_ = d.svc.Close()
	}
	for _, s := range []*inet.Stack{d.alice, d.router, d.bob} {
		_ = s.Close()
	}
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "", stderr)
	count := fs.Int("count", 3, "echo requests per ping")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *count < 1 || *count > 1000 {
		return usageError{fmt.Sprintf("demo: -count %d: want 1 to 1000", *count)}
	}
	d, err := buildDemo()
	if err != nil {
		return fmt.Errorf("demo: building the network: %w", err)
	}
	defer d.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := stdout
	fmt.Fprint(w, `inet demo: three stacks in one process, on two in-memory Ethernet switches

    alice                         router                          bob
  198.18.1.2 ──── lan1 ──── 198.18.1.1 | 198.18.2.1 ──── lan2 ──── 198.18.2.2
                             (ip_forward = 1)

`)
	bob := netip.MustParseAddr("198.18.2.2")
	alice := netip.MustParseAddr("198.18.1.2")

	section(w, "1. alice pings bob (ARP resolves each hop first)")
	if err := showPing(ctx, w, d.alice, "alice", bob, inet.PingOptions{Count: *count}); err != nil {
		return err
	}
	section(w, "2. bob pings alice back")
	if err := showPing(ctx, w, d.bob, "bob", alice, inet.PingOptions{Count: *count}); err != nil {
		return err
	}
	section(w, "3. alice's neighbour table (ip neigh show)")
	for _, nic := range d.alice.Interfaces() {
		if t := nic.Neighbours(); t != nil {
			for _, e := range t.Entries() {
				fmt.Fprintf(w, "   %s dev %s lladdr %s %s\n", e.Addr, nic.Name(), e.MAC, e.State)
			}
		}
	}
	section(w, "4. a ping with TTL 1 dies at the router: ICMP time exceeded")
	if err := showPing(ctx, w, d.alice, "alice", bob, inet.PingOptions{Count: 1, TTL: 1}); err != nil {
		return err
	}
	section(w, "5. an IP packet of protocol 253, which bob does not speak: protocol unreachable")
	if err := showUnknownProto(ctx, w, d, bob); err != nil {
		return err
	}
	section(w, "6. a ping to 198.18.2.99, which nobody owns: the router's ARP gives up")
	if err := showPing(ctx, w, d.alice, "alice", netip.MustParseAddr("198.18.2.99"), inet.PingOptions{Count: 1, Timeout: 3 * time.Second}); err != nil {
		return err
	}
	section(w, "7. UDP: bob's echo service (RFC 862) answers alice, who asks for IP_PKTINFO and IP_TTL")
	if err := showUDP(ctx, w, d); err != nil {
		return err
	}
	section(w, "8. TCP: alice fetches a megabyte from bob's HTTP service with Go's net/http")
	if err := showTCP(ctx, w, d); err != nil {
		return err
	}
	if err := d.nw.WaitIdle(ctx); err != nil {
		return err
	}
	section(w, "9. counters, under Linux's names (/proc/net/snmp)")
	showCounters(w, d)
	return nil
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n%s\n", title, strings.Repeat("─", len([]rune(title))))
}

func showPing(ctx context.Context, w io.Writer, s *inet.Stack, who string, dst netip.Addr, o inet.PingOptions) error {
	size := o.Size
	if size == 0 {
		size = 56
	}
	fmt.Fprintf(w, "   %s$ ping -c %d", who, o.Count)
	if o.TTL != 0 {
		fmt.Fprintf(w, " -t %d", o.TTL)
	}
	fmt.Fprintf(w, " %s\n", dst)
	res, err := s.Ping(ctx, dst, o)
	if err != nil {
		return fmt.Errorf("ping %s: %w", dst, err)
	}
	for _, r := range res.Replies {
		fmt.Fprintf(w, "   %d bytes from %s: icmp_seq=%d ttl=%d time=%s\n", r.Bytes+8, r.From, r.Seq, r.TTL, fmtRTT(r.RTT))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "   From %s icmp_seq=%d %s\n", e.From, e.Seq, icmpText(e.Type, e.Code))
	}
	loss := 100 * (res.Sent - res.Received) / max(res.Sent, 1)
	fmt.Fprintf(w, "   %d packets transmitted, %d received, %d%% packet loss", res.Sent, res.Received, loss)
	if res.Received > 0 {
		fmt.Fprintf(w, ", rtt min/avg/max %s/%s/%s", fmtRTT(res.MinRTT), fmtRTT(res.AvgRTT), fmtRTT(res.MaxRTT))
	}
	fmt.Fprintln(w)
	return nil
}

func fmtRTT(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// icmpText names an ICMP error as ping(8) prints it.
func icmpText(typ, code uint8) string {
	switch typ {
	case wire.ICMPTimeExceeded:
		if code == wire.ICMPExcFragTime {
			return "Frag reassembly time exceeded"
		}
		return "Time to live exceeded"
	case wire.ICMPDestUnreach:
		switch code {
		case wire.ICMPNetUnreach:
			return "Destination Net Unreachable"
		case wire.ICMPHostUnreach:
			return "Destination Host Unreachable"
		case wire.ICMPProtUnreach:
			return "Destination Protocol Unreachable"
		case wire.ICMPPortUnreach:
			return "Destination Port Unreachable"
		case wire.ICMPFragNeeded:
			return "Frag needed and DF set"
		}
		return fmt.Sprintf("Destination Unreachable, code %d", code)
	case wire.ICMPParameterProb:
		return "Parameter problem"
	}
	return fmt.Sprintf("ICMP type %d code %d", typ, code)
}

// protoWatcher receives ICMP errors about the demo's protocol-253 packet.
type protoWatcher chan *ipv4.ICMPError

func (protoWatcher) Receive(p *pkt.Buffer) { p.Release() }
func (c protoWatcher) Error(e *ipv4.ICMPError) {
	select {
	case c <- e:
	default:
	}
}

func showUnknownProto(ctx context.Context, w io.Writer, d *demoNet, dst netip.Addr) error {
	c := make(protoWatcher, 1)
	d.alice.IP().Register(253, c)
	payload := []byte("hello, protocol 253")
	p := pkt.Get(pkt.DefaultHeadroom, len(payload))
	copy(p.Bytes(), payload)
	fmt.Fprintf(w, "   alice sends %d bytes of IP protocol 253 to %s\n", len(payload), dst)
	if err := d.alice.IP().Output(p, &ipv4.SendParams{Dst: dst, Proto: 253}); err != nil {
		return err
	}
	select {
	case e := <-c:
		fmt.Fprintf(w, "   From %s: %s (a socket would see %s)\n", e.Offender, icmpText(e.Type, e.Code), e.Errno.Error())
	case <-ctx.Done():
		return fmt.Errorf("no answer to the protocol 253 packet: %w", ctx.Err())
	}
	return nil
}

func showCounters(w io.Writer, d *demoNet) {
	rows := []string{
		"Ip:InReceives", "Ip:InDelivers", "Ip:ForwDatagrams", "Ip:OutRequests", "Ip:InHdrErrors",
		"Ip:InUnknownProtos", "Icmp:InMsgs", "Icmp:OutMsgs", "Icmp:InEchos", "Icmp:InEchoReps",
		"Icmp:OutEchoReps", "Icmp:OutTimeExcds", "Icmp:InTimeExcds", "Icmp:OutDestUnreachs", "Icmp:InDestUnreachs",
		"Udp:InDatagrams", "Udp:OutDatagrams", "Tcp:ActiveOpens", "Tcp:PassiveOpens", "Tcp:InSegs", "Tcp:OutSegs",
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "   counter\talice\trouter\tbob\t")
	for _, name := range rows {
		fmt.Fprintf(tw, "   %s\t", name)
		for _, s := range []*inet.Stack{d.alice, d.router, d.bob} {
			v, _ := s.Stats().Get(name)
			fmt.Fprintf(tw, "%d\t", v)
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
}
