package wire

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// RFC 1071 section 3's worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
func TestSumRFC1071Example(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Sum(b, 0); got != 0xddf2 {
		t.Fatalf("Sum = %#04x, want 0xddf2", got)
	}
	if got := Checksum(b); got != ^uint16(0xddf2) {
		t.Fatalf("Checksum = %#04x", got)
	}
}

func TestSumZeroRepresentation(t *testing.T) {
	// All-zero data sums to +0; any non-zero data never does (RFC 1624 3).
	if got := Sum(make([]byte, 100), 0); got != 0 {
		t.Fatalf("Sum(zeros) = %#04x, want 0", got)
	}
	if got := Sum([]byte{0xff, 0xff}, 0); got != 0xffff {
		t.Fatalf("Sum(ffff) = %#04x, want 0xffff", got)
	}
	if got := Sum([]byte{0x80, 0x00, 0x7f, 0xff}, 0); got != 0xffff {
		t.Fatalf("Sum(8000 7fff) = %#04x, want 0xffff", got)
	}
	if got := Sum(nil, 0xffff0000); got != 0xffff {
		t.Fatalf("Sum(nil, 0xffff0000) = %#04x, want 0xffff", got)
	}
}

// TestSumMatchesSlow walks every length up to 300 at every alignment with
// deterministic pseudo-random data and initial values.
func TestSumMatchesSlow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 320)
	for trial := 0; trial < 4; trial++ {
		for i := range buf {
			switch trial {
			case 0:
				buf[i] = byte(r.Uint32())
			case 1:
				buf[i] = 0xff
			case 2:
				buf[i] = 0
			default:
				buf[i] = byte(0xff - i%3)
			}
		}
		for off := 0; off < 16; off++ {
			for n := 0; off+n <= 300; n++ {
				b := buf[off : off+n]
				for _, init := range []uint32{0, 1, 0xffff, 0x1ffff, 0xffffffff, r.Uint32()} {
					if got, want := Sum(b, init), slowSum(b, init); got != want {
						t.Fatalf("trial %d off %d len %d init %#x: Sum = %#04x, slow = %#04x", trial, off, n, init, got, want)
					}
				}
			}
		}
	}
}

// Carries out of bit 63 must be counted: many all-ones words.
func TestSumCarryStress(t *testing.T) {
	for _, n := range []int{64, 128, 1024, 65536, 65537} {
		b := make([]byte, n)
		for i := range b {
			b[i] = 0xff
		}
		if got, want := Sum(b, 0xffffffff), slowSum(b, 0xffffffff); got != want {
			t.Fatalf("len %d: %#04x != %#04x", n, got, want)
		}
	}
}

func TestTransportChecksumLinuxUDP(t *testing.T) {
	// The UDP datagram Linux sent in the port-unreachable capture, with its
	// checksum verified by tcpdump.
	ip := mustIPv4(t, linuxUDPPortUnreach[14:])
	q, err := ParseQuotedIPv4(ICMP(ip.Payload()).Payload())
	if err != nil {
		t.Fatal(err)
	}
	u := q.Payload()
	if got := Sum(u, PseudoHeaderSum(q.Src(), q.Dst(), ProtoUDP, len(u))); got != 0xffff {
		t.Fatalf("UDP checksum does not verify: sum %#04x", got)
	}
}

func TestUpdateChecksumRFC1624Example(t *testing.T) {
	// RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives
	// HC' = 0x0000 (eqn. 3), where RFC 1141's eqn. 2 gives 0xffff.
	if got := UpdateChecksum16(0xdd2f, 0x5555, 0x3285); got != 0x0000 {
		t.Fatalf("UpdateChecksum16 = %#04x, want 0x0000", got)
	}
	// Errata 4782: an unchanged word keeps a 0x0000 checksum at 0x0000.
	if got := UpdateChecksum16(0x0000, 0x5555, 0x5555); got != 0x0000 {
		t.Fatalf("unchanged word: %#04x, want 0x0000", got)
	}
}

// checkIncremental compares an incremental update with a recomputation
// from scratch. They agree except when the new data is all zeros: then the
// sum is +0, which eqn. 3 cannot produce (RFC 1624 section 3 relies on a
// non-zero field such as the IPv4 version), so it yields 0x0000 where a
// recomputation yields 0xffff.
func checkIncremental(t *testing.T, data []byte, off int, neu uint16) {
	t.Helper()
	hc := Checksum(data)
	old := binary.BigEndian.Uint16(data[off:])
	binary.BigEndian.PutUint16(data[off:], neu)
	inc := UpdateChecksum16(hc, old, neu)
	full := Checksum(data)
	if Sum(data, 0) == 0 {
		if inc != 0x0000 || full != 0xffff {
			t.Fatalf("all-zero data: incremental %#04x full %#04x", inc, full)
		}
		return
	}
	if inc != full {
		t.Fatalf("data %x off %d %#04x->%#04x: incremental %#04x, full %#04x", data, off, old, neu, inc, full)
	}
	// Patching the header's own checksum field verifies afterwards.
	if s := Sum(data, uint32(inc)); s != 0xffff {
		t.Fatalf("updated checksum does not verify: %#04x", s)
	}
}

