package sysctl

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// cell is one kernel variable (a ctl_table's data). Most settings show one
// cell each; a few show one cell in two ways (base_reachable_time and
// base_reachable_time_ms, unres_qlen and unres_qlen_bytes, ip_forward and
// net.ipv4.conf.all.forwarding).
type cell struct {
	raw   []atomic.Int64 // the kernel's representation: jiffies for time settings, bytes for unres_qlen
	views []*Var         // guarded by Table.wmu; the settings that show this cell
	// explicit is Linux's per-interface "written" bit (ipv4_devconf.state,
	// neigh_parms.data_state); guarded by Table.wmu.
	explicit bool
}

// Var is one setting: one or more integers, a string, or a port bitmap.
// Reads are lock-free; writes go through Set.
type Var struct {
	name string
	spec *Spec
	t    *Table
	dev  string // the interface of a per-interface setting ("all", "default", "eth0"), else ""
	c    *cell  // integer kinds

	ints []atomic.Int64           // the values as /proc/sys shows them (at least one, 0 for non-integers)
	str  atomic.Pointer[string]   // KindString
	bits atomic.Pointer[portBits] // KindBitmap
}

// Name returns the full dotted name.
func (v *Var) Name() string { return v.name }

// Spec returns the setting's description.
func (v *Var) Spec() *Spec { return v.spec }

// Int returns the first value as /proc/sys shows it. It is one atomic
// load, for hot paths.
func (v *Var) Int() int { return int(v.ints[0].Load()) }

// IntAt returns value i as /proc/sys shows it (0 for an index out of
// range).
func (v *Var) IntAt(i int) int {
	if i < 0 || i >= len(v.ints) {
		return 0
	}
	return int(v.ints[i].Load())
}

// Len returns how many integer values the setting has.
func (v *Var) Len() int {
	if v.c == nil {
		return 0
	}
	return len(v.c.raw)
}

// Bool reports whether the first value is non-zero.
func (v *Var) Bool() bool { return v.ints[0].Load() != 0 }

// Uint64 returns the first value as an unsigned number: exact for
// KindUlong values above math.MaxInt64.
func (v *Var) Uint64() uint64 { return uint64(v.ints[0].Load()) }

// Duration returns the first value as a duration: exactly the kernel's
// jiffies for the jiffies kinds (so base_reachable_time_ms=1001 with HZ=250
// is 1.004 s), value×Spec.Unit for integer settings with a unit, else 0.
func (v *Var) Duration() time.Duration {
	switch v.spec.Kind {
	case KindSecs, KindMs, KindUserHZ:
		return time.Duration(v.c.raw[0].Load()) * time.Second / time.Duration(v.t.clk.hz)
	}
	return time.Duration(v.ints[0].Load()) * v.spec.Unit
}

// Has reports whether a KindBitmap setting holds i
// (ip_local_reserved_ports: whether port i is reserved).
func (v *Var) Has(i int) bool {
	b := v.bits.Load()
	return b != nil && i >= 0 && b.has(uint64(i))
}

// String returns the value as reading the /proc/sys file shows it, without
// the final newline: integers separated by tabs, the string, or the
// bitmap's ranges.
func (v *Var) String() string {
	switch v.spec.Kind {
	case KindString:
		if p := v.str.Load(); p != nil {
			return *p
		}
		return ""
	case KindBitmap:
		if b := v.bits.Load(); b != nil {
			return b.String()
		}
		return ""
	}
	var b strings.Builder
	for i := range v.c.raw {
		if i > 0 {
			b.WriteByte('\t')
		}
		neg, mag := v.show(v.c.raw[i].Load())
		if neg {
			b.WriteByte('-')
		}
		b.WriteString(strconv.FormatUint(mag, 10))
	}
	return b.String()
}

// show converts a raw value to what the kernel prints: a sign and a
// magnitude (the kernel can print "-0").
func (v *Var) show(raw int64) (neg bool, mag uint64) {
	abs := func(x int64) (bool, uint64) {
		if x < 0 {
			return true, uint64(-x)
		}
		return false, uint64(x)
	}
	clk := v.t.clk
	switch v.spec.Kind {
	case KindUlong:
		return false, uint64(raw)
	case KindSecs:
		neg, mag = abs(raw)
		return neg, mag / clk.hz
	case KindMs:
		neg, mag = abs(raw)
		return neg, uint64(clk.jiffiesToMsecs(mag))
	case KindUserHZ:
		neg, mag = abs(raw)
		return neg, clk.jiffiesToClock(mag)
	case KindQlen:
		neg, mag = abs(raw / v.t.truesize)
		return neg, mag
	}
	return abs(raw)
}

// shown is the value Int returns for a raw value.
func (v *Var) shown(raw int64) int64 {
	neg, mag := v.show(raw)
	if neg {
		return -int64(mag)
	}
	return int64(mag)
}

// Set writes value as a single write(2) of those bytes to the setting's
// /proc/sys file would, and returns the errno that write returns (as a
// unix.Errno), nil if it succeeds. Like the kernel, it may accept part of
// a value (extra values and text after a separator are ignored) and, for
// plain integer vectors, keep the values before a bad one.
func (v *Var) Set(value string) error {
	v.t.wmu.Lock()
	defer v.t.wmu.Unlock()
	return v.t.writeLocked(v, []byte(value), true)
}

// SetInt writes an integer setting's first value, validated as Set.
func (v *Var) SetInt(x int) error { return v.Set(strconv.Itoa(x)) }

// storeLocked sets raw value i of v's cell and refreshes every view of the
// cell. The caller holds Table.wmu.
func (c *cell) storeLocked(i int, raw int64) {
	c.raw[i].Store(raw)
	for _, w := range c.views {
		w.ints[i].Store(w.shown(raw))
	}
}

// snapshot returns the cell's raw values.
func (c *cell) snapshot() []int64 {
	out := make([]int64, len(c.raw))
	for i := range c.raw {
		out[i] = c.raw[i].Load()
	}
	return out
}
