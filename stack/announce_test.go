package stack_test

import (
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/wire"
)

// arps returns the ARP messages among frames.
func arps(t *testing.T, frames [][]byte) []wire.ARP {
	t.Helper()
	var out []wire.ARP
	for _, f := range frames {
		e, err := wire.ParseEthernet(f)
		if err != nil || e.EtherType() != wire.EtherTypeARP {
			continue
		}
		a, err := wire.ParseARP(e.Payload())
		if err != nil {
			t.Fatalf("bad ARP % x: %v", f, err)
		}
		if e.Dst() != wire.BroadcastMAC {
			t.Errorf("ARP announcement to %v, want broadcast", e.Dst())
		}
		out = append(out, a)
	}
	return out
}

// Linux 6.18 sends no gratuitous ARP when an address is added, nor when a
// link comes up with arp_notify at 0; with arp_notify=1 (conf.all or the
// interface's) it announces every address on link up
// (inetdev_send_gratuitous_arp). Checked on veth pairs in a namespace (see
// cmd/inet's TestServeVethKernel for the differential run).
func TestAnnounceFollowsArpNotify(t *testing.T) {
	n := testnet.New(t, nil)
	s := n.Stack()
	ep, probe := n.NewProbe(link.KindEthernet)
	nic := n.Attach(s, ep, "eth0", "198.18.0.2/24", "198.18.0.3/24")
	n.Idle()
	if a := arps(t, probe.Take()); len(a) != 0 {
		t.Fatalf("%d ARP messages on address add with arp_notify=0, want none (Linux sends none)", len(a))
	}

	// Down and up with arp_notify=0: nothing either.
	if err := s.SetUp(nic.Index(), false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUp(nic.Index(), true); err != nil {
		t.Fatal(err)
	}
	n.Idle()
	if a := arps(t, probe.Take()); len(a) != 0 {
		t.Fatalf("%d ARP messages on link up with arp_notify=0, want none", len(a))
	}

	for _, knob := range []string{"net.ipv4.conf.eth0.arp_notify", "net.ipv4.conf.all.arp_notify"} {
		t.Run(knob, func(t *testing.T) {
			if err := s.SetSysctl(knob, "1"); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.SetSysctl(knob, "0") }()
			if err := s.SetUp(nic.Index(), false); err != nil {
				t.Fatal(err)
			}
			if err := s.SetUp(nic.Index(), true); err != nil {
				t.Fatal(err)
			}
			n.Idle()
			got := arps(t, probe.Take())
			want := []netip.Addr{netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3")}
			if len(got) != len(want) {
				t.Fatalf("%d announcements on link up with %s=1, want %d", len(got), knob, len(want))
			}
			for i, a := range got {
				if a.Op() != wire.ARPRequest || a.SenderIP() != want[i] || a.TargetIP() != want[i] ||
					a.SenderMAC() != nic.HardwareAddr() || !a.TargetMAC().IsZero() {
					t.Errorf("announcement %d: op %d %v/%v -> %v/%v; want a request from %v/%v for itself with a zero target MAC",
						i, a.Op(), a.SenderIP(), a.SenderMAC(), a.TargetIP(), a.TargetMAC(), want[i], nic.HardwareAddr())
				}
			}
			// Adding an address while up still announces nothing.
			if err := s.AddAddress(nic.Index(), netip.MustParsePrefix("198.18.0.4/24")); err != nil {
				t.Fatal(err)
			}
			n.Idle()
			if a := arps(t, probe.Take()); len(a) != 0 {
				t.Fatalf("%d ARP messages on address add, want none", len(a))
			}
			if err := s.DelAddress(nic.Index(), netip.MustParsePrefix("198.18.0.4/24")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// NotifyPeers announces every address of an Ethernet interface that is up,
// whatever arp_notify says (NETDEV_NOTIFY_PEERS); a down interface sends
// nothing, and an unknown index is ENODEV.
func TestNotifyPeers(t *testing.T) {
	n := testnet.New(t, nil)
	s := n.Stack()
	ep, probe := n.NewProbe(link.KindEthernet)
	nic := n.Attach(s, ep, "eth0", "198.18.0.2/24", "198.18.0.3/24")
	n.Idle()
	probe.Take()
	if err := s.NotifyPeers(nic.Index()); err != nil {
		t.Fatal(err)
	}
	n.Idle()
	got := arps(t, probe.Take())
	want := []netip.Addr{netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3")}
	if len(got) != len(want) {
		t.Fatalf("%d announcements, want %d", len(got), len(want))
	}
	for i, a := range got {
		if a.Op() != wire.ARPRequest || a.SenderIP() != want[i] || a.TargetIP() != want[i] ||
			a.SenderMAC() != nic.HardwareAddr() || !a.TargetMAC().IsZero() {
			t.Errorf("announcement %d: op %d %v/%v -> %v/%v", i, a.Op(), a.SenderMAC(), a.SenderIP(), a.TargetMAC(), a.TargetIP())
		}
	}
	if err := s.SetUp(nic.Index(), false); err != nil {
		t.Fatal(err)
	}
	if err := s.NotifyPeers(nic.Index()); err != nil {
		t.Fatal(err)
	}
	n.Idle()
	if a := arps(t, probe.Take()); len(a) != 0 {
		t.Errorf("%d announcements from a down interface, want none", len(a))
	}
	if err := s.NotifyPeers(99); err != unix.ENODEV {
		t.Errorf("NotifyPeers(99) = %v, want ENODEV", err)
	}
}
