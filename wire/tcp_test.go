package wire

import (
	"bytes"
	"errors"
	"testing"
)

func linuxTCP(t testing.TB, frame []byte) (IPv4, TCP) {
	t.Helper()
	ip := linuxIPv4(t, frame)
	s, err := ParseTCP(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if !s.ValidChecksum(ip.Src(), ip.Dst()) {
		t.Fatal("TCP checksum does not verify")
	}
	return ip, s
}

var linuxTCPFrames = [][]byte{
	linuxTCPSyn, linuxTCPSynAck, linuxTCPAck, linuxTCPData, linuxTCPFin,
	linuxTCPSynNoTS, linuxTCPSynAckNoTS, linuxTCPSynNoSACK, linuxTCPSynNoWS,
	linuxTCPSynBare, linuxTCPSynAckBare, linuxTCPSynECN, linuxTCPSynAckECN, linuxTCPSynAckRaw,
	linuxTCPSACK1, linuxTCPSACK2, linuxTCPSACK3, linuxTCPDSACK, linuxTCPSACK4, linuxTCPDSACK4,
}

// TestTCPLinuxRoundTrip decodes every captured segment into a TCPHeader,
// emits it with its payload and a fresh checksum: the same bytes.
func TestTCPLinuxRoundTrip(t *testing.T) {
	for i, f := range linuxTCPFrames {
		ip, s := linuxTCP(t, f)
		h := s.Header()
		h.Checksum = 0
		b := make([]byte, h.Len()+len(s.Payload()))
		h.Emit(b)
		copy(b[h.Len():], s.Payload())
		TCP(b).ComputeChecksum(ip.Src(), ip.Dst())
		if !bytes.Equal(b, s) {
			t.Fatalf("frame %d: built %x\nLinux %x", i, b, []byte(s))
		}
	}
}

func TestTCPLinuxFields(t *testing.T) {
	_, syn := linuxTCP(t, linuxTCPSyn)
	if syn.SrcPort() != 0xae66 || syn.DstPort() != 7000 || syn.Seq() != 0xaa672891 || syn.Ack() != 0 ||
		syn.DataOffset() != 40 || syn.Flags() != TCPFlagSYN || !syn.SYN() || syn.ACK() || syn.Window() != 64240 ||
		syn.Urgent() != 0 || len(syn.Payload()) != 0 || len(syn.Options()) != 20 {
		t.Fatalf("SYN %+v", syn.Header())
	}
	_, sa := linuxTCP(t, linuxTCPSynAck)
	if sa.Flags() != TCPFlagSYN|TCPFlagACK || sa.Ack() != syn.Seq()+1 {
		t.Fatalf("SYN-ACK flags %#x ack %#x", sa.Flags(), sa.Ack())
	}
	_, d := linuxTCP(t, linuxTCPData)
	if !d.PSH() || !d.ACK() || string(d.Payload()) != "hello tcp\n" {
		t.Fatalf("data %+v %q", d.Header(), d.Payload())
	}
	_, fin := linuxTCP(t, linuxTCPFin)
	if !fin.FIN() || !fin.ACK() || fin.RST() || fin.URG() {
		t.Fatalf("FIN flags %#x", fin.Flags())
	}
	// tcp_ecn=1: the SYN carries ECE and CWR (RFC 3168 6.1.1), the SYN-ACK
	// ECE only.
	_, e := linuxTCP(t, linuxTCPSynECN)
	if !e.ECE() || !e.CWR() || e.AE() || e.Flags() != TCPFlagSYN|TCPFlagECE|TCPFlagCWR {
		t.Fatalf("ECN SYN flags %#x", e.Flags())
	}
	_, ea := linuxTCP(t, linuxTCPSynAckECN)
	if !ea.ECE() || ea.CWR() {
		t.Fatalf("ECN SYN-ACK flags %#x", ea.Flags())
	}
}

func TestTCPSetters(t *testing.T) {
	ip, s0 := linuxTCP(t, linuxTCPData)
	s := TCP(append([]byte(nil), s0...))
	s.SetSrcPort(1)
	s.SetDstPort(2)
	s.SetSeq(3)
	s.SetAck(4)
	s.SetFlags(TCPFlagAE | TCPFlagRST | 0x400)
	s.SetWindow(5)
	s.SetUrgent(6)
	s.ComputeChecksum(ip.Src(), ip.Dst())
	h := s.Header()
	if h.SrcPort != 1 || h.DstPort != 2 || h.Seq != 3 || h.Ack != 4 || h.Flags != TCPFlagAE|TCPFlagRST|0x400 ||
		h.Window != 5 || h.Urgent != 6 || s.DataOffset() != 32 || !s.AE() || !s.RST() || h.Flags&TCPFlagsReserved == 0 {
		t.Fatalf("setters: %+v", h)
	}
	if !s.ValidChecksum(ip.Src(), ip.Dst()) || s.ValidChecksum(ip.Dst(), ip.Dst()) {
		t.Fatal("checksum")
	}
	// Emit keeps the reserved and AE bits beside the data offset.
	b := make([]byte, h.Len())
	h.Emit(b)
	if !bytes.Equal(b, s[:32]) {
		t.Fatalf("emit %x, want %x", b, []byte(s[:32]))
	}
}

func TestParseTCPErrors(t *testing.T) {
	_, s := linuxTCP(t, linuxTCPSyn)
	mod := func(off int, v byte) []byte {
		b := append([]byte(nil), s...)
		b[off] = v
		return b
	}
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{s[:19], ErrTruncated},
		{mod(12, 0x40), ErrHeaderLength},
		{mod(12, 0x00), ErrHeaderLength},
		{mod(12, 0xb0), ErrTruncated},
		{s[:39], ErrTruncated},
	} {
		if _, err := ParseTCP(c.b); !errors.Is(err, c.err) {
			t.Errorf("%x: %v, want %v", c.b[:14], err, c.err)
		}
	}
	// Unpadded options: Emit pads with End of Option List.
	h := TCPHeader{Options: []byte{TCPOptNOP, TCPOptWindowScale, 3, 7}}
	h.Options = h.Options[1:]
	b := bytes.Repeat([]byte{0xee}, h.Len())
	h.Emit(b)
	if h.Len() != 24 || !bytes.Equal(b[20:], []byte{3, 3, 7, 0}) || TCP(b).DataOffset() != 24 {
		t.Fatalf("padding: %x", b)
	}
}

