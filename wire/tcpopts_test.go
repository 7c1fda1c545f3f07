package wire

import (
	"bytes"
	"testing"
)

// TestTCPOptionsLinuxLayout parses the options of every captured segment
// and lays them out again: Linux's tcp_options_write layout, byte for byte.
func TestTCPOptionsLinuxLayout(t *testing.T) {
	for i, f := range linuxTCPFrames {
		_, s := linuxTCP(t, f)
		o := ParseTCPOptions(s.Options(), s.SYN())
		if o.Unknown {
			t.Fatalf("frame %d: unknown option", i)
		}
		b := make([]byte, o.Len())
		o.Emit(b)
		if !bytes.Equal(b, s.Options()) {
			t.Fatalf("frame %d: emitted %x\nLinux %x", i, b, s.Options())
		}
	}
}

// TestTCPOptionsLinuxBuild builds Linux's layouts from structs.
func TestTCPOptionsLinuxBuild(t *testing.T) {
	_, syn := linuxTCP(t, linuxTCPSyn)
	_, sack3 := linuxTCP(t, linuxTCPSACK3)
	_, dsack4 := linuxTCP(t, linuxTCPDSACK4)
	_, noTS := linuxTCP(t, linuxTCPSynNoTS)
	_, noSACK := linuxTCP(t, linuxTCPSynNoSACK)
	_, noWS := linuxTCP(t, linuxTCPSynNoWS)
	_, bare := linuxTCP(t, linuxTCPSynBare)
	_, ack := linuxTCP(t, linuxTCPAck)
	for _, c := range []struct {
		name string
		o    TCPOptions
		want []byte
	}{
		{"SYN", TCPOptions{MSS: 1460, SACKPermitted: true, HasTimestamp: true, TSVal: 0xf111d974, HasWScale: true, WScale: 10}, syn.Options()},
		{"SYN tcp_timestamps=0", TCPOptions{MSS: 1460, SACKPermitted: true, HasWScale: true, WScale: 10}, noTS.Options()},
		{"SYN tcp_sack=0", TCPOptions{MSS: 1460, HasTimestamp: true, TSVal: 0x7c6d6c56, HasWScale: true, WScale: 10}, noSACK.Options()},
		{"SYN tcp_window_scaling=0", TCPOptions{MSS: 1460, SACKPermitted: true, HasTimestamp: true, TSVal: 0x1e15c4ac}, noWS.Options()},
		{"SYN bare", TCPOptions{MSS: 1460}, bare.Options()},
		{"ACK", TCPOptions{HasTimestamp: true, TSVal: 0xf111d974, TSEcr: 0x4d4115f6}, ack.Options()},
		{"3 SACK blocks", TCPOptions{HasTimestamp: true, TSVal: 0xf67fa3c5, TSEcr: 0x3e9, NumSACK: 3,
			SACK: [4]TCPSACKBlock{{0x13c5, 0x13cf}, {0x13b1, 0x13bb}, {0x139d, 0x13a7}}}, sack3.Options()},
		{"D-SACK and 3 blocks", TCPOptions{NumSACK: 4,
			SACK: [4]TCPSACKBlock{{0x1389, 0x1393}, {0x13d9, 0x13e3}, {0x13c5, 0x13cf}, {0x13b1, 0x13bb}}}, dsack4.Options()},
	} {
		b := make([]byte, c.o.Len())
		c.o.Emit(b)
		if !bytes.Equal(b, c.want) {
			t.Errorf("%s: built %x\nLinux %x", c.name, b, c.want)
		}
	}
}

func TestTCPOptionsSACKFit(t *testing.T) {
	// With MSS, timestamps and window scale (20 bytes), 2 of 4 blocks fit,
	// as tcp_established_options computes.
	o := TCPOptions{MSS: 1, HasTimestamp: true, HasWScale: true, NumSACK: 4,
		SACK: [4]TCPSACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}}
	if o.Len() != 40 {
		t.Fatalf("Len %d", o.Len())
	}
	b := make([]byte, o.Len())
	o.Emit(b)
	if p := ParseTCPOptions(b, false); p.NumSACK != 2 || p.SACK[1] != (TCPSACKBlock{3, 4}) {
		t.Fatalf("parsed %+v", p)
	}
	// Beside a timestamp, 3 blocks at most, whatever NumSACK says.
	full := TCPOptions{HasTimestamp: true, NumSACK: 9}
	if full.Len() != 12+4+8*3 {
		t.Fatalf("NumSACK 9: Len %d", full.Len())
	}
	if neg := (TCPOptions{NumSACK: -1}); neg.Len() != 0 {
		t.Fatalf("NumSACK -1: Len %d", neg.Len())
	}
}

