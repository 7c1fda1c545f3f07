// Package sysctl is a stack's settings store, under Linux's sysctl names
// ("net.ipv4.ip_default_ttl") with Linux's defaults, value syntax and
// validation: a write Linux refuses is refused here with the same errno.
//
// Every setting is a Var. Layers look their Vars up once, when they are
// built, and read them on the hot path with an atomic load (Var.Int).
// Per-interface settings (net.ipv4.conf.<if>.*, net.ipv4.neigh.<if>.*)
// appear when the stack adds an interface, copied from the "default"
// entries as Linux copies them.
package sysctl

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Var is one setting: one or more integers, or a string.
type Var struct {
	name string
	spec *Spec
	ints []atomic.Int64         // integer values; len(spec.Default) of them
	str  atomic.Pointer[string] // for string settings
	mu   sync.Mutex             // serialises writes (multi-value validation)
}

// Name returns the full dotted name.
func (v *Var) Name() string { return v.name }

// Int returns the first integer value.
func (v *Var) Int() int { return int(v.ints[0].Load()) }

// IntAt returns integer value i (0 for an index out of range).
func (v *Var) IntAt(i int) int {
	if i < 0 || i >= len(v.ints) {
		return 0
	}
	return int(v.ints[i].Load())
}

// Bool reports whether the first integer value is non-zero.
func (v *Var) Bool() bool { return v.ints[0].Load() != 0 }

// String returns the value as /proc/sys prints it: integers separated by
// tabs, or the string.
func (v *Var) String() string {
	if v.spec.Kind == KindString {
		if p := v.str.Load(); p != nil {
			return *p
		}
		return ""
	}
	var b strings.Builder
	for i := range v.ints {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(strconv.FormatInt(v.ints[i].Load(), 10))
	}
	return b.String()
}

// Set parses and validates value as Linux's handler for this setting does
// and stores it. The error is a unix.Errno (EINVAL for a value Linux
// refuses).
func (v *Var) Set(value string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.spec.Kind == KindString {
		s := strings.TrimRight(value, "\n")
		if v.spec.CheckString != nil {
			if err := v.spec.CheckString(s); err != nil {
				return err
			}
		}
		v.str.Store(&s)
		return nil
	}
	vals, err := parseInts(value, len(v.ints))
	if err != nil {
		return err
	}
	// Values not given keep their current setting (proc_dointvec).
	cur := make([]int64, len(v.ints))
	for i := range cur {
		cur[i] = v.ints[i].Load()
	}
	copy(cur, vals)
	if v.spec.Check != nil {
		if err := v.spec.Check(cur[:max(len(vals), 1)], cur); err != nil {
			return err
		}
	} else {
		for _, x := range vals {
			if x < v.spec.Min || x > v.spec.Max {
				return unix.EINVAL
			}
		}
	}
	for i, x := range cur {
		v.ints[i].Store(x)
	}
	return nil
}

// SetInt stores an integer setting's first value, validated.
func (v *Var) SetInt(x int) error { return v.Set(strconv.Itoa(x)) }

// parseInts reads up to n whitespace-separated decimal integers, as
// proc_dointvec does: leading and trailing white space is allowed, a value
// that does not parse is EINVAL, values beyond n are ignored.
func parseInts(s string, n int) ([]int64, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil, unix.EINVAL
	}
	if len(f) > n {
		f = f[:n]
	}
	out := make([]int64, len(f))
	for i, w := range f {
		x, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return nil, unix.EINVAL
		}
		out[i] = x
	}
	return out, nil
}

// Kind is a setting's value type.
type Kind uint8

const (
	KindInt    Kind = iota // one or more integers
	KindString             // a string
)

// Spec describes one setting.
type Spec struct {
	// Name is the dotted name; for per-interface settings it holds the
	// placeholder "*" in place of the interface ("net.ipv4.conf.*.forwarding").
	Name string
	Kind Kind
	// Default holds the integer defaults (one per value), or DefaultString.
	Default       []int64
	DefaultString string
	// Min and Max bound every integer value when Check is nil.
	Min, Max int64
	// Check, when set, validates a write: given the values written and the
	// full resulting vector, it returns nil or the errno Linux returns.
	Check func(written, all []int64) error
	// CheckString validates a string write.
	CheckString func(string) error
}

// Table is the settings of one stack.
type Table struct {
	mu   sync.RWMutex
	vars map[string]*Var // guarded by mu
}

// New returns a table holding every setting inet knows, at Linux's default.
func New() *Table {
	t := &Table{vars: make(map[string]*Var)}
	for i := range catalogue {
		s := &catalogue[i]
		if strings.Contains(s.Name, "*") {
			// Per-interface: "all" and "default" exist from the start.
			for _, dev := range []string{"all", "default"} {
				t.addLocked(strings.Replace(s.Name, "*", dev, 1), s, nil)
			}
			continue
		}
		t.addLocked(s.Name, s, nil)
	}
	return t
}

func (t *Table) addLocked(name string, s *Spec, from *Var) *Var {
	v := &Var{name: name, spec: s}
	if s.Kind == KindString {
		d := s.DefaultString
		if from != nil {
			d = from.String()
		}
		v.str.Store(&d)
	} else {
		v.ints = make([]atomic.Int64, len(s.Default))
		for i, d := range s.Default {
			if from != nil {
				d = int64(from.IntAt(i))
			}
			v.ints[i].Store(d)
		}
	}
	t.vars[name] = v
	return v
}

// AddInterface creates the per-interface settings of a new interface,
// copying the current "default" values, as Linux does when a device
// registers.
func (t *Table) AddInterface(ifname string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range catalogue {
		s := &catalogue[i]
		if !strings.Contains(s.Name, "*") {
			continue
		}
		name := strings.Replace(s.Name, "*", ifname, 1)
		if _, ok := t.vars[name]; ok {
			continue
		}
		t.addLocked(name, s, t.vars[strings.Replace(s.Name, "*", "default", 1)])
	}
}

// RemoveInterface deletes an interface's settings.
func (t *Table) RemoveInterface(ifname string) {
	if ifname == "all" || ifname == "default" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range catalogue {
		s := &catalogue[i]
		if strings.Contains(s.Name, "*") {
			delete(t.vars, strings.Replace(s.Name, "*", ifname, 1))
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

// Get returns a setting's value as /proc/sys prints it. An unknown name is
// ENOENT, as opening the /proc/sys file would be.
func (t *Table) Get(name string) (string, error) {
	v := t.Var(name)
	if v == nil {
		return "", unix.ENOENT
	}
	return v.String(), nil
}

// Set writes a setting. An unknown name is ENOENT; a value Linux refuses is
// refused with Linux's errno.
func (t *Table) Set(name, value string) error {
	v := t.Var(name)
	if v == nil {
		return unix.ENOENT
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
