package route

import (
	"net/netip"
	"slices"
)

// u32 returns an IPv4 address as a host-order integer (0 for non-IPv4).
func u32(a netip.Addr) uint32 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addrFrom(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

func mask(bits int) uint32 {
	if bits <= 0 {
		return 0
	}
	return ^uint32(0) << (32 - bits)
}

// lpm is one routing table: a map per prefix length, searched from the
// longest length present down, as Linux's fib_table_lookup backtracks to
// shorter prefixes when no alias of a longer one is usable. A table value is
// never modified once published; writers copy it (clone) first.
type lpm struct {
	byLen [33]map[uint32][]*Route // routes per masked destination, by ascending metric
	lens  []int                   // prefix lengths present, longest first
}

func (t *lpm) clone() *lpm {
	n := &lpm{lens: slices.Clone(t.lens)}
	for i, m := range t.byLen {
		if m == nil {
			continue
		}
		c := make(map[uint32][]*Route, len(m))
		for k, v := range m {
			c[k] = v // slices are replaced, never appended to in place
		}
		n.byLen[i] = c
	}
	return n
}

// lookup returns the first route, longest prefix first and lowest metric
// first, for which ok returns true.
func (t *lpm) lookup(dst uint32, ok func(*Route) bool) *Route {
	for _, l := range t.lens {
		rs := t.byLen[l][dst&mask(l)]
		for _, r := range rs {
			if ok(r) {
				return r
			}
		}
	}
	return nil
}

// add inserts r after existing routes of equal or lower metric.
func (t *lpm) add(r *Route) {
	l := r.Dst.Bits()
	if t.byLen[l] == nil {
		t.byLen[l] = make(map[uint32][]*Route)
		t.lens = append(t.lens, l)
		slices.SortFunc(t.lens, func(a, b int) int { return b - a })
	}
	key := u32(r.Dst.Addr())
	old := t.byLen[l][key]
	i := 0
	for i < len(old) && old[i].Metric <= r.Metric {
		i++
	}
	rs := make([]*Route, 0, len(old)+1)
	rs = append(rs, old[:i]...)
	rs = append(rs, r)
	rs = append(rs, old[i:]...)
	t.byLen[l][key] = rs
}

// remove deletes the routes for which match returns true and reports how
// many were removed.
func (t *lpm) remove(match func(*Route) bool) int {
	n := 0
	for li, m := range t.byLen {
		for k, rs := range m {
			var keep []*Route
			for _, r := range rs {
				if match(r) {
					n++
				} else {
					keep = append(keep, r)
				}
			}
			if len(keep) == len(rs) {
				continue
			}
			if len(keep) == 0 {
				delete(m, k)
			} else {
				m[k] = keep
			}
		}
		if m != nil && len(m) == 0 {
			t.byLen[li] = nil
			t.lens = slices.DeleteFunc(t.lens, func(l int) bool { return l == li })
		}
	}
	return n
}

// all returns every route, longest prefix first, then by address and metric.
func (t *lpm) all() []Route {
	var out []Route
	for _, l := range t.lens {
		keys := make([]uint32, 0, len(t.byLen[l]))
		for k := range t.byLen[l] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, r := range t.byLen[l][k] {
				out = append(out, *r)
			}
		}
	}
	return out
}
