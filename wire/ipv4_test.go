package wire

import (
	"bytes"
	"errors"
	"testing"
)

// linuxIPv4Frames are every captured IPv4 frame.
var linuxIPv4Frames = [][]byte{
	linuxEchoRequest, linuxEchoReply, linuxRRRequest, linuxRRReply,
	linuxTSOnlyRequest, linuxTSOnlyReply, linuxTSAddrRequest, linuxTSAddrReply,
	linuxUDPDatagram, linuxUDPPortUnreach,
	linuxTCPSyn, linuxTCPSynAck, linuxTCPAck, linuxTCPData, linuxTCPFin,
	linuxTCPSynNoTS, linuxTCPSynAckNoTS, linuxTCPSynNoSACK, linuxTCPSynNoWS,
	linuxTCPSynBare, linuxTCPSynAckBare, linuxTCPSynECN, linuxTCPSynAckECN, linuxTCPSynAckRaw,
	linuxTCPSACK1, linuxTCPSACK2, linuxTCPSACK3, linuxTCPDSACK, linuxTCPSACK4, linuxTCPDSACK4,
	linuxIGMPv3Join, linuxIGMPv3Source, linuxIGMPv3Leave, linuxIGMPv3Block,
	linuxIGMPv2Report, linuxIGMPv2Leave, linuxIGMPv1Report,
}

// TestIPv4LinuxRoundTrip decodes every captured header into an IPv4Header
// and emits it again: the bytes, checksum included, come back identical.
func TestIPv4LinuxRoundTrip(t *testing.T) {
	for i, f := range linuxIPv4Frames {
		p := linuxIPv4(t, f)
		h := p.Header()
		if h.Len() != p.HeaderLen() {
			t.Fatalf("frame %d: Len %d, header %d", i, h.Len(), p.HeaderLen())
		}
		b := make([]byte, h.Len())
		h.Emit(b)
		if !bytes.Equal(b, p.HeaderBytes()) {
			t.Fatalf("frame %d: emitted %x\nwant %x", i, b, p.HeaderBytes())
		}
		if len(p.Payload()) != p.TotalLen()-p.HeaderLen() {
			t.Fatalf("frame %d: payload %d bytes", i, len(p.Payload()))
		}
		if _, err := CheckIPv4Options(p.Options(), IPv4OptionsReceived); err != nil {
			t.Fatalf("frame %d: options %x: %v", i, p.Options(), err)
		}
	}
}

func TestIPv4LinuxEchoFields(t *testing.T) {
	p := linuxIPv4(t, linuxEchoRequest)
	if p.Version() != 4 || p.HeaderLen() != 20 || p.TotalLen() != 44 || p.ID() != 0xcfaf ||
		!p.DF() || p.MF() || p.IsFragment() || p.FragOffset() != 0 || p.TTL() != 64 ||
		p.Protocol() != ProtoICMP || p.Checksum() != 0xdef9 || p.Src() != addrA || p.Dst() != addrB || p.TOS() != 0 {
		t.Fatalf("fields: %+v", p.Header())
	}
	// The kernel's port unreachable goes out with TOS 0xc0
	// (IPTOS_PREC_INTERNETCONTROL) and without DF.
	u := linuxIPv4(t, linuxUDPPortUnreach)
	if u.TOS() != 0xc0 || u.DF() {
		t.Fatalf("port unreachable TOS %#x DF %v", u.TOS(), u.DF())
	}
	// IGMP goes out with TTL 1, TOS 0xc0 and Router Alert.
	g := linuxIPv4(t, linuxIGMPv3Join)
	if g.TTL() != 1 || g.TOS() != 0xc0 || g.HeaderLen() != 24 {
		t.Fatalf("IGMP TTL %d TOS %#x HL %d", g.TTL(), g.TOS(), g.HeaderLen())
	}
}

func TestIPv4Setters(t *testing.T) {
	b := append([]byte(nil), linuxEchoRequest[14:]...)
	p := mustIPv4(t, b)
	p.DecTTL()
	if p.TTL() != 63 || !p.ValidChecksum() {
		t.Fatalf("DecTTL: ttl %d valid %v", p.TTL(), p.ValidChecksum())
	}
	p.SetTOS(0x10)
	p.SetID(7)
	p.SetFlagsFrag(IPv4FlagMF | 3)
	p.SetTTL(9)
	p.SetSrc(addrC)
	p.SetDst(loopback)
	p.ComputeChecksum()
	h := p.Header()
	if h.TOS != 0x10 || h.ID != 7 || !p.MF() || p.FragOffset() != 24 || h.TTL != 9 || h.Src != addrC || h.Dst != loopback || !p.ValidChecksum() {
		t.Fatalf("setters: %+v", h)
	}
	p.SetTotalLen(30)
	if len(p.Packet()) != 30 || len(p.Payload()) != 10 {
		t.Fatal("SetTotalLen")
	}
}

