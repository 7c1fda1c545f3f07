package tcp_test

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// tcpInfoFields names the struct tcp_info fields a transcript shows: the
// ones that do not depend on the RTT or the clock.
var tcpInfoFields = []struct {
	name      string
	off, size int
}{
	{"state", 0, 1}, {"ca_state", 1, 1}, {"retransmits", 2, 1}, {"probes", 3, 1}, {"backoff", 4, 1},
	{"options", 5, 1}, {"wscale", 6, 1}, {"snd_mss", 16, 4}, {"rcv_mss", 20, 4}, {"unacked", 24, 4},
	{"sacked", 28, 4}, {"lost", 32, 4}, {"retrans", 36, 4}, {"pmtu", 60, 4}, {"rcv_ssthresh", 64, 4},
	{"snd_ssthresh", 76, 4}, {"snd_cwnd", 80, 4}, {"advmss", 84, 4}, {"reordering", 88, 4},
	{"rcv_space", 96, 4}, {"total_retrans", 100, 4}, {"bytes_acked", 120, 8}, {"bytes_received", 128, 8},
	{"segs_out", 136, 4}, {"segs_in", 140, 4}, {"notsent_bytes", 144, 4}, {"data_segs_in", 152, 4},
	{"data_segs_out", 156, 4}, {"delivered", 192, 4}, {"bytes_sent", 200, 8}, {"bytes_retrans", 208, 8},
	{"dsack_dups", 216, 4}, {"reord_seen", 220, 4}, {"rcv_ooopack", 224, 4}, {"snd_wnd", 228, 4},
	{"rcv_wnd", 232, 4}, {"total_rto", 240, 2}, {"total_rto_recoveries", 242, 2},
}

// info records TCP_INFO's length and clock-free fields.
func (s *script) info(c hsock) {
	b, err := c.getBytes(unix.IPPROTO_TCP, unix.TCP_INFO, 512)
	s.call("TCP_INFO length", len(b), err)
	if err != nil {
		return
	}
	for _, f := range tcpInfoFields {
		if f.off+f.size > len(b) {
			continue
		}
		var v uint64
		switch f.size {
		case 1:
			v = uint64(b[f.off])
		case 2:
			v = uint64(binary.NativeEndian.Uint16(b[f.off:]))
		case 4:
			v = uint64(binary.NativeEndian.Uint32(b[f.off:]))
		case 8:
			v = binary.NativeEndian.Uint64(b[f.off:])
		}
		s.note("  %s %d", f.name, v)
	}
}

func TestTCPInfo(t *testing.T) {
	runEstSockCases(t, []estSockCase{
		{"after some data", func(s *script, p *peer, c hsock) {
			s.hsend(c, make([]byte, 3000), 0)
			s.take(p)
			s.send(p, p.mk(fACK|fPSH, make([]byte, 500)))
			s.info(c)
		}},
		{"unacknowledged and unsent", func(s *script, p *peer, c hsock) {
			p.hold = true
			p.win = 10
			s.send(p, p.mk(fACK, nil))
			s.hsend(c, make([]byte, 3000), 0)
			s.take(p)
			s.info(c)
		}},
	})
}
