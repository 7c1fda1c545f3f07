package sysctl

import (
	"math"
	"strings"
	"time"
)

// Kind is how a setting is written and shown: which of Linux's proc
// handlers (kernel/sysctl.c) it follows.
type Kind uint8

const (
	// KindInt is proc_dointvec and proc_dointvec_minmax: one or more C
	// ints separated by white space, each decimal, 0x hex or 0 octal with
	// an optional '-', each checked against Min..Max as it is read, so a
	// bad value late in a vector leaves the earlier ones written (unless
	// Check is set, which makes the write all or nothing).
	KindInt Kind = iota
	// KindString is proc_dostring: up to MaxLen-1 bytes, ending at the
	// first newline or NUL; the rest of the write is ignored.
	KindString
	// KindU8 is proc_dou8vec_minmax: one value, no sign, Min..Max within
	// 0..255.
	KindU8
	// KindUint is proc_douintvec and proc_douintvec_minmax: one unsigned
	// 32-bit value, no sign.
	KindUint
	// KindUlong is proc_doulongvec_minmax: unsigned 64-bit values, no sign.
	// Values above math.MaxInt64 are kept as their bit pattern: Int
	// returns them negative, Uint64 exactly.
	KindUlong
	// KindSecs is proc_dointvec_jiffies: seconds shown, jiffies kept;
	// negative values allowed, |value| at most INT_MAX/HZ.
	KindSecs
	// KindMs is proc_dointvec_ms_jiffies (and _minmax, with Min and Max in
	// jiffies): milliseconds shown, jiffies kept, rounded up.
	KindMs
	// KindUserHZ is proc_dointvec_userhz_jiffies: hundredths of a second
	// (USER_HZ) shown, jiffies kept, with the kernel's truncations.
	KindUserHZ
	// KindQlen is the neighbour table's unres_qlen: packets shown, bytes
	// kept (unres_qlen_bytes), one packet counting SKB_TRUESIZE(1514)
	// bytes.
	KindQlen
	// KindBitmap is proc_do_large_bitmap (ip_local_reserved_ports): ports
	// and ranges separated by commas or newlines, shown as "a-b,c".
	KindBitmap
)

// Spec describes one setting. Names of per-interface settings hold "*" in
// place of the interface ("net.ipv4.conf.*.forwarding").
type Spec struct {
	Name string
	Kind Kind
	// Default holds the defaults in the units /proc/sys shows (seconds,
	// milliseconds...), one per value of a vector; DefaultString for
	// strings.
	Default       []int64
	DefaultString string
	// DefaultAll, when set, is the "all" entry's default for a
	// net.ipv4.conf.* setting whose "all" and "default" entries differ.
	DefaultAll []int64
	// Min and Max bound each value as Linux's *_minmax handlers do; for
	// the jiffies kinds they bound the jiffies. KindUlong ignores them.
	Min, Max int64
	// MaxLen is a KindString setting's buffer size (the ctl_table maxlen).
	MaxLen int
	// Check, when set, validates a whole write after every value has
	// passed Min..Max, and makes the write all or nothing, like the
	// handlers that parse into a temporary (ip_local_port_range). It may
	// rewrite vals in place. It returns nil or Linux's errno.
	Check func(t *Table, vals []int64) error
	// CheckString validates a string write, returning Linux's errno.
	CheckString func(t *Table, s string) error
	// Unit is what one unit of an integer setting stands for, for
	// Var.Duration (the jiffies kinds know theirs).
	Unit time.Duration
	// ReadOnly settings (mode 0444) refuse writes with EACCES.
	ReadOnly bool
	// HostWide settings are not per network namespace in Linux (or are
	// read-only copies inside one): a fresh namespace shows the host's
	// value, and tests never write them on the kernel.
	HostWide bool
	// Link names the setting whose value this one shows (two views of one
	// kernel variable); "*" stands for this setting's own interface.
	Link string
	// Propagate marks per-interface settings that Linux tracks as
	// "written" per interface (devinet_conf_proc, neigh_proc_update): any
	// write attempt marks the interface's value as set, and a write to
	// "default" is copied to every interface whose value was never set.
	Propagate bool
	// OnChange runs after a write that changed the value, with the table's
	// write lock held.
	OnChange func(t *Table, v *Var)
}

