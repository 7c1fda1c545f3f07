package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func linuxIGMP(t testing.TB, frame []byte) IGMP {
	t.Helper()
	ip := linuxIPv4(t, frame)
	if ip.Protocol() != ProtoIGMP {
		t.Fatal("not IGMP")
	}
	m, err := ParseIGMP(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if !m.ValidChecksum() {
		t.Fatal("IGMP checksum does not verify")
	}
	return m
}

var (
	group3   = netip.MustParseAddr("239.1.2.3")
	groupSSM = netip.MustParseAddr("232.1.1.1")
)

// TestIGMPLinuxV1V2 decodes the kernel's version 1 and 2 messages and
// builds them from structs.
func TestIGMPLinuxV1V2(t *testing.T) {
	for _, c := range []struct {
		frame []byte
		typ   uint8
		group string
		dst   string
	}{
		{linuxIGMPv2Report, IGMPv2MembershipReport, "239.1.2.4", "239.1.2.4"},
		{linuxIGMPv2Leave, IGMPv2LeaveGroup, "239.1.2.4", "224.0.0.2"},
		{linuxIGMPv1Report, IGMPv1MembershipReport, "239.1.2.5", "239.1.2.5"},
	} {
		ip := linuxIPv4(t, c.frame)
		m := linuxIGMP(t, c.frame)
		if len(m) != 8 || m.Type() != c.typ || m.MaxRespCode() != 0 || m.Group() != netip.MustParseAddr(c.group) ||
			ip.Dst() != netip.MustParseAddr(c.dst) || m.QueryVersion() != 0 || m.MaxRespTime() != 0 {
			t.Fatalf("%x: %+v to %v", []byte(m), m.Header(), ip.Dst())
		}
		h := IGMPHeader{Type: c.typ, Group: netip.MustParseAddr(c.group)}
		b := make([]byte, h.Len())
		h.Emit(b)
		if !bytes.Equal(b, m) {
			t.Fatalf("built %x, Linux %x", b, []byte(m))
		}
		h2 := m.Header()
		h2.Emit(b)
		if !bytes.Equal(b, m) {
			t.Fatal("Header round trip")
		}
	}
}

// TestIGMPLinuxV3 decodes the kernel's version 3 reports, record by
// record, and builds each from structs.
func TestIGMPLinuxV3(t *testing.T) {
	type rec struct {
		typ     uint8
		group   netip.Addr
		sources []netip.Addr
	}
	for _, c := range []struct {
		name  string
		frame []byte
		recs  []rec
	}{
		{"join", linuxIGMPv3Join, []rec{{IGMPChangeToExclude, group3, nil}}},
		{"source join", linuxIGMPv3Source, []rec{{IGMPAllowNewSources, groupSSM, []netip.Addr{addrB}}, {IGMPChangeToExclude, group3, nil}}},
		{"leave", linuxIGMPv3Leave, []rec{{IGMPChangeToInclude, group3, nil}, {IGMPAllowNewSources, groupSSM, []netip.Addr{addrB}}}},
		{"block", linuxIGMPv3Block, []rec{{IGMPBlockOldSources, groupSSM, []netip.Addr{addrB}}}},
	} {
		ip := linuxIPv4(t, c.frame)
		if ip.Dst() != netip.MustParseAddr("224.0.0.22") {
			t.Fatalf("%s: sent to %v", c.name, ip.Dst())
		}
		m := linuxIGMP(t, c.frame)
		r, err := ParseIGMPv3Report(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.NumRecords() != len(c.recs) {
			t.Fatalf("%s: %d records", c.name, r.NumRecords())
		}
		var want IGMPv3ReportHeader
		it := r.Records()
		for i, w := range c.recs {
			g, ok := it.Next()
			if !ok {
				t.Fatalf("%s: record %d missing", c.name, i)
			}
			var srcs []netip.Addr
			for j := 0; j < g.NumSources(); j++ {
				srcs = append(srcs, g.Source(j))
			}
			if g.Type() != w.typ || g.Group() != w.group || !slices.Equal(srcs, w.sources) || len(g.AuxData()) != 0 {
				t.Fatalf("%s: record %d = %+v", c.name, i, g.Header())
			}
			if g.Source(g.NumSources()).IsValid() {
				t.Fatalf("%s: source past the end", c.name)
			}
			want.Records = append(want.Records, IGMPv3GroupRecordHeader{Type: w.typ, Group: w.group, Sources: w.sources})
		}
		if _, ok := it.Next(); ok {
			t.Fatalf("%s: extra record", c.name)
		}
		b := make([]byte, want.Len())
		want.Emit(b)
		if !bytes.Equal(b, m) {
			t.Fatalf("%s: built %x\nLinux %x", c.name, b, []byte(m))
		}
		h := r.Header()
		h.Emit(b)
		if !bytes.Equal(b, m) {
			t.Fatalf("%s: Header round trip %x", c.name, b)
		}
	}
}

// Queries, which Linux never sends (it is no querier): static vectors in
// the formats of RFC 2236 2 and RFC 3376 4.1, checksums computed apart.
var (
	igmpV1Query      = mustHex("1100eeff00000000")
	igmpV2Query      = mustHex("1164ee9b00000000")                                 // general, 10 s
	igmpV2GroupQuery = mustHex("110afdf0ef010203")                                 // 239.1.2.3, 1 s
	igmpV3Query      = mustHex("1164ec1e00000000027d0000")                         // general, 10 s, QRV 2, QQIC 125
	igmpV3GSQuery    = mustHex("118f6daae80101010b910002c6120002c6120009")         // S, QRV 3, codes 0x8f and 0x91, 2 sources
	igmpV3Bogus      = mustHex("116400000000000002")                               // 9 bytes: ignored
	igmpV3ShortSrcs  = mustHex("1164000000000000027d0002c6120002")                 // 2 sources, 1 present
	igmpV3ReportAux  = mustHex("220000000000000101010001e8010101c6120002deadbeef") // aux data, checksum unset
)

func TestIGMPQueryVersions(t *testing.T) {
	for _, c := range []struct {
		b       []byte
		version int
		resp    time.Duration
	}{
		{igmpV1Query, 1, 10 * time.Second},
		{igmpV2Query, 2, 10 * time.Second},
		{igmpV2GroupQuery, 2, time.Second},
		{igmpV3Query, 3, 10 * time.Second},
		{igmpV3GSQuery, 3, 24800 * time.Millisecond},
		{igmpV3Bogus, 0, 0},
		{append(append([]byte(nil), igmpV2Query...), 0, 0, 0), 0, 0},
	} {
		m, err := ParseIGMP(c.b)
		if err != nil {
			t.Fatal(err)
		}
		if m.QueryVersion() != c.version || m.MaxRespTime() != c.resp {
			t.Errorf("%x: version %d resp %v, want %d %v", c.b, m.QueryVersion(), m.MaxRespTime(), c.version, c.resp)
		}
		if c.version != 0 && !m.ValidChecksum() {
			t.Errorf("%x: checksum", c.b)
		}
	}
	// struct -> bytes for the version 1 and 2 queries.
	for _, c := range []struct {
		h    IGMPHeader
		want []byte
	}{
		{IGMPHeader{Type: IGMPMembershipQuery}, igmpV1Query},
		{IGMPHeader{Type: IGMPMembershipQuery, MaxRespCode: 100}, igmpV2Query},
		{IGMPHeader{Type: IGMPMembershipQuery, MaxRespCode: 10, Group: group3}, igmpV2GroupQuery},
	} {
		b := make([]byte, 8)
		c.h.Emit(b)
		if !bytes.Equal(b, c.want) {
			t.Errorf("built %x, want %x", b, c.want)
		}
	}
}

func TestIGMPv3Query(t *testing.T) {
	q, err := ParseIGMPv3Query(igmpV3GSQuery)
	if err != nil {
		t.Fatal(err)
	}
	if q.Group() != groupSSM || !q.SFlag() || q.QRV() != 3 || q.QQIC() != 0x91 || q.QueryInterval() != 272*time.Second ||
		q.MaxRespCode() != 0x8f || q.MaxRespTime() != 24800*time.Millisecond || q.NumSources() != 2 ||
		q.Source(0) != addrB || q.Source(1) != addrC || q.Source(2).IsValid() || q.Source(-1).IsValid() || q.Checksum() != 0x6daa {
		t.Fatalf("query %+v", q.Header())
	}
	h := IGMPv3QueryHeader{MaxRespCode: IGMPv3EncodeCode(248), Group: groupSSM, SFlag: true, QRV: 3, QQIC: IGMPv3EncodeCode(272), Sources: []netip.Addr{addrB, addrC}}
	b := make([]byte, h.Len())
	h.Emit(b)
	if !bytes.Equal(b, igmpV3GSQuery) {
		t.Fatalf("built %x, want %x", b, igmpV3GSQuery)
	}
	g := IGMPv3QueryHeader{MaxRespCode: 100, QRV: 2, QQIC: 125}
	b = make([]byte, g.Len())
	g.Emit(b)
	if !bytes.Equal(b, igmpV3Query) {
		t.Fatalf("built %x, want %x", b, igmpV3Query)
	}
	d := q.Header()
	b = make([]byte, d.Len())
	d.Emit(b)
	if !bytes.Equal(b, igmpV3GSQuery) {
		t.Fatal("Header round trip")
	}
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{igmpV3Bogus, ErrTruncated},
		{igmpV3ShortSrcs, ErrTruncated},
		{igmpV1Query, ErrTruncated},
		{append([]byte{IGMPv3MembershipReport}, igmpV3Query[1:]...), ErrMalformed},
	} {
		if _, err := ParseIGMPv3Query(c.b); !errors.Is(err, c.err) {
			t.Errorf("%x: %v, want %v", c.b, err, c.err)
		}
	}
}

func TestIGMPv3ReportAuxData(t *testing.T) {
	r, err := ParseIGMPv3Report(igmpV3ReportAux)
	if err != nil {
		t.Fatal(err)
	}
	it := r.Records()
	g, _ := it.Next()
	if g.Type() != IGMPModeIsInclude || !bytes.Equal(g.AuxData(), mustHex("deadbeef")) || g.Source(0) != addrB {
		t.Fatalf("record %+v", g.Header())
	}
	h := r.Header()
	b := make([]byte, h.Len())
	h.Emit(b)
	if !bytes.Equal(b[4:], igmpV3ReportAux[4:]) || !IGMP(b).ValidChecksum() {
		t.Fatalf("built %x", b)
	}
	// Aux data is padded to whole words.
	rec := IGMPv3GroupRecordHeader{Type: IGMPModeIsExclude, Group: group3, AuxData: []byte{1, 2, 3, 4, 5}}
	if rec.Len() != 16 {
		t.Fatalf("Len %d", rec.Len())
	}
	bb := make([]byte, rec.Len())
	rec.Emit(bb)
	if bb[1] != 2 || !bytes.Equal(bb[8:], []byte{1, 2, 3, 4, 5, 0, 0, 0}) {
		t.Fatalf("aux %x", bb)
	}
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{igmpV3ReportAux[:7], ErrTruncated},
		{igmpV3ReportAux[:23], ErrTruncated},
		{igmpV3ReportAux[:15], ErrTruncated},
		{igmpV1Query, ErrMalformed},
	} {
		if _, err := ParseIGMPv3Report(c.b); !errors.Is(err, c.err) {
			t.Errorf("%x: %v, want %v", c.b, err, c.err)
		}
	}
}

