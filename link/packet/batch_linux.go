package packet

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/pkt"
)

// reader is the state of the reader goroutine: recvmmsg vectors for a
// whole batch, each message scattered into a virtio_net_hdr slot and a
// pooled buffer.
type reader struct {
	e     *Endpoint
	size  int // frame room in each buffer
	bufs  [link.MaxBatch]*pkt.Buffer
	vnet  [link.MaxBatch][vnetHdrLen]byte
	names [link.MaxBatch]unix.RawSockaddrLinklayer
	iovs  [link.MaxBatch][2]unix.Iovec
	msgs  [link.MaxBatch]unix.Mmsghdr
	out   [link.MaxBatch]*pkt.Buffer
	nout  int
	err   error
}

// Take hands over the frames read (fdio.Reader).
func (r *reader) Take() ([]*pkt.Buffer, error) {
	out, err := r.out[:r.nout], r.err
	r.nout, r.err = 0, nil
	return out, err
}

// ReleaseAll frees the reader's buffers.
func (r *reader) ReleaseAll() {
	for i, b := range r.bufs {
		b.Release()
		r.bufs[i] = nil
	}
	for i := range r.nout {
		r.out[i].Release()
		r.out[i] = nil
	}
}

// prepare points every message at a buffer of full size.
func (r *reader) prepare() {
	for i := range r.msgs {
		b := r.bufs[i]
		if b == nil {
			b = pkt.Get(pkt.DefaultHeadroom, r.size)
			r.bufs[i] = b
		}
		p := b.Bytes()
		iov := &r.iovs[i]
		iov[0].Base = &r.vnet[i][0]
		iov[0].SetLen(vnetHdrLen)
		iov[1].Base = &p[0]
		iov[1].SetLen(len(p))
		h := &r.msgs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Namelen = unix.SizeofSockaddrLinklayer
		h.Iov = &iov[0]
		h.SetIovlen(2)
		h.Flags = 0
		r.msgs[i].Len = 0
	}
}

// Read receives what is readable without blocking, one recvmmsg at a
// time, until it has frames to deliver. It returns false (wait for the
// poller) only when it has none.
func (r *reader) Read(fd uintptr) bool {
	for {
		r.prepare()
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.msgs[0])),
			uintptr(len(r.msgs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return r.nout > 0
		case unix.EINVAL:
			// packet_rcv_vnet could not describe a frame's GSO
			// type; the frame is consumed.
			r.e.fd.RxDropped.Add(1)
			continue
		case unix.ENETDOWN:
			// Reported once when the interface goes down; the
			// socket receives again when it comes back up.
			if r.nout > 0 {
				return true
			}
			continue
		default:
			r.err = e
			return true
		}
		for i := range int(n) {
			r.take(i)
		}
		if r.nout > 0 {
			return true
		}
	}
}

// take moves message i's frame to the output batch, or leaves its buffer
// for reuse when the frame is dropped.
func (r *reader) take(i int) {
	m := &r.msgs[i]
	if r.names[i].Pkttype == unix.PACKET_OUTGOING {
		return
	}
	if m.Hdr.Flags&unix.MSG_TRUNC != 0 || m.Len < vnetHdrLen {
		r.e.fd.RxDropped.Add(1)
		return
	}
	h := decodeVnetHdr(&r.vnet[i])
	if h.isGSO() {
		r.e.rxGSO.Add(1)
		return
	}
	b := r.bufs[i]
	r.bufs[i] = nil
	b.Truncate(int(m.Len) - vnetHdrLen)
	if h.needsChecksum() && !completeChecksum(b.Bytes(), h) {
		r.e.fd.RxDropped.Add(1)
		b.Release()
		return
	}
	b.PktType = r.names[i].Pkttype
	r.out[r.nout] = b
	r.nout++
}

// writer sends one batch with sendmmsg, each frame behind an all-zero
// virtio_net_hdr (no GSO, checksum complete).
type writer struct {
	pkts []*pkt.Buffer
	i    int
	err  error
	zero [vnetHdrLen]byte
	iovs [link.MaxBatch][2]unix.Iovec
	msgs [link.MaxBatch]unix.Mmsghdr
}

func (w *writer) Start(pkts []*pkt.Buffer) { w.pkts, w.i, w.err = pkts, 0, nil }

func (w *writer) Done() (int, error) {
	n, err := w.i, w.err
	w.pkts = nil
	return n, err
}

// Write is the RawConn.Write callback.
func (w *writer) Write(fd uintptr) bool {
	for w.i < len(w.pkts) {
		k := min(len(w.pkts)-w.i, link.MaxBatch)
		for j := range k {
			p := w.pkts[w.i+j].Bytes()
			iov := &w.iovs[j]
			iov[0].Base = &w.zero[0]
			iov[0].SetLen(vnetHdrLen)
			iov[1].Base = &p[0]
			iov[1].SetLen(len(p))
			h := &w.msgs[j].Hdr
			h.Iov = &iov[0]
			h.SetIovlen(2)
		}
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&w.msgs[0])),
			uintptr(k), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			if n == 0 {
				return false
			}
			w.i += int(n)
		case unix.EINTR:
		case unix.EAGAIN:
			return false
		default:
			w.err = e
			return true
		}
	}
	return true
}
