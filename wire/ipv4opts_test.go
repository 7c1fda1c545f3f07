package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
)

// optionsOf returns the options area of a captured frame.
func optionsOf(t *testing.T, frame []byte) []byte {
	t.Helper()
	return linuxIPv4(t, frame).Options()
}

func collectOptions(t *testing.T, area []byte) []IPv4Option {
	t.Helper()
	var out []IPv4Option
	it := NewIPv4OptionIter(area)
	for {
		o, _, ok := it.Next()
		if !ok {
			break
		}
		out = append(out, o)
	}
	if it.Err() >= 0 {
		t.Fatalf("iterator stopped at malformed offset %d", it.Err())
	}
	return out
}

// TestIPv4OptionsLinuxRecordRoute decodes ping -R's Record Route, rebuilds
// it from a struct, and replays what the receiving kernel did to it.
func TestIPv4OptionsLinuxRecordRoute(t *testing.T) {
	req, rep := optionsOf(t, linuxRRRequest), optionsOf(t, linuxRRReply)
	opts := collectOptions(t, req)
	if len(opts) != 2 || opts[0].Type() != IPOptNOP || opts[1].Type() != IPOptRR {
		t.Fatalf("options %x: want NOP, RR", req)
	}
	rr := opts[1]
	if rr.Len() != 39 || rr.Pointer() != 8 || rr.RouteSlots() != 9 || rr.RouteFilled() != 1 || rr.RouteAddr(0) != addrA {
		t.Fatalf("RR len %d ptr %d slots %d filled %d addr %v", rr.Len(), rr.Pointer(), rr.RouteSlots(), rr.RouteFilled(), rr.RouteAddr(0))
	}
	if rr.RouteAddr(9).IsValid() || rr.RouteAddr(-1).IsValid() {
		t.Fatal("RouteAddr out of range is valid")
	}
	info, err := CheckIPv4Options(req, IPv4OptionsReceived)
	if err != nil || info.RR != 21 || !info.RRNeedAddr || info.End != 40 {
		t.Fatalf("CheckIPv4Options = %+v, %v", info, err)
	}
	// struct -> bytes: the sender's layout.
	built := AppendIPv4Options(nil, IPv4OptNoOp{}, &IPv4OptRoute{Type: IPOptRR, Addrs: []netip.Addr{addrA}, Slots: 9})
	if !bytes.Equal(built, req) {
		t.Fatalf("built %x\nwant  %x", built, req)
	}
	// bytes -> struct -> bytes.
	r := rr.RouteOption()
	again := make([]byte, r.Len())
	r.Emit(again)
	if !bytes.Equal(again, rr) {
		t.Fatalf("re-emitted %x, want %x", again, rr)
	}
	// The receiver records its address on input (ip_options_compile) and
	// again on output of the reply (ip_options_build); the reply carries
	// the option without the leading No-op, padded with End.
	mine := append([]byte(nil), rr...)
	if !IPv4Option(mine).RecordRoute(addrB) || !IPv4Option(mine).RecordRoute(addrB) {
		t.Fatal("RecordRoute refused")
	}
	if !bytes.Equal(append(mine, IPOptEnd), rep) {
		t.Fatalf("after two RecordRoute %x\nLinux's reply       %x", mine, rep)
	}
}

func TestIPv4OptionsLinuxTimestamp(t *testing.T) {
	for _, c := range []struct {
		name     string
		req, rep []byte
		flags    uint8
		slots    int
	}{
		{"tsonly", linuxTSOnlyRequest, linuxTSOnlyReply, IPOptTSOnly, 9},
		{"tsandaddr", linuxTSAddrRequest, linuxTSAddrReply, IPOptTSAndAddr, 4},
	} {
		req, rep := optionsOf(t, c.req), optionsOf(t, c.rep)
		opts := collectOptions(t, req)
		if len(opts) != 1 || opts[0].Type() != IPOptTimestamp {
			t.Fatalf("%s: options %x", c.name, req)
		}
		ts := opts[0]
		if ts.TSFlags() != c.flags || ts.TSOverflow() != 0 || ts.TSSlots() != c.slots || ts.TSFilled() != 1 {
			t.Fatalf("%s: flags %d overflow %d slots %d filled %d", c.name, ts.TSFlags(), ts.TSOverflow(), ts.TSSlots(), ts.TSFilled())
		}
		addr, ms, ok := ts.TSEntry(0)
		if !ok || ms == 0 || (c.flags == IPOptTSAndAddr) != (addr == addrA) {
			t.Fatalf("%s: entry 0 = %v %d %v", c.name, addr, ms, ok)
		}
		if _, _, ok := ts.TSEntry(c.slots); ok {
			t.Fatalf("%s: entry past the end", c.name)
		}
		info, err := CheckIPv4Options(req, IPv4OptionsReceived)
		if err != nil || info.TS != 20 || !info.TSNeedTime || info.TSNeedAddr != (c.flags == IPOptTSAndAddr) {
			t.Fatalf("%s: CheckIPv4Options = %+v, %v", c.name, info, err)
		}
		built := AppendIPv4Options(nil, &IPv4OptTimestamp{Flags: c.flags, Entries: []IPv4TSEntry{{Addr: addrA, Time: ms}}, Slots: c.slots})
		if !bytes.Equal(built, req) {
			t.Fatalf("%s: built %x\nwant  %x", c.name, built, req)
		}
		d := ts.TimestampOption()
		again := make([]byte, d.Len())
		d.Emit(again)
		if !bytes.Equal(again, ts) {
			t.Fatalf("%s: re-emitted %x, want %x", c.name, again, ts)
		}
		// The receiver stamps on input and again on the reply's output,
		// within the same millisecond here.
		mine := append([]byte(nil), ts...)
		if IPv4Option(mine).Stamp(addrB, ms) != IPv4Stamped || IPv4Option(mine).Stamp(addrB, ms) != IPv4Stamped {
			t.Fatalf("%s: Stamp refused", c.name)
		}
		if !bytes.Equal(mine, rep) {
			t.Fatalf("%s: after two Stamp %x\nLinux's reply  %x", c.name, mine, rep)
		}
	}
}