func TestTCPParseAllocs(t *testing.T) {
	ip, _ := linuxTCP(t, linuxTCPSACK3)
	seg := ip.Payload()
	n := testing.AllocsPerRun(1000, func() {
		s, err := ParseTCP(seg)
		if err != nil || !s.ValidChecksum(ip.Src(), ip.Dst()) {
			t.Fatal("bad segment")
		}
		if o := ParseTCPOptions(s.Options(), s.SYN()); o.NumSACK != 3 {
			t.Fatal("SACK blocks")
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per segment", n)
	}
}

func BenchmarkTCPParse(b *testing.B) {
	ip, _ := linuxTCP(b, linuxTCPSACK3)
	seg := ip.Payload()
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseTCP(seg)
		if err != nil || !s.ValidChecksum(ip.Src(), ip.Dst()) {
			b.Fatal("bad segment")
		}
		if o := ParseTCPOptions(s.Options(), s.SYN()); !o.HasTimestamp {
			b.Fatal("no timestamp")
		}
	}
}

// FuzzTCP parses arbitrary segments, calls every accessor, and re-emits
// the header and the parsed options.
func FuzzTCP(f *testing.F) {
	for _, fr := range linuxTCPFrames {
		f.Add(linuxIPv4(f, fr).Payload())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseTCP(b)
		if err != nil {
			return
		}
		_, _, _, _ = s.SrcPort(), s.DstPort(), s.Seq(), s.Ack()
		_, _, _, _, _ = s.FIN(), s.SYN(), s.RST(), s.PSH(), s.ACK()
		_, _, _, _ = s.URG(), s.ECE(), s.CWR(), s.AE()
		_, _, _ = s.Window(), s.Urgent(), s.Payload()
		_ = s.ValidChecksum(addrA, addrB)
		h := s.Header()
		out := make([]byte, h.Len())
		h.Emit(out)
		if !bytes.Equal(out, b[:s.DataOffset()]) {
			t.Fatalf("re-emitted %x\nwant %x", out, b[:s.DataOffset()])
		}
		o := ParseTCPOptions(s.Options(), s.SYN())
		checkTCPOptionsRoundTrip(t, &o, s.SYN())
	})
}