// TestParseTCPOptionsTolerance pins what Linux's tcp_parse_options
// ignores, where it stops, and the SYN-only options.
func TestParseTCPOptionsTolerance(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		syn  bool
		want TCPOptions
	}{
		{"MSS on a non-SYN", []byte{2, 4, 5, 0xb4}, false, TCPOptions{}},
		{"MSS zero", []byte{2, 4, 0, 0}, true, TCPOptions{}},
		{"MSS length 5 skipped", []byte{2, 5, 5, 0xb4, 0, 3, 3, 7}, true, TCPOptions{HasWScale: true, WScale: 7}},
		{"last MSS wins", []byte{2, 4, 1, 0, 2, 4, 2, 0}, true, TCPOptions{MSS: 0x200}},
		{"window scale clamped", []byte{3, 3, 15, 0}, true, TCPOptions{HasWScale: true, WScale: 14}},
		{"window scale on a non-SYN", []byte{3, 3, 7, 0}, false, TCPOptions{}},
		{"window scale length 4", []byte{3, 4, 7, 0}, true, TCPOptions{}},
		{"SACK-permitted on a non-SYN", []byte{4, 2, 1, 1}, false, TCPOptions{}},
		{"SACK-permitted length 3", []byte{4, 3, 0, 1}, true, TCPOptions{}},
		{"timestamps on a SYN and later", []byte{8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, true, TCPOptions{HasTimestamp: true, TSVal: 1, TSEcr: 2}},
		{"timestamps length 9", []byte{8, 9, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1}, false, TCPOptions{}},
		{"End stops", []byte{1, 0, 3, 3, 7, 0}, true, TCPOptions{}},
		{"kind at the last byte stops", []byte{1, 1, 1, 3}, true, TCPOptions{}},
		{"length 1 stops", []byte{3, 3, 7, 0x22, 1, 3, 3, 8}, true, TCPOptions{HasWScale: true, WScale: 7}},
		{"length 0 stops", []byte{0x22, 0, 3, 3, 8, 0}, true, TCPOptions{}},
		{"length past the area stops", []byte{3, 3, 7, 8, 10, 0, 0, 0}, true, TCPOptions{HasWScale: true, WScale: 7}},
		{"SACK length 9 ignored", []byte{5, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, false, TCPOptions{}},
		{"SACK length 2 ignored", []byte{5, 2, 1, 1}, false, TCPOptions{}},
		{"SACK on a SYN kept", []byte{5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, true, TCPOptions{NumSACK: 1, SACK: [4]TCPSACKBlock{{1, 2}}}},
		{"last SACK wins", []byte{5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 10, 0, 0, 0, 3, 0, 0, 0, 4}, false, TCPOptions{NumSACK: 1, SACK: [4]TCPSACKBlock{{3, 4}}}},
		{"unknown kind", []byte{0x77, 2, 1, 0}, false, TCPOptions{Unknown: true}},
		{"MD5 is known", append([]byte{1, 1, 19, 18}, make([]byte, 16)...), false, TCPOptions{}},
		{"Fast Open is known", []byte{34, 2, 1, 1}, true, TCPOptions{}},
		{"experimental Fast Open", []byte{254, 4, 0xf9, 0x89}, true, TCPOptions{}},
		{"AccECN is known", []byte{172, 2, 174, 2}, false, TCPOptions{}},
		{"other experimental", []byte{254, 4, 0x12, 0x34}, true, TCPOptions{Unknown: true}},
		{"experimental length 2", []byte{254, 2, 1, 1}, true, TCPOptions{Unknown: true}},
	} {
		if got := ParseTCPOptions(c.b, c.syn); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestTCPOptionIter(t *testing.T) {
	_, syn := linuxTCP(t, linuxTCPSyn)
	var kinds []uint8
	it := NewTCPOptionIter(syn.Options())
	for {
		o, off, ok := it.Next()
		if !ok {
			break
		}
		if !bytes.Equal(o, syn.Options()[off:off+o.Len()]) {
			t.Fatal("option does not alias the area")
		}
		kinds = append(kinds, o.Kind())
		if o.Kind() == TCPOptMSS && !bytes.Equal(o.Data(), []byte{0x05, 0xb4}) {
			t.Fatalf("MSS data %x", o.Data())
		}
	}
	if !bytes.Equal(kinds, []byte{TCPOptMSS, TCPOptSACKPermitted, TCPOptTimestamp, TCPOptNOP, TCPOptWindowScale}) || it.Stopped() != -1 {
		t.Fatalf("kinds %v stopped %d", kinds, it.Stopped())
	}
	it = NewTCPOptionIter([]byte{1, 0x22, 1})
	n := 0
	for {
		if _, _, ok := it.Next(); !ok {
			break
		}
		n++
	}
	if n != 1 || it.Stopped() != 1 {
		t.Fatalf("%d options, stopped %d", n, it.Stopped())
	}
}

// checkTCPOptionsRoundTrip: emitting parsed options and parsing them
// again gives the same options (Unknown aside), within 40 bytes.
func checkTCPOptionsRoundTrip(t *testing.T, o *TCPOptions, syn bool) {
	t.Helper()
	n := o.Len()
	if n > TCPMaxOptionLen || n%4 != 0 {
		t.Fatalf("Len %d", n)
	}
	b := make([]byte, n)
	o.Emit(b)
	p := ParseTCPOptions(b, syn)
	want := *o
	want.Unknown = false
	want.NumSACK = o.sackBlocks(o.fixedLen())
	for i := want.NumSACK; i < TCPMaxSACKBlocks; i++ {
		want.SACK[i] = TCPSACKBlock{}
	}
	if !syn {
		want.MSS, want.HasWScale, want.WScale, want.SACKPermitted = 0, false, 0, false
	}
	if p != want {
		t.Fatalf("re-parsed %+v\nwant %+v", p, want)
	}
}

func FuzzTCPOptions(f *testing.F) {
	for _, fr := range linuxTCPFrames {
		_, s := linuxTCP(f, fr)
		f.Add(s.Options(), s.SYN())
	}
	f.Add([]byte{1, 0x22, 1}, true)
	f.Add([]byte{5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8}, false)
	f.Fuzz(func(t *testing.T, b []byte, syn bool) {
		if len(b) > TCPMaxOptionLen {
			b = b[:TCPMaxOptionLen]
		}
		o := ParseTCPOptions(b, syn)
		if o.NumSACK < 0 || o.NumSACK > TCPMaxSACKBlocks || o.WScale > TCPMaxWindowScale {
			t.Fatalf("parsed %+v", o)
		}
		it := NewTCPOptionIter(b)
		for {
			opt, _, ok := it.Next()
			if !ok {
				break
			}
			_, _ = opt.Kind(), opt.Data()
		}
		checkTCPOptionsRoundTrip(t, &o, syn)
	})
}
