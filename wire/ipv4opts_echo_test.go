package wire

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
)

// The vectors below were read from Linux 6.18 (two namespaces on a veth:
// 198.18.0.2 sends raw packets with the options to 198.18.0.1, which
// answers; see the comments): what 198.18.0.1's socket reported with
// IP_RECVOPTS (the options after input) and IP_RETOPTS, and the options
// of its echo reply. T stands for the timestamp (the same instant on input
// and output, as in the run), whose value the test picks.

const testMS = 0x02fad864

// optsWithT replaces every "T" word of a hex option dump with testMS.
func optsWithT(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, w := range bytes.Fields([]byte(s)) {
		if string(w) == "T" {
			out = binary.BigEndian.AppendUint32(out, testMS)
			continue
		}
		out = append(out, mustHex(string(w))...)
	}
	return out
}

// notUnicastA is inet_addr_type != RTN_UNICAST on 198.18.0.1/24: its own
// address, the subnet broadcast, loopback, multicast, 0.0.0.0 and the
// limited broadcast.
func notUnicastA(a netip.Addr) bool {
	b := a.As4()
	return a == addrA || a == netip.MustParseAddr("198.18.0.255") || b[0] == 127 || b == [4]byte{} ||
		a.IsMulticast() || b == [4]byte{255, 255, 255, 255}
}

// header builds a 198.18.0.2 -> 198.18.0.1 header with the options area.
func header(opts []byte) IPv4 {
	h := IPv4Header{TTL: 64, Protocol: ProtoUDP, Src: addrB, Dst: addrA, Options: opts, TotalLen: 20 + len(opts)}
	b := make([]byte, h.Len())
	h.Emit(b)
	return b
}

