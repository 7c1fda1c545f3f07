package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"
)

func linuxICMP(t *testing.T, frame []byte) ICMP {
	t.Helper()
	m, err := ParseICMP(linuxIPv4(t, frame).Payload())
	if err != nil {
		t.Fatal(err)
	}
	if !m.ValidChecksum() {
		t.Fatal("ICMP checksum does not verify")
	}
	return m
}

// TestICMPLinuxEcho decodes ping's echo request and the kernel's reply and
// builds the reply from the request: same identifier, sequence and data,
// type 0, fresh checksum.
func TestICMPLinuxEcho(t *testing.T) {
	req, rep := linuxICMP(t, linuxEchoRequest), linuxICMP(t, linuxEchoReply)
	if req.Type() != ICMPEcho || req.Code() != 0 || req.ID() != 0x1b80 || req.Seq() != 1 || len(req.Payload()) != 16 {
		t.Fatalf("request %+v", req.Header())
	}
	if ICMPIsError(req.Type()) || ICMPIsError(rep.Type()) {
		t.Fatal("echo is not an error")
	}
	h := req.Header()
	h.Type = ICMPEchoReply
	b := make([]byte, len(req))
	h.Emit(b)
	copy(b[ICMPHeaderLen:], req.Payload())
	ICMP(b).ComputeChecksum()
	if !bytes.Equal(b, rep) {
		t.Fatalf("built reply %x\nLinux's     %x", b, rep)
	}
	if h := (ICMPHeader{Type: ICMPEchoReply, Rest: EchoRest(0x1b80, 1)}); h.Len() != 8 || h.Rest != rep.Rest() {
		t.Fatal("EchoRest")
	}
}

// TestICMPLinuxPortUnreach decodes the kernel's port unreachable and its
// quote of the UDP datagram, and rebuilds it from the datagram.
func TestICMPLinuxPortUnreach(t *testing.T) {
	m := linuxICMP(t, linuxUDPPortUnreach)
	if m.Type() != ICMPDestUnreach || m.Code() != ICMPPortUnreach || m.Rest() != 0 || !ICMPIsError(m.Type()) {
		t.Fatalf("header %+v", m.Header())
	}
	q, err := m.Quoted()
	if err != nil {
		t.Fatal(err)
	}
	orig := linuxIPv4(t, linuxUDPDatagram)
	if !q.Complete() || q.HeaderLen() != 20 || q.TotalLen() != orig.TotalLen() || q.Src() != addrA || q.Dst() != addrB ||
		q.Protocol() != ProtoUDP || q.TTL() != 64 || q.ID() != orig.ID() || q.FragOffset() != 0 || q.TOS() != 0 || len(q.Options()) != 0 {
		t.Fatalf("quote %+v", q.Header())
	}
	if qh, oh := q.Header(), orig.Header(); qh.Src != oh.Src || qh.Checksum != oh.Checksum || qh.FlagsFrag != oh.FlagsFrag {
		t.Fatalf("quoted header %+v\nsent %+v", qh, oh)
	}
	src, dst, ok := q.Ports()
	if !ok || src != 0xa3f6 || dst != 9 || !q.HasTransport8() {
		t.Fatalf("ports %d %d %v", src, dst, ok)
	}
	if _, ok := q.TCPSeq(); ok {
		t.Fatal("TCPSeq on UDP")
	}
	if _, _, _, _, ok := q.ICMPEcho(); ok {
		t.Fatal("ICMPEcho on UDP")
	}
	if !bytes.Equal(q.Payload(), orig.Payload()) {
		t.Fatalf("quoted payload %x", q.Payload())
	}
	// struct -> bytes: Linux quotes the whole (short) datagram.
	h := ICMPHeader{Type: ICMPDestUnreach, Code: ICMPPortUnreach}
	b := make([]byte, ICMPHeaderLen+len(orig.Packet()))
	h.Emit(b)
	copy(b[ICMPHeaderLen:], orig.Packet())
	ICMP(b).ComputeChecksum()
	if !bytes.Equal(b, m) {
		t.Fatalf("built %x\nLinux %x", b, m)
	}
}

