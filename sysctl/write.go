package sysctl

import (
	"math"

	"golang.org/x/sys/unix"
)

// writeLocked writes b to v as write(2) on its /proc/sys file would; with
// hooks false it only stores (used to load a state without Linux's
// side effects). The caller holds t.wmu.
func (t *Table) writeLocked(v *Var, b []byte, hooks bool) error {
	s := v.spec
	if s.ReadOnly {
		// The file is 0444: opening it for writing fails, even for root.
		return unix.EACCES
	}
	var before []int64
	if hooks && s.OnChange != nil {
		before = v.c.snapshot()
	}
	err := t.parseLocked(v, b)
	if !hooks {
		return err
	}
	if s.Propagate {
		// devinet_conf_proc and neigh_proc_update mark the value as set
		// and copy a "default" write to interfaces on every write,
		// failed or empty ones included.
		v.c.explicit = true
		if v.dev == "default" {
			t.copyDefaultLocked(v)
		}
	}
	if s.OnChange != nil {
		for i, x := range before {
			if v.c.raw[i].Load() != x {
				s.OnChange(t, v)
				break
			}
		}
	}
	return err
}

// parseLocked runs the setting's proc handler over a write.
func (t *Table) parseLocked(v *Var, b []byte) error {
	s := v.spec
	if len(b) == 0 {
		// An empty write succeeds without parsing: every handler starts
		// with "if (!*lenp) return 0". proc_unres_qlen then still stores
		// its packet count back as bytes, rounding them down to a
		// multiple of the truesize.
		if s.Kind == KindQlen {
			v.c.storeLocked(0, v.c.raw[0].Load()/t.truesize*t.truesize)
		}
		return nil
	}
	switch s.Kind {
	case KindString:
		return t.writeString(v, b)
	case KindBitmap:
		set, err := parseBitmap(b)
		if err != nil {
			return err
		}
		v.bits.Store(set)
		return nil
	case KindU8, KindUint:
		return t.writeUint(v, b)
	case KindUlong:
		return t.writeUlongs(v, b)
	case KindQlen:
		return t.writeQlen(v, b)
	}
	return t.writeInts(v, b)
}

// writeInts is __do_proc_dointvec with the setting's conversion: each
// value is converted and bounded, then stored at once (Check unset) or
// after the whole write is read and checked (Check set).
func (t *Table) writeInts(v *Var, b []byte) error {
	s := v.spec
	c := v.c
	var tmp []int64
	if s.Check != nil {
		tmp = c.snapshot()
	}
	err := dointvec(b, len(c.raw), func(i int, num number) error {
		raw, err := t.toRaw(s.Kind, num)
		if err != nil || raw < s.Min || raw > s.Max {
			return unix.EINVAL
		}
		if tmp != nil {
			tmp[i] = raw
		} else {
			c.storeLocked(i, raw)
		}
		return nil
	})
	if err != nil || tmp == nil {
		return err
	}
	if err := s.Check(t, tmp); err != nil {
		return err
	}
	for i, x := range tmp {
		c.storeLocked(i, x)
	}
	return nil
}

// toRaw converts a number written to an integer setting of kind k into
// the kernel's representation, or fails as the kernel's conversion does.
func (t *Table) toRaw(k Kind, num number) (int64, error) {
	clk := t.clk
	switch k {
	case KindSecs: // do_proc_dointvec_jiffies_conv
		if num.mag > intMax/clk.hz {
			return 0, unix.EINVAL
		}
		raw := int64(num.mag * clk.hz)
		if num.neg {
			raw = -raw
		}
		return raw, nil
	case KindMs: // do_proc_dointvec_ms_jiffies_conv
		m := num.mag
		if num.neg {
			m = -m
		}
		j := clk.msecsToJiffies(uint32(m)) // msecs_to_jiffies takes an unsigned int
		if j > intMax {
			return 0, unix.EINVAL
		}
		return int64(j), nil
	case KindUserHZ: // do_proc_dointvec_userhz_jiffies_conv
		if userHZ < clk.hz && num.mag > math.MaxInt64/clk.hz*userHZ {
			return 0, unix.EINVAL
		}
		x := num.mag
		if num.neg {
			x = -x
		}
		// The jiffies are stored into an int: the top bits are lost.
		return int64(int32(uint32(clk.clockToJiffies(x)))), nil
	}
	// do_proc_dointvec_conv
	if num.neg {
		if num.mag > intMax+1 {
			return 0, unix.EINVAL
		}
		return -int64(num.mag), nil
	}
	if num.mag > intMax {
		return 0, unix.EINVAL
	}
	return int64(num.mag), nil
}

