package wire

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

func TestEthernetLinux(t *testing.T) {
	for _, c := range []struct {
		frame    []byte
		dst, src MAC
		typ      uint16
	}{
		{linuxARPRequest, BroadcastMAC, macA, EtherTypeARP},
		{linuxARPReply, macA, macB, EtherTypeARP},
		{linuxEchoRequest, macB, macA, EtherTypeIPv4},
		{linuxIGMPv3Join, MulticastMAC([4]byte{224, 0, 0, 22}), macA, EtherTypeIPv4},
		{linuxIGMPv2Report, MulticastMAC([4]byte{239, 1, 2, 4}), macA, EtherTypeIPv4},
	} {
		e, err := ParseEthernet(c.frame)
		if err != nil {
			t.Fatal(err)
		}
		if e.Dst() != c.dst || e.Src() != c.src || e.EtherType() != c.typ || len(e.Payload()) != len(c.frame)-14 {
			t.Fatalf("header %+v", e.Header())
		}
		h := e.Header()
		b := make([]byte, h.Len())
		h.Emit(b)
		if !bytes.Equal(b, c.frame[:14]) {
			t.Fatalf("emitted %x, want %x", b, c.frame[:14])
		}
	}
	if _, err := ParseEthernet(make([]byte, 13)); !errors.Is(err, ErrTruncated) {
		t.Fatal("13 bytes parsed")
	}
}

func TestMAC(t *testing.T) {
	m := MulticastMAC([4]byte{239, 129, 2, 3}) // the 24th bit is dropped
	if m != (MAC{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}) || !m.IsMulticast() || m.IsBroadcast() || m.IsZero() {
		t.Fatalf("MulticastMAC = %v", m)
	}
	if !BroadcastMAC.IsMulticast() || !BroadcastMAC.IsBroadcast() || macA.IsMulticast() || !(MAC{}).IsZero() {
		t.Fatal("predicates")
	}
	if macA.String() != "02:00:00:00:00:0a" {
		t.Fatalf("String = %s", macA)
	}
	if m, ok := MACFrom(net.HardwareAddr{2, 0, 0, 0, 0, 0x0b}); !ok || m != macB {
		t.Fatal("MACFrom")
	}
	if _, ok := MACFrom(net.HardwareAddr{1, 2, 3}); ok {
		t.Fatal("MACFrom of 3 bytes")
	}
}

func FuzzEthernet(f *testing.F) {
	f.Add(linuxARPRequest)
	f.Add(linuxEchoRequest)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEthernet(b)
		if err != nil {
			return
		}
		h := e.Header()
		out := make([]byte, h.Len())
		h.Emit(out)
		if !bytes.Equal(out, b[:14]) || len(e.Payload()) != len(b)-14 {
			t.Fatalf("re-emitted %x, want %x", out, b[:14])
		}
		_ = h.Dst.String()
	})
}