func TestQuotedIPv4Truncated(t *testing.T) {
	// A quote of a TCP segment cut after 8 bytes of transport header.
	pkt := linuxIPv4(t, linuxTCPData).Packet()
	q, err := ParseQuotedIPv4(pkt[:28])
	if err != nil {
		t.Fatal(err)
	}
	if q.Complete() || len(q.Payload()) != 8 {
		t.Fatalf("complete %v payload %d", q.Complete(), len(q.Payload()))
	}
	if seq, ok := q.TCPSeq(); !ok || seq != 0xaa672892 {
		t.Fatalf("TCPSeq %#x %v", seq, ok)
	}
	if _, _, ok := q.Ports(); !ok {
		t.Fatal("ports")
	}
	short, _ := ParseQuotedIPv4(pkt[:26])
	if short.HasTransport8() {
		t.Fatal("6 bytes are not 8")
	}
	if _, ok := short.TCPSeq(); ok {
		t.Fatal("TCPSeq from 6 bytes")
	}
	// A later fragment's quote carries no transport header.
	frag := append([]byte(nil), pkt[:28]...)
	IPv4(frag).SetFlagsFrag(8)
	if _, _, ok := QuotedIPv4(frag).Ports(); ok {
		t.Fatal("ports from a non-first fragment")
	}
	// Lenient, but not about the header itself.
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{pkt[:19], ErrTruncated},
		{append([]byte{0x55}, pkt[1:28]...), ErrVersion},
		{append([]byte{0x44}, pkt[1:28]...), ErrHeaderLength},
		{append([]byte{0x48}, pkt[1:28]...), ErrTruncated},
	} {
		if _, err := ParseQuotedIPv4(c.b); !errors.Is(err, c.err) {
			t.Errorf("%x: %v, want %v", c.b[:1], err, c.err)
		}
	}
	// Total length below the header length: no payload, no panic.
	bogus := append([]byte(nil), pkt[:28]...)
	IPv4(bogus).SetTotalLen(4)
	if len(QuotedIPv4(bogus).Payload()) != 0 {
		t.Fatal("payload of a bogus total length")
	}
}