var linuxEchoVectors = []struct {
	name          string
	in            string // options as sent
	recvopts      string // after input (IP_RECVOPTS)
	retopts       string // IP_RETOPTS; "ctrunc" when Linux sets MSG_CTRUNC instead
	reply         string // the echo reply's options (ip_options_build on the echo)
	firstHop      string // where the reply goes when source-routed
	pointer       int    // for a malformed area: the parameter problem's pointer
	errorEcho     string // and the options it carries
	errorRecvopts string // and the quoted header's
}{
	{name: "rr two slots", in: "01070b04 00000000 00000000", recvopts: "01070b08 c6120001 00000000",
		retopts: "070b08c6 12000100 00000000", reply: "070b0cc6 120001c6 12000100"},
	{name: "rr nine slots (ping -R)", in: "01072704" + " 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000",
		recvopts: "01072708 c6120001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000",
		retopts:  "072708c6 12000100 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000",
		reply:    "07270cc6 120001c6 12000100 00000000 00000000 00000000 00000000 00000000 00000000 00000000"},
	{name: "rr full", in: "070708c6 12000900", recvopts: "070708c6 12000900", retopts: "070708c6 12000900", reply: "070708c6 12000900"},
	{name: "rr length 9", in: "07090400 00000000 00000000", recvopts: "070908c6 12000100 00000000", retopts: "ctrunc"},
	{name: "ts only", in: "440c0500 00000000 00000000", recvopts: "440c0900 T 00000000", retopts: "440c0900 T 00000000", reply: "440c0d00 T T"},
	{name: "ts only, length 10", in: "440a0500 00000000 00000000", recvopts: "440a0900 T 00000000", retopts: "ctrunc"},
	{name: "ts full", in: "44080900 00000001", recvopts: "44080910 00000001", retopts: "44080910 00000001", reply: "44080910 00000001"},
	{name: "ts with addresses", in: "44140501 00000000 00000000 00000000 00000000", recvopts: "44140d01 c6120001 T 00000000 00000000",
		retopts: "44140d01 c6120001 T 00000000 00000000", reply: "44141501 c6120001 T c6120001 T"},
	{name: "ts with addresses, one entry", in: "440c0501 00000000 00000000", recvopts: "440c0d01 c6120001 T", retopts: "440c0d01 c6120001 T", reply: "440c0d01 c6120001 T"},
	{name: "ts prespecified, ours twice", in: "44140503 c6120001 00000000 c6120001 00000000", recvopts: "44140d03 c6120001 T c6120001 00000000",
		retopts: "44140d03 c6120001 T c6120001 00000000", reply: "44141503 c6120001 T c6120001 T"},
	{name: "ts prespecified, ours then another", in: "44140503 c6120001 00000000 c6120009 00000000", recvopts: "44140d03 c6120001 T c6120009 00000000",
		retopts: "44140d03 c6120001 T c6120009 00000000", reply: "44140d03 c6120001 T c6120009 00000000"},
	{name: "ts prespecified, another first", in: "44140503 c6120009 00000000 c6120001 00000000", recvopts: "44140503 c6120009 00000000 c6120001 00000000",
		retopts: "44140503 c6120009 00000000 c6120001 00000000", reply: "44140503 c6120009 00000000 c6120001 00000000"},
	{name: "ts prespecified 0.0.0.0", in: "440c0503 00000000 00000000", recvopts: "440c0d03 00000000 T", retopts: "440c0d03 00000000 T", reply: "440c0d03 00000000 T"},
	{name: "ts prespecified broadcast", in: "440c0503 c61200ff 00000000", recvopts: "440c0d03 c61200ff T", retopts: "440c0d03 c61200ff T", reply: "440c0d03 c61200ff T"},
	{name: "ts prespecified network address", in: "440c0503 c6120000 00000000", recvopts: "440c0503 c6120000 00000000", retopts: "440c0503 c6120000 00000000", reply: "440c0503 c6120000 00000000"},
	{name: "ts prespecified, full", in: "440c0d03 c6120001 00000000", recvopts: "440c0d03 c6120001 00000000", retopts: "440c0d03 c6120001 00000000", reply: "440c0d03 c6120001 00000000"},
	{name: "ts unknown flags", in: "440c0502 00000000 00000000", recvopts: "440c0502 00000000 00000000", retopts: "440c0502 00000000 00000000", reply: "440c0502 00000000 00000000"},
	{name: "garbage after end", in: "01000506", recvopts: "01000000", retopts: "", reply: ""},
	{name: "router alert", in: "94040000", recvopts: "94040000", retopts: "", reply: ""},
	{name: "security", in: "82040102", recvopts: "82040102", retopts: "", reply: ""},
	{name: "rr then ts", in: "07070400 00000044 08050000 00000000", recvopts: "070708c6 12000144 080900 T 00",
		retopts: "070708c6 12000144 080900 T 00", reply: "070708c6 12000144 080900 T 00"},
	// Source routes, with accept_source_route on: the route is reversed.
	{name: "lsrr exhausted", in: "830b0cc6 120007c6 12000200", recvopts: "830b0cc6 120007c6 12000200",
		retopts: "830b04c6 120002c6 12000700", reply: "830b04c6 120007c6 12000200", firstHop: "198.18.0.2"},
	{name: "lsrr from the source", in: "830b0cc6 120002c6 12000200", recvopts: "830b0cc6 120002c6 12000200",
		retopts: "830704c6 12000200", reply: "830704c6 12000200", firstHop: "198.18.0.2"},
	{name: "ssrr of the source alone", in: "890708c6 12000200", recvopts: "890708c6 12000200", retopts: "", reply: ""},
	{name: "lsrr pointer far past", in: "830f28c6 120005c6 120006c6 12000200", recvopts: "830f28c6 120005c6 120006c6 12000200",
		retopts: "830f04c6 120002c6 120006c6 12000500", reply: "830f04c6 120006c6 120005c6 12000200", firstHop: "198.18.0.2"},
	{name: "lsrr then rr", in: "830708c6 12000207 07040000 00000000", recvopts: "830708c6 12000207 0708c612 00010000",
		retopts: "070708c6 12000100", reply: "070708c6 12000100"},
	{name: "lsrr odd length", in: "830a0bc6 120005c6 12000000", recvopts: "830a0bc6 120005c6 12000000",
		retopts: "83070405 c6120000", firstHop: "5.198.18.0"},
	// Malformed: the parameter problem echoes what was accepted before.
	{name: "rr then a bad option", in: "07070400 00000094 00000000", pointer: 27,
		errorEcho: "070708c6 12000100", errorRecvopts: "070708c6 12000194 00000000"},
	{name: "rr twice", in: "07070400 00000007 03040000", pointer: 27,
		errorEcho: "070708c6 12000100", errorRecvopts: "070708c6 12000107 03040000"},
	{name: "ts then cipso", in: "44080500 00000000 86080000 00010000", pointer: 30,
		errorEcho: "44080900 T 86080000 00010000", errorRecvopts: "44080900 T 86080000 00010000"},
}

