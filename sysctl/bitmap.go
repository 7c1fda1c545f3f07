package sysctl

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// portBits is the 65536-bit set behind ip_local_reserved_ports.
type portBits [65536 / 64]uint64

const bitmapLen = 65536

func (b *portBits) has(i uint64) bool { return i < bitmapLen && b[i/64]&(1<<(i%64)) != 0 }

func (b *portBits) setRange(lo, hi uint64) {
	for i := lo; i <= hi; i++ {
		b[i/64] |= 1 << (i % 64)
	}
}

// String prints the set as proc_do_large_bitmap does: ranges "a-b" and
// single values, comma separated, ascending.
func (b *portBits) String() string {
	var sb strings.Builder
	for i := uint64(0); i < bitmapLen; i++ {
		if !b.has(i) {
			continue
		}
		j := i
		for j+1 < bitmapLen && b.has(j+1) {
			j++
		}
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatUint(i, 10))
		if j > i {
			sb.WriteByte('-')
			sb.WriteString(strconv.FormatUint(j, 10))
		}
		i = j
	}
	return sb.String()
}

var (
	bitmapTrA = []byte{'-', ',', '\n'} // may follow a range's first value
	bitmapTrB = []byte{',', '\n', 0}   // may follow a range's last value
)

// parseBitmap is proc_do_large_bitmap's write path for a write at offset 0:
// the result replaces the whole set. A write longer than a page is cut
// there, and a number the cut splits is left out, as the kernel leaves it
// for a next write(2) that this single-write model never makes.
func parseBitmap(b []byte) (*portBits, error) {
	skipped := false
	if len(b) > maxWrite {
		b = b[:maxWrite]
		skipped = true
	}
	set := new(portBits)
	p := skipChar(b, '\n')
	c := -1 // the kernel's c persists from one number to the next
	for len(p) > 0 {
		saved := p
		a, rest, err := getLong(p, bitmapTrA)
		p = rest
		if len(p) <= 1 && skipped {
			p = saved
			break
		}
		if err != nil {
			return nil, err
		}
		if a.next >= 0 {
			c = a.next
		}
		if a.mag >= bitmapLen || a.neg {
			return nil, unix.EINVAL
		}
		hi := a.mag
		if len(p) > 0 {
			p = p[1:]
		}
		if c == '-' {
			bn, rest, err := getLong(p, bitmapTrB)
			p = rest
			if len(p) == 0 && skipped {
				p = saved
				break
			}
			if err != nil {
				return nil, err
			}
			if bn.next >= 0 {
				c = bn.next
			}
			if bn.mag >= bitmapLen || bn.neg || a.mag > bn.mag {
				return nil, unix.EINVAL
			}
			hi = bn.mag
			if len(p) > 0 {
				p = p[1:]
			}
		}
		set.setRange(a.mag, hi)
		p = skipChar(p, '\n')
	}
	return set, nil
}
