// Package pcap captures what crosses any link endpoint into a classic
// libpcap stream (the format tcpdump -w writes and tcpdump -r, Wireshark
// and scapy read): Tap wraps an endpoint and records every packet it
// delivers and every packet written to it.
//
// What it promises: a 24-byte file header written at once (magic
// 0xa1b2c3d4 for microsecond or 0xa1b23c4d for nanosecond timestamps,
// version 2.4, snaplen 262144, LINKTYPE_ETHERNET for Ethernet endpoints and
// LINKTYPE_RAW for IP and loopback ones), then one record per packet with
// its timestamp from the given clock, all in little-endian byte order (a
// reader detects the order from the magic). Records from concurrent
// writers and the delivery goroutine are never interleaved: each record
// reaches the writer in one Write call, so several taps may share a writer
// that is itself safe for concurrent writes (see Options.NoHeader). Write
// errors are counted, never fatal: the link keeps working, the capture may
// be truncated. Outbound packets are recorded before the wrapped endpoint
// sees them, so refused packets appear too, as tcpdump sees them before the
// driver.
//
// Not supported: pcapng, per-record interface or direction metadata, and
// capture filters (wrap a writer that filters if needed).
package pcap

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
)

// Format constants (https://www.tcpdump.org/manpages/pcap-savefile.5.html,
// https://www.tcpdump.org/linktypes.html).
const (
	MagicMicro       = 0xa1b2c3d4
	MagicNano        = 0xa1b23c4d
	VersionMajor     = 2
	VersionMinor     = 4
	SnapLen          = 262144
	LinkTypeEthernet = 1
	LinkTypeRaw      = 101 // bare IPv4 or IPv6 packets
	FileHeaderLen    = 24
	RecordHeaderLen  = 16
)

// Options configure New.
type Options struct {
	// Nanosecond writes nanosecond timestamps (magic 0xa1b23c4d) instead
	// of microsecond ones.
	Nanosecond bool
	// NoHeader skips the file header, for a tap that appends to a stream
	// another tap (of the same link type and resolution) began.
	NoHeader bool
}

// Capture is what Tap and New return: the wrapped endpoint plus the
// capture's counters. When the wrapped endpoint implements link.Named, so
// does the Capture.
type Capture interface {
	link.Endpoint
	// Packets reports how many records were written in full.
	Packets() uint64
	// Errors reports how many writes to the stream failed.
	Errors() uint64
}

// Tap returns ep wrapped so that every packet in and out is recorded to w
// with microsecond timestamps from clk (clock.Real when nil).
func Tap(ep link.Endpoint, w io.Writer, clk clock.Clock) link.Endpoint {
	return New(ep, w, clk, Options{})
}

// New is Tap with options.
func New(ep link.Endpoint, w io.Writer, clk clock.Clock, opts Options) Capture {
	if clk == nil {
		clk = clock.Real{}
	}
	e := &Endpoint{inner: ep, clk: clk, nano: opts.Nanosecond, w: w}
	if !opts.NoHeader {
		e.writeFileHeader()
	}
	if n, ok := ep.(link.Named); ok {
		return &namedEndpoint{e, n}
	}
	return e
}

// Endpoint is a capturing wrapper; see Tap.
type Endpoint struct {
	inner link.Endpoint
	clk   clock.Clock
	nano  bool

	mu  sync.Mutex
	w   io.Writer // guarded by mu
	rec []byte    // guarded by mu; the record being written, grown as needed

	packets, errors atomic.Uint64
}

type namedEndpoint struct {
	*Endpoint
	n link.Named
}

func (n *namedEndpoint) Name() string { return n.n.Name() }

var (
	_ Capture    = (*Endpoint)(nil)
	_ link.Named = (*namedEndpoint)(nil)
)

func linkType(k link.Kind) uint32 {
	if k == link.KindEthernet {
		return LinkTypeEthernet
	}
	return LinkTypeRaw
}

func (e *Endpoint) writeFileHeader() {
	var h [FileHeaderLen]byte
	le := binary.LittleEndian
	magic := uint32(MagicMicro)
	if e.nano {
		magic = MagicNano
	}
	le.PutUint32(h[0:], magic)
	le.PutUint16(h[4:], VersionMajor)
	le.PutUint16(h[6:], VersionMinor)
	// thiszone and sigfigs stay 0.
	le.PutUint32(h[16:], SnapLen)
	le.PutUint32(h[20:], linkType(e.inner.Kind()))
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.w.Write(h[:]); err != nil {
		e.errors.Add(1)
	}
}

// record writes one record for p, in a single Write call.
func (e *Endpoint) record(p []byte) {
	now := e.clk.Now()
	frac := uint32(now.Nanosecond())
	if !e.nano {
		frac /= 1000
	}
	incl := min(len(p), SnapLen)
	e.mu.Lock()
	defer e.mu.Unlock()
	if cap(e.rec) < RecordHeaderLen+incl {
		e.rec = make([]byte, RecordHeaderLen+max(incl, 2048))
	}
	r := e.rec[:RecordHeaderLen+incl]
	le := binary.LittleEndian
	le.PutUint32(r[0:], uint32(now.Unix()))
	le.PutUint32(r[4:], frac)
	le.PutUint32(r[8:], uint32(incl))
	le.PutUint32(r[12:], uint32(len(p)))
	copy(r[RecordHeaderLen:], p)
	if _, err := e.w.Write(r); err != nil {
		e.errors.Add(1)
		return
	}
	e.packets.Add(1)
}

// Packets reports how many records were written in full.
func (e *Endpoint) Packets() uint64 { return e.packets.Load() }

// Errors reports how many writes to the stream failed.
func (e *Endpoint) Errors() uint64 { return e.errors.Load() }

// Kind returns the wrapped endpoint's kind.
func (e *Endpoint) Kind() link.Kind { return e.inner.Kind() }

// MTU returns the wrapped endpoint's MTU.
func (e *Endpoint) MTU() int { return e.inner.MTU() }

// HardwareAddr returns the wrapped endpoint's address.
func (e *Endpoint) HardwareAddr() net.HardwareAddr { return e.inner.HardwareAddr() }

// Capabilities returns the wrapped endpoint's capabilities.
func (e *Endpoint) Capabilities() link.Capabilities { return e.inner.Capabilities() }

// Attach attaches the wrapped endpoint with a dispatcher that records each
// inbound packet before handing the batch to d.
func (e *Endpoint) Attach(d link.Dispatcher) error {
	return e.inner.Attach(&dispatcher{e: e, d: d})
}

type dispatcher struct {
	e *Endpoint
	d link.Dispatcher
}

func (t *dispatcher) DeliverBatch(pkts []*pkt.Buffer) {
	for _, b := range pkts {
		t.e.record(b.Bytes())
	}
	t.d.DeliverBatch(pkts)
}

// WriteBatch records each packet, then writes the batch to the wrapped
// endpoint.
func (e *Endpoint) WriteBatch(pkts []*pkt.Buffer) (int, error) {
	for _, b := range pkts {
		e.record(b.Bytes())
	}
	return e.inner.WriteBatch(pkts)
}

// Close closes the wrapped endpoint, then flushes the writer if it has a
// Flush method (a *bufio.Writer; a failed flush is counted in Errors); it
// does not close the writer.
func (e *Endpoint) Close() error {
	err := e.inner.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.w.(interface{ Flush() error }); ok {
		if f.Flush() != nil {
			e.errors.Add(1)
		}
	}
	return err
}
