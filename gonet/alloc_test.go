package gonet_test

import (
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/gonet"
)

// TestSteadyStateAllocs: a datagram out and in across the in-memory link
// through each data-path method allocates nothing, in the whole process
// (stacks, link goroutines and all), once warm.
func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are not checked under the race detector")
	}
	l := newLAN(t, nil)
	srv := listen(t, l.b, "198.18.0.2:7000")
	cli := dial(t, l.a, "198.18.0.2:7000")
	pc := listen(t, l.a, "198.18.0.1:7001")
	srv.SetControlMessage(gonet.FlagPktInfo|gonet.FlagTTL, true)
	payload, buf, oob := make([]byte, 64), make([]byte, 128), make([]byte, 128)
	dst := ap("198.18.0.2:7000")
	cases := []struct {
		name string
		f    func() error
	}{
		{"Write+ReadFromUDPAddrPort", func() error {
			if _, err := cli.Write(payload); err != nil {
				return err
			}
			_, _, err := srv.ReadFromUDPAddrPort(buf)
			return err
		}},
		{"WriteToUDPAddrPort+Read", func() error {
			if _, err := srv.WriteToUDPAddrPort(payload, cli.LocalAddrPort()); err != nil {
				return err
			}
			_, err := cli.Read(buf)
			return err
		}},
		{"SetReadDeadline+Write+ReadFromUDPAddrPort", func() error {
			// A server's habit: a fresh deadline before every read.
			if err := srv.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
				return err
			}
			if _, err := cli.Write(payload); err != nil {
				return err
			}
			_, _, err := srv.ReadFromUDPAddrPort(buf)
			return err
		}},
		{"WriteMsgUDPAddrPort+ReadMsgUDPAddrPort+ParseControlMessage", func() error {
			if _, _, err := pc.WriteMsgUDPAddrPort(payload, nil, dst); err != nil {
				return err
			}
			_, oobn, _, _, err := srv.ReadMsgUDPAddrPort(buf, oob)
			if err != nil {
				return err
			}
			_, err = gonet.ParseControlMessage(oob[:oobn])
			return err
		}},
	}
	for _, c := range cases {
		for range 100 { // warm the pools, ARP and the queues
			if err := c.f(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		var err error
		allocs := testing.AllocsPerRun(1000, func() {
			if e := c.f(); e != nil {
				err = e
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per datagram, want 0", c.name, allocs)
		}
	}
}
