package wire

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// IGMPv3 group record types (RFC 3376 4.2.12).
const (
	IGMPModeIsInclude   = 1 // current state: INCLUDE the sources
	IGMPModeIsExclude   = 2 // current state: EXCLUDE the sources
	IGMPChangeToInclude = 3 // filter mode change to INCLUDE
	IGMPChangeToExclude = 4 // filter mode change to EXCLUDE
	IGMPAllowNewSources = 5 // source list change: start listening
	IGMPBlockOldSources = 6 // source list change: stop listening
)

// IGMPv3Query is a view of a version 3 membership query (RFC 3376 4.1):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Type = 0x11  | Max Resp Code |           Checksum            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Group Address                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Resv  |S| QRV |     QQIC      |     Number of Sources (N)     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                   Source Address [1..N]                       |
//
// A view from ParseIGMPv3Query holds all N sources.
type IGMPv3Query []byte

// ParseIGMPv3Query checks b as a version 3 query: type 0x11 (ErrMalformed),
// at least 12 bytes (ErrTruncated) and room for every source
// (ErrTruncated; Linux's igmp_heard_query ignores such a query).
func ParseIGMPv3Query(b []byte) (IGMPv3Query, error) {
	if len(b) < IGMPv3QueryMinLen {
		return nil, ErrTruncated
	}
	if b[0] != IGMPMembershipQuery {
		return nil, ErrMalformed
	}
	if n := int(binary.BigEndian.Uint16(b[10:])); IGMPv3QueryMinLen+4*n > len(b) {
		return nil, ErrTruncated
	}
	return IGMPv3Query(b), nil
}

// MaxRespCode returns the Max Resp Code (see IGMPv3DecodeCode).
func (q IGMPv3Query) MaxRespCode() uint8 { return q[1] }

// MaxRespTime returns the decoded Max Resp Code, in tenths of a second.
func (q IGMPv3Query) MaxRespTime() time.Duration {
	return time.Duration(IGMPv3DecodeCode(q[1])) * time.Second / 10
}

// Checksum returns the checksum field.
func (q IGMPv3Query) Checksum() uint16 { return binary.BigEndian.Uint16(q[2:]) }

// Group returns the group address: 0.0.0.0 for a general query.
func (q IGMPv3Query) Group() netip.Addr { return netip.AddrFrom4([4]byte(q[4:8])) }

// SFlag reports the Suppress Router-Side Processing flag.
func (q IGMPv3Query) SFlag() bool { return q[8]&0x08 != 0 }

// QRV returns the Querier's Robustness Variable (0: unset).
func (q IGMPv3Query) QRV() uint8 { return q[8] & 0x07 }

// QQIC returns the Querier's Query Interval Code (see IGMPv3DecodeCode).
func (q IGMPv3Query) QQIC() uint8 { return q[9] }

// QueryInterval returns the decoded QQIC, in seconds.
func (q IGMPv3Query) QueryInterval() time.Duration {
	return time.Duration(IGMPv3DecodeCode(q[9])) * time.Second
}

// NumSources returns the number of sources.
func (q IGMPv3Query) NumSources() int { return int(binary.BigEndian.Uint16(q[10:])) }

// Source returns source i, or the zero Addr when i is out of range.
func (q IGMPv3Query) Source(i int) netip.Addr {
	if i < 0 || i >= q.NumSources() {
		return netip.Addr{}
	}
	at := IGMPv3QueryMinLen + 4*i
	return netip.AddrFrom4([4]byte(q[at : at+4]))
}

// IGMPv3QueryHeader is a decoded version 3 query.
type IGMPv3QueryHeader struct {
	MaxRespCode uint8
	Checksum    uint16 // as parsed; Emit computes a fresh one
	Group       netip.Addr
	SFlag       bool
	QRV         uint8 // 0..7
	QQIC        uint8
	Sources     []netip.Addr
}

// Len returns 12 plus 4 per source.
func (h *IGMPv3QueryHeader) Len() int { return IGMPv3QueryMinLen + 4*len(h.Sources) }

