package neigh

import (
	"time"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/sysctl"
)

// param is one neighbour setting: the interface's Var (or the "default"
// one), read on every use so that writes take effect at once, and Linux's
// default for when neither exists.
type param struct {
	v   *sysctl.Var
	def int
}

// get returns the value as /proc/sys shows it.
func (p param) get() int {
	if p.v == nil {
		return p.def
	}
	return p.v.Int()
}

// dur returns a time setting as the kernel holds it (whole jiffies, with
// the kernel's rounding); def is in the given unit.
func (p param) dur(unit time.Duration) time.Duration {
	if p.v == nil {
		return time.Duration(p.def) * unit
	}
	return p.v.Duration()
}

// params are the NEIGH_VAR()s of one interface (struct neigh_parms) and the
// table-wide thresholds (struct neigh_table), with arp_tbl's defaults.
type params struct {
	baseReachable  param // base_reachable_time_ms
	retransTime    param // retrans_time_ms
	delayProbe     param // delay_first_probe_time
	gcStaleTime    param // gc_stale_time
	mcastSolicit   param
	ucastSolicit   param
	appSolicit     param
	mcastResolicit param
	unresQlenBytes param
	locktimeVar    param // locktime

	// drop_gratuitous_arp of the interface and of "all"
	// (IN_DEV_ORCONF).
	dropGratuitous, dropGratuitousAll param

	// Table-wide: the "default" parms (arp_tbl.parms) and the host-wide
	// thresholds.
	defBaseReachable param
	gcThresh1        param
	gcThresh2        param
	gcThresh3        param
}

func lookupParams(st *sysctl.Table, ifname string) params {
	get := func(name string, def int) param {
		if st == nil {
			return param{def: def}
		}
		if ifname != "" {
			if v := st.Var("net.ipv4.neigh." + ifname + "." + name); v != nil {
				return param{v: v, def: def}
			}
		}
		return param{v: st.Var("net.ipv4.neigh.default." + name), def: def}
	}
	getDef := func(name string, def int) param {
		if st == nil {
			return param{def: def}
		}
		return param{v: st.Var("net.ipv4.neigh.default." + name), def: def}
	}
	conf := func(dev, name string) param {
		if st == nil || dev == "" {
			return param{}
		}
		return param{v: st.Var("net.ipv4.conf." + dev + "." + name)}
	}
	return params{
		dropGratuitous:    conf(ifname, "drop_gratuitous_arp"),
		dropGratuitousAll: conf("all", "drop_gratuitous_arp"),
		baseReachable:     get("base_reachable_time_ms", 30000),
		retransTime:       get("retrans_time_ms", 1000),
		delayProbe:        get("delay_first_probe_time", 5),
		gcStaleTime:       get("gc_stale_time", 60),
		mcastSolicit:      get("mcast_solicit", 3),
		ucastSolicit:      get("ucast_solicit", 3),
		appSolicit:        get("app_solicit", 0),
		mcastResolicit:    get("mcast_resolicit", 0),
		unresQlenBytes:    get("unres_qlen_bytes", 212992),
		locktimeVar:       get("locktime", 100),
		defBaseReachable:  getDef("base_reachable_time_ms", 30000),
		gcThresh1:         getDef("gc_thresh1", 128),
		gcThresh2:         getDef("gc_thresh2", 512),
		gcThresh3:         getDef("gc_thresh3", 1024),
	}
}

func (p *params) baseReachableTime() time.Duration { return p.baseReachable.dur(time.Millisecond) }

// retrans is RETRANS_TIME.
func (p *params) retrans() time.Duration {
	return p.retransTime.dur(time.Millisecond)
}

func (p *params) delayProbeTime() time.Duration { return p.delayProbe.dur(time.Second) }

func (p *params) gcStale() time.Duration { return p.gcStaleTime.dur(time.Second) }

// locktime is in USER_HZ (1/100 s).
func (p *params) locktime() time.Duration { return p.locktimeVar.dur(10 * time.Millisecond) }

func (p *params) defBaseReachableTime() time.Duration {
	return p.defBaseReachable.dur(time.Millisecond)
}

// truesize is the memory Linux charges against unres_qlen_bytes for a
// queued packet of n bytes (see pkt.Truesize).
func truesize(n int) int { return pkt.Truesize(n) }
