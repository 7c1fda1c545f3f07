package inet_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

var ma = netip.MustParseAddr

// threeHosts is alice - lan1 - router - lan2 - bob on Ethernet switches.
type threeHosts struct {
	n                  *testnet.Net
	alice, router, bob *inet.Stack
}

func newThreeHosts(t *testing.T) *threeHosts {
	t.Helper()
	n := testnet.New(t, nil)
	lan1, lan2 := n.Switch(link.KindEthernet), n.Switch(link.KindEthernet)
	h := &threeHosts{n: n, alice: n.Stack(), router: n.Stack(), bob: n.Stack()}
	n.Attach(h.alice, lan1.NewPort(memOpts()), "eth0", "198.18.1.2/24")
	n.Attach(h.router, lan1.NewPort(memOpts()), "eth0", "198.18.1.1/24")
	n.Attach(h.router, lan2.NewPort(memOpts()), "eth1", "198.18.2.1/24")
	n.Attach(h.bob, lan2.NewPort(memOpts()), "eth0", "198.18.2.2/24")
	mustOK(t, h.alice.SetDefaultGateway(ma("198.18.1.1")))
	mustOK(t, h.bob.SetDefaultGateway(ma("198.18.2.1")))
	mustOK(t, h.router.SetSysctl("net.ipv4.ip_forward", "1"))
	return h
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func counter(t *testing.T, s *inet.Stack, name string) uint64 {
	t.Helper()
	v, ok := s.Stats().Get(name)
	if !ok {
		t.Fatalf("no counter %s", name)
	}
	return v
}

// wantCounters checks exact counter values.
func wantCounters(t *testing.T, who string, s *inet.Stack, want map[string]uint64) {
	t.Helper()
	for name, w := range want {
		if got := counter(t, s, name); got != w {
			t.Errorf("%s %s = %d, want %d", who, name, got, w)
		}
	}
}

func TestPingAcrossRouter(t *testing.T) {
	h := newThreeHosts(t)
	res, err := h.alice.Ping(ctx(t), ma("198.18.2.2"), inet.PingOptions{Count: 5})
	mustOK(t, err)
	if res.Received != 5 || len(res.Errors) != 0 {
		t.Fatalf("alice -> bob: %d replies, errors %v", res.Received, res.Errors)
	}
	for _, r := range res.Replies {
		if r.TTL != 63 || r.From != ma("198.18.2.2") || r.Bytes != 56 {
			t.Errorf("reply %+v: want ttl 63 from bob with 56 bytes", r)
		}
	}
	res, err = h.bob.Ping(ctx(t), ma("198.18.1.2"), inet.PingOptions{Count: 2, Size: 1000})
	mustOK(t, err)
	if res.Received != 2 {
		t.Fatalf("bob -> alice: %d replies", res.Received)
	}
	h.n.Idle()
	wantCounters(t, "alice", h.alice, map[string]uint64{
		"Ip:InReceives": 7, "Ip:InDelivers": 7, "Ip:OutRequests": 7, "Ip:InHdrErrors": 0,
		"Icmp:OutEchos": 5, "Icmp:InEchoReps": 5, "Icmp:InEchos": 2, "Icmp:OutEchoReps": 2,
		"IcmpMsg:OutType8": 5, "IcmpMsg:InType0": 5,
	})
	wantCounters(t, "router", h.router, map[string]uint64{
		"Ip:InReceives": 14, "Ip:ForwDatagrams": 14, "Ip:InDelivers": 0, "Ip:OutRequests": 0,
	})
	wantCounters(t, "bob", h.bob, map[string]uint64{
		"Ip:InReceives": 7, "Icmp:InEchos": 5, "Icmp:OutEchoReps": 5, "Icmp:OutEchos": 2,
	})
}

func TestTTLExpiryAnswersTimeExceeded(t *testing.T) {
	h := newThreeHosts(t)
	res, err := h.alice.Ping(ctx(t), ma("198.18.2.2"), inet.PingOptions{Count: 1, TTL: 1})
	mustOK(t, err)
	if res.Received != 0 || len(res.Errors) != 1 {
		t.Fatalf("replies %d errors %v, want one error", res.Received, res.Errors)
	}
	e := res.Errors[0]
	if e.Type != wire.ICMPTimeExceeded || e.Code != wire.ICMPExcTTL || e.From != ma("198.18.1.1") || e.Err != unix.EHOSTUNREACH {
		t.Errorf("error %+v: want time exceeded (ttl) from the router, EHOSTUNREACH", e)
	}
	h.n.Idle()
	wantCounters(t, "router", h.router, map[string]uint64{
		"Ip:InHdrErrors": 1, "Icmp:OutTimeExcds": 1, "Icmp:OutMsgs": 1, "Ip:ForwDatagrams": 0, "Ip:OutRequests": 1,
	})
	wantCounters(t, "alice", h.alice, map[string]uint64{"Icmp:InTimeExcds": 1, "Icmp:InMsgs": 1})
	wantCounters(t, "bob", h.bob, map[string]uint64{"Ip:InReceives": 0})
}

// errCatcher is a transport protocol that records the ICMP errors about it.
type errCatcher chan *ipv4.ICMPError

func (errCatcher) Receive(p *pkt.Buffer) { p.Release() }
func (c errCatcher) Error(e *ipv4.ICMPError) {
	q := *e
	q.Quoted = append([]byte(nil), e.Quoted...)
	c <- &q
}

func TestUnknownProtocolAnswersProtocolUnreachable(t *testing.T) {
	h := newThreeHosts(t)
	c := make(errCatcher, 1)
	h.alice.IP().Register(253, c)
	p := pkt.From([]byte("payload of protocol 253"))
	mustOK(t, h.alice.IP().Output(p, &ipv4.SendParams{Dst: ma("198.18.2.2"), Proto: 253}))
	var e *ipv4.ICMPError
	select {
	case e = <-c:
	case <-ctx(t).Done():
		t.Fatal("no protocol unreachable")
	}
	if e.Type != wire.ICMPDestUnreach || e.Code != wire.ICMPProtUnreach || e.Offender != ma("198.18.2.2") || e.Errno != unix.ENOPROTOOPT || !e.Fatal {
		t.Errorf("got %+v", e)
	}
	q := e.QuotedHeader()
	if q.Protocol() != 253 || q.Dst() != ma("198.18.2.2") || string(e.QuotedTransport()) != "payload of protocol 253" {
		t.Errorf("quoted datagram % x", e.Quoted)
	}
	h.n.Idle()
	wantCounters(t, "bob", h.bob, map[string]uint64{
		"Ip:InUnknownProtos": 1, "Ip:InDelivers": 0, "Icmp:OutDestUnreachs": 1, "IcmpMsg:OutType3": 1,
	})
}

func TestPingLoopbackAndOwnAddress(t *testing.T) {
	h := newThreeHosts(t)
	for _, dst := range []string{"127.0.0.1", "127.1.2.3", "198.18.1.2"} {
		res, err := h.alice.Ping(ctx(t), ma(dst), inet.PingOptions{Count: 2})
		mustOK(t, err)
		if res.Received != 2 {
			t.Errorf("ping %s: %d replies", dst, res.Received)
		}
		for _, r := range res.Replies {
			if r.From != ma(dst) || r.TTL != 64 {
				t.Errorf("ping %s: reply %+v", dst, r)
			}
		}
	}
	h.n.Idle()
	// Nothing left the host.
	wantCounters(t, "router", h.router, map[string]uint64{"Ip:InReceives": 0})
}

func TestEchoIgnoreAll(t *testing.T) {
	h := newThreeHosts(t)
	mustOK(t, h.bob.SetSysctl("net.ipv4.icmp_echo_ignore_all", "1"))
	p, err := h.alice.NewPinger(ma("198.18.2.2"), inet.PingOptions{})
	mustOK(t, err)
	defer p.Close()
	mustOK(t, p.Send(1))
	h.n.Idle()
	if r := p.Replies(); len(r) != 0 {
		t.Fatalf("replies %v with icmp_echo_ignore_all=1", r)
	}
	wantCounters(t, "bob", h.bob, map[string]uint64{"Icmp:InEchos": 1, "Icmp:OutEchoReps": 0})
	mustOK(t, h.bob.SetSysctl("net.ipv4.icmp_echo_ignore_all", "0"))
	mustOK(t, p.Send(2))
	h.n.Idle()
	if r := p.Replies(); len(r) != 1 || r[0].Seq != 2 {
		t.Fatalf("replies %v after icmp_echo_ignore_all=0", r)
	}
}

func TestBroadcastPing(t *testing.T) {
	n := testnet.New(t, nil)
	lan := n.Switch(link.KindEthernet)
	a, b, c := n.Stack(), n.Stack(), n.Stack()
	n.Attach(a, lan.NewPort(memOpts()), "eth0", "198.18.0.1/24")
	n.Attach(b, lan.NewPort(memOpts()), "eth0", "198.18.0.2/24")
	n.Attach(c, lan.NewPort(memOpts()), "eth0", "198.18.0.3/24")
	mustOK(t, c.SetSysctl("net.ipv4.icmp_echo_ignore_broadcasts", "0"))
	p, err := a.NewPinger(ma("198.18.0.255"), inet.PingOptions{})
	mustOK(t, err)
	defer p.Close()
	mustOK(t, p.Send(1))
	n.Idle()
	// b ignores broadcast echo by default (icmp_echo_ignore_broadcasts=1);
	// c was told not to, and answers from its own address.
	r := p.Replies()
	if len(r) != 1 || r[0].From != ma("198.18.0.3") {
		t.Fatalf("replies %+v, want one from 198.18.0.3", r)
	}
	wantCounters(t, "b", b, map[string]uint64{"IpExt:InBcastPkts": 1, "Icmp:InEchos": 1, "Icmp:InErrors": 1, "Icmp:OutEchoReps": 0})
	wantCounters(t, "c", c, map[string]uint64{"IpExt:InBcastPkts": 1, "Icmp:OutEchoReps": 1})
	wantCounters(t, "a", a, map[string]uint64{"IpExt:OutBcastPkts": 1})
}

func TestHostUnreachableWhenARPFails(t *testing.T) {
	n := testnet.New(t, nil)
	lan := n.Switch(link.KindEthernet)
	a := n.Stack()
	n.Attach(a, lan.NewPort(memOpts()), "eth0", "198.18.0.1/24")
	mustOK(t, a.SetSysctl("net.ipv4.neigh.eth0.retrans_time_ms", "10"))
	res, err := a.Ping(ctx(t), ma("198.18.0.77"), inet.PingOptions{Count: 1, Timeout: 5 * time.Second})
	mustOK(t, err)
	if len(res.Errors) != 1 {
		t.Fatalf("errors %+v, want one host unreachable", res.Errors)
	}
	e := res.Errors[0]
	if e.Type != wire.ICMPDestUnreach || e.Code != wire.ICMPHostUnreach || e.From != ma("198.18.0.1") || e.Err != unix.EHOSTUNREACH {
		t.Errorf("error %+v: want host unreachable from our own address, EHOSTUNREACH", e)
	}
}

func TestNoRoute(t *testing.T) {
	n := testnet.New(t, nil)
	a := n.Stack()
	_, err := a.Ping(ctx(t), ma("198.19.9.9"), inet.PingOptions{})
	if err != unix.ENETUNREACH {
		t.Fatalf("ping without a route: %v, want ENETUNREACH", err)
	}
	wantCounters(t, "a", a, map[string]uint64{"Ip:OutNoRoutes": 1})
}

func TestSysctlAPI(t *testing.T) {
	s := testnet.New(t, nil).Stack()
	if v, err := s.Sysctl("net.ipv4.ip_default_ttl"); err != nil || v != "64" {
		t.Fatalf("ip_default_ttl = %q, %v", v, err)
	}
	if err := s.SetSysctl("net.ipv4.ip_default_ttl", "0"); err != unix.EINVAL {
		t.Errorf("ttl 0: %v, want EINVAL", err)
	}
	if err := s.SetSysctl("net.ipv4.no_such_thing", "1"); err != unix.ENOENT {
		t.Errorf("unknown: %v, want ENOENT", err)
	}
	mustOK(t, s.SetSysctl("net.ipv4.ip_default_ttl", "99"))
	res, err := s.Ping(ctx(t), ma("127.0.0.1"), inet.PingOptions{})
	mustOK(t, err)
	if res.Received != 1 || res.Replies[0].TTL != 99 {
		t.Fatalf("reply %+v, want ttl 99", res.Replies)
	}
}
