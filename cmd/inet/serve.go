package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/services"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/packet"
	"github.com/seed96fbdc48/inet/link/pcap"
	"github.com/seed96fbdc48/inet/link/tun"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/stack"
	"golang.org/x/sys/unix"
)

// serveConfig is what the serve flags ask for.
type serveConfig struct {
	tun, veth string
	addrs     []netip.Prefix
	gateway   netip.Addr
	mtu       int
	pcap      string
	sysctls   []string
}

func parseServe(args []string, stderr io.Writer) (*serveConfig, error) {
	fs := newFlagSet("serve", "(--tun NAME | --veth NAME) --addr CIDR [--gateway IP] [--mtu N]", stderr)
	c := &serveConfig{}
	var addrs, sysctls listFlag
	var gw string
	fs.StringVar(&c.tun, "tun", "", "run on the TUN device `NAME` (created if it does not exist)")
	fs.StringVar(&c.veth, "veth", "", "run on the interface `NAME` (one end of a veth) through AF_PACKET")
	fs.Var(&addrs, "addr", "an address of the stack with its prefix length, like 198.18.0.2/24 (repeatable)")
	fs.StringVar(&gw, "gateway", "", "the default gateway's `IP`")
	fs.IntVar(&c.mtu, "mtu", 0, "set the TUN device's MTU to `N`")
	fs.StringVar(&c.pcap, "pcap", "", "capture the link's traffic to `FILE` (pcap, for tcpdump -r)")
	fs.Var(&sysctls, "sysctl", "set a setting, like net.ipv4.ip_forward=1 (repeatable)")
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	switch {
	case c.tun == "" && c.veth == "":
		return nil, usageError{"serve: give --tun NAME or --veth NAME"}
	case c.tun != "" && c.veth != "":
		return nil, usageError{"serve: give --tun or --veth, not both"}
	case c.mtu != 0 && c.veth != "":
		return nil, usageError{"serve: --mtu applies to --tun only (set a veth's MTU with ip link)"}
	case c.mtu < 0 || c.mtu > 65535 || (c.mtu > 0 && c.mtu < 68):
		return nil, usageError{fmt.Sprintf("serve: --mtu %d: want 68 to 65535", c.mtu)}
	case len(addrs) == 0:
		return nil, usageError{"serve: give at least one --addr CIDR, like --addr 198.18.0.2/24"}
	}
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a)
		if err != nil || !p.Addr().Is4() {
			return nil, usageError{fmt.Sprintf("serve: --addr %q: want an IPv4 address with a prefix length, like 198.18.0.2/24", a)}
		}
		c.addrs = append(c.addrs, p)
	}
	if gw != "" {
		a, err := netip.ParseAddr(gw)
		if err != nil || !a.Is4() {
			return nil, usageError{fmt.Sprintf("serve: --gateway %q: want an IPv4 address, like 198.18.0.1", gw)}
		}
		c.gateway = a
	}
	for _, s := range sysctls {
		if !strings.Contains(s, "=") {
			return nil, usageError{fmt.Sprintf("serve: --sysctl %q: want NAME=VALUE", s)}
		}
	}
	c.sysctls = sysctls
	return c, nil
}

func runServe(args []string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, desc, err := startServe(c)
	if err != nil {
		return err
	}
	defer s.Close()
	svc, what, err := startServices(s)
	if err != nil {
		return err
	}
	defer svc.Close()
	fmt.Fprintf(stdout, "inet: serving %s; %s; stop with Ctrl-C or SIGTERM\n", desc, what)
	<-ctx.Done()
	fmt.Fprintln(stdout, "inet: stopping")
	return nil
}

