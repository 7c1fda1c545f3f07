package tcp_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"golang.org/x/sys/unix"
)

// dropFirst drops, once each, the data segments (from the client) whose
// position among the data segments sent is in which (0-based), counting
// first transmissions only.
func dropFirst(which ...int) mem.Impairment {
	drop := map[int]bool{}
	for _, w := range which {
		drop[w] = true
	}
	seen := map[uint32]bool{}
	n := 0
	return mem.ImpairFunc(func(f []byte) mem.Verdict {
		if len(f) < 14+40 || f[12] != 0x08 || f[13] != 0 || f[14+9] != 6 {
			return mem.Verdict{}
		}
		ip := f[14:]
		ihl := int(ip[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		tcp := ip[ihl:]
		doff := int(tcp[12]>>4) * 4
		if total-ihl-doff <= 0 {
			return mem.Verdict{}
		}
		sq := binary.BigEndian.Uint32(tcp[4:])
		if seen[sq] {
			return mem.Verdict{}
		}
		seen[sq] = true
		i := n
		n++
		return mem.Verdict{Drop: drop[i]}
	})
}

// delayAll adds d to every packet imp lets through.
func delayAll(imp mem.Impairment, d time.Duration) mem.Impairment {
	return mem.ImpairFunc(func(f []byte) mem.Verdict {
		v := imp.Decide(f)
		v.Delay += d
		return v
	})
}

// newDrivenImp is newDriven with an impairment of the client's writes.
func newDrivenImp(t *testing.T, imp mem.Impairment) *driven {
	clk := clock.NewManual()
	opts := mem.Options{Kind: link.KindEthernet, Clock: clk, Impair: func(side int) mem.Impairment {
		if side == 0 {
			return imp
		}
		return mem.ImpairFunc(func([]byte) mem.Verdict { return mem.Verdict{} })
	}}
	return &driven{t: t, p: newPairPcap(t, clk, opts), clk: clk}
}

func stat(d *driven, name string) int64 {
	v, _ := d.p.a.Stats().Get(name)
	return int64(v)
}

// TestLossRecovery drops one segment in the middle of a flight: with SACK
// it is repaired by SACK-based fast recovery (RFC 6675), without by
// NewReno's (tcp_sack 0 on both stacks), never by a timeout.
func TestLossRecovery(t *testing.T) {
	for _, c := range []struct {
		name     string
		sack     bool
		recovery string
	}{
		{"SACK", true, "TcpExt:TCPSackRecovery"},
		{"NewReno", false, "TcpExt:TCPRenoRecovery"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A path of 1 ms: on one of zero delay everything is
			// sent at the same instant, and RACK, whose window is
			// zero in recovery until reordering is seen, takes
			// the retransmission for lost again once data sent
			// at that instant is SACKed (ties in send time go by
			// sequence, tcp_skb_sent_after).
			d := newDrivenImp(t, delayAll(dropFirst(20), time.Millisecond))
			if !c.sack {
				d.p.a.SetSysctl("net.ipv4.tcp_sack", "0")
				d.p.b.SetSysctl("net.ipv4.tcp_sack", "0")
			}
			cli, srv := d.connect(8000)
			d.transfer(cli, srv, 200*1448)
			if stat(d, c.recovery) != 1 || stat(d, "Tcp:RetransSegs") != 1 || stat(d, "TcpExt:TCPTimeouts") != 0 ||
				stat(d, "TcpExt:TCPFastRetrans") != 1 {
				t.Errorf("%s: recovery %d, RetransSegs %d, timeouts %d, fast retransmits %d", c.name, stat(d, c.recovery),
					stat(d, "Tcp:RetransSegs"), stat(d, "TcpExt:TCPTimeouts"), stat(d, "TcpExt:TCPFastRetrans"))
			}
			if c.sack && stat(d, "TcpExt:TCPRenoRecovery") != 0 || !c.sack && stat(d, "TcpExt:TCPSackRecovery") != 0 {
				t.Error("the wrong recovery")
			}
		})
	}
}

// TestTailLossProbe drops the last segment of a write with nothing
// after it: the loss probe (a retransmission of the last segment) repairs
// it two RTTs plus TCP_RTO_MIN later, before the RTO. (The ACK of the
// probe is not beyond it, so tcp_process_tlp_ack counts no
// TCPLossProbeRecovery yet.)
func TestTailLossProbe(t *testing.T) {
	d := newDrivenImp(t, dropFirst(9))
	cli, srv := d.connect(8000)
	data := make([]byte, 10*1448)
	if n, err := cli.Send(data, 0); n != len(data) || err != nil {
		t.Fatalf("send %d %v", n, err)
	}
	buf := make([]byte, 64<<10)
	got := 0
	for steps := 0; got < len(data) && steps < 100; steps++ {
		d.settle()
		for {
			n, err := srv.Recv(buf, 0)
			if err != nil {
				break
			}
			got += n
		}
		if got < len(data) {
			d.step(10e9)
		}
	}
	if got != len(data) {
		t.Fatalf("received %d of %d", got, len(data))
	}
	if stat(d, "TcpExt:TCPLossProbes") != 1 || stat(d, "TcpExt:TCPLossProbeRecovery") != 0 ||
		stat(d, "TcpExt:TCPTimeouts") != 0 || stat(d, "Tcp:RetransSegs") != 1 {
		t.Errorf("probes %d, probe recoveries %d, timeouts %d, RetransSegs %d", stat(d, "TcpExt:TCPLossProbes"),
			stat(d, "TcpExt:TCPLossProbeRecovery"), stat(d, "TcpExt:TCPTimeouts"), stat(d, "Tcp:RetransSegs"))
	}
}

// TestCongestionControlChoice: after one loss CUBIC leaves ssthresh at 70%
// of the window, Reno (chosen with TCP_CONGESTION) at half.
func TestCongestionControlChoice(t *testing.T) {
	got := map[string][2]uint32{}
	for _, cc := range []string{"cubic", "reno"} {
		d := newDrivenImp(t, dropFirst(40))
		cli, srv := d.connect(8000)
		mustNil(t, cli.Setsockopt(unix.IPPROTO_TCP, unix.TCP_CONGESTION, []byte(cc)))
		d.transfer(cli, srv, 100*1448)
		info := make([]byte, 280)
		n, err := cli.Getsockopt(unix.IPPROTO_TCP, unix.TCP_INFO, info)
		if err != nil || n != 280 {
			t.Fatalf("TCP_INFO: %d %v", n, err)
		}
		ssthresh := binary.NativeEndian.Uint32(info[76:])
		got[cc] = [2]uint32{ssthresh, 0}
	}
	t.Logf("ssthresh after one loss: cubic %d, reno %d", got["cubic"][0], got["reno"][0])
	c, r := got["cubic"][0], got["reno"][0]
	if c == 0 || r == 0 || c >= 0x7fffffff || r >= 0x7fffffff || c*10 < r*13 || c*10 > r*15 {
		t.Errorf("ssthresh cubic %d reno %d: want cubic/reno = 0.7/0.5", c, r)
	}
}
