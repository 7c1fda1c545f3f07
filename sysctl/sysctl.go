// Package sysctl is a stack's settings store, under Linux's sysctl names
// ("net.ipv4.ip_default_ttl") with the defaults a fresh Linux network
// namespace shows, and Linux's value syntax and validation: a write Linux
// refuses is refused here with the errno write(2) returns on the /proc/sys
// file, and a value reads back as the kernel prints it.
//
// What is promised:
//   - Every setting is a Var. Layers look their Vars up once, when they are
//     built, and read them on the hot path with one atomic load (Var.Int).
//   - Set follows the kernel's proc handler for the setting: proc_dointvec
//     (decimal, 0x hex, 0 octal, a '-' sign, white space, extra values
//     ignored, earlier values of a vector kept when a later one is bad),
//     the _minmax, u8, uint and ulong variants, jiffies kept for time
//     settings with the kernel's rounding (see Options.HZ), proc_dostring,
//     and ip_local_reserved_ports' port ranges. Read-only settings refuse
//     writes with EACCES; unknown names are ENOENT.
//   - Linkages Linux has: net.ipv4.ip_forward and
//     net.ipv4.conf.all.forwarding are one value, and changing it sets
//     forwarding on "default" and on every interface and
//     conf.all.accept_redirects to its negation; the neighbour settings
//     base_reachable_time/_ms, retrans_time/_ms and unres_qlen/_bytes are
//     one value shown in two units; a write to a conf or neigh "default"
//     entry reaches every interface whose own entry was never written;
//     ip_local_port_range stays at or above ip_unprivileged_port_start,
//     tcp_reordering at or below tcp_max_reordering, ipfrag_low_thresh at
//     or below ipfrag_high_thresh.
//   - Per-interface settings (net.ipv4.conf.<if>.*, net.ipv4.neigh.<if>.*)
//     appear with AddInterface, copied from "default" as Linux copies them
//     (conf entries keep default's "written" marks, neigh entries do not);
//     LoopbackUp marks a loopback's entries written, as Linux does when lo
//     comes up. There is no neigh "all"; the neigh gc_* settings exist only
//     under "default".
//   - Values are those of a fresh namespace on Linux 6.18 where they are
//     Linux's own; where a namespace shows the host's value (memory-sized
//     limits, net.core buffers, inherited conf and congestion control) the
//     catalogue has Linux's compiled-in default, and says so. Host-wide
//     settings are writable here with Linux's validation; the congestion
//     control lists are read-only, as in a namespace.
//
// Not supported yet: settings outside net.ipv4 and net.core, IPv6, and
// writes at a file offset other than 0 (each Set is one write(2) at offset
// 0; text past the first page of a write is ignored, as by the kernel).
package sysctl

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Options are the kernel build constants some settings depend on.
type Options struct {
	// HZ is CONFIG_HZ, the tick the jiffies-based settings round to; 0
	// means 250, Linux's default. 100, 250, 300 and 1000 are the values
	// Linux offers.
	HZ int
	// EthFrameTruesize is SKB_TRUESIZE(ETH_FRAME_LEN), the bytes one
	// queued packet counts for in neigh unres_qlen; 0 means 2090, its
	// value on x86-64 Linux 6.x.
	EthFrameTruesize int
}

// Table is the settings of one stack.
type Table struct {
	clk      clock
	truesize int64

	// wmu serialises writes, interface changes and the linkages they
	// trigger.
	wmu sync.Mutex
	// mu guards vars for lookups.
	mu   sync.RWMutex
	vars map[string]*Var // written with wmu and mu held; read with either
	devs []string        // guarded by wmu; interfaces, in the order added
}

// New returns a table holding every setting inet knows, at Linux's
// defaults, for a kernel with HZ=250.
func New() *Table { return NewWith(Options{}) }