func TestUpdateChecksumCorners(t *testing.T) {
	cases := []struct {
		data []byte
		off  int
		neu  uint16
	}{
		{[]byte{0x00, 0x01, 0x00, 0x00}, 0, 0x0000},             // to all zeros
		{[]byte{0x00, 0x00, 0x00, 0x00}, 2, 0x0000},             // zero stays zero
		{[]byte{0x00, 0x00, 0x00, 0x00}, 2, 0xffff},             // zero to -0 word
		{[]byte{0xff, 0xff, 0x00, 0x00}, 0, 0x0000},             // -0 word to +0
		{[]byte{0xff, 0xff, 0x00, 0x01}, 2, 0x0000},             // sum becomes 0xffff
		{[]byte{0x80, 0x00, 0x7f, 0xfe}, 2, 0x7fff},             // checksum becomes 0x0000
		{[]byte{0x45, 0x00, 0x40, 0x01, 0x12, 0x34}, 2, 0x3f01}, // TTL decrement
	}
	for _, c := range cases {
		checkIncremental(t, append([]byte(nil), c.data...), c.off, c.neu)
	}
}

func TestUpdateChecksum32(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		data := make([]byte, 20)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		data[0] = 0x45
		hc := Checksum(data)
		old := binary.BigEndian.Uint32(data[12:])
		neu := r.Uint32()
		binary.BigEndian.PutUint32(data[12:], neu)
		if got, want := UpdateChecksum32(hc, old, neu), Checksum(data); got != want {
			t.Fatalf("UpdateChecksum32 = %#04x, want %#04x", got, want)
		}
	}
}

func TestPseudoHeaderSum(t *testing.T) {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	ph := []byte{198, 18, 0, 1, 198, 18, 0, 2, 0, ProtoTCP, 0x01, 0x2c}
	if got, want := fold(uint64(PseudoHeaderSum(src, dst, ProtoTCP, 300))), slowSum(ph, 0); got != want {
		t.Fatalf("pseudo-header sum %#04x, want %#04x", got, want)
	}
}

func TestSumAllocs(t *testing.T) {
	b := make([]byte, 1500)
	if n := testing.AllocsPerRun(100, func() { _ = Sum(b, 0) }); n != 0 {
		t.Fatalf("Sum allocates %v times", n)
	}
}

// FuzzChecksum compares Sum with the byte-at-a-time reference for
// arbitrary data, sub-slices at odd offsets and initial values.
func FuzzChecksum(f *testing.F) {
	f.Add([]byte{}, uint8(0), uint32(0))
	f.Add([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, uint8(0), uint32(0))
	f.Add([]byte{0xff, 0xff, 0xff}, uint8(1), uint32(0xffffffff))
	f.Add(make([]byte, 200), uint8(3), uint32(0x12345))
	f.Add([]byte("The quick brown fox jumps over the lazy dog, 64 bytes or more, ok?!"), uint8(7), uint32(0xffff))
	f.Fuzz(func(t *testing.T, data []byte, off uint8, initial uint32) {
		o := int(off)
		if o > len(data) {
			o = len(data)
		}
		b := data[o:]
		if got, want := Sum(b, initial), slowSum(b, initial); got != want {
			t.Fatalf("off %d len %d init %#x: Sum %#04x, slow %#04x", o, len(b), initial, got, want)
		}
		if got, want := Checksum(b), slowChecksum(b); got != want {
			t.Fatalf("Checksum %#04x, slow %#04x", got, want)
		}
	})
}

// FuzzChecksumUpdate checks RFC 1624 incremental updates against full
// recomputation, for 16-bit and 32-bit fields.
func FuzzChecksumUpdate(f *testing.F) {
	f.Add([]byte{0x45, 0x00, 0x00, 0x54, 0x40, 0x01}, uint8(2), uint16(0x3f01))
	f.Add([]byte{0x00, 0x01, 0x00, 0x00}, uint8(0), uint16(0))
	f.Add([]byte{0xff, 0xff, 0x00, 0x00}, uint8(0), uint16(0))
	f.Add([]byte{0x00, 0x00}, uint8(0), uint16(0xffff))
	f.Fuzz(func(t *testing.T, data []byte, off uint8, neu uint16) {
		if len(data) < 2 {
			return
		}
		data = data[:len(data)&^1]
		o := int(off) % (len(data) / 2) * 2
		checkIncremental(t, data, o, neu)
		if len(data) >= 4 {
			o4 := o &^ 3
			if o4+4 > len(data) {
				return
			}
			hc := Checksum(data)
			old := binary.BigEndian.Uint32(data[o4:])
			n32 := uint32(neu)<<16 | uint32(^neu)
			binary.BigEndian.PutUint32(data[o4:], n32)
			inc, full := UpdateChecksum32(hc, old, n32), Checksum(data)
			if inc != full && Sum(data, 0) != 0 {
				t.Fatalf("UpdateChecksum32: %#04x, full %#04x", inc, full)
			}
		}
	})
}

var benchSink uint16

// BenchmarkChecksum reports the checksum's throughput beside copy's, over
// the same buffer sizes, as the ceiling a memory-bound loop can reach.
func BenchmarkChecksum(b *testing.B) {
	for _, n := range []int{64, 1500, 9000, 65536} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		b.Run(fmt.Sprintf("Sum/%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				benchSink += Sum(buf, 0)
			}
		})
		dst := make([]byte, n)
		b.Run(fmt.Sprintf("copy/%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, buf)
			}
		})
	}
}

// BenchmarkChecksumSlow is the RFC 1071 reference, for scale.
func BenchmarkChecksumSlow(b *testing.B) {
	buf := make([]byte, 1500)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		benchSink += slowSum(buf, 0)
	}
}