func TestIPv4EmitPadsOptions(t *testing.T) {
	h := IPv4Header{TTL: 1, Protocol: ProtoIGMP, Src: addrA, Dst: addrB, Options: []byte{IPOptRouterAlert, 4, 0, 0, IPOptNOP}}
	if h.Len() != 28 {
		t.Fatalf("Len %d", h.Len())
	}
	b := bytes.Repeat([]byte{0xee}, 28)
	h.TotalLen = 28
	h.Emit(b)
	if !bytes.Equal(b[20:], []byte{IPOptRouterAlert, 4, 0, 0, IPOptNOP, 0, 0, 0}) {
		t.Fatalf("options %x", b[20:])
	}
	if p := mustIPv4(t, b); p.HeaderLen() != 28 {
		t.Fatal("header length")
	}
}

func TestParseIPv4Errors(t *testing.T) {
	good := linuxEchoRequest[14:]
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{good[:19], ErrTruncated},
		{mod(func(b []byte) { b[0] = 0x65 }), ErrVersion},
		{mod(func(b []byte) { b[0] = 0x44 }), ErrHeaderLength},
		{mod(func(b []byte) { b[0] = 0x4f }), ErrTruncated},
		{mod(func(b []byte) { b[3] = 45 }), ErrTruncated},
		{mod(func(b []byte) { b[3] = 19 }), ErrHeaderLength},
		{good[:20], ErrTruncated},
	} {
		if _, err := ParseIPv4(c.b); !errors.Is(err, c.err) {
			t.Errorf("%x: err %v, want %v", c.b, err, c.err)
		}
	}
	// Link padding after the total length is allowed and left out.
	padded := append(append([]byte(nil), good...), 0, 0)
	p, err := ParseIPv4(padded)
	if err != nil || len(p.Packet()) != len(good) {
		t.Fatalf("padded: %v", err)
	}
}

// TestIPv4ParseAllocs: parsing and validating the header checksum does
// not allocate.
func TestIPv4ParseAllocs(t *testing.T) {
	b := linuxTCPData[14:]
	n := testing.AllocsPerRun(1000, func() {
		p, err := ParseIPv4(b)
		if err != nil || !p.ValidChecksum() {
			t.Fatal("bad packet")
		}
		_, _ = p.Src(), p.Dst()
		if _, err := CheckIPv4Options(p.Options(), IPv4OptionsReceived); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per packet", n)
	}
}

// BenchmarkIPv4Parse is the per-packet cost of the input checks: parse,
// header checksum, addresses, options check.
func BenchmarkIPv4Parse(b *testing.B) {
	for _, c := range []struct {
		name string
		pkt  []byte
	}{
		{"plain", linuxTCPData[14:]},
		{"options", linuxRRRequest[14:]},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := ParseIPv4(c.pkt)
				if err != nil || !p.ValidChecksum() {
					b.Fatal("bad packet")
				}
				if p.Src() == p.Dst() {
					b.Fatal("same addresses")
				}
				if p.HeaderLen() > IPv4MinHeaderLen {
					if _, err := CheckIPv4Options(p.Options(), IPv4OptionsReceived); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// FuzzParseIPv4 checks that no accessor of a parsed view panics and that
// decoding and re-emitting the header gives the same bytes with a fresh
// checksum.
func FuzzParseIPv4(f *testing.F) {
	for _, fr := range linuxIPv4Frames {
		f.Add(fr[14:])
	}
	f.Add([]byte{0x46, 0, 0, 24, 0, 0, 0, 0, 1, 2, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseIPv4(b)
		if err != nil {
			return
		}
		_, _, _, _ = p.Version(), p.TOS(), p.ID(), p.TTL()
		_, _, _, _ = p.DF(), p.MF(), p.FragOffset(), p.IsFragment()
		_, _, _ = p.Protocol(), p.Src(), p.Dst()
		_, _, _ = p.Payload(), p.Packet(), p.ValidChecksum()
		_, _ = CheckIPv4Options(p.Options(), IPv4OptionsReceived)
		h := p.Header()
		out := make([]byte, h.Len())
		h.Emit(out)
		want := append([]byte(nil), p.HeaderBytes()...)
		copy(want[10:12], out[10:12])
		if !bytes.Equal(out, want) {
			t.Fatalf("re-emitted %x\nwant %x", out, want)
		}
		if Checksum(out) != 0 {
			t.Fatal("emitted checksum does not verify")
		}
		q, err := ParseIPv4(append(out, p.Payload()...))
		if err != nil || q.Header().Src != h.Src || q.TotalLen() != p.TotalLen() {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
