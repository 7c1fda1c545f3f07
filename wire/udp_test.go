package wire

import (
	"bytes"
	"errors"
	"testing"
)

// TestUDPLinux decodes nc's datagram and rebuilds it, checksum included.
func TestUDPLinux(t *testing.T) {
	ip := linuxIPv4(t, linuxUDPDatagram)
	u, err := ParseUDP(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if u.SrcPort() != 0xa3f6 || u.DstPort() != 9 || u.Length() != 14 || string(u.Payload()) != "hello\n" || u.Checksum() != 0x8bce {
		t.Fatalf("header %+v payload %q", u.Header(), u.Payload())
	}
	if !u.ValidChecksum(ip.Src(), ip.Dst()) {
		t.Fatal("checksum does not verify")
	}
	if u.ValidChecksum(ip.Src(), addrC) {
		t.Fatal("checksum verifies with the wrong address")
	}
	h := u.Header()
	h.Checksum = 0
	b := make([]byte, h.Len()+len(u.Payload()))
	h.Emit(b)
	copy(b[h.Len():], u.Payload())
	UDP(b).ComputeChecksum(ip.Src(), ip.Dst())
	if !bytes.Equal(b, u.Datagram()) {
		t.Fatalf("built %x\nLinux %x", b, u.Datagram())
	}
}

func TestUDPChecksumZero(t *testing.T) {
	// A datagram whose checksum computes to 0 is sent with 0xffff.
	b := make([]byte, 10)
	u := UDP(b)
	(&UDPHeader{SrcPort: 1, DstPort: 2, Length: 10}).Emit(b)
	src, dst := addrA, addrB
	// Choose the data so that the sum is 0xffff.
	s := Sum(b, PseudoHeaderSum(src, dst, ProtoUDP, 10))
	b[8], b[9] = byte(^s>>8), byte(^s)
	u.ComputeChecksum(src, dst)
	if u.Checksum() != 0xffff || !u.ValidChecksum(src, dst) {
		t.Fatalf("checksum %#04x", u.Checksum())
	}
	u.SetChecksum(0)
	if !u.ValidChecksum(src, addrC) {
		t.Fatal("no checksum must pass")
	}
	u.SetSrcPort(7)
	u.SetDstPort(8)
	if u.SrcPort() != 7 || u.DstPort() != 8 {
		t.Fatal("port setters")
	}
}

func TestParseUDPErrors(t *testing.T) {
	good := linuxIPv4(t, linuxUDPDatagram).Payload()
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{good[:7], ErrTruncated},
		{append([]byte{0, 1, 0, 2, 0, 7}, good[6:]...), ErrHeaderLength},
		{good[:13], ErrTruncated},
	} {
		if _, err := ParseUDP(c.b); !errors.Is(err, c.err) {
			t.Errorf("%x: %v, want %v", c.b, err, c.err)
		}
	}
	// Bytes past the length field are not payload.
	u, err := ParseUDP(append(append([]byte(nil), good...), 0xee))
	if err != nil || len(u.Payload()) != 6 {
		t.Fatalf("trailing byte: %v", err)
	}
}

func FuzzUDP(f *testing.F) {
	f.Add(linuxIPv4(f, linuxUDPDatagram).Payload())
	f.Add([]byte{0, 1, 0, 2, 0, 8, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ParseUDP(b)
		if err != nil {
			return
		}
		_, _ = u.Payload(), u.ValidChecksum(addrA, addrB)
		h := u.Header()
		out := make([]byte, h.Len())
		h.Emit(out)
		if !bytes.Equal(out, b[:8]) {
			t.Fatalf("re-emitted %x, want %x", out, b[:8])
		}
		d := append([]byte(nil), u.Datagram()...)
		UDP(d).ComputeChecksum(addrA, addrB)
		if !UDP(d).ValidChecksum(addrA, addrB) {
			t.Fatal("computed checksum does not verify")
		}
	})
}
