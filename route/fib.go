package route

import (
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// FIB is the routing state of one stack.
type FIB struct {
	mu  sync.Mutex               // serialises writers
	cur atomic.Pointer[snapshot] // what readers see
}

// snapshot is an immutable view of the routing state.
type snapshot struct {
	ifaces  []*Iface       // ascending index; lo first
	byIndex map[int]*Iface // index -> interface
	local   *lpm           // Linux's local table
	main    *lpm           // Linux's main table
	addrs   map[uint32]int // local address -> interface index (__ip_dev_find)
	lo      int            // index of the loopback interface, 0 if none
}

// New returns an empty FIB.
func New() *FIB {
	f := &FIB{}
	f.cur.Store(&snapshot{byIndex: map[int]*Iface{}, local: &lpm{}, main: &lpm{}, addrs: map[uint32]int{}})
	return f
}

func (f *FIB) snap() *snapshot { return f.cur.Load() }

// edit runs fn on a private copy of the current snapshot under the writer
// lock and publishes the copy if fn succeeds.
func (f *FIB) edit(fn func(s *snapshot) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.cur.Load()
	s := &snapshot{
		ifaces:  make([]*Iface, 0, len(old.ifaces)+1),
		byIndex: make(map[int]*Iface, len(old.byIndex)+1),
		local:   old.local.clone(),
		main:    old.main.clone(),
		addrs:   make(map[uint32]int, len(old.addrs)),
		lo:      old.lo,
	}
	for _, i := range old.ifaces {
		c := *i
		c.Addrs = slices.Clone(i.Addrs)
		s.ifaces = append(s.ifaces, &c)
		s.byIndex[c.Index] = &c
	}
	for k, v := range old.addrs {
		s.addrs[k] = v
	}
	if err := fn(s); err != nil {
		return err
	}
	f.cur.Store(s)
	return nil
}

// AddIface registers an interface (without addresses; Addrs is ignored).
func (f *FIB) AddIface(i Iface) error {
	return f.edit(func(s *snapshot) error {
		if _, ok := s.byIndex[i.Index]; ok || i.Index <= 0 {
			return unix.EEXIST
		}
		c := i
		c.Addrs = nil
		s.ifaces = append(s.ifaces, &c)
		slices.SortFunc(s.ifaces, func(a, b *Iface) int { return a.Index - b.Index })
		s.byIndex[c.Index] = &c
		if c.Loopback() && s.lo == 0 {
			s.lo = c.Index
		}
		return nil
	})
}

// RemoveIface deletes an interface with its addresses and every route
// through it.
func (f *FIB) RemoveIface(index int) error {
	return f.edit(func(s *snapshot) error {
		i, ok := s.byIndex[index]
		if !ok {
			return unix.ENODEV
		}
		for _, a := range i.Addrs {
			if s.addrs[u32(a.Local())] == index {
				delete(s.addrs, u32(a.Local()))
			}
		}
		delete(s.byIndex, index)
		s.ifaces = slices.DeleteFunc(s.ifaces, func(x *Iface) bool { return x.Index == index })
		s.dropRoutes(func(r *Route) bool { return r.IfIndex == index })
		if s.lo == index {
			s.lo = 0
		}
		return nil
	})
}

// SetUp brings an interface up or down. Down removes every route through
// it except the local routes of its addresses, static ones included, as
// Linux does; up derives the address routes again.
func (f *FIB) SetUp(index int, up bool) error {
	return f.edit(func(s *snapshot) error {
		i, ok := s.byIndex[index]
		if !ok {
			return unix.ENODEV
		}
		if up == i.Up() {
			return nil
		}
		if up {
			i.Flags |= FlagUp | FlagRunning
		} else {
			i.Flags &^= FlagUp | FlagRunning
			s.dropRoutes(func(r *Route) bool { return r.IfIndex == index })
		}
		s.deriveRoutes(i)
		return nil
	})
}

// SetMTU records an interface's MTU.
func (f *FIB) SetMTU(index, mtu int) error {
	return f.edit(func(s *snapshot) error {
		i, ok := s.byIndex[index]
		if !ok {
			return unix.ENODEV
		}
		i.MTU = mtu
		return nil
	})
}

func (s *snapshot) dropRoutes(match func(*Route) bool) {
	s.local.remove(match)
	s.main.remove(match)
}

// Iface returns a copy of interface index.
func (f *FIB) Iface(index int) (Iface, bool) {
	i, ok := f.snap().byIndex[index]
	if !ok {
		return Iface{}, false
	}
	c := *i
	c.Addrs = slices.Clone(i.Addrs)
	return c, true
}

// IfaceByName returns a copy of the named interface.
func (f *FIB) IfaceByName(name string) (Iface, bool) {
	for _, i := range f.snap().ifaces {
		if i.Name == name {
			c := *i
			c.Addrs = slices.Clone(i.Addrs)
			return c, true
		}
	}
	return Iface{}, false
}

// Ifaces returns copies of every interface, by ascending index.
func (f *FIB) Ifaces() []Iface {
	s := f.snap()
	out := make([]Iface, 0, len(s.ifaces))
	for _, i := range s.ifaces {
		c := *i
		c.Addrs = slices.Clone(i.Addrs)
		out = append(out, c)
	}
	return out
}

// MTU returns an interface's MTU (0 if unknown).
func (f *FIB) MTU(index int) int {
	if i, ok := f.snap().byIndex[index]; ok {
		return i.MTU
	}
	return 0
}

// LoopbackIndex returns the loopback interface's index (0 if none).
func (f *FIB) LoopbackIndex() int { return f.snap().lo }

// Routes returns the routes of a table (TableMain or TableLocal).
func (f *FIB) Routes(table uint8) []Route {
	s := f.snap()
	if table == TableLocal {
		return s.local.all()
	}
	return s.main.all()
}

// AddRoute adds a route as `ip route add` does: the destination is masked,
// the interface must exist and be up (ENODEV / ENETDOWN), a gateway must be
// reachable directly (ENETUNREACH), an identical route is EEXIST.
func (f *FIB) AddRoute(r Route) error {
	return f.edit(func(s *snapshot) error {
		if !r.Dst.IsValid() || !r.Dst.Addr().Is4() {
			return unix.EINVAL
		}
		r.Dst = r.Dst.Masked()
		if r.Table == 0 {
			r.Table = TableMain
		}
		if r.Type == TypeUnspec {
			r.Type = TypeUnicast
		}
		if r.Proto == ProtoUnspec {
			r.Proto = ProtoBoot
		}
		if r.Type == TypeUnicast || r.Type == TypeLocal || r.Type == TypeBroadcast || r.Type == TypeMulticast {
			if r.Gateway.IsValid() && r.IfIndex == 0 {
				// Find the interface the gateway is directly reachable on.
				gr := s.main.lookup(u32(r.Gateway), func(x *Route) bool {
					return x.Type == TypeUnicast && !x.Gateway.IsValid() && s.usable(x)
				})
				if gr == nil {
					return unix.ENETUNREACH
				}
				r.IfIndex = gr.IfIndex
			}
			i, ok := s.byIndex[r.IfIndex]
			if !ok {
				return unix.ENODEV
			}
			if !i.Up() {
				return unix.ENETDOWN
			}
		}
		if r.Scope == ScopeUniverse {
			r.Scope = defaultScope(&r)
		}
		t := s.table(r.Table)
		if t.lookupExact(&r) {
			return unix.EEXIST
		}
		rc := r
		t.add(&rc)
		return nil
	})
}

// DelRoute deletes the first route matching r's table, destination and, when
// given, gateway, interface and metric. ESRCH if none.
func (f *FIB) DelRoute(r Route) error {
	return f.edit(func(s *snapshot) error {
		if !r.Dst.IsValid() {
			return unix.EINVAL
		}
		dst := r.Dst.Masked()
		if r.Table == 0 {
			r.Table = TableMain
		}
		done := false
		n := s.table(r.Table).remove(func(x *Route) bool {
			if done || x.Dst != dst {
				return false
			}
			if r.Gateway.IsValid() && x.Gateway != r.Gateway {
				return false
			}
			if r.IfIndex != 0 && x.IfIndex != r.IfIndex {
				return false
			}
			if r.Metric != 0 && x.Metric != r.Metric {
				return false
			}
			done = true
			return true
		})
		if n == 0 {
			return unix.ESRCH
		}
		return nil
	})
}

func (s *snapshot) table(id uint8) *lpm {
	if id == TableLocal {
		return s.local
	}
	return s.main
}

func (t *lpm) lookupExact(r *Route) bool {
	for _, x := range t.byLen[r.Dst.Bits()][u32(r.Dst.Addr())] {
		if x.Type == r.Type && x.Gateway == r.Gateway && x.IfIndex == r.IfIndex && x.Metric == r.Metric {
			return true
		}
	}
	return false
}

// defaultScope is the scope iproute2 gives a route added without one: host
// for local routes, link for broadcast, multicast and directly connected
// unicast routes, universe for gateway routes.
func defaultScope(r *Route) Scope {
	switch r.Type {
	case TypeLocal:
		return ScopeHost
	case TypeBroadcast, TypeMulticast, TypeAnycast:
		return ScopeLink
	case TypeUnicast:
		if !r.Gateway.IsValid() {
			return ScopeLink
		}
	}
	return ScopeUniverse
}

// usable reports whether a route's interface is up.
func (s *snapshot) usable(r *Route) bool {
	if r.IfIndex == 0 {
		return true
	}
	i, ok := s.byIndex[r.IfIndex]
	return ok && i.Up()
}
