// Package snmp holds a stack's counters under Linux's SNMP names, the ones
// /proc/net/snmp and /proc/net/netstat print: Ip, IpExt, Icmp, IcmpMsg, Tcp,
// TcpExt and Udp. Every drop in inet is counted here, never logged.
//
// Counters are atomic and cheap to bump from any goroutine. Values that
// Linux prints in these tables but that are settings (Ip: Forwarding,
// DefaultTTL; Tcp: RtoAlgorithm, RtoMin, RtoMax, MaxConn) are filled in by
// the stack when it takes a snapshot.
package snmp

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
)

// Group is one table of counters, indexed by the group's constants.
type Group struct {
	name  string
	names []string
	vals  []atomic.Uint64
}

func newGroup(name string, names []string) Group {
	return Group{name: name, names: names, vals: make([]atomic.Uint64, len(names))}
}

// Inc adds one to counter i.
func (g *Group) Inc(i int) { g.vals[i].Add(1) }

// Add adds n to counter i.
func (g *Group) Add(i int, n uint64) { g.vals[i].Add(n) }

// Dec subtracts one from counter i (for gauges such as Tcp CurrEstab).
func (g *Group) Dec(i int) { g.vals[i].Add(^uint64(0)) }

// Set stores v in counter i.
func (g *Group) Set(i int, v uint64) { g.vals[i].Store(v) }

// Get returns counter i.
func (g *Group) Get(i int) uint64 { return g.vals[i].Load() }

// Name returns the group's heading ("Ip", "TcpExt", ...).
func (g *Group) Name() string { return g.name }

// Names returns the counter names in Linux's order.
func (g *Group) Names() []string { return g.names }

// Stats is every counter of one stack.
type Stats struct {
	IP     Group // Ip:
	IPExt  Group // IpExt:
	ICMP   Group // Icmp:
	TCP    Group // Tcp:
	TCPExt Group // TcpExt:
	UDP    Group // Udp:
	// RtCache holds the input-route statistics Linux keeps in
	// /proc/net/stat/rt_cache for drops the SNMP tables do not count
	// (martian sources and destinations).
	RtCache Group

	// IcmpMsg: InTypeN and OutTypeN per ICMP type.
	icmpIn, icmpOut [256]atomic.Uint64
}

// New returns zeroed counters.
func New() *Stats {
	return &Stats{
		IP:      newGroup("Ip", IPNames[:]),
		IPExt:   newGroup("IpExt", IPExtNames[:]),
		ICMP:    newGroup("Icmp", ICMPNames[:]),
		TCP:     newGroup("Tcp", TCPNames[:]),
		TCPExt:  newGroup("TcpExt", TCPExtNames[:]),
		UDP:     newGroup("Udp", UDPNames[:]),
		RtCache: newGroup("RtCache", RtCacheNames[:]),
	}
}

// ICMPMsgIn counts a received ICMP message of type t (IcmpMsg InTypeN and,
// for the types Icmp: names, its In counter, which Linux derives from
// IcmpMsg).
func (s *Stats) ICMPMsgIn(t uint8) {
	s.icmpIn[t].Add(1)
	if i := icmpInIndex(t); i >= 0 {
		s.ICMP.Inc(i)
	}
}

// ICMPMsgOut counts a sent ICMP message of type t (IcmpMsg OutTypeN and the
// matching Icmp: Out counter).
func (s *Stats) ICMPMsgOut(t uint8) {
	s.icmpOut[t].Add(1)
	if i := icmpInIndex(t); i >= 0 {
		s.ICMP.Inc(i - ICMPInDestUnreachs + ICMPOutDestUnreachs)
	}
}

// icmpInIndex maps an ICMP type to its Icmp: In counter, or -1.
func icmpInIndex(t uint8) int {
	switch t {
	case 0:
		return ICMPInEchoReps
	case 3:
		return ICMPInDestUnreachs
	case 4:
		return ICMPInSrcQuenchs
	case 5:
		return ICMPInRedirects
	case 8:
		return ICMPInEchos
	case 11:
		return ICMPInTimeExcds
	case 12:
		return ICMPInParmProbs
	case 13:
		return ICMPInTimestamps
	case 14:
		return ICMPInTimestampReps
	case 17:
		return ICMPInAddrMasks
	case 18:
		return ICMPInAddrMaskReps
	}
	return -1
}

