package tcp_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFirstSendBuffer: how much a fresh connection's send queue takes,
// with the peer acknowledging nothing, as Linux charges it (sk_wmem_queued:
// an skb's truesize per segment, 832 bytes beyond its payload, against
// the sk_sndbuf tcp_sndbuf_expand set at establishment): the first send of
// 1 byte, 1448, 64 KiB and 1 MiB, with MSG_DONTWAIT or on a non-blocking
// socket, after small writes, with SO_SNDBUF set, after an ACK; SO_SNDBUF,
// SIOCOUTQ and POLLOUT along the way.
func TestFirstSendBuffer(t *testing.T) {
	t.Parallel()
	type step struct {
		size  int
		flags int
		times int  // sends of size (1 if 0)
		ack   bool // the peer acknowledges everything sent first
	}
	cases := []struct {
		name   string
		sndbuf int // SO_SNDBUF before connect; 0: none
		steps  []step
		want   string
	}{
		{"1", 0, []step{{size: 1, flags: unix.MSG_DONTWAIT}, {size: 1 << 20}},
			"sndbuf=46080 | send(1)=1 outq=1 out | send(1048576)=28960 outq=28961 - | send(1)=EAGAIN"},
		{"1448", 0, []step{{size: 1448, flags: unix.MSG_DONTWAIT}, {size: 1 << 20}},
			"sndbuf=46080 | send(1448)=1448 outq=1448 out | send(1048576)=28960 outq=30408 - | send(1)=EAGAIN"},
		{"64KiB", 0, []step{{size: 64 << 10, flags: unix.MSG_DONTWAIT}},
			"sndbuf=46080 | send(65536)=30408 outq=30408 - | send(1)=EAGAIN"},
		{"1MiB", 0, []step{{size: 1 << 20}},
			"sndbuf=46080 | send(1048576)=30408 outq=30408 - | send(1)=EAGAIN"},
		{"small-writes", 0, []step{{size: 100, times: 50}, {size: 1 << 20, flags: unix.MSG_DONTWAIT}},
			"sndbuf=46080 | send(100)x50=5000 outq=5000 out | send(1048576)=24060 outq=29060 - | send(1)=EAGAIN"},
		{"after-ack", 0, []step{{size: 1 << 20}, {size: 1 << 20, ack: true}},
			"sndbuf=46080 | send(1048576)=30408 outq=30408 - | ack sndbuf=92160 | send(1048576)=43440 outq=59368 - | send(1)=EAGAIN"},
		{"so-sndbuf-8192", 8192, []step{{size: 1 << 20, flags: unix.MSG_DONTWAIT}},
			"sndbuf=16384 | send(1048576)=11584 outq=11584 - | send(1)=EAGAIN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			worlds(t, func(t *testing.T, w world) {
				var log []string
				var pending []seg
				s, p := connectWith(w, 7200, func(s hsock) {
					if tc.sndbuf != 0 {
						if err := s.setInt(unix.SOL_SOCKET, unix.SO_SNDBUF, tc.sndbuf); err != nil {
							t.Fatal(err)
						}
					}
				})
				p.hold = true
				sb, _ := s.getInt(unix.SOL_SOCKET, unix.SO_SNDBUF)
				log = append(log, fmt.Sprintf("sndbuf=%d", sb))
				for _, st := range tc.steps {
					if st.ack {
						p.hold = false
						p.learn(append(pending, w.answers()...))
						pending = nil
						p.send(p.mk(fACK, nil))
						p.hold = true
						sb, _ := s.getInt(unix.SOL_SOCKET, unix.SO_SNDBUF)
						log = append(log, fmt.Sprintf("ack sndbuf=%d", sb))
					}
					n := max(st.times, 1)
					total := 0
					for range n {
						got, err := s.send(make([]byte, st.size), st.flags)
						if err != nil {
							t.Fatalf("%s: send: %v", w.name(), err)
						}
						total += got
					}
					outq, _ := s.ioctl(unix.SIOCOUTQ)
					out := "-"
					if s.poll()&unix.POLLOUT != 0 {
						out = "out"
					}
					call := fmt.Sprintf("send(%d)", st.size)
					if st.times > 1 {
						call += fmt.Sprintf("x%d", st.times)
					}
					log = append(log, fmt.Sprintf("%s=%d outq=%d %s", call, total, outq, out))
					segs := w.answers()
					pending = append(pending, segs...)
				}
				if _, err := s.send([]byte{1}, unix.MSG_DONTWAIT); err == unix.EAGAIN {
					log = append(log, "send(1)=EAGAIN")
				} else {
					log = append(log, fmt.Sprintf("send(1)=%v", err))
				}
				if got := strings.Join(log, " | "); got != tc.want {
					t.Errorf("%s:\n got %s\nwant %s", w.name(), got, tc.want)
				}
			})
		})
	}
}

// connectWith is connectTo with setup run on the socket before connect.
func connectWith(w world, pport uint16, setup func(s hsock)) (hsock, *peer) {
	t := w.tb()
	t.Helper()
	s := w.socket()
	setup(s)
	if err := s.connect(netip.AddrPortFrom(peerIP, pport)); err != unix.EINPROGRESS {
		t.Fatalf("%s: connect: %v", w.name(), err)
	}
	syn := only(t, w.answers(), "SYN")
	p := newPeer(w, syn.sport, pport)
	got := p.dialed(syn, nil)
	a := only(t, got, "ACK of the SYN-ACK")
	if a.flags != fACK || a.ack != p.nxt {
		t.Fatalf("%s: answer to the SYN-ACK: %v", w.name(), a)
	}
	return s, p
}
