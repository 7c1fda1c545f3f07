package wire

import (
	"bytes"
	"errors"
	"testing"
)

// TestARPLinux decodes the kernel's request and its peer's reply, and
// builds the reply from the request as a responder does.
func TestARPLinux(t *testing.T) {
	req, err := ParseARP(linuxARPRequest[14:])
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ParseARP(linuxARPReply[14:])
	if err != nil {
		t.Fatal(err)
	}
	if req.Op() != ARPRequest || req.SenderMAC() != macA || req.SenderIP() != addrA || !req.TargetMAC().IsZero() || req.TargetIP() != addrB {
		t.Fatalf("request %+v", req.Header())
	}
	if rep.Op() != ARPReply || rep.SenderMAC() != macB || rep.SenderIP() != addrB || rep.TargetMAC() != macA || rep.TargetIP() != addrA {
		t.Fatalf("reply %+v", rep.Header())
	}
	for _, p := range []ARP{req, rep} {
		h := p.Header()
		b := make([]byte, h.Len())
		h.Emit(b)
		if !bytes.Equal(b, p[:ARPLen]) {
			t.Fatalf("emitted %x, want %x", b, p[:ARPLen])
		}
	}
	h := ARPHeader{Op: ARPReply, SenderMAC: macB, SenderIP: req.TargetIP(), TargetMAC: req.SenderMAC(), TargetIP: req.SenderIP()}
	b := make([]byte, ARPLen)
	h.Emit(b)
	if !bytes.Equal(b, rep[:ARPLen]) {
		t.Fatalf("built reply %x, want %x", b, rep[:ARPLen])
	}
}

func TestParseARPErrors(t *testing.T) {
	good := linuxARPRequest[14:]
	if _, err := ParseARP(good[:27]); !errors.Is(err, ErrTruncated) {
		t.Fatal("27 bytes parsed")
	}
	for i, v := range []struct{ off, val int }{{1, 6}, {2, 0x86}, {4, 8}, {5, 16}} {
		b := append([]byte(nil), good...)
		b[v.off] = byte(v.val)
		if _, err := ParseARP(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func FuzzARP(f *testing.F) {
	f.Add(linuxARPRequest[14:])
	f.Add(linuxARPReply[14:])
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseARP(b)
		if err != nil {
			return
		}
		h := a.Header()
		out := make([]byte, h.Len())
		h.Emit(out)
		if !bytes.Equal(out, b[:ARPLen]) {
			t.Fatalf("re-emitted %x, want %x", out, b[:ARPLen])
		}
	})
}
