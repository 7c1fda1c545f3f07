package tcp_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// peer is one connection the raw peer plays against the host: it keeps
// the sequence numbers and timestamps so a test writes only what matters.
type peer struct {
	w     world
	t     *testing.T
	pport uint16 // the peer's port
	hport uint16 // the host's port
	iss   uint32 // the peer's initial sequence number
	nxt   uint32 // the peer's next sequence number
	rcv   uint32 // what the peer acknowledges: the host's next byte
	hiss  uint32 // the host's initial sequence number
	win   uint16 // the window the peer advertises (unscaled)
	ts    bool   // timestamps agreed: every segment carries one
	tsVal uint32 // the peer's timestamp clock
	tsEcr uint32 // the last TSval the host sent
	// hold keeps the peer from acknowledging data automatically.
	hold bool
}

func newPeer(w world, hport, pport uint16) *peer {
	return &peer{w: w, t: w.tb(), hport: hport, pport: pport, iss: 1000000, nxt: 1000000, win: 65535, tsVal: 5000}
}

// synOpts are the options Linux puts on a SYN: MSS, SACK permitted with
// the timestamp, window scale 7.
func (p *peer) synOpts() []byte {
	return cat(oMSS(1460), []byte{4, 2}, []byte{8, 10, byte(p.tsVal >> 24), byte(p.tsVal >> 16), byte(p.tsVal >> 8), byte(p.tsVal), 0, 0, 0, 0}, oWS(7))
}

// mk returns a segment of the connection at the peer's next sequence
// number, acknowledging what the host sent, with a timestamp if agreed.
func (p *peer) mk(flags uint16, data []byte, opts ...[]byte) seg {
	s := seg{sport: p.pport, dport: p.hport, seq: p.nxt, flags: flags, win: p.win, data: data}
	if flags&fACK != 0 {
		s.ack = p.rcv
	}
	if p.ts && flags&fSYN == 0 {
		s.opts = oTS(p.tsVal, p.tsEcr)
	}
	s.opts = append(s.opts, cat(opts...)...)
	return s
}

// send injects s and returns the host's answers. A segment at the peer's
// next sequence number moves it on.
func (p *peer) send(s seg) []seg {
	p.t.Helper()
	if s.seq == p.nxt {
		n := uint32(len(s.data))
		if s.has(fSYN) {
			n++
		}
		if s.has(fFIN) {
			n++
		}
		p.nxt += n
	}
	p.w.inject(s.build(peerIP, hostIP))
	return p.take()
}

// take returns what the host sent since, learning from it.
func (p *peer) take() []seg {
	return p.learn(p.w.answers())
}

// learn follows the host's segments of this connection: their
// timestamps and, unless hold is set, in-order data and FINs.
func (p *peer) learn(segs []seg) []seg {
	for _, s := range segs {
		if s.sport != p.hport || s.dport != p.pport {
			continue
		}
		if s.o.HasTimestamp {
			p.tsEcr = s.o.TSVal
		}
		if p.hold || s.has(fRST) {
			continue
		}
		if s.has(fSYN) {
			if p.hiss == 0 {
				p.hiss = s.seq
			}
			p.rcv = s.seq + 1
			continue
		}
		if s.seq == p.rcv {
			p.rcv += uint32(len(s.data))
			if s.has(fFIN) {
				p.rcv++
			}
		}
	}
	return segs
}

// open makes the peer connect to the host's port: SYN (with opts, or
// Linux's usual options if nil), the host's SYN-ACK, the final ACK. It
// returns the SYN-ACK.
func (p *peer) open(opts []byte) seg {
	p.t.Helper()
	if opts == nil {
		opts = p.synOpts()
	}
	syn := seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: opts}
	p.nxt = p.iss
	got := p.send(syn)
	sa := only(p.t, got, "SYN-ACK")
	if sa.flags != fSYN|fACK || sa.ack != p.iss+1 {
		p.t.Fatalf("%s: answer to a SYN: %v", p.w.name(), sa)
	}
	p.ts = sa.o.HasTimestamp
	if got := p.send(p.mk(fACK, nil)); len(got) != 0 {
		p.t.Fatalf("%s: answers to the handshake's ACK: %v", p.w.name(), got)
	}
	return sa
}

// accept opens a connection from the peer to a listener and accepts it.
func (p *peer) accept(ln hsock, opts []byte) (hsock, seg) {
	p.t.Helper()
	sa := p.open(opts)
	c, _, err := ln.accept(0)
	if err != nil {
		p.t.Fatalf("%s: accept: %v", p.w.name(), err)
	}
	return c, sa
}

// dialed answers the host's SYN (already taken by the caller) with a
// SYN-ACK carrying opts (Linux's usual options if nil) and returns the
// host's answer.
func (p *peer) dialed(syn seg, opts []byte) []seg {
	p.t.Helper()
	p.hport = syn.sport
	p.hiss, p.rcv = syn.seq, syn.seq+1
	if syn.o.HasTimestamp {
		p.tsEcr = syn.o.TSVal
	}
	if opts == nil {
		opts = p.synOpts()
		copy(opts[12:16], []byte{byte(p.tsEcr >> 24), byte(p.tsEcr >> 16), byte(p.tsEcr >> 8), byte(p.tsEcr)})
	}
	p.nxt = p.iss
	sa := seg{sport: p.pport, dport: p.hport, seq: p.iss, ack: p.rcv, flags: fSYN | fACK, win: p.win, opts: opts}
	got := p.send(sa)
	p.ts = syn.o.HasTimestamp && hasTS(opts)
	return got
}

func hasTS(o []byte) bool {
	for i := 0; i < len(o); {
		switch o[i] {
		case 0:
			return false
		case 1:
			i++
			continue
		case 8:
			return true
		}
		if i+1 >= len(o) || o[i+1] < 2 {
			return false
		}
		i += int(o[i+1])
	}
	return false
}

// connectTo makes a host socket connect to the peer at port pport and
// completes the handshake; it returns the socket and its peer.
func connectTo(w world, pport uint16, synackOpts []byte) (hsock, *peer) {
	t := w.tb()
	t.Helper()
	s := w.socket()
	if err := s.connect(netip.AddrPortFrom(peerIP, pport)); err != unix.EINPROGRESS {
		t.Fatalf("%s: connect: %v", w.name(), err)
	}
	syn := only(t, w.answers(), "SYN")
	p := newPeer(w, syn.sport, pport)
	got := p.dialed(syn, synackOpts)
	a := only(t, got, "ACK of the SYN-ACK")
	if a.flags != fACK || a.ack != p.nxt {
		t.Fatalf("%s: answer to the SYN-ACK: %v", w.name(), a)
	}
	return s, p
}

// only returns the one segment of segs, failing the test otherwise.
func only(t *testing.T, segs []seg, what string) seg {
	t.Helper()
	if len(segs) != 1 {
		t.Fatalf("want one segment (%s), got %d:\n%s", what, len(segs), segList(segs))
	}
	return segs[0]
}

func segList(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		fmt.Fprintf(&b, "\t%v\n", s)
	}
	return b.String()
}

// none fails the test if the host sent anything.
func none(t *testing.T, segs []seg, why string) {
	t.Helper()
	if len(segs) != 0 {
		t.Fatalf("%s: want no answer, got:\n%s", why, segList(segs))
	}
}
