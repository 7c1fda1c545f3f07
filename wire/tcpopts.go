package wire

import "encoding/binary"

// TCP option kinds (IANA; names as Linux's include/net/tcp.h).
const (
	TCPOptEOL           = 0
	TCPOptNOP           = 1
	TCPOptMSS           = 2   // RFC 9293
	TCPOptWindowScale   = 3   // RFC 7323
	TCPOptSACKPermitted = 4   // RFC 2018
	TCPOptSACK          = 5   // RFC 2018
	TCPOptTimestamp     = 8   // RFC 7323
	TCPOptMD5           = 19  // RFC 2385
	TCPOptAO            = 29  // RFC 5925
	TCPOptFastOpen      = 34  // RFC 7413
	TCPOptAccECN0       = 172 // RFC 9768 (order ECT(0) first)
	TCPOptAccECN1       = 174 // RFC 9768 (order ECT(1) first)
	TCPOptExperimental  = 254

	TCPOptFastOpenMagic = 0xf989 // Fast Open in an experimental option (RFC 7413 4.1.1)
)

// TCP option lengths and limits.
const (
	TCPOptLenMSS           = 4
	TCPOptLenWindowScale   = 3
	TCPOptLenSACKPermitted = 2
	TCPOptLenTimestamp     = 10
	TCPOptLenSACKBase      = 2
	TCPOptLenSACKPerBlock  = 8

	TCPMaxWindowScale = 14 // RFC 7323 2.3; Linux clamps larger shifts to it
	TCPMaxSACKBlocks  = 4  // at most 4 fit in 40 bytes
)

// TCPOption is a view of one option as TCPOptionIter yields it: one byte
// for End of Option List and No-op, else kind, length and length-2 data
// bytes.
type TCPOption []byte

// Kind returns the option kind.
func (o TCPOption) Kind() uint8 { return o[0] }

// Len returns the option's length (1 for End and No-op).
func (o TCPOption) Len() int { return len(o) }

// Data returns the bytes after kind and length (nil for End and No-op).
func (o TCPOption) Data() []byte {
	if len(o) < 2 {
		return nil
	}
	return o[2:]
}

// TCPOptionIter walks an options area without allocating, stopping where
// Linux's tcp_parse_options stops: after End of Option List, at an option
// other than No-op with no room for its length octet, and at a length
// below 2 or running past the area.
type TCPOptionIter struct {
	b       []byte
	off     int
	stopped int // offset of the option that stopped the walk early, or -1
}

// NewTCPOptionIter returns an iterator over a TCP options area.
func NewTCPOptionIter(opts []byte) TCPOptionIter {
	return TCPOptionIter{b: opts, stopped: -1}
}

// Next returns the next option and its offset in the area.
func (it *TCPOptionIter) Next() (opt TCPOption, off int, ok bool) {
	if it.off >= len(it.b) {
		return nil, 0, false
	}
	off = it.off
	switch it.b[off] {
	case TCPOptEOL:
		it.off = len(it.b)
		return TCPOption(it.b[off : off+1]), off, true
	case TCPOptNOP:
		it.off++
		return TCPOption(it.b[off : off+1]), off, true
	}
	if len(it.b)-off < 2 {
		it.stopped, it.off = off, len(it.b)
		return nil, 0, false
	}
	n := int(it.b[off+1])
	if n < 2 || n > len(it.b)-off {
		it.stopped, it.off = off, len(it.b)
		return nil, 0, false
	}
	it.off += n
	return TCPOption(it.b[off : off+n]), off, true
}

// Stopped returns the offset of the option that ended the walk early
// ("silly" or partial, as Linux calls them), or -1. Linux ignores such an
// option and everything after it but keeps what came before.
func (it *TCPOptionIter) Stopped() int { return it.stopped }

// TCPSACKBlock is one SACK block (RFC 2018): the first sequence number of
// a block of received data and the one after its last.
type TCPSACKBlock struct {
	Start, End uint32
}

// TCPOptions is the set of options inet understands, as parsed from a
// segment or to be laid out on one. Parsing follows what Linux's
// tcp_parse_options keeps; Len and Emit follow Linux's tcp_options_write
// byte for byte.
type TCPOptions struct {
	MSS           uint16 // maximum segment size; 0 when absent (a zero MSS is ignored)
	WScale        uint8  // window scale shift, valid when HasWScale
	HasWScale     bool
	SACKPermitted bool
	HasTimestamp  bool
	TSVal, TSEcr  uint32
	NumSACK       int // SACK blocks in SACK[:NumSACK]
	SACK          [TCPMaxSACKBlocks]TCPSACKBlock
	Unknown       bool // an option Linux does not know was seen (parse only)
}