// scope says which entries a per-interface setting has.
type scope uint8

const (
	scopeGlobal scope = iota // one entry
	scopeConf                // net.ipv4.conf.{all,default,<if>}
	scopeNeigh               // net.ipv4.neigh.{default,<if>}
)

const (
	confPrefix  = "net.ipv4.conf.*."
	neighPrefix = "net.ipv4.neigh.*."
)

func (s *Spec) scope() scope {
	switch {
	case strings.HasPrefix(s.Name, confPrefix):
		return scopeConf
	case strings.HasPrefix(s.Name, neighPrefix):
		return scopeNeigh
	}
	return scopeGlobal
}

// nameFor returns the setting's name for an interface ("" for global
// settings).
func (s *Spec) nameFor(dev string) string {
	if dev == "" {
		return s.Name
	}
	return strings.Replace(s.Name, "*", dev, 1)
}

// The constructors below keep the catalogue one line per setting.

const (
	intMin = math.MinInt32
	intMax = math.MaxInt32
)

// ints is a proc_dointvec setting (any C int).
func ints(name string, def ...int64) Spec {
	return Spec{Name: name, Kind: KindInt, Default: def, Min: intMin, Max: intMax}
}

// u8 is a proc_dou8vec_minmax setting, 0..255 unless narrowed with rng.
func u8(name string, def int64) Spec {
	return Spec{Name: name, Kind: KindU8, Default: []int64{def}, Min: 0, Max: 255}
}

// uints is a proc_douintvec setting.
func uints(name string, def int64) Spec {
	return Spec{Name: name, Kind: KindUint, Default: []int64{def}, Min: 0, Max: math.MaxUint32}
}

// ulongs is a proc_doulongvec_minmax setting.
func ulongs(name string, def ...int64) Spec {
	return Spec{Name: name, Kind: KindUlong, Default: def}
}

// secs is a proc_dointvec_jiffies setting, shown in seconds.
func secs(name string, def int64) Spec {
	return Spec{Name: name, Kind: KindSecs, Default: []int64{def}, Min: intMin, Max: intMax}
}

// msecs is a proc_dointvec_ms_jiffies setting, shown in milliseconds.
func msecs(name string, def int64) Spec {
	return Spec{Name: name, Kind: KindMs, Default: []int64{def}, Min: intMin, Max: intMax}
}

// userhz is a proc_dointvec_userhz_jiffies setting, shown in 1/100 s.
func userhz(name string, def int64) Spec {
	return Spec{Name: name, Kind: KindUserHZ, Default: []int64{def}, Min: intMin, Max: intMax}
}

// str is a proc_dostring setting.
func str(name, def string, maxLen int) Spec {
	return Spec{Name: name, Kind: KindString, DefaultString: def, MaxLen: maxLen}
}

func (s Spec) rng(lo, hi int64) Spec { s.Min, s.Max = lo, hi; return s }
func (s Spec) ro() Spec              { s.ReadOnly = true; return s }
func (s Spec) host() Spec            { s.HostWide = true; return s }
func (s Spec) unit(d time.Duration) Spec {
	s.Unit = d
	return s
}
func (s Spec) check(f func(*Table, []int64) error) Spec { s.Check = f; return s }
func (s Spec) all(def ...int64) Spec                    { s.DefaultAll = def; return s }
func (s Spec) link(name string) Spec                    { s.Link = name; return s }
func (s Spec) prop() Spec                               { s.Propagate = true; return s }
func (s Spec) onChange(f func(*Table, *Var)) Spec       { s.OnChange = f; return s }
func (s Spec) checkString(f func(*Table, string) error) Spec {
	s.CheckString = f
	return s
}

// conf and neigh name per-interface settings.
func conf(key string) string  { return confPrefix + key }
func neigh(key string) string { return neighPrefix + key }
