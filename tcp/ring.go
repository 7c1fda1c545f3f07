package tcp

// ring is a growable byte ring buffer: the send queue (unacknowledged and
// unsent bytes from snd_una on) and the receive queue (in-order bytes not
// yet read).
type ring struct {
	buf  []byte
	head int // index of the first byte
	n    int // bytes held
}

func (r *ring) len() int { return r.n }

// grow makes room for at least need more bytes.
func (r *ring) grow(need int) {
	if r.n+need <= len(r.buf) {
		return
	}
	size := max(len(r.buf)*2, 4096)
	for size < r.n+need {
		size *= 2
	}
	nb := make([]byte, size)
	r.copyOut(nb, 0, r.n)
	r.buf, r.head = nb, 0
}

// write appends p.
func (r *ring) write(p []byte) {
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

// discard drops n bytes from the front.
func (r *ring) discard(n int) {
	n = min(n, r.n)
	if n == 0 {
		return
	}
	r.head = (r.head + n) % len(r.buf)
	r.n -= n
	if r.n == 0 {
		r.head = 0
	}
}

// release frees the storage.
func (r *ring) release() { *r = ring{} }

// byteAt returns the byte off bytes after head.
func (r *ring) byteAt(off int) byte { return r.buf[(r.head+off)%len(r.buf)] }