// startServe builds the stack on the configured link.
func startServe(c *serveConfig) (*inet.Stack, string, error) {
	var ep link.Endpoint
	var kind string
	var err error
	if c.tun != "" {
		kind = "tun " + c.tun
		ep, err = tun.Open(c.tun, tun.Options{MTU: c.mtu, Up: true})
	} else {
		kind = "veth " + c.veth
		ep, err = packet.Open(c.veth, packet.Options{})
	}
	if err != nil {
		return nil, "", linkError(kind, err)
	}
	if c.pcap != "" {
		f, err := os.Create(c.pcap)
		if err != nil {
			_ = ep.Close()
			return nil, "", fmt.Errorf("--pcap: %w", err)
		}
		ep = pcap.Tap(ep, &syncWriter{w: bufio.NewWriter(f), f: f}, clock.Real{})
	}
	// The stack's owner is root: its sockets may bind ports below 1024
	// (the echo service's 7) and use the CAP_NET_ADMIN options.
	s := inet.New(inet.Options{Caps: socket.AllCaps})
	// Addresses go on while the link is down, as `ip addr add; ip link set
	// up` does, so that arp_notify=1 (--sysctl) announces them.
	nic, err := s.AddInterface(ep, stack.InterfaceOptions{Down: true})
	if err != nil {
		_ = ep.Close()
		s.Close()
		return nil, "", fmt.Errorf("%s: %w", kind, err)
	}
	for _, kv := range c.sysctls {
		name, value, _ := strings.Cut(kv, "=")
		if err := s.SetSysctl(strings.TrimSpace(name), value); err != nil {
			s.Close()
			return nil, "", fmt.Errorf("--sysctl %s: %w", kv, err)
		}
	}
	var addrs []string
	for _, p := range c.addrs {
		if err := s.AddAddress(nic.Index(), p); err != nil {
			s.Close()
			return nil, "", fmt.Errorf("--addr %s: %w", p, err)
		}
		addrs = append(addrs, p.String())
	}
	if err := s.SetUp(nic.Index(), true); err != nil {
		s.Close()
		return nil, "", fmt.Errorf("%s: %w", kind, err)
	}
	// The kernel announces nothing when an address is added; a host's
	// ifup does (arping -U), so that neighbours holding the address with
	// another MAC, a previous run's, learn this one at once. With
	// arp_notify=1 link up has announced already.
	if !arpNotify(s, nic.Name()) {
		_ = s.NotifyPeers(nic.Index())
	}
	if c.gateway.IsValid() {
		if err := s.SetDefaultGateway(c.gateway); err != nil {
			s.Close()
			return nil, "", fmt.Errorf("--gateway %s: %w", c.gateway, err)
		}
	}
	desc := fmt.Sprintf("%s on %s (mtu %d)", strings.Join(addrs, ", "), kind, ep.MTU())
	if c.gateway.IsValid() {
		desc += " via " + c.gateway.String()
	}
	return s, desc, nil
}

// serviceList is what startServices starts, in the order it announces
// them.
var serviceList = []struct {
	name  string
	port  uint16
	start func(*services.Server, netip.AddrPort) error
}{
	{"udp echo", services.EchoPort, func(s *services.Server, a netip.AddrPort) error { _, err := s.UDPEcho(a); return err }},
	{"tcp echo", services.EchoPort, func(s *services.Server, a netip.AddrPort) error { _, err := s.TCPEcho(a); return err }},
	{"discard", services.DiscardPort, func(s *services.Server, a netip.AddrPort) error { _, err := s.Discard(a); return err }},
	{"http", services.HTTPPort, func(s *services.Server, a netip.AddrPort) error { _, err := s.HTTP(a); return err }},
}

// startServices starts the services `inet serve` answers on every address
// of the stack, and says which: "udp echo on port 7, tcp echo on port 7,
// discard on port 9, http on port 80".
func startServices(s *inet.Stack) (*services.Server, string, error) {
	svc := services.NewServer(s)
	var what []string
	for _, sv := range serviceList {
		if err := sv.start(svc, netip.AddrPortFrom(netip.IPv4Unspecified(), sv.port)); err != nil {
			svc.Close()
			return nil, "", fmt.Errorf("%s on port %d: %w", sv.name, sv.port, err)
		}
		what = append(what, fmt.Sprintf("%s on port %d", sv.name, sv.port))
	}
	return svc, strings.Join(what, ", "), nil
}

// linkError turns a failure to open a link into one line that says what to
// do about it.
func linkError(kind string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%s: permission denied (needs root or CAP_NET_ADMIN/CAP_NET_RAW)", kind)
	case errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO), errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s: no such device", kind)
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("%s: device busy (another program has it open)", kind)
	}
	return fmt.Errorf("%s: %v", kind, err)
}

// syncWriter is a buffered capture file, flushed after every record so a
// reader sees packets as they happen.
type syncWriter struct {
	w *bufio.Writer
	f *os.File
}

func (s *syncWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err == nil {
		err = s.w.Flush()
	}
	return n, err
}

// arpNotify reports whether arp_notify is on for the interface (the larger
// of all and the interface's value counts).
func arpNotify(s *inet.Stack, ifname string) bool {
	for _, n := range [...]string{"net.ipv4.conf.all.arp_notify", "net.ipv4.conf." + ifname + ".arp_notify"} {
		if v, err := s.Sysctl(n); err == nil && strings.TrimSpace(v) != "0" {
			return true
		}
	}
	return false
}
