package sysctl

import (
	"math"

	"golang.org/x/sys/unix"
)

// This file reads numbers out of a write the way Linux's proc handlers do
// (kernel/sysctl.c: proc_skip_spaces, proc_get_long, strtoul_lenient).

// maxWrite is PAGE_SIZE-1: the numeric handlers look at no more of a write
// than this; the rest is ignored.
const maxWrite = 4095

// tmpBufLen is TMPBUFLEN: proc_get_long copies at most tmpBufLen-1 bytes of
// a number, and refuses a number that fills them.
const tmpBufLen = 22

// wspaceSep lists what may follow a number in an integer vector
// (proc_wspace_sep).
var wspaceSep = []byte{' ', '\t', '\n'}

// isSpace is the kernel's isspace: the C white space characters and the
// Latin-1 no-break space 0xA0, which the kernel's ctype table marks as
// space.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0xa0:
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isXDigit(c byte) bool {
	return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f')
}

// skipSpaces is proc_skip_spaces.
func skipSpaces(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// skipChar is proc_skip_char: it drops every leading c.
func skipChar(b []byte, c byte) []byte {
	for len(b) > 0 && b[0] == c {
		b = b[1:]
	}
	return b
}

// number is one value read by getLong.
type number struct {
	mag  uint64 // the digits' value
	neg  bool   // a leading '-' was given
	next int    // the byte right after the number, or -1 at the end of the write
}

// getLong is proc_get_long: it reads one number (decimal, 0x hex or 0 octal,
// with an optional leading '-') from the start of b. perm lists the bytes
// allowed right after the number; anything else there is EINVAL. It returns
// the number and the rest of b, which starts at the byte after the number.
func getLong(b []byte, perm []byte) (number, []byte, error) {
	size := len(b)
	if size == 0 {
		return number{}, b, unix.EINVAL
	}
	n := min(size, tmpBufLen-1)
	tmp := b[:n] // the kernel's copy; past its end it reads a NUL
	at := func(i int) byte {
		if i < n {
			return tmp[i]
		}
		return 0
	}
	var num number
	p := 0
	if tmp[0] == '-' && size > 1 {
		num.neg = true
		p++
	}
	if !isDigit(at(p)) {
		return number{}, b, unix.EINVAL
	}
	mag, end, ok := strtoul(at, p)
	if !ok || end == tmpBufLen-1 {
		// Too large, or it fills the copy: the kernel cannot tell what
		// follows, so it refuses.
		return number{}, b, unix.EINVAL
	}
	num.mag = mag
	num.next = -1
	if end < size {
		c := b[end]
		if perm != nil && !contains(perm, c) {
			return number{}, b, unix.EINVAL
		}
		num.next = int(c)
	}
	return num, b[end:], nil
}

func contains(set []byte, c byte) bool {
	for _, x := range set {
		if x == c {
			return true
		}
	}
	return false
}

// strtoul is strtoul_lenient with base 0 over the bytes at(p), at(p+1)...:
// "0x" followed by a hex digit selects hex, a leading 0 octal, otherwise
// decimal. It returns the value, the index after the last digit, and false
// if the value overflows 64 bits.
func strtoul(at func(int) byte, p int) (uint64, int, bool) {
	base := uint64(10)
	if at(p) == '0' {
		if at(p+1)|0x20 == 'x' && isXDigit(at(p+2)) {
			base = 16
			p += 2
		} else {
			base = 8
		}
	}
	var res uint64
	overflow := false
	for ; ; p++ {
		c := at(p)
		var d uint64
		switch {
		case isDigit(c):
			d = uint64(c - '0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = uint64(c|0x20-'a') + 10
		default:
			return res, p, !overflow
		}
		if d >= base {
			return res, p, !overflow
		}
		// _parse_integer_limit's overflow test.
		if res&^(uint64(1)<<60-1) != 0 && res > (math.MaxUint64-d)/base {
			overflow = true
		}
		res = res*base + d
	}
}
