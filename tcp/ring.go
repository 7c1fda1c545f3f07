package tcp

import (
	"math/bits"
	"sync"
)

// ring is a growable byte ring buffer: the send queue (unacknowledged and
// unsent bytes from snd_una on) and the receive queue (in-order bytes not
// yet read). Its storage comes from size-classed pools and goes back when
// the ring empties, so an idle connection holds no buffer and a busy one
// reuses the same few.
type ring struct {
	buf  []byte
	bufp *[]byte // the pooled slice buf is, to give back
	head int     // index of the first byte
	n    int     // bytes held
}

// Size classes: 4 KiB << i.
const (
	ringMinShift = 12
	ringClasses  = 14 // up to 32 MiB
)

var ringPools [ringClasses]sync.Pool

func ringClass(size int) int {
	c := bits.Len(uint(size-1)) - ringMinShift
	return max(c, 0)
}

func getRingBuf(size int) *[]byte {
	c := ringClass(size)
	if c >= ringClasses {
		b := make([]byte, size)
		return &b
	}
	if p, _ := ringPools[c].Get().(*[]byte); p != nil {
		return p
	}
	b := make([]byte, 1<<(c+ringMinShift))
	return &b
}

func putRingBuf(p *[]byte) {
	if p == nil {
		return
	}
	c := ringClass(len(*p))
	if c < ringClasses && len(*p) == 1<<(c+ringMinShift) {
		ringPools[c].Put(p)
	}
}

func (r *ring) len() int { return r.n }

// grow makes room for at least need more bytes.
func (r *ring) grow(need int) {
	if r.n+need <= len(r.buf) {
		return
	}
	nb := getRingBuf(max(r.n+need, 2*len(r.buf)))
	r.copyOut(*nb, 0, r.n)
	putRingBuf(r.bufp)
	r.buf, r.bufp, r.head = *nb, nb, 0
}

// write appends p.
func (r *ring) write(p []byte) {
	if len(p) == 0 {
		return
	}
	r.grow(len(p))
	tail := (r.head + r.n) % len(r.buf)
	k := copy(r.buf[tail:], p)
	if k < len(p) {
		copy(r.buf, p[k:])
	}
	r.n += len(p)
}

// copyOut copies n bytes starting off bytes after head into dst.
func (r *ring) copyOut(dst []byte, off, n int) int {
	if off >= r.n || n <= 0 {
		return 0
	}
	n = min(n, r.n-off, len(dst))
	if len(r.buf) == 0 {
		return 0
	}
	start := (r.head + off) % len(r.buf)
	k := copy(dst[:n], r.buf[start:])
	if k < n {
		copy(dst[k:n], r.buf[:n-k])
	}
	return n
}

// discard drops n bytes from the front; an emptied ring gives its storage
// back.
func (r *ring) discard(n int) {
	n = min(n, r.n)
	if n == 0 {
		return
	}
	r.head = (r.head + n) % len(r.buf)
	r.n -= n
	if r.n == 0 {
		r.release()
	}
}

// release gives the storage back.
func (r *ring) release() {
	putRingBuf(r.bufp)
	*r = ring{}
}

// byteAt returns the byte off bytes after head.
func (r *ring) byteAt(off int) byte { return r.buf[(r.head+off)%len(r.buf)] }