// Emit writes the query into b[:h.Len()] with its checksum.
func (h *IGMPv3QueryHeader) Emit(b []byte) {
	n := h.Len()
	b[0], b[1] = IGMPMembershipQuery, h.MaxRespCode
	g := As4(h.Group)
	copy(b[4:8], g[:])
	b[8] = h.QRV & 0x07
	if h.SFlag {
		b[8] |= 0x08
	}
	b[9] = h.QQIC
	binary.BigEndian.PutUint16(b[10:], uint16(len(h.Sources)))
	for i, s := range h.Sources {
		a := As4(s)
		copy(b[IGMPv3QueryMinLen+4*i:], a[:])
	}
	IGMP(b[:n]).ComputeChecksum()
}

// Header decodes the query; Sources is a new slice.
func (q IGMPv3Query) Header() IGMPv3QueryHeader {
	h := IGMPv3QueryHeader{
		MaxRespCode: q.MaxRespCode(), Checksum: q.Checksum(), Group: q.Group(),
		SFlag: q.SFlag(), QRV: q.QRV(), QQIC: q.QQIC(),
	}
	for i := 0; i < q.NumSources(); i++ {
		h.Sources = append(h.Sources, q.Source(i))
	}
	return h
}

// IGMPv3Report is a view of a version 3 membership report (RFC 3376 4.2):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Type = 0x22  |    Reserved   |           Checksum            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Reserved            |  Number of Group Records (M)  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Group Record [1..M]                       |
//
// A view from ParseIGMPv3Report holds all M records whole.
type IGMPv3Report []byte

// ParseIGMPv3Report checks b as a version 3 report: type 0x22
// (ErrMalformed), at least 8 bytes and every group record, with its
// sources and auxiliary data, within the bytes (ErrTruncated).
func ParseIGMPv3Report(b []byte) (IGMPv3Report, error) {
	if len(b) < IGMPHeaderLen {
		return nil, ErrTruncated
	}
	if b[0] != IGMPv3MembershipReport {
		return nil, ErrMalformed
	}
	off := IGMPHeaderLen
	for range int(binary.BigEndian.Uint16(b[6:])) {
		n := igmpv3RecordLen(b[off:])
		if n < 0 {
			return nil, ErrTruncated
		}
		off += n
	}
	return IGMPv3Report(b), nil
}

// igmpv3RecordLen returns the length of the group record at the start of
// b, or -1 when it does not fit.
func igmpv3RecordLen(b []byte) int {
	if len(b) < IGMPv3RecordMinLen {
		return -1
	}
	n := IGMPv3RecordMinLen + 4*int(binary.BigEndian.Uint16(b[2:])) + 4*int(b[1])
	if n > len(b) {
		return -1
	}
	return n
}

// Checksum returns the checksum field.
func (r IGMPv3Report) Checksum() uint16 { return binary.BigEndian.Uint16(r[2:]) }

// NumRecords returns the number of group records.
func (r IGMPv3Report) NumRecords() int { return int(binary.BigEndian.Uint16(r[6:])) }

// Records returns an iterator over the group records.
func (r IGMPv3Report) Records() IGMPv3RecordIter {
	return IGMPv3RecordIter{b: r[IGMPHeaderLen:], left: r.NumRecords()}
}

// IGMPv3RecordIter walks a report's group records without allocating.
type IGMPv3RecordIter struct {
	b    []byte
	left int
}

// Next returns the next group record; ok is false after the last.
func (it *IGMPv3RecordIter) Next() (rec IGMPv3GroupRecord, ok bool) {
	if it.left <= 0 {
		return nil, false
	}
	n := igmpv3RecordLen(it.b)
	if n < 0 {
		it.left = 0
		return nil, false
	}
	rec, it.b = IGMPv3GroupRecord(it.b[:n]), it.b[n:]
	it.left--
	return rec, true
}

// IGMPv3GroupRecord is a view of one group record (RFC 3376 4.2.4):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Record Type  |  Aux Data Len |     Number of Sources (N)     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Multicast Address                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                   Source Address [1..N]                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Auxiliary Data (Aux Data Len words)       |
//
// A record from IGMPv3RecordIter holds its sources and aux data whole.
type IGMPv3GroupRecord []byte