// TestICMPMessages builds one of every RFC 792 (and RFC 950, RFC 1191)
// message from static bytes and decodes it, both ways.
func TestICMPMessages(t *testing.T) {
	quote := linuxIPv4(t, linuxUDPDatagram).Packet()
	gw := netip.MustParseAddr("198.18.0.254")
	mask := netip.MustParseAddr("255.255.254.0")
	for _, c := range []struct {
		name  string
		hdr   ICMPHeader
		body  []byte
		wire  []byte // expected bytes 0..7 with checksum zeroed
		check func(m ICMP) bool
	}{
		{"echo", ICMPHeader{Type: ICMPEcho, Rest: EchoRest(0x1234, 0x5678)}, []byte("data"),
			[]byte{8, 0, 0, 0, 0x12, 0x34, 0x56, 0x78},
			func(m ICMP) bool { return m.ID() == 0x1234 && m.Seq() == 0x5678 && string(m.Payload()) == "data" }},
		{"echo reply", ICMPHeader{Type: ICMPEchoReply, Rest: EchoRest(1, 2)}, nil,
			[]byte{0, 0, 0, 0, 0, 1, 0, 2},
			func(m ICMP) bool { return m.ID() == 1 && m.Seq() == 2 }},
		{"frag needed", ICMPHeader{Type: ICMPDestUnreach, Code: ICMPFragNeeded, Rest: ICMPRestMTU(1400)}, quote,
			[]byte{3, 4, 0, 0, 0, 0, 0x05, 0x78},
			func(m ICMP) bool { q, err := m.Quoted(); return err == nil && m.MTU() == 1400 && q.Dst() == addrB }},
		{"source quench", ICMPHeader{Type: ICMPSourceQuench}, quote,
			[]byte{4, 0, 0, 0, 0, 0, 0, 0},
			func(m ICMP) bool { _, err := m.Quoted(); return err == nil && ICMPIsError(m.Type()) }},
		{"redirect", ICMPHeader{Type: ICMPRedirect, Code: ICMPRedirHost, Rest: ICMPRestGateway(gw)}, quote,
			[]byte{5, 1, 0, 0, 198, 18, 0, 254},
			func(m ICMP) bool { return m.Gateway() == gw }},
		{"time exceeded", ICMPHeader{Type: ICMPTimeExceeded, Code: ICMPExcFragTime}, quote,
			[]byte{11, 1, 0, 0, 0, 0, 0, 0},
			func(m ICMP) bool { _, err := m.Quoted(); return err == nil }},
		{"parameter problem", ICMPHeader{Type: ICMPParameterProb, Rest: ICMPRestPointer(22)}, quote,
			[]byte{12, 0, 0, 0, 22, 0, 0, 0},
			func(m ICMP) bool { return m.Pointer() == 22 }},
		{"timestamp", ICMPHeader{Type: ICMPTimestamp, Rest: EchoRest(7, 8)}, make([]byte, 12),
			[]byte{13, 0, 0, 0, 0, 7, 0, 8},
			func(m ICMP) bool { return m.Originate() == 1000 && m.Receive() == 2000 && m.Transmit() == 3000 }},
		{"timestamp reply", ICMPHeader{Type: ICMPTimestampReply, Rest: EchoRest(7, 8)}, make([]byte, 12),
			[]byte{14, 0, 0, 0, 0, 7, 0, 8},
			func(m ICMP) bool { return m.Originate() == 1000 && m.ID() == 7 }},
		{"information request", ICMPHeader{Type: ICMPInfoRequest, Rest: EchoRest(3, 4)}, nil,
			[]byte{15, 0, 0, 0, 0, 3, 0, 4},
			func(m ICMP) bool { return m.ID() == 3 && m.Seq() == 4 }},
		{"information reply", ICMPHeader{Type: ICMPInfoReply, Rest: EchoRest(3, 4)}, nil,
			[]byte{16, 0, 0, 0, 0, 3, 0, 4},
			func(m ICMP) bool { return m.ID() == 3 && m.Seq() == 4 }},
		{"address mask request", ICMPHeader{Type: ICMPAddressMask, Rest: EchoRest(5, 6)}, make([]byte, 4),
			[]byte{17, 0, 0, 0, 0, 5, 0, 6},
			func(m ICMP) bool { return m.AddressMask() == mask }},
		{"address mask reply", ICMPHeader{Type: ICMPAddressMaskRep, Rest: EchoRest(5, 6)}, make([]byte, 4),
			[]byte{18, 0, 0, 0, 0, 5, 0, 6},
			func(m ICMP) bool { return m.AddressMask() == mask && m.ID() == 5 }},
	} {
		b := make([]byte, ICMPHeaderLen+len(c.body))
		c.hdr.Emit(b)
		copy(b[ICMPHeaderLen:], c.body)
		switch c.hdr.Type {
		case ICMPTimestamp, ICMPTimestampReply:
			EmitICMPTimestamps(b, 1000, 2000, 3000)
		case ICMPAddressMask, ICMPAddressMaskRep:
			EmitICMPAddressMask(b, mask)
		}
		if !bytes.Equal(b[:8], c.wire) {
			t.Fatalf("%s: header %x, want %x", c.name, b[:8], c.wire)
		}
		ICMP(b).ComputeChecksum()
		m, err := ParseICMP(b)
		if err != nil || !m.ValidChecksum() {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.Header().Type != c.hdr.Type || m.Header().Code != c.hdr.Code || m.Header().Rest != c.hdr.Rest {
			t.Fatalf("%s: header %+v", c.name, m.Header())
		}
		if !c.check(m) {
			t.Fatalf("%s: accessors disagree: %x", c.name, b)
		}
		if ICMPIsError(m.Type()) != bytes.Equal(c.body, quote) {
			t.Fatalf("%s: ICMPIsError %v", c.name, ICMPIsError(m.Type()))
		}
	}
}

func TestICMPShortAccessors(t *testing.T) {
	m, err := ParseICMP([]byte{ICMPTimestamp, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 9})
	if err != nil {
		t.Fatal(err)
	}
	if m.Originate() != 9 || m.Receive() != 0 || m.Transmit() != 0 || !m.AddressMask().IsValid() {
		t.Fatalf("orig %d recv %d", m.Originate(), m.Receive())
	}
	m8, _ := ParseICMP(make([]byte, 8))
	if m8.Originate() != 0 || m8.AddressMask().IsValid() {
		t.Fatal("accessors past an 8-byte message")
	}
	if _, err := m8.Quoted(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Quoted of nothing: %v", err)
	}
	if _, err := ParseICMP(make([]byte, 7)); !errors.Is(err, ErrTruncated) {
		t.Fatal("7 bytes parsed")
	}
}

func TestICMPTimeMillis(t *testing.T) {
	ts := time.Date(2024, 5, 6, 1, 2, 3, 456789000, time.FixedZone("x", 3600))
	// 00:02:03.456 UT
	if got := ICMPTimeMillis(ts); got != 123456 {
		t.Fatalf("ICMPTimeMillis = %d", got)
	}
}

// FuzzICMP parses arbitrary messages, calls every accessor, parses the
// quote, and re-emits the header.
func FuzzICMP(f *testing.F) {
	for _, fr := range [][]byte{linuxEchoRequest, linuxEchoReply, linuxUDPPortUnreach} {
		f.Add(linuxIPv4(f, fr).Payload())
	}
	f.Add([]byte{ICMPTimestamp, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 9, 0})
	f.Add([]byte{ICMPParameterProb, 0, 0, 0, 20, 0, 0, 0, 0x46, 0, 0, 30})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseICMP(b)
		if err != nil {
			return
		}
		_, _, _, _, _ = m.Type(), m.Code(), m.Checksum(), m.ID(), m.Seq()
		_, _, _, _ = m.Pointer(), m.MTU(), m.Gateway(), m.ValidChecksum()
		_, _, _, _ = m.Originate(), m.Receive(), m.Transmit(), m.AddressMask()
		if q, err := m.Quoted(); err == nil {
			_ = q.Header()
			_, _, _ = q.Payload(), q.Complete(), q.HasTransport8()
			_, _, _ = q.Ports()
			_, _ = q.TCPSeq()
			_, _, _, _, _ = q.ICMPEcho()
		}
		h := m.Header()
		out := make([]byte, len(m))
		h.Emit(out)
		copy(out[ICMPHeaderLen:], m.Payload())
		ICMP(out).ComputeChecksum()
		want := append([]byte(nil), m...)
		ICMP(want).ComputeChecksum()
		if !bytes.Equal(out, want) {
			t.Fatalf("re-emitted %x, want %x", out, want)
		}
	})
}