// ParseTCPOptions parses a TCP options area as Linux's tcp_parse_options
// does, without allocating. syn says that the segment has SYN set and the
// connection is not yet established (Linux's th->syn && !estab): only then
// are MSS, Window Scale and SACK-Permitted taken. For each kind:
//   - MSS: length 4, SYN only; a zero value is ignored; the last one wins;
//   - Window Scale: length 3, SYN only; a shift above 14 is taken as 14;
//   - SACK-Permitted: length 2, SYN only;
//   - Timestamps: length 10, on any segment;
//   - SACK: length 2+8n with n >= 1, on any segment; the last option wins
//     and at most 4 blocks are read;
//   - MD5 signature, Fast Open, Accurate ECN (Linux 6.18) and experimental
//     Fast Open are known but not decoded; any other kind, and an
//     experimental option without the Fast Open magic, sets Unknown.
//
// An option of a known kind with another length is skipped. The walk stops
// as TCPOptionIter does, keeping what it found before. Whether the
// connection may use what was found (the tcp_timestamps, tcp_sack and
// tcp_window_scaling sysctls, timestamps agreed on the SYN, SACK agreed,
// TCP_MAXSEG) is for the caller to apply, as Linux applies it around this
// parse.
func ParseTCPOptions(opts []byte, syn bool) TCPOptions {
	var o TCPOptions
	it := NewTCPOptionIter(opts)
	for {
		opt, _, ok := it.Next()
		if !ok {
			return o
		}
		n := len(opt)
		switch opt[0] {
		case TCPOptEOL, TCPOptNOP:
		case TCPOptMSS:
			if n == TCPOptLenMSS && syn {
				if v := binary.BigEndian.Uint16(opt[2:]); v != 0 {
					o.MSS = v
				}
			}
		case TCPOptWindowScale:
			if n == TCPOptLenWindowScale && syn {
				o.HasWScale = true
				o.WScale = min(opt[2], TCPMaxWindowScale)
			}
		case TCPOptSACKPermitted:
			if n == TCPOptLenSACKPermitted && syn {
				o.SACKPermitted = true
			}
		case TCPOptTimestamp:
			if n == TCPOptLenTimestamp {
				o.HasTimestamp = true
				o.TSVal = binary.BigEndian.Uint32(opt[2:])
				o.TSEcr = binary.BigEndian.Uint32(opt[6:])
			}
		case TCPOptSACK:
			if n >= TCPOptLenSACKBase+TCPOptLenSACKPerBlock && (n-TCPOptLenSACKBase)%TCPOptLenSACKPerBlock == 0 {
				o.NumSACK = min((n-TCPOptLenSACKBase)/TCPOptLenSACKPerBlock, TCPMaxSACKBlocks)
				for i := 0; i < o.NumSACK; i++ {
					at := 2 + 8*i
					o.SACK[i] = TCPSACKBlock{binary.BigEndian.Uint32(opt[at:]), binary.BigEndian.Uint32(opt[at+4:])}
				}
			}
		case TCPOptMD5, TCPOptFastOpen, TCPOptAccECN0, TCPOptAccECN1:
		case TCPOptExperimental:
			if n < 4 || binary.BigEndian.Uint16(opt[2:]) != TCPOptFastOpenMagic {
				o.Unknown = true
			}
		default:
			o.Unknown = true
		}
	}
}

// sackBlocks returns how many SACK blocks Emit lays out: NumSACK, cut to
// what fits in the 40-byte area beside the other options, as Linux's
// tcp_established_options cuts them.
func (o *TCPOptions) sackBlocks(others int) int {
	n := min(max(o.NumSACK, 0), TCPMaxSACKBlocks)
	if n == 0 {
		return 0
	}
	remaining := TCPMaxOptionLen - others
	if remaining < 4+TCPOptLenSACKPerBlock {
		return 0
	}
	return min(n, (remaining-4)/TCPOptLenSACKPerBlock)
}

func (o *TCPOptions) fixedLen() int {
	n := 0
	if o.MSS != 0 {
		n += 4
	}
	if o.HasTimestamp {
		n += 12
	} else if o.SACKPermitted {
		n += 4
	}
	if o.HasWScale {
		n += 4
	}
	return n
}

// Len returns the length of the options area Emit writes, a multiple of 4
// and at most 40.
func (o *TCPOptions) Len() int {
	f := o.fixedLen()
	if k := o.sackBlocks(f); k > 0 {
		f += 4 + TCPOptLenSACKPerBlock*k
	}
	return f
}

// Emit writes the options into b[:o.Len()] in the order and padding of
// Linux's tcp_options_write: MSS; Timestamps behind NOP NOP, or behind
// SACK-Permitted folded into the same word when both are present; else
// SACK-Permitted behind NOP NOP; Window Scale behind NOP; SACK blocks
// behind NOP NOP, as many as fit. Unknown is ignored.
func (o *TCPOptions) Emit(b []byte) {
	i := 0
	if o.MSS != 0 {
		b[0], b[1] = TCPOptMSS, TCPOptLenMSS
		binary.BigEndian.PutUint16(b[2:], o.MSS)
		i = 4
	}
	if o.HasTimestamp {
		if o.SACKPermitted {
			b[i], b[i+1] = TCPOptSACKPermitted, TCPOptLenSACKPermitted
		} else {
			b[i], b[i+1] = TCPOptNOP, TCPOptNOP
		}
		b[i+2], b[i+3] = TCPOptTimestamp, TCPOptLenTimestamp
		binary.BigEndian.PutUint32(b[i+4:], o.TSVal)
		binary.BigEndian.PutUint32(b[i+8:], o.TSEcr)
		i += 12
	} else if o.SACKPermitted {
		b[i], b[i+1], b[i+2], b[i+3] = TCPOptNOP, TCPOptNOP, TCPOptSACKPermitted, TCPOptLenSACKPermitted
		i += 4
	}
	if o.HasWScale {
		b[i], b[i+1], b[i+2], b[i+3] = TCPOptNOP, TCPOptWindowScale, TCPOptLenWindowScale, o.WScale
		i += 4
	}
	if k := o.sackBlocks(i); k > 0 {
		b[i], b[i+1], b[i+2], b[i+3] = TCPOptNOP, TCPOptNOP, TCPOptSACK, uint8(TCPOptLenSACKBase+TCPOptLenSACKPerBlock*k)
		i += 4
		for _, blk := range o.SACK[:k] {
			binary.BigEndian.PutUint32(b[i:], blk.Start)
			binary.BigEndian.PutUint32(b[i+4:], blk.End)
			i += 8
		}
	}
}
