package neigh

import (
	"time"

	"github.com/seed96fbdc48/inet/sysctl"
)

// param is one neighbour setting: the interface's Var (or the "default"
// one), read on every use so that writes take effect at once, and Linux's
// default for when neither exists.
type param struct {
	v   *sysctl.Var
	def int
}

func (p param) get() int {
	if p.v == nil {
		return p.def
	}
	return p.v.Int()
}

// params are the NEIGH_VAR()s of one interface (struct neigh_parms) and the
// table-wide thresholds (struct neigh_table), with arp_tbl's defaults.
type params struct {
	baseReachableMS param // base_reachable_time_ms
	retransMS       param // retrans_time_ms
	delayProbeS     param // delay_first_probe_time, seconds
	gcStaleS        param // gc_stale_time, seconds
	mcastSolicit    param
	ucastSolicit    param
	appSolicit      param
	mcastResolicit  param
	unresQlenBytes  param
	locktimeCS      param // locktime, in USER_HZ (1/100 s)

	// Table-wide, from net.ipv4.neigh.default only (arp_tbl's own parms).
	defBaseReachableMS param
	gcThresh1          param
	gcThresh2          param
	gcThresh3          param
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
	return params{
		baseReachableMS:    get("base_reachable_time_ms", 30000),
		retransMS:          get("retrans_time_ms", 1000),
		delayProbeS:        get("delay_first_probe_time", 5),
		gcStaleS:           get("gc_stale_time", 60),
		mcastSolicit:       get("mcast_solicit", 3),
		ucastSolicit:       get("ucast_solicit", 3),
		appSolicit:         get("app_solicit", 0),
		mcastResolicit:     get("mcast_resolicit", 0),
		unresQlenBytes:     get("unres_qlen_bytes", 212992),
		locktimeCS:         get("locktime", 100),
		defBaseReachableMS: getDef("base_reachable_time_ms", 30000),
		gcThresh1:          getDef("gc_thresh1", 128),
		gcThresh2:          getDef("gc_thresh2", 512),
		gcThresh3:          getDef("gc_thresh3", 1024),
	}
}

func (p *params) baseReachable() time.Duration {
	return time.Duration(p.baseReachableMS.get()) * time.Millisecond
}

// retrans is max(RETRANS_TIME, HZ/100), as the timer handler uses it.
func (p *params) retrans() time.Duration {
	return max(time.Duration(p.retransMS.get())*time.Millisecond, minTimer)
}

func (p *params) delayProbe() time.Duration {
	return time.Duration(p.delayProbeS.get()) * time.Second
}

func (p *params) gcStale() time.Duration {
	return time.Duration(p.gcStaleS.get()) * time.Second
}

func (p *params) locktime() time.Duration {
	return time.Duration(p.locktimeCS.get()) * 10 * time.Millisecond
}

// minTimer is HZ/100: the shortest delay the neighbour timer is re-armed
// with.
const minTimer = 10 * time.Millisecond

// truesize is the skb->truesize Linux charges against unres_qlen_bytes for
// a locally generated datagram (UDP, ICMP, raw) of n bytes from the IP
// header on an Ethernet device, measured on Linux 6.18: __ip_append_data
// allocates n + LL_RESERVED_SPACE (16) + 15 bytes; __alloc_skb aligns that
// to SMP_CACHE_BYTES (64) and adds skb_shared_info (320); kmalloc_reserve
// serves up to 576 bytes from skb_small_head_cache and larger sizes from
// power-of-two caches; truesize adds the sk_buff itself (256). So the
// default 212992 bytes hold 256 packets of up to 225 bytes, 166 of 226 to
// 673 bytes, 92 of 674 to 1697 bytes.
func truesize(n int) int {
	obj := (n+31+63)&^63 + 320
	if obj <= 576 {
		obj = 576
	} else {
		b := 1024
		for b < obj {
			b <<= 1
		}
		obj = b
	}
	return obj + 256
}

func (p *params) defBaseReachable() time.Duration {
	return time.Duration(p.defBaseReachableMS.get()) * time.Millisecond
}