// NewWith returns a table for the given kernel build constants.
func NewWith(o Options) *Table {
	if o.HZ <= 0 || o.HZ > 1000 {
		o.HZ = 250
	}
	if o.EthFrameTruesize <= 0 {
		o.EthFrameTruesize = 2090
	}
	t := &Table{
		clk:      clock{hz: uint64(o.HZ)},
		truesize: int64(o.EthFrameTruesize),
		vars:     make(map[string]*Var),
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	// conf "all" first: net.ipv4.ip_forward shows its forwarding value.
	for _, dev := range []string{"all", "default", ""} {
		t.addDevLocked(dev, nil)
	}
	return t
}

// HZ returns the tick rate the table rounds time settings to.
func (t *Table) HZ() int { return int(t.clk.hz) }

// devScope says which settings an entry of addDevLocked creates.
func devScope(dev string) func(scope) bool {
	switch dev {
	case "":
		return func(s scope) bool { return s == scopeGlobal }
	case "all":
		return func(s scope) bool { return s == scopeConf }
	}
	return func(s scope) bool { return s != scopeGlobal }
}

// addDevLocked creates the settings of one entry: the global ones (dev
// ""), conf "all", or "default" or an interface, whose values come from
// from (the "default" settings) when it is non-nil. Linked settings are
// made after the values they show. The caller holds wmu and mu.
func (t *Table) addDevLocked(dev string, from func(s *Spec) *Var) {
	in := devScope(dev)
	for pass := 0; pass < 2; pass++ {
		for i := range catalogue {
			s := &catalogue[i]
			if !in(s.scope()) || (s.Link != "") != (pass == 1) {
				continue
			}
			name := s.nameFor(dev)
			if _, ok := t.vars[name]; ok {
				continue
			}
			v := &Var{name: name, spec: s, t: t, dev: dev}
			if s.Kind == KindString || s.Kind == KindBitmap {
				v.ints = make([]atomic.Int64, 1)
				d := s.DefaultString
				v.str.Store(&d)
				if s.Kind == KindBitmap {
					v.bits.Store(new(portBits))
				}
				t.vars[name] = v
				continue
			}
			if s.Link != "" {
				v.c = t.vars[strings.Replace(s.Link, "*", dev, 1)].c
			} else {
				v.c = t.newCell(s, dev, from)
			}
			v.c.views = append(v.c.views, v)
			v.ints = make([]atomic.Int64, len(v.c.raw))
			for i := range v.c.raw {
				v.ints[i].Store(v.shown(v.c.raw[i].Load()))
			}
			t.vars[name] = v
		}
	}
}

// newCell makes the value behind a setting: a copy of the "default"
// entry's for a new interface (with its written mark for conf settings,
// as devinet's memcpy of devconf_dflt keeps it, and without it for neigh
// settings, as neigh_parms_alloc clears it), else the default.
func (t *Table) newCell(s *Spec, dev string, from func(*Spec) *Var) *cell {
	if from != nil {
		src := from(s).c
		c := &cell{raw: make([]atomic.Int64, len(src.raw))}
		for i := range src.raw {
			c.raw[i].Store(src.raw[i].Load())
		}
		c.explicit = s.scope() == scopeConf && src.explicit
		return c
	}
	def := s.Default
	if dev == "all" && s.DefaultAll != nil {
		def = s.DefaultAll
	}
	c := &cell{raw: make([]atomic.Int64, len(def))}
	for i, d := range def {
		c.raw[i].Store(t.defaultRaw(s.Kind, d))
	}
	return c
}

// defaultRaw converts a default given in shown units to the kernel's
// representation, as writing it would.
func (t *Table) defaultRaw(k Kind, d int64) int64 {
	switch k {
	case KindSecs, KindMs, KindUserHZ:
		num := number{neg: d < 0, mag: uint64(d)}
		if d < 0 {
			num.mag = uint64(-d)
		}
		raw, _ := t.toRaw(k, num)
		return raw
	case KindQlen:
		return d * t.truesize
	}
	return d
}

// AddInterface creates the per-interface settings of a new interface
// (net.ipv4.conf.<if>.*, net.ipv4.neigh.<if>.*), copying the current
// "default" values, as Linux does when a device registers. Adding an
// existing interface, "all" or "default" does nothing.
func (t *Table) AddInterface(ifname string) { t.addInterface(ifname, false) }

// AddLoopback is AddInterface for a loopback device, on which Linux also
// sets disable_policy and disable_xfrm (inetdev_init). Call LoopbackUp
// when the device comes up.
func (t *Table) AddLoopback(ifname string) { t.addInterface(ifname, true) }

func (t *Table) addInterface(ifname string, loopback bool) {
	if ifname == "" || ifname == "all" || ifname == "default" || strings.ContainsAny(ifname, "*/") {
		return
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	for _, d := range t.devs {
		if d == ifname {
			return
		}
	}
	t.mu.Lock()
	t.addDevLocked(ifname, func(s *Spec) *Var { return t.vars[s.nameFor("default")] })
	t.mu.Unlock()
	t.devs = append(t.devs, ifname)
	if loopback {
		for _, key := range []string{"disable_policy", "disable_xfrm"} {
			c := t.vars["net.ipv4.conf."+ifname+"."+key].c
			c.storeLocked(0, 1)
			c.explicit = true
		}
	}
}

// LoopbackUp marks every conf and neigh setting of a loopback interface
// as written, as Linux does when loopback first comes up and gets
// 127.0.0.1 (inetdev_event: ipv4_devconf_setall,
// neigh_parms_data_state_setall): from then on, writes to the "default"
// entries no longer reach it.
func (t *Table) LoopbackUp(ifname string) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	for i := range catalogue {
		s := &catalogue[i]
		if s.scope() == scopeGlobal {
			continue
		}
		if v := t.vars[s.nameFor(ifname)]; v != nil && v.c != nil {
			v.c.explicit = true
		}
	}
}

// RemoveInterface deletes an interface's settings.
func (t *Table) RemoveInterface(ifname string) {
	if ifname == "all" || ifname == "default" {
		return
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, d := range t.devs {
		if d == ifname {
			t.devs = append(t.devs[:i], t.devs[i+1:]...)
			break
		}
	}
	for i := range catalogue {
		s := &catalogue[i]
		if s.scope() != scopeGlobal {
			delete(t.vars, s.nameFor(ifname))
		}
	}
}

// Var returns the named setting, or nil.
func (t *Table) Var(name string) *Var {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.vars[normalize(name)]
}

// MustVar returns the named setting and panics if inet does not know it:
// for layers looking up their own settings at construction.
func (t *Table) MustVar(name string) *Var {
	v := t.Var(name)
	if v == nil {
		panic("sysctl: unknown setting " + name)
	}
	return v
}

// Get returns a setting's value as reading its /proc/sys file shows it
// (without the final newline). An unknown name is ENOENT, as opening the
// file would be.
func (t *Table) Get(name string) (string, error) {
	v := t.Var(name)
	if v == nil {
		return "", errNoEnt
	}
	return v.String(), nil
}

// Set writes a setting as Var.Set does. An unknown name is ENOENT.
func (t *Table) Set(name, value string) error {
	v := t.Var(name)
	if v == nil {
		return errNoEnt
	}
	return v.Set(value)
}

// Names returns every setting's name, sorted.
func (t *Table) Names() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	names := make([]string, 0, len(t.vars))
	for n := range t.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// normalize accepts the /proc/sys path form ("net/ipv4/ip_default_ttl")
// as sysctl(8) does.
func normalize(name string) string {
	name = strings.TrimPrefix(name, "/proc/sys/")
	if strings.Contains(name, "/") {
		return strings.ReplaceAll(name, "/", ".")
	}
	return name
}
