package tcp_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/link/mem"
	"golang.org/x/sys/unix"
)

// holdOne delays every packet by base and the data segment (from the
// client) at position which among first transmissions by base+extra:
// the segments after it overtake it, as a reordering path does.
func holdOne(which int, base, extra time.Duration) mem.Impairment {
	seen := map[uint32]bool{}
	n := 0
	return mem.ImpairFunc(func(f []byte) mem.Verdict {
		v := mem.Verdict{Delay: base}
		if len(f) < 14+40 || f[12] != 0x08 || f[13] != 0 || f[14+9] != 6 {
			return v
		}
		ip := f[14:]
		ihl := int(ip[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		tcp := ip[ihl:]
		doff := int(tcp[12]>>4) * 4
		if total-ihl-doff <= 0 {
			return v
		}
		sq := binary.BigEndian.Uint32(tcp[4:])
		if seen[sq] {
			return v
		}
		seen[sq] = true
		if n == which {
			v.Delay += extra
		}
		n++
		return v
	})
}

// tcpInfo returns TCP_INFO's ca_state, snd_ssthresh, snd_cwnd and
// reordering.
func tcpInfo(t *testing.T, s interface {
	Getsockopt(level, name int, buf []byte) (int, error)
}) (caState uint8, ssthresh, cwnd, reordering uint32) {
	t.Helper()
	b := make([]byte, 256)
	n, err := s.Getsockopt(unix.IPPROTO_TCP, unix.TCP_INFO, b)
	if err != nil || n < 92 {
		t.Fatalf("TCP_INFO: %d %v", n, err)
	}
	le := binary.LittleEndian
	return b[1], le.Uint32(b[76:]), le.Uint32(b[80:]), le.Uint32(b[88:])
}

// TestUndoReordering holds one segment of a bulk transfer back on a path
// of 1 ms one way: RACK takes it for lost once three segments after it
// are SACKed, recovery starts and retransmits it, and the original
// arrives after all. Held 0.5 ms, the original comes before the
// retransmission, and its ACK echoes a timestamp older than the
// retransmission: Eifel detection (tcp_packet_delayed) undoes the
// recovery in tcp_try_undo_partial, counting the reordering
// (TCPTSReorder) that raises tp->reordering; the D-SACK for the
// retransmission then finds nothing left to undo. Held 4 ms without
// timestamps, the retransmission repairs the hole and ends the recovery;
// the original then earns a D-SACK below snd_una, which proves the one
// retransmission spurious (tcp_try_undo_dsack, in the Open state). Either
// way the window and ssthresh come back (ssthresh infinite: slow start
// goes on) and the state is Open.
func TestUndoReordering(t *testing.T) {
	for _, c := range []struct {
		name       string
		timestamps bool
		hold       time.Duration
		undo       []string // counters that must be 1
		zero       []string // and 0
	}{
		{"timestamps", true, 500 * time.Microsecond,
			[]string{"TcpExt:TCPPartialUndo", "TcpExt:TCPTSReorder", "TcpExt:TCPDSACKIgnoredNoUndo"},
			[]string{"TcpExt:TCPDSACKUndo", "TcpExt:TCPFullUndo"}},
		{"D-SACK", false, 4 * time.Millisecond,
			[]string{"TcpExt:TCPDSACKUndo"},
			[]string{"TcpExt:TCPPartialUndo", "TcpExt:TCPFullUndo", "TcpExt:TCPTSReorder", "TcpExt:TCPSACKReorder"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newDrivenImp(t, holdOne(30, time.Millisecond, c.hold))
			if !c.timestamps {
				d.p.a.SetSysctl("net.ipv4.tcp_timestamps", "0")
				d.p.b.SetSysctl("net.ipv4.tcp_timestamps", "0")
			}
			cli, srv := d.connect(8000)
			d.transfer(cli, srv, 200*1448)
			for _, name := range append([]string{"TcpExt:TCPSackRecovery", "Tcp:RetransSegs", "TcpExt:TCPDSACKRecv"}, c.undo...) {
				if got := stat(d, name); got != 1 {
					t.Errorf("%s %d, want 1", name, got)
				}
			}
			for _, name := range c.zero {
				if got := stat(d, name); got != 0 {
					t.Errorf("%s %d, want 0", name, got)
				}
			}
			st, ssthresh, cwnd, reo := tcpInfo(t, cli)
			t.Logf("ca_state %d ssthresh %d cwnd %d reordering %d", st, ssthresh, cwnd, reo)
			if st != 0 || ssthresh != 0x7fffffff {
				t.Errorf("after the undo: ca_state %d ssthresh %d, want 0 (Open), 2147483647", st, ssthresh)
			}
			if c.timestamps && reo <= 3 || !c.timestamps && reo != 3 {
				t.Errorf("reordering %d", reo)
			}
		})
	}
}

// TestUndoTranscript: the handshake takes 100 ms (so RACK's reordering
// window, a quarter of the minimum RTT, outlasts the script's steps on a
// busy machine); the host sends 16 segments' worth; the peer SACKs the
// second to fourth of the first flight, so RACK takes the first for lost
// and the host fast-retransmits it; the peer then ACKs the first five
// with a D-SACK for the first (the original was only late), which proves
// the one retransmission spurious: tcp_try_undo_dsack restores the window
// (TCPDSACKUndo), and the host sends the rest at once where PRR would
// have held it back.
func TestUndoTranscript(t *testing.T) {
	// established100 is an established connection whose handshake took
	// 100 ms.
	established100 := func(s *script) (*peer, hsock) {
		t := s.t
		ln := s.w.socket()
		mustNil(t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
		mustNil(t, ln.listen(8))
		p := newPeer(s.w, hostPort, peerPort)
		syn := seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: p.synOpts()}
		sa := only(t, p.send(syn), "SYN-ACK")
		p.ts = sa.o.HasTimestamp
		p.w.sleep(100 * time.Millisecond)
		if got := p.send(p.mk(fACK, nil)); len(got) != 0 {
			t.Fatalf("%s: answers to the handshake's ACK: %v", p.w.name(), got)
		}
		c, _, err := ln.accept(0)
		mustNil(t, err)
		s.c0 = s.w.counters()
		return p, c
	}
	const mss = 1448
	t.Run("D-SACK of a fast retransmission", func(t *testing.T) {
		diffScript(t, func(s *script) {
			p, c := established100(s)
			p.hold = true
			s.hsend(c, make([]byte, 16*mss), 0)
			s.take(p)
			base := p.rcv
			for i := uint32(2); i <= 4; i++ {
				s.send(p, p.mk(fACK, nil, oSACK(base+mss, base+i*mss)))
			}
			p.rcv = base + 5*mss
			s.send(p, p.mk(fACK, nil, oSACK(base, base+mss)))
			s.counters()
			p.rcv = base + 10*mss
			s.send(p, p.mk(fACK, nil))
			s.counters()
		})
	})
	// F-RTO (tcp_frto 2): the flight's ACKs are late, a loss probe then
	// the timeout resend; the ACK that then comes covers segments never
	// retransmitted, so the timeout was spurious (RFC 5682 3.1 step 3.b,
	// tcp_try_undo_loss): TCPSpuriousRTOs and TCPLossUndo, the state is
	// Open again with the window from before, and new data go out instead
	// of retransmissions.
	t.Run("spurious timeout", func(t *testing.T) {
		diffScript(t, func(s *script) {
			p, c := established100(s)
			p.hold = true
			s.hsend(c, make([]byte, 16*mss), 0)
			s.take(p)
			base := p.rcv
			s.sleep(p, 700*time.Millisecond)
			p.rcv = base + 5*mss
			s.send(p, p.mk(fACK, nil))
			s.counters()
			p.rcv = base + 12*mss
			s.send(p, p.mk(fACK, nil))
			s.counters()
		})
	})
}
