package inet_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/wire"
)

// FuzzInput feeds arbitrary bytes to stacks as an IP packet (on an IP
// link, to a host and to a router that forwards) and as an Ethernet frame
// (to a host), and requires that nothing panics and every packet is dealt
// with. The seeds are the input-validation table's packets and frames:
// valid echoes, options good and bad, fragments, martians, broadcasts.
func FuzzInput(f *testing.F) {
	for _, c := range inputCases() {
		f.Add(c.pkt)
	}
	var macs = wire.MAC{0x02, 0, 0, 0, 0, 1}
	for _, c := range inputCases() {
		f.Add(frame(&c, macs, wire.MAC{0x02, 0, 0, 0, 0, 2}))
	}
	arp := make([]byte, wire.EthernetMinFrame)
	eh := wire.EthernetHeader{Dst: wire.BroadcastMAC, Src: wire.MAC{0x02, 0, 0, 0, 0, 2}, EtherType: wire.EtherTypeARP}
	eh.Emit(arp)
	ah := wire.ARPHeader{Op: wire.ARPRequest, SenderMAC: eh.Src, SenderIP: netip.MustParseAddr(peerIP), TargetIP: netip.MustParseAddr(hostIP)}
	ah.Emit(arp[wire.EthernetHeaderLen:])
	f.Add(arp)
	f.Add(echo(1, pktOpts{dst: "198.19.0.9", ttl: 1}))                            // forwarded: time exceeded
	f.Add(echo(1, pktOpts{dst: "198.19.0.9", ff: wire.IPv4FlagDF}))               // forwarded
	f.Add(echo(1, pktOpts{options: []byte{wire.IPOptTimestamp, 12, 5, 1, 0, 0}})) // timestamp option
	f.Add([]byte{})

	n := testnet.New(f, clock.NewManual())
	host, router := n.Stack(), n.Stack()
	ipEP, ipProbe := n.NewProbe(link.KindIP)
	n.Attach(host, ipEP, "inet0", hostIP+"/24")
	ethEP, ethProbe := n.NewProbe(link.KindEthernet)
	n.Attach(host, ethEP, "eth0", "198.18.1.1/24")
	fwdEP, fwdProbe := n.NewProbe(link.KindIP)
	n.Attach(router, fwdEP, "inet0", hostIP+"/24")
	n.Attach(router, n.Switch(link.KindEthernet).NewPort(memOpts()), "eth0", "198.19.0.1/24")
	if err := router.SetSysctl("net.ipv4.ip_forward", "1"); err != nil {
		f.Fatal(err)
	}
	if err := host.SetSysctl("net.ipv4.icmp_echo_ignore_broadcasts", "0"); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 0 {
			ipProbe.Send(b)
			fwdProbe.Send(b)
		}
		if len(b) >= wire.EthernetHeaderLen {
			ethProbe.Send(b)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.NW.WaitIdle(ctx); err != nil {
			t.Fatalf("the network never went idle: %v", err)
		}
		ipProbe.Take()
		fwdProbe.Take()
		ethProbe.Take()
	})
}