// TestIGMPv3Codes checks the floating-point codes of RFC 3376 4.1.1 and
// 4.1.7 both ways: every code decodes and encodes back to itself, and
// every value encodes to the largest code not above it.
func TestIGMPv3Codes(t *testing.T) {
	for _, c := range []struct {
		code  uint8
		value int
	}{{0, 0}, {127, 127}, {0x80, 128}, {0x81, 136}, {0x8f, 248}, {0x90, 256}, {0xff, 31744}} {
		if v := IGMPv3DecodeCode(c.code); v != c.value {
			t.Errorf("decode %#x = %d, want %d", c.code, v, c.value)
		}
	}
	prev := -1
	for c := 0; c < 256; c++ {
		v := IGMPv3DecodeCode(uint8(c))
		if v <= prev {
			t.Fatalf("decode not increasing at %#x", c)
		}
		prev = v
		if e := IGMPv3EncodeCode(v); e != uint8(c) {
			t.Fatalf("encode(decode(%#x)) = %#x", c, e)
		}
	}
	for v := -3; v < 40000; v++ {
		c := IGMPv3EncodeCode(v)
		d := IGMPv3DecodeCode(c)
		if v >= 0 && d > v {
			t.Fatalf("encode(%d) = %#x worth %d, above", v, c, d)
		}
		if c < 0xff && v >= 0 && IGMPv3DecodeCode(c+1) <= v {
			t.Fatalf("encode(%d) = %#x not the largest", v, c)
		}
	}
}

