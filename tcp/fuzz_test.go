package tcp_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fuzzWorld is a host with a listener on hostPort, an established
// connection from the peer's port 40000 (with data both ways pending) and
// a connection it is opening to the peer's port 40001.
func fuzzWorld(t *testing.T) (*inetWorld, *peer) {
	w := newInetWorld(t)
	ln := w.socket()
	mustNil(t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
	mustNil(t, ln.listen(4))
	p := newPeer(w, hostPort, peerPort)
	c, _ := p.accept(ln, nil)
	c.send(make([]byte, 5000), 0)
	p.take()
	p.send(p.mk(fACK|fPSH, []byte("unread")))
	o := w.socket()
	o.connect(netip.AddrPortFrom(peerIP, peerPort+1))
	w.answers()
	return w, p
}

// FuzzSegment feeds arbitrary bytes as the TCP part of a packet from the
// peer to a host with a listener, an established connection and a
// connection being opened, then runs its timers: nothing may panic, and
// the host must still answer a SYN on its listener.
func FuzzSegment(f *testing.F) {
	base := func(sport, dport uint16, sq, ack uint32, flags uint16, opts, data []byte) []byte {
		s := seg{sport: sport, dport: dport, seq: sq, ack: ack, flags: flags, win: 65535, opts: opts, data: data}
		return s.build(peerIP, hostIP)[20:]
	}
	f.Add(base(40000, hostPort, 1000001, 0, fACK|fPSH, nil, []byte("data")))
	f.Add(base(40000, hostPort, 1000001, 0, fRST, nil, nil))
	f.Add(base(40000, hostPort, 1000001, 0, fSYN, cat(oMSS(1460), oSACKOK(), oWS(7)), nil))
	f.Add(base(40000, hostPort, 1000001, 0, fACK, oSACK(1, 2, 3, 4, 5, 6, 7, 8), nil))
	f.Add(base(41000, hostPort, 5, 0, fSYN, cat(oMSS(1), oWS(200), oTS(1, 2)), nil))
	f.Add(base(41000, hostPort, 5, 77, fACK, nil, nil))
	f.Add(base(40001, 0, 9, 0, fSYN|fACK, oTS(0, 0), nil))
	f.Add(base(40000, hostPort, 1000001, 0, fACK|fURG|fFIN, nil, []byte("x")))
	f.Add([]byte{0, 1, 2, 3})
	f.Fuzz(func(t *testing.T, tcp []byte) {
		if len(tcp) > 1480 {
			return
		}
		w, p := fuzzWorld(t)
		b := make([]byte, 20+len(tcp))
		copy(b[20:], tcp)
		n := len(b)
		b[0] = 0x45
		binary.BigEndian.PutUint16(b[2:], uint16(n))
		b[6] = 0x40
		b[8] = 64
		b[9] = 6
		copy(b[12:16], peerIP.AsSlice())
		copy(b[16:20], hostIP.AsSlice())
		ipSum(b)
		// Half the time, a correct TCP checksum.
		if len(tcp) >= 20 && tcp[0]&1 == 0 {
			b[36], b[37] = 0, 0
			sum := tcpSum(b)
			b[36], b[37] = byte(sum>>8), byte(sum)
		}
		w.inject(b)
		w.answers()
		w.sleep(3 * time.Minute)
		w.answers()
		// Still alive: a new handshake on the listener works.
		q := newPeer(w, hostPort, 42000)
		q.iss = 777
		ok := false
		for _, s := range q.send(q.syn(q.synOpts())) {
			ok = ok || (s.dport == 42000 && s.flags == fSYN|fACK)
		}
		if !ok {
			t.Fatal("no SYN-ACK on the listener after the segment")
		}
		_ = p
		_ = unix.EINVAL
	})
}

func ipSum(b []byte) {
	b[10], b[11] = 0, 0
	var s uint32
	for i := 0; i < 20; i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	v := ^uint16(s)
	b[10], b[11] = byte(v>>8), byte(v)
}

func tcpSum(b []byte) uint16 {
	var s uint32
	add := func(p []byte) {
		for i := 0; i+1 < len(p); i += 2 {
			s += uint32(p[i])<<8 | uint32(p[i+1])
		}
		if len(p)%2 == 1 {
			s += uint32(p[len(p)-1]) << 8
		}
	}
	add(b[12:20])
	s += 6 + uint32(len(b)-20)
	add(b[20:])
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