func TestIPv4OptionsEchoLinux(t *testing.T) {
	for _, v := range linuxEchoVectors {
		t.Run(v.name, func(t *testing.T) {
			h := header(optsWithT(t, v.in))
			info, err := ProcessIPv4Options(h.Options(), addrA, testMS, notUnicastA)
			if v.pointer != 0 {
				if e, ok := err.(IPv4OptionError); !ok || e.Pointer() != v.pointer {
					t.Fatalf("ProcessIPv4Options: %v, want a parameter problem at %d", err, v.pointer)
				}
				if got, want := h.Options(), optsWithT(t, v.errorRecvopts); !bytes.Equal(got, want) {
					t.Errorf("options after input % x, want % x", got, want)
				}
				var echo [IPv4MaxOptionLen]byte
				n, err := EchoIPv4Options(echo[:], h, &info, notUnicastA)
				if err != nil {
					t.Fatalf("echo: %v", err)
				}
				reply := echo[:n]
				BuildIPv4Options(reply, addrA, addrB, testMS, notUnicastA)
				if want := optsWithT(t, v.errorEcho); !bytes.Equal(reply, want) {
					t.Errorf("parameter problem's options % x, want % x", reply, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ProcessIPv4Options: %v", err)
			}
			if got, want := h.Options(), optsWithT(t, v.recvopts); !bytes.Equal(got, want) {
				t.Errorf("options after input (IP_RECVOPTS) % x, want % x", got, want)
			}
			// Later, as the socket layer and ICMP see the packet.
			scanned := ScanIPv4Options(h.Options())
			if scanned.RR != info.RR || scanned.TS != info.TS || scanned.SRR != info.SRR || scanned.CIPSO != info.CIPSO {
				t.Errorf("ScanIPv4Options %+v, ProcessIPv4Options %+v", scanned, info)
			}
			var echo [IPv4MaxOptionLen]byte
			for _, in := range []*IPv4OptionsInfo{&info, &scanned} {
				n, err := EchoIPv4Options(echo[:], h, in, notUnicastA)
				if v.retopts == "ctrunc" {
					if err == nil {
						t.Fatalf("echo % x, want a failure", echo[:n])
					}
					return
				}
				if err != nil {
					t.Fatalf("echo: %v", err)
				}
				if got, want := echo[:n], optsWithT(t, v.retopts); !bytes.Equal(got, want) {
					t.Fatalf("IP_RETOPTS % x, want % x", got, want)
				}
			}
			n, _ := EchoIPv4Options(echo[:], h, &info, notUnicastA)
			reply := echo[:n]
			dst := h.Src()
			if hop, ok := IPv4OptionsFirstHop(reply); ok {
				if hop.String() != v.firstHop {
					t.Errorf("first hop %v, want %s", hop, v.firstHop)
				}
			} else if v.firstHop != "" {
				t.Errorf("no first hop, want %s", v.firstHop)
			}
			if v.reply == "" && v.firstHop != "" {
				return // Linux's answer has no route to its first hop
			}
			BuildIPv4Options(reply, addrA, dst, testMS, notUnicastA)
			if want := optsWithT(t, v.reply); !bytes.Equal(reply, want) {
				t.Errorf("reply's options % x, want % x", reply, want)
			}
		})
	}
}

// TestBuildIPv4OptionsSocket checks a socket's options on output against
// what Linux 6.18 sent for them from 198.18.0.1 (IP_OPTIONS, or the
// IP_RETOPTS control message).
func TestBuildIPv4OptionsSocket(t *testing.T) {
	for _, c := range []struct{ name, given, sent string }{
		{"rr", "07070400 000000", "070708c6 120001"},
		{"ts only", "440c0500 00000000 00000000", "440c0900 T 00000000"},
		{"ts with addresses", "440c0501 00000000 00000000", "440c0d01 c6120001 T"},
		{"ts prespecified, ours", "440c0503 c6120001 00000000", "440c0d03 c6120001 T"},
		{"ts prespecified, another's", "440c0503 c6120009 00000000", "440c0503 c6120009 00000000"},
		{"ts full", "44080910 00000001", "44080910 00000001"},
		{"lsrr", "830b04c6 120009c6 120002", "830b04c6 120002c6 120007"},
	} {
		o := optsWithT(t, c.given)
		hop, _ := IPv4OptionsFirstHop(o)
		BuildIPv4Options(o, addrA, netip.MustParseAddr("198.18.0.7"), testMS, notUnicastA)
		if want := optsWithT(t, c.sent); !bytes.Equal(o, want) {
			t.Errorf("%s: % x, want % x", c.name, o, want)
		}
		if c.name == "lsrr" && hop != netip.MustParseAddr("198.18.0.9") {
			t.Errorf("lsrr: first hop %v", hop)
		}
	}
}

// TestProcessIPv4OptionsShapes covers what input does to each shape of
// option: a Record Route filling its last slot and then full, a Timestamp
// overflowing up to the count Linux refuses, prespecified entries.
func TestProcessIPv4OptionsShapes(t *testing.T) {
	// Record Route with one slot: filled, then full (unchanged).
	rr := []byte{IPOptRR, 7, 4, 0, 0, 0, 0, IPOptEnd}
	if info, err := ProcessIPv4Options(rr, addrA, 1, notUnicastA); err != nil || !info.RRNeedAddr || !info.Changed {
		t.Fatalf("rr: %+v %v", info, err)
	}
	if !bytes.Equal(rr, []byte{IPOptRR, 7, 8, 198, 18, 0, 1, IPOptEnd}) {
		t.Fatalf("rr after input % x", rr)
	}
	if info, err := ProcessIPv4Options(rr, addrB, 1, notUnicastA); err != nil || info.RRNeedAddr || info.Changed || rr[2] != 8 {
		t.Fatalf("full rr: %+v %v % x", info, err, rr)
	}
	// Timestamp overflow counts up to 15; at 15 a full option is refused.
	ts := []byte{IPOptTimestamp, 8, 9, 0xd0, 0, 0, 0, 1}
	for _, want := range []uint8{0xe0, 0xf0} {
		if info, err := ProcessIPv4Options(ts, addrA, 1, notUnicastA); err != nil || !info.TSOverflow || ts[3] != want {
			t.Fatalf("overflow: %+v %v % x", info, err, ts)
		}
	}
	if _, err := ProcessIPv4Options(ts, addrA, 1, notUnicastA); err == nil || err.(IPv4OptionError).Pointer() != 23 {
		t.Fatalf("overflow 15: %v", err)
	}
	// A full prespecified option never overflows.
	pre := []byte{IPOptTimestamp, 12, 13, 0xf3, 198, 18, 0, 1, 0, 0, 0, 0}
	if _, err := ProcessIPv4Options(pre, addrA, 1, notUnicastA); err != nil || pre[3] != 0xf3 {
		t.Fatalf("full prespecified: %v % x", err, pre)
	}
	// Prespecified: ours stamped, another's left, so the next host finds
	// its own entry still pending.
	pre = []byte{IPOptTimestamp, 20, 5, 3, 198, 18, 0, 9, 0, 0, 0, 0, 198, 18, 0, 1, 0, 0, 0, 0}
	if info, err := ProcessIPv4Options(pre, addrA, 7, notUnicastA); err != nil || !info.TSPrespec || info.Changed || pre[2] != 5 {
		t.Fatalf("prespecified for another: %+v %v % x", info, err, pre)
	}
	if a, ok := IPv4Option(pre).TSPending(); !ok || a != addrC {
		t.Fatalf("pending %v %v", a, ok)
	}
	if _, err := ProcessIPv4Options(pre, addrC, 7, func(a netip.Addr) bool { return a == addrC }); err != nil || pre[2] != 13 || pre[11] != 7 {
		t.Fatalf("prespecified for 198.18.0.9: %v % x", err, pre)
	}
	// The check alone changes nothing.
	area := []byte{IPOptRR, 7, 4, 0, 0, 0, 0, IPOptEnd, 9, 9, 9, 9}
	if _, err := CheckIPv4Options(area, IPv4OptionsReceived); err != nil || area[2] != 4 || area[8] != 9 {
		t.Fatalf("CheckIPv4Options changed % x (%v)", area, err)
	}
}

func TestIPv4OptionsEchoAllocs(t *testing.T) {
	h := header(optsWithT(t, "01072704 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"))
	var echo [IPv4MaxOptionLen]byte
	n := testing.AllocsPerRun(100, func() {
		info, _ := ProcessIPv4Options(h.Options(), addrA, 1, notUnicastA)
		m, _ := EchoIPv4Options(echo[:], h, &info, notUnicastA)
		BuildIPv4Options(echo[:m], addrA, addrB, 1, notUnicastA)
		h[22] = 4 // the pointer back, for the next run
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// FuzzIPv4OptionsEcho runs arbitrary option areas through what a host does
// to them (input, echo, output) and checks the echo's shape: never a
// panic, a multiple of 4 within 40 bytes, only Record Route, Timestamp,
// source routes and CIPSO, and IP_RETOPTS' form taken back by output.
func FuzzIPv4OptionsEcho(f *testing.F) {
	for _, v := range linuxEchoVectors {
		f.Add(mustHex(string(bytes.ReplaceAll([]byte(v.in), []byte(" "), nil))), uint8(0))
	}
	for _, v := range linuxOptionCases {
		f.Add(v, uint8(1))
	}
	f.Fuzz(func(t *testing.T, area []byte, src uint8) {
		if len(area) > IPv4MaxOptionLen {
			area = area[:IPv4MaxOptionLen]
		}
		for len(area)%4 != 0 {
			area = append(area, IPOptEnd)
		}
		h := header(area)
		h[15] = src
		info, _ := ProcessIPv4Options(h.Options(), addrA, 12345, notUnicastA)
		var echo [IPv4MaxOptionLen]byte
		scanned := ScanIPv4Options(h.Options())
		for i, in := range []*IPv4OptionsInfo{&info, &scanned, {RR: 20, TS: 24, SRR: 28, CIPSO: 32}, {RR: 255, TS: 3}} {
			n, err := EchoIPv4Options(echo[:], h, in, notUnicastA)
			if err != nil {
				continue
			}
			if n%4 != 0 || n > IPv4MaxOptionLen {
				t.Fatalf("echo length %d", n)
			}
			if i >= 2 {
				// Offsets that do not come from the area: only
				// no panic is promised.
				BuildIPv4Options(echo[:n], addrA, addrB, 1, notUnicastA)
				continue
			}
			it := NewIPv4OptionIter(echo[:n])
			for {
				o, _, ok := it.Next()
				if !ok {
					break
				}
				switch o.Type() {
				case IPOptEnd, IPOptRR, IPOptTimestamp, IPOptLSRR, IPOptSSRR, IPOptCIPSO:
				default:
					t.Fatalf("echo % x carries option %d", echo[:n], o.Type())
				}
			}
			_, _ = IPv4OptionsFirstHop(echo[:n])
			BuildIPv4Options(echo[:n], addrA, addrB, 1, notUnicastA)
		}
		BuildIPv4Options(h.Options(), addrA, addrB, 1, notUnicastA)
		_, _ = EchoIPv4Options(echo[:], h[:20], &info, notUnicastA)
	})
}
