package ipv4

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/wire"
)

// IP options as Linux processes them (net/ipv4/ip_options.c): a received
// packet's are checked and get this host's entries on input
// (ip_rcv_options); answers carry them echoed (ip_options_echo); a sent
// packet's get the sender's entries (ip_options_build); a forwarded one's
// Record Route gets the outgoing address (ip_forward_options).

// notUnicast is inet_addr_type(a) != RTN_UNICAST: a prespecified timestamp
// is made only by the host the address is not ordinary unicast to. Since
// Linux 5.3 only 0.0.0.0 of 0.0.0.0/8 is special to it (ipv4_is_zeronet,
// checked on the kernel: 0.2.2.0 is not stamped); the FIB's AddrType
// calls the whole block unspecified.
func (l *Layer) notUnicast(a netip.Addr) bool {
	t := l.fib.AddrType(a)
	if t == route.TypeUnspec && a.Is4() && a.As4()[0] == 0 {
		return a.As4() == [4]byte{}
	}
	return t != route.TypeUnicast
}

// optionMillis is inet_current_timestamp: the stack's clock as
// milliseconds since midnight UT.
func (l *Layer) optionMillis() uint32 { return wire.ICMPTimeMillis(l.clk.Now()) }

// inputOptions is ip_rcv_options for a packet with options, after its
// input route: the options are checked and get this host's Record Route
// address (the packet's SpecDst) and timestamps in place, with the header
// checksum left stale as Linux leaves it. A malformed option answers
// parameter problem (its echo made of the options accepted before it) and
// counts InHdrErrors. A source-routed packet is dropped, as Linux does
// with accept_source_route off, its default. It reports whether the
// packet goes on, and what the check found.
func (l *Layer) inputOptions(p *pkt.Buffer) (wire.IPv4OptionsInfo, bool) {
	h := wire.IPv4(p.Bytes())
	info, err := wire.ProcessIPv4Options(h.Options(), p.SpecDst, l.optionMillis(), l.notUnicast)
	if err != nil {
		ptr := 0
		if e, ok := err.(wire.IPv4OptionError); ok {
			ptr = e.Pointer()
		}
		l.stats.IP.Inc(snmp.IPInHdrErrors)
		l.sendError(p, wire.ICMPParameterProb, 0, uint32(ptr)<<24, &info)
		p.Release()
		return info, false
	}
	if info.SRR != 0 {
		// Looped back too: lo's accept_source_route is off as well
		// (IN_DEV_SOURCE_ROUTE needs it on all and the device;
		// checked on the kernel). TODO(router issue): with it on,
		// ip_options_rcv_srr and source-routed forwarding.
		p.Release()
		return info, false
	}
	return info, true
}

// echoOptions writes into dst the options of an answer to the packet
// whose IPv4 header is h (ip_options_echo), in the form OutputRoute takes,
// and returns them. info locates h's options; nil scans them. ok is false
// when Linux would send no answer (a pointer leaving part of an entry).
func (l *Layer) echoOptions(dst *[wire.IPv4MaxOptionLen]byte, h wire.IPv4, info *wire.IPv4OptionsInfo) ([]byte, bool) {
	if len(h) < wire.IPv4MinHeaderLen || h.HeaderLen() <= wire.IPv4MinHeaderLen || h.HeaderLen() > len(h) {
		return nil, true
	}
	if info == nil {
		scanned := wire.ScanIPv4Options(h.Options())
		info = &scanned
	}
	n, err := wire.EchoIPv4Options(dst[:], h, info, l.notUnicast)
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}

// EchoOptions writes into dst the options with which this host answers the
// packet whose IPv4 header (after input processing) is h, as Linux's
// ip_options_echo and ip_options_undo make them: what IP_RETOPTS reports,
// and what a TCP listener takes for a connection from the SYN. ok is false
// when Linux finds them unusable (it sets MSG_CTRUNC for IP_RETOPTS).
func (l *Layer) EchoOptions(dst *[wire.IPv4MaxOptionLen]byte, h wire.IPv4) ([]byte, bool) {
	return l.echoOptions(dst, h, nil)
}

// buildOptions lays out options given in the socket's form (IP_OPTIONS,
// IP_RETOPTS, an answer's echo) for a packet from src to dst: the source
// route's first hop becomes the header's destination, Record Route and
// Timestamp get this host's entries (ip_options_compile and
// ip_options_build). It returns the header's destination.
func (l *Layer) buildOptions(dst *[wire.IPv4MaxOptionLen]byte, opts []byte, src, to netip.Addr) ([]byte, netip.Addr) {
	n := copy(dst[:], opts)
	o := dst[:n]
	hop := FirstHop(o, to)
	wire.BuildIPv4Options(o, src, to, l.optionMillis(), l.notUnicast)
	return o, hop
}

// FirstHop returns where a packet with the given options (socket form) to
// dst must be routed: the first hop of their source route, or dst.
func FirstHop(opts []byte, dst netip.Addr) netip.Addr {
	if len(opts) == 0 {
		return dst
	}
	if hop, ok := wire.IPv4OptionsFirstHop(opts); ok {
		return hop
	}
	return dst
}

// forwardOptions is ip_forward_options: a Record Route that had room on
// input gets, over the address input recorded, the source address of the
// route the packet leaves by; the header checksum, stale since input
// changed the options, is recomputed.
func (l *Layer) forwardOptions(h wire.IPv4, info *wire.IPv4OptionsInfo, r *route.Route) {
	if info.RRNeedAddr {
		o := h[info.RR:]
		if p := int(o[2]); p >= 8 && p-1 <= len(o) {
			src := r.Src
			if !src.IsValid() {
				src = l.fib.SelectSource(r.IfIndex, r.Gateway, r.Scope)
			}
			a := wire.As4(src)
			copy(o[p-5:p-1], a[:])
		}
	}
	h.ComputeChecksum()
}