// dointvec is __do_proc_dointvec's write loop for a vector of n values:
// white space before each value, one of space, tab or newline after it.
// It stops at the first bad value; no value at all is EINVAL.
func dointvec(b []byte, n int, store func(i int, num number) error) error {
	if len(b) > maxWrite {
		b = b[:maxWrite]
	}
	first := true
	var err error
	for i := 0; len(b) > 0 && i < n; i++ {
		b = skipSpaces(b)
		if len(b) == 0 {
			break
		}
		var num number
		num, b, err = getLong(b, wspaceSep)
		if err != nil {
			break
		}
		if err = store(i, num); err != nil {
			break
		}
		first = false
	}
	if first && err == nil {
		err = unix.EINVAL
	}
	return err
}

// writeUint is do_proc_douintvec_w, used by proc_dou8vec_minmax and
// proc_douintvec(_minmax): one value, no sign, Min..Max.
func (t *Table) writeUint(v *Var, b []byte) error {
	if len(b) > maxWrite {
		b = b[:maxWrite]
	}
	b = skipSpaces(b)
	if len(b) == 0 {
		return unix.EINVAL
	}
	num, _, err := getLong(b, wspaceSep)
	if err != nil || num.neg || num.mag > math.MaxUint32 {
		return unix.EINVAL
	}
	x := int64(num.mag)
	if x < v.spec.Min || x > v.spec.Max {
		return unix.EINVAL
	}
	vals := []int64{x}
	if v.spec.Check != nil {
		if err := v.spec.Check(t, vals); err != nil {
			return err
		}
	}
	v.c.storeLocked(0, vals[0])
	return nil
}

// writeUlongs is __do_proc_doulongvec_minmax: unsigned values, no sign;
// bounds, if any, come from Check.
func (t *Table) writeUlongs(v *Var, b []byte) error {
	if len(b) > maxWrite {
		b = b[:maxWrite]
	}
	c := v.c
	var tmp []int64
	if v.spec.Check != nil {
		tmp = c.snapshot()
	}
	first := true
	var err error
	for i := 0; len(b) > 0 && i < len(c.raw); i++ {
		b = skipSpaces(b)
		if len(b) == 0 {
			break
		}
		var num number
		num, b, err = getLong(b, wspaceSep)
		if err != nil || num.neg {
			err = unix.EINVAL
			break
		}
		if tmp != nil {
			tmp[i] = int64(num.mag)
		} else {
			c.storeLocked(i, int64(num.mag))
		}
		first = false
	}
	if first && err == nil {
		err = unix.EINVAL
	}
	if err != nil || tmp == nil {
		return err
	}
	if err := v.spec.Check(t, tmp); err != nil {
		return err
	}
	for i, x := range tmp {
		c.storeLocked(i, x)
	}
	return nil
}

// writeQlen is proc_unres_qlen: the packet count goes through
// proc_dointvec_minmax (0..INT_MAX/truesize) and is kept as bytes.
func (t *Table) writeQlen(v *Var, b []byte) error {
	size := int64(0)
	err := dointvec(b, 1, func(_ int, num number) error {
		x, err := t.toRaw(KindInt, num)
		if err != nil || x < 0 || x > intMax/t.truesize {
			return unix.EINVAL
		}
		size = x
		return nil
	})
	if err != nil {
		return err
	}
	v.c.storeLocked(0, size*t.truesize)
	return nil
}

// writeString is proc_dostring: the bytes up to the first newline or NUL,
// at most MaxLen-1 of them; the rest of the write is consumed and ignored.
func (t *Table) writeString(v *Var, b []byte) error {
	n := 0
	for n < len(b) && n < v.spec.MaxLen-1 && b[n] != '\n' && b[n] != 0 {
		n++
	}
	s := string(b[:n])
	if v.spec.CheckString != nil {
		if err := v.spec.CheckString(t, s); err != nil {
			return err
		}
	}
	v.str.Store(&s)
	return nil
}
