package sysctl

import (
	"math"
	"strings"

	"golang.org/x/sys/unix"
)

// This file holds the linkages between settings that Linux's handlers
// implement, each checked on the kernel by sysctl_kernel_test.go.

var errNoEnt error = unix.ENOENT

// varLocked returns a setting by exact name; the caller holds wmu.
func (t *Table) varLocked(name string) *Var { return t.vars[name] }

// copyDefaultLocked copies a "default" entry's value to every interface
// whose own entry was never written: devinet_copy_dflt_conf for
// net.ipv4.conf, neigh_copy_dflt_parms for net.ipv4.neigh.
func (t *Table) copyDefaultLocked(v *Var) {
	for _, dev := range t.devs {
		w := t.varLocked(v.spec.nameFor(dev))
		if w == nil || w.c.explicit {
			continue
		}
		for i := range v.c.raw {
			w.c.storeLocked(i, v.c.raw[i].Load())
		}
	}
}

// forwardingChanged is devinet_sysctl_forward: when
// net.ipv4.conf.all.forwarding (which net.ipv4.ip_forward shows) changes,
// inet_forward_change sets forwarding on "default" and on every
// interface to the new value, and conf.all.accept_redirects to its
// negation. Writes to "default" or to one interface change only that
// entry.
func forwardingChanged(t *Table, v *Var) {
	all := t.varLocked("net.ipv4.conf.all.forwarding")
	if v.c != all.c {
		return
	}
	on := all.c.raw[0].Load()
	redirects := int64(0)
	if on == 0 {
		redirects = 1
	}
	t.varLocked("net.ipv4.conf.all.accept_redirects").c.storeLocked(0, redirects)
	for _, dev := range append([]string{"default"}, t.devs...) {
		c := t.varLocked("net.ipv4.conf." + dev + ".forwarding").c
		c.storeLocked(0, on)
		c.explicit = true // IN_DEV_CONF_SET marks it
	}
}

// checkLocalPortRange is ipv4_local_port_range: after each end passed
// 1..65535, the range must not be reversed nor start below
// ip_unprivileged_port_start.
func checkLocalPortRange(t *Table, vals []int64) error {
	if vals[1] < vals[0] || vals[0] < int64(t.varLocked("net.ipv4.ip_unprivileged_port_start").c.raw[0].Load()) {
		return unix.EINVAL
	}
	return nil
}

// checkUnprivilegedPorts is ipv4_privileged_ports: the local port range
// must not start below the new value.
func checkUnprivilegedPorts(t *Table, vals []int64) error {
	if t.varLocked("net.ipv4.ip_local_port_range").c.raw[0].Load() < vals[0] {
		return unix.EINVAL
	}
	return nil
}

// gidMax is GID_T_MAX, ping_group_range's bound.
const gidMax = math.MaxUint32 - 1

// checkPingGroupRange is ipv4_ping_group_range: both ends within
// 0..GID_T_MAX; a reversed range is stored as "1 0", which admits no
// group.
func checkPingGroupRange(_ *Table, vals []int64) error {
	for _, x := range vals {
		if uint64(x) > gidMax {
			return unix.EINVAL
		}
	}
	if vals[1] < vals[0] {
		vals[0], vals[1] = 1, 0
	}
	return nil
}

// checkFragHigh and checkFragLow are the bounds inet_frags' sysctls give
// each other: low_thresh <= high_thresh.
func checkFragHigh(t *Table, vals []int64) error {
	if uint64(vals[0]) < uint64(t.varLocked("net.ipv4.ipfrag_low_thresh").c.raw[0].Load()) {
		return unix.EINVAL
	}
	return nil
}

func checkFragLow(t *Table, vals []int64) error {
	if uint64(vals[0]) > uint64(t.varLocked("net.ipv4.ipfrag_high_thresh").c.raw[0].Load()) {
		return unix.EINVAL
	}
	return nil
}

// checkReordering: tcp_reordering's upper bound is the namespace's
// tcp_max_reordering at the time of the write.
func checkReordering(t *Table, vals []int64) error {
	if vals[0] > t.varLocked("net.ipv4.tcp_max_reordering").c.raw[0].Load() {
		return unix.EINVAL
	}
	return nil
}

// checkProbeInterval: tcp_probe_interval is at most UINT_MAX/HZ seconds.
func checkProbeInterval(t *Table, vals []int64) error {
	if uint64(vals[0]) > math.MaxUint32/t.clk.hz {
		return unix.EINVAL
	}
	return nil
}

// checkCongestionControl is tcp_set_default_congestion_control: ENOENT for
// an algorithm that is not available, EPERM (outside the initial
// namespace) for one that is not in tcp_allowed_congestion_control.
func checkCongestionControl(t *Table, name string) error {
	if !inList(t.varLocked("net.ipv4.tcp_available_congestion_control").String(), name) {
		return unix.ENOENT
	}
	if !inList(t.varLocked("net.ipv4.tcp_allowed_congestion_control").String(), name) {
		return unix.EPERM
	}
	return nil
}

func inList(list, name string) bool {
	for _, f := range strings.Fields(list) {
		if f == name {
			return true
		}
	}
	return false
}