// FuzzIGMP parses arbitrary messages every way, calls every accessor and
// re-emits what it decodes.
func FuzzIGMP(f *testing.F) {
	for _, fr := range [][]byte{linuxIGMPv3Join, linuxIGMPv3Source, linuxIGMPv2Report, linuxIGMPv1Report} {
		f.Add([]byte(linuxIGMP(f, fr)))
	}
	for _, b := range [][]byte{igmpV1Query, igmpV2Query, igmpV3Query, igmpV3GSQuery, igmpV3Bogus, igmpV3ShortSrcs, igmpV3ReportAux} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseIGMP(b)
		if err != nil {
			return
		}
		_, _, _, _ = m.Group(), m.QueryVersion(), m.MaxRespTime(), m.ValidChecksum()
		if q, err := ParseIGMPv3Query(b); err == nil {
			_, _, _, _ = q.SFlag(), q.QRV(), q.QueryInterval(), q.MaxRespTime()
			h := q.Header()
			out := make([]byte, h.Len())
			h.Emit(out)
			want := append([]byte(nil), b[:h.Len()]...)
			want[8] &= 0x0f // Resv is sent as zero
			IGMP(want).ComputeChecksum()
			if !bytes.Equal(out, want) {
				t.Fatalf("query re-emitted %x\nwant %x", out, want)
			}
		}
		if r, err := ParseIGMPv3Report(b); err == nil {
			h := r.Header()
			if len(h.Records) != r.NumRecords() {
				t.Fatalf("%d records of %d", len(h.Records), r.NumRecords())
			}
			out := make([]byte, h.Len())
			h.Emit(out)
			want := append([]byte(nil), b[:h.Len()]...)
			want[1], want[4], want[5] = 0, 0, 0 // reserved fields are sent as zero
			IGMP(want).ComputeChecksum()
			if !bytes.Equal(out, want) {
				t.Fatalf("report re-emitted %x\nwant %x", out, want)
			}
		}
		if len(b) == IGMPHeaderLen {
			h := m.Header()
			out := make([]byte, 8)
			h.Emit(out)
			want := append([]byte(nil), b...)
			IGMP(want).ComputeChecksum()
			if !bytes.Equal(out, want) {
				t.Fatalf("re-emitted %x, want %x", out, want)
			}
		}
	})
}