// ICMPMsg returns the IcmpMsg counters for type t.
func (s *Stats) ICMPMsg(t uint8) (in, out uint64) { return s.icmpIn[t].Load(), s.icmpOut[t].Load() }

func (s *Stats) groups() []*Group {
	return []*Group{&s.IP, &s.ICMP, &s.TCP, &s.UDP, &s.IPExt, &s.TCPExt, &s.RtCache}
}

// Snapshot returns every counter keyed "Group:Name" ("Ip:InReceives",
// "IcmpMsg:OutType0"). IcmpMsg entries appear only when non-zero, as Linux
// prints them.
func (s *Stats) Snapshot() map[string]uint64 {
	m := make(map[string]uint64, 512)
	for _, g := range s.groups() {
		for i, n := range g.names {
			m[g.name+":"+n] = g.vals[i].Load()
		}
	}
	for t := range 256 {
		if v := s.icmpIn[t].Load(); v != 0 {
			m[fmt.Sprintf("IcmpMsg:InType%d", t)] = v
		}
		if v := s.icmpOut[t].Load(); v != 0 {
			m[fmt.Sprintf("IcmpMsg:OutType%d", t)] = v
		}
	}
	return m
}

// Get returns one counter by its "Group:Name" key; ok is false for an
// unknown name.
func (s *Stats) Get(key string) (v uint64, ok bool) {
	group, name, found := strings.Cut(key, ":")
	if !found {
		return 0, false
	}
	if group == "IcmpMsg" {
		var t int
		if _, err := fmt.Sscanf(name, "InType%d", &t); err == nil && t >= 0 && t < 256 {
			return s.icmpIn[t].Load(), true
		}
		if _, err := fmt.Sscanf(name, "OutType%d", &t); err == nil && t >= 0 && t < 256 {
			return s.icmpOut[t].Load(), true
		}
		return 0, false
	}
	for _, g := range s.groups() {
		if g.name != group {
			continue
		}
		for i, n := range g.names {
			if n == name {
				return g.vals[i].Load(), true
			}
		}
	}
	return 0, false
}

// WriteSNMP writes the tables as /proc/net/snmp lays them out: a heading
// line of names and a line of values for each group.
func (s *Stats) WriteSNMP(w io.Writer) error {
	for _, g := range []*Group{&s.IP, &s.ICMP} {
		if err := writeGroup(w, g); err != nil {
			return err
		}
	}
	var ins, outs []int
	for t := range 256 {
		if s.icmpIn[t].Load() != 0 {
			ins = append(ins, t)
		}
		if s.icmpOut[t].Load() != 0 {
			outs = append(outs, t)
		}
	}
	if len(ins)+len(outs) > 0 {
		var h, v strings.Builder
		h.WriteString("IcmpMsg:")
		v.WriteString("IcmpMsg:")
		sort.Ints(ins)
		sort.Ints(outs)
		for _, t := range ins {
			fmt.Fprintf(&h, " InType%d", t)
			fmt.Fprintf(&v, " %d", s.icmpIn[t].Load())
		}
		for _, t := range outs {
			fmt.Fprintf(&h, " OutType%d", t)
			fmt.Fprintf(&v, " %d", s.icmpOut[t].Load())
		}
		if _, err := fmt.Fprintf(w, "%s\n%s\n", h.String(), v.String()); err != nil {
			return err
		}
	}
	for _, g := range []*Group{&s.TCP, &s.UDP} {
		if err := writeGroup(w, g); err != nil {
			return err
		}
	}
	return nil
}

// WriteNetstat writes TcpExt and IpExt as /proc/net/netstat lays them out.
func (s *Stats) WriteNetstat(w io.Writer) error {
	for _, g := range []*Group{&s.TCPExt, &s.IPExt} {
		if err := writeGroup(w, g); err != nil {
			return err
		}
	}
	return nil
}

func writeGroup(w io.Writer, g *Group) error {
	var h, v strings.Builder
	h.WriteString(g.name + ":")
	v.WriteString(g.name + ":")
	for i, n := range g.names {
		h.WriteString(" " + n)
		// Tcp: RtoMin and the like are signed in Linux (MaxConn is -1).
		fmt.Fprintf(&v, " %d", int64(g.vals[i].Load()))
	}
	_, err := fmt.Fprintf(w, "%s\n%s\n", h.String(), v.String())
	return err
}
