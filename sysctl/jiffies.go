package sysctl

import "math"

// Time settings keep jiffies, as Linux does, so that a value written in one
// unit reads back rounded exactly as the kernel rounds it: with HZ=250,
// base_reachable_time_ms=1001 is 251 jiffies and reads back as 1004. The
// arithmetic below follows include/linux/jiffies.h and kernel/time/time.c
// for a 64-bit kernel, including its 32-bit truncations.

// userHZ is USER_HZ, the unit of the *_userhz_jiffies settings (1/100 s).
const userHZ = 100

// maxJiffyOffset is MAX_JIFFY_OFFSET on a 64-bit kernel.
const maxJiffyOffset = uint64(math.MaxInt64>>1) - 1

// clock converts between jiffies and the units /proc/sys shows.
type clock struct {
	hz uint64 // CONFIG_HZ
}

// tickNsec is TICK_NSEC.
func (c clock) tickNsec() uint64 { return (1e9 + c.hz/2) / c.hz }

// msecsToJiffies is msecs_to_jiffies(unsigned int m).
func (c clock) msecsToJiffies(m uint32) uint64 {
	if int32(m) < 0 {
		return maxJiffyOffset
	}
	if 1000%c.hz == 0 {
		d := 1000 / c.hz
		return (uint64(m) + d - 1) / d
	}
	return (uint64(m)*c.hz + 999) / 1000
}

// jiffiesToMsecs is jiffies_to_msecs, whose result is an unsigned int.
func (c clock) jiffiesToMsecs(j uint64) uint32 {
	if 1000%c.hz == 0 {
		return uint32(1000 / c.hz * j)
	}
	return uint32((j*1000 + c.hz - 1) / c.hz)
}

// clockToJiffies is clock_t_to_jiffies: USER_HZ ticks to jiffies.
func (c clock) clockToJiffies(x uint64) uint64 {
	if c.hz%userHZ == 0 {
		if x >= ^uint64(0)/(c.hz/userHZ) {
			return ^uint64(0)
		}
		return x * (c.hz / userHZ)
	}
	if x >= ^uint64(0)/c.hz*userHZ {
		return ^uint64(0)
	}
	return x * c.hz / userHZ
}

// jiffiesToClock is jiffies_to_clock_t: jiffies to USER_HZ ticks.
func (c clock) jiffiesToClock(x uint64) uint64 {
	t := c.tickNsec()
	if t%(1e9/userHZ) == 0 {
		if c.hz < userHZ {
			return x * (userHZ / c.hz)
		}
		return x / (c.hz / userHZ)
	}
	return x * t / (1e9 / userHZ)
}