func TestIPv4OptionsLinuxRouterAlert(t *testing.T) {
	// Every IGMP report Linux sends carries Router Alert (RFC 2236 2, RFC
	// 3376 4).
	for _, f := range [][]byte{linuxIGMPv3Join, linuxIGMPv2Report, linuxIGMPv2Leave, linuxIGMPv1Report} {
		area := optionsOf(t, f)
		want := AppendIPv4Options(nil, IPv4OptRouterAlert{})
		if !bytes.Equal(area, want) {
			t.Fatalf("options %x, want %x", area, want)
		}
		if v, ok := FindIPv4Option(area, IPOptRouterAlert).RouterAlertValue(); !ok || v != 0 {
			t.Fatalf("RouterAlertValue = %d, %v", v, ok)
		}
		if info, err := CheckIPv4Options(area, IPv4OptionsReceived); err != nil || info.RouterAlert != 20 {
			t.Fatalf("CheckIPv4Options = %+v, %v", info, err)
		}
	}
}

func TestIPv4OptionBuilders(t *testing.T) {
	got := AppendIPv4Options(nil,
		IPv4OptSecurity{Level: 0xab, Authority: []byte{0x80}},
		&IPv4OptRoute{Type: IPOptLSRR, Addrs: []netip.Addr{addrB, addrC}},
		IPv4OptRaw{Type: 0x99, Data: []byte{1, 2}},
		IPv4OptEndOfList{},
	)
	want := []byte{
		IPOptSecurity, 4, 0xab, 0x80,
		IPOptLSRR, 11, 4, 198, 18, 0, 2, 198, 18, 0, 9,
		0x99, 4, 1, 2,
		IPOptEnd,
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
	opts := collectOptions(t, got)
	if lvl, auth := opts[0].SecurityLevel(); lvl != 0xab || !bytes.Equal(auth, []byte{0x80}) {
		t.Fatalf("SecurityLevel = %#x %x", lvl, auth)
	}
	if hop, ok := opts[1].SourceRouteNext(); !ok || hop != addrB {
		t.Fatalf("SourceRouteNext = %v %v", hop, ok)
	}
	if !bytes.Equal(opts[2].Data(), []byte{1, 2}) || opts[3].Data() != nil {
		t.Fatal("Data")
	}
	// A prespecified timestamp's pointer starts at the first entry.
	ts := &IPv4OptTimestamp{Flags: IPOptTSPrespec, Entries: []IPv4TSEntry{{Addr: addrB}, {Addr: addrC}}}
	b := make([]byte, ts.Len())
	ts.Emit(b)
	if !bytes.Equal(b, []byte{IPOptTimestamp, 20, 5, 3, 198, 18, 0, 2, 0, 0, 0, 0, 198, 18, 0, 9, 0, 0, 0, 0}) {
		t.Fatalf("prespecified %x", b)
	}
}

func TestIPv4OptionIterMalformed(t *testing.T) {
	for _, c := range []struct {
		area []byte
		n    int // options yielded
		bad  int
	}{
		{[]byte{IPOptNOP, IPOptRR}, 1, 1},
		{[]byte{IPOptRR, 1, 0, 0}, 0, 0},
		{[]byte{IPOptNOP, IPOptRR, 9, 4}, 1, 1},
		{[]byte{IPOptEnd, IPOptRR, 9, 4}, 1, -1},
		{[]byte{}, 0, -1},
	} {
		it := NewIPv4OptionIter(c.area)
		n := 0
		for {
			if _, _, ok := it.Next(); !ok {
				break
			}
			n++
		}
		if n != c.n || it.Err() != c.bad {
			t.Errorf("%x: %d options, Err %d; want %d, %d", c.area, n, it.Err(), c.n, c.bad)
		}
	}
	if FindIPv4Option([]byte{IPOptNOP, IPOptEnd, IPOptRR, 3, 4}, IPOptRR) != nil {
		t.Error("FindIPv4Option looked past End")
	}
}

func TestIPv4OptionErrorIs(t *testing.T) {
	_, err := CheckIPv4Options([]byte{IPOptRR, 3, 3, 0}, IPv4OptionsReceived)
	var oe IPv4OptionError
	if !errors.Is(err, ErrMalformed) || !errors.As(err, &oe) || oe.Pointer() != 22 {
		t.Fatalf("err = %v", err)
	}
	if err.Error() != "wire: malformed IPv4 option at header offset 22" {
		t.Fatalf("Error() = %q", err.Error())
	}
	opts := []byte{IPOptRR, 3, 3, 0}
	if n := testing.AllocsPerRun(100, func() { _, _ = CheckIPv4Options(opts, IPv4OptionsReceived) }); n != 0 {
		t.Fatalf("CheckIPv4Options allocates %v times", n)
	}
}

func TestIPv4OptionStamp(t *testing.T) {
	// Full timestamp-only option: the overflow count goes up to 15, then
	// the option is refused, as CheckIPv4Options refuses it.
	o := IPv4Option{IPOptTimestamp, 8, 9, 0xe0, 0, 0, 0, 1}
	if r := o.Stamp(addrB, 5); r != IPv4StampOverflowed || o.TSOverflow() != 15 {
		t.Fatalf("Stamp = %d, overflow %d", r, o.TSOverflow())
	}
	if r := o.Stamp(addrB, 5); r != IPv4StampRefused {
		t.Fatalf("Stamp at overflow 15 = %d", r)
	}
	if _, err := CheckIPv4Options(o, IPv4OptionsReceived); err == nil {
		t.Fatal("CheckIPv4Options accepted overflow 15")
	}
	// Prespecified: stamp the pending entry once the caller found it ours.
	p := IPv4Option{IPOptTimestamp, 12, 5, IPOptTSPrespec, 198, 18, 0, 2, 0, 0, 0, 0}
	if a, ok := p.TSPending(); !ok || a != addrB {
		t.Fatalf("TSPending = %v %v", a, ok)
	}
	if r := p.Stamp(addrB, 0x01020304); r != IPv4Stamped || !bytes.Equal(p[8:], []byte{1, 2, 3, 4}) || p.Pointer() != 13 {
		t.Fatalf("Stamp = %d, %x", r, p)
	}
	if _, ok := p.TSPending(); ok {
		t.Fatal("TSPending on a full option")
	}
	if r := p.Stamp(addrB, 1); r != IPv4StampIgnored {
		t.Fatalf("full prespecified Stamp = %d", r)
	}
	if r := (IPv4Option{IPOptTimestamp, 8, 5, 2, 0, 0, 0, 0}).Stamp(addrB, 1); r != IPv4StampIgnored {
		t.Fatalf("unknown flags Stamp = %d", r)
	}
}

func TestIPv4OptionSourceRoute(t *testing.T) {
	o := IPv4Option{IPOptSSRR, 11, 4, 198, 18, 0, 2, 198, 18, 0, 9}
	if !o.SourceRouteRecord(addrA) || o.Pointer() != 8 || o.RouteAddr(0) != addrA {
		t.Fatalf("first hop: %x", o)
	}
	if hop, ok := o.SourceRouteNext(); !ok || hop != addrC {
		t.Fatalf("next = %v %v", hop, ok)
	}
	if !o.SourceRouteRecord(addrB) {
		t.Fatal("second hop refused")
	}
	if _, ok := o.SourceRouteNext(); ok || o.SourceRouteRecord(addrA) {
		t.Fatal("exhausted route still has a hop")
	}
	if (IPv4Option{IPOptRR, 7, 5, 0, 0, 0, 0}).RecordRoute(addrA) {
		t.Fatal("RecordRoute with a pointer leaving 3 bytes")
	}
}

func TestIPv4OptionsForFragment(t *testing.T) {
	area := AppendIPv4Options(nil,
		&IPv4OptRoute{Type: IPOptRR, Slots: 1},
		IPv4OptRouterAlert{},
		&IPv4OptTimestamp{Slots: 1},
		&IPv4OptRoute{Type: IPOptLSRR, Addrs: []netip.Addr{addrB}},
	)
	IPv4OptionsForFragment(area)
	want := []byte{1, 1, 1, 1, 1, 1, 1, IPOptRouterAlert, 4, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, IPOptLSRR, 7, 4, 198, 18, 0, 2, 0, 0, 0, 0, 0, 0}
	want = want[:len(area)]
	if !bytes.Equal(area, want) {
		t.Fatalf("got  %x\nwant %x", area, want)
	}
}

// FuzzIPv4Options walks arbitrary option areas with the iterator, every
// accessor and the checker, and re-emits what it decodes.
func FuzzIPv4Options(f *testing.F) {
	f.Add([]byte{IPOptNOP, IPOptRR, 7, 4, 0, 0, 0, 0}, uint8(0))
	f.Add([]byte{IPOptTimestamp, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	f.Add([]byte{IPOptTimestamp, 4, 5, 0xf0}, uint8(0))
	f.Add([]byte{IPOptLSRR, 7, 4, 1, 2, 3, 4, IPOptEnd}, uint8(0))
	f.Add([]byte{IPOptRouterAlert, 4, 0, 0, IPOptCIPSO, 8, 0, 0, 0, 1, 0, 0}, uint8(0))
	f.Add([]byte{IPOptSecurity, 3, 0xab, IPOptRR, 1}, uint8(0))
	for _, v := range linuxOptionCases {
		f.Add(v, uint8(0))
		f.Add(v, uint8(1))
	}
	f.Fuzz(func(t *testing.T, area []byte, mode uint8) {
		if len(area) > IPv4MaxOptionLen {
			area = area[:IPv4MaxOptionLen]
		}
		m := IPv4OptionsMode(mode % 3)
		info, err := CheckIPv4Options(area, m)
		if err != nil {
			var oe IPv4OptionError
			if !errors.As(err, &oe) || oe.Pointer() < 20 || oe.Pointer() >= 20+len(area) {
				t.Fatalf("error %v out of the area", err)
			}
		} else if info.End > len(area) {
			t.Fatalf("End %d", info.End)
		}
		it := NewIPv4OptionIter(area)
		for {
			o, off, ok := it.Next()
			if !ok {
				break
			}
			if !bytes.Equal(o, area[off:off+o.Len()]) {
				t.Fatal("option does not alias the area")
			}
			exerciseIPv4Option(t, o)
		}
		if it.Err() >= 0 && err == nil {
			t.Fatalf("iterator found a malformed option at %d, the check did not", it.Err())
		}
	})
}

func exerciseIPv4Option(t *testing.T, o IPv4Option) {
	_, _ = o.Type(), o.Data()
	_, _, _ = o.Pointer(), o.RouteSlots(), o.RouteFilled()
	for i := -1; i <= o.RouteSlots(); i++ {
		_ = o.RouteAddr(i)
	}
	_, _, _, _ = o.TSFlags(), o.TSOverflow(), o.TSSlots(), o.TSFilled()
	for i := -1; i <= o.TSSlots(); i++ {
		_, _, _ = o.TSEntry(i)
	}
	_, _ = o.RouterAlertValue()
	_, _ = o.SecurityLevel()
	_, _ = o.TSPending()
	_, _ = o.SourceRouteNext()
	if o.Len() < 2 {
		return
	}
	raw := IPv4OptRaw{Type: o.Type(), Data: o.Data()}
	b := make([]byte, raw.Len())
	raw.Emit(b)
	if !bytes.Equal(b, o) {
		t.Fatalf("raw re-emit %x, want %x", b, o)
	}
	switch o.Type() {
	case IPOptRR, IPOptLSRR, IPOptSSRR:
		if (o.Len()-3)%4 == 0 && o.Pointer() != 0 {
			r := o.RouteOption()
			b := make([]byte, r.Len())
			r.Emit(b)
			if !bytes.Equal(b, o) {
				t.Fatalf("route re-emit %x, want %x", b, o)
			}
		}
	case IPOptTimestamp:
		if o.Len() >= 4 && (o.Len()-4)%o.TSEntrySize() == 0 && o.Pointer() != 0 {
			ts := o.TimestampOption()
			b := make([]byte, ts.Len())
			ts.Emit(b)
			if !bytes.Equal(b, o) {
				t.Fatalf("timestamp re-emit %x, want %x", b, o)
			}
		}
	}
	// In-place edits on a copy must not panic.
	c := append(IPv4Option(nil), o...)
	c.RecordRoute(addrA)
	c = append(c[:0], o...)
	c.Stamp(addrA, 1)
	c = append(c[:0], o...)
	c.SourceRouteRecord(addrA)
	IPv4OptionsForFragment(append([]byte(nil), o...))
}