// Type returns the record type (IGMPModeIsInclude ... IGMPBlockOldSources).
func (g IGMPv3GroupRecord) Type() uint8 { return g[0] }

// NumSources returns the number of sources.
func (g IGMPv3GroupRecord) NumSources() int { return int(binary.BigEndian.Uint16(g[2:])) }

// Group returns the multicast address.
func (g IGMPv3GroupRecord) Group() netip.Addr { return netip.AddrFrom4([4]byte(g[4:8])) }

// Source returns source i, or the zero Addr when i is out of range.
func (g IGMPv3GroupRecord) Source(i int) netip.Addr {
	at := IGMPv3RecordMinLen + 4*i
	if i < 0 || i >= g.NumSources() || at+4 > len(g) {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(g[at : at+4]))
}

// AuxData returns the auxiliary data (Aux Data Len 32-bit words; RFC 3376
// defines none, and receivers ignore it).
func (g IGMPv3GroupRecord) AuxData() []byte {
	at := min(IGMPv3RecordMinLen+4*g.NumSources(), len(g))
	return g[at:]
}

// IGMPv3GroupRecordHeader is a decoded group record.
type IGMPv3GroupRecordHeader struct {
	Type    uint8
	Group   netip.Addr
	Sources []netip.Addr
	AuxData []byte // padded with zeros to a multiple of 4 by Emit
}

// Len returns 8 plus 4 per source plus the padded aux data.
func (h *IGMPv3GroupRecordHeader) Len() int {
	return IGMPv3RecordMinLen + 4*len(h.Sources) + (len(h.AuxData)+3)&^3
}

// Emit writes the record into b[:h.Len()].
func (h *IGMPv3GroupRecordHeader) Emit(b []byte) {
	n := h.Len()
	aux := (len(h.AuxData) + 3) / 4
	b[0], b[1] = h.Type, uint8(aux)
	binary.BigEndian.PutUint16(b[2:], uint16(len(h.Sources)))
	g := As4(h.Group)
	copy(b[4:8], g[:])
	at := IGMPv3RecordMinLen
	for _, s := range h.Sources {
		a := As4(s)
		copy(b[at:], a[:])
		at += 4
	}
	k := copy(b[at:n], h.AuxData)
	clear(b[at+k : n])
}

// Header decodes the record; Sources is a new slice, AuxData aliases the
// view.
func (g IGMPv3GroupRecord) Header() IGMPv3GroupRecordHeader {
	h := IGMPv3GroupRecordHeader{Type: g.Type(), Group: g.Group(), AuxData: g.AuxData()}
	for i := 0; i < g.NumSources(); i++ {
		h.Sources = append(h.Sources, g.Source(i))
	}
	return h
}

// IGMPv3ReportHeader is a decoded version 3 report.
type IGMPv3ReportHeader struct {
	Checksum uint16 // as parsed; Emit computes a fresh one
	Records  []IGMPv3GroupRecordHeader
}

// Len returns 8 plus the records' lengths.
func (h *IGMPv3ReportHeader) Len() int {
	n := IGMPHeaderLen
	for i := range h.Records {
		n += h.Records[i].Len()
	}
	return n
}

// Emit writes the report into b[:h.Len()] with its checksum.
func (h *IGMPv3ReportHeader) Emit(b []byte) {
	n := h.Len()
	b[0], b[1] = IGMPv3MembershipReport, 0
	b[4], b[5] = 0, 0
	binary.BigEndian.PutUint16(b[6:], uint16(len(h.Records)))
	at := IGMPHeaderLen
	for i := range h.Records {
		h.Records[i].Emit(b[at:])
		at += h.Records[i].Len()
	}
	IGMP(b[:n]).ComputeChecksum()
}

// Header decodes the report and its records.
func (r IGMPv3Report) Header() IGMPv3ReportHeader {
	h := IGMPv3ReportHeader{Checksum: r.Checksum()}
	it := r.Records()
	for {
		g, ok := it.Next()
		if !ok {
			return h
		}
		h.Records = append(h.Records, g.Header())
	}
}
