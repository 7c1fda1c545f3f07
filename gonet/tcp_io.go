package gonet

import (
	"io"
	"net"
	"sync"
)

// Read reads what has arrived, up to len(b) bytes, blocking until
// something has (read(2)). At the end of the stream (the peer's FIN, or
// after CloseRead) it returns io.EOF, unwrapped, as net does. An empty b
// returns at once.
func (c *TCPConn) Read(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opError("read", net.ErrClosed)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if c.rdl.expired() {
		return 0, c.opError("read", errDeadline)
	}
	n, err := c.so.Recv(b, 0)
	if err != nil {
		return 0, c.opError("read", c.cause("read", err))
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write queues all of b for sending, blocking while the send buffer is
// full (write(2), repeated as net's poller repeats it). It returns len(b)
// or, with the error, how many bytes were queued before the deadline, a
// reset or Close stopped it.
func (c *TCPConn) Write(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opError("write", net.ErrClosed)
	}
	if c.wdl.expired() {
		return 0, c.opError("write", errDeadline)
	}
	nn := 0
	for {
		n, err := c.so.Send(b[nn:], 0)
		nn += n
		if err != nil {
			return nn, c.opError("write", c.cause("write", err))
		}
		if nn == len(b) {
			return nn, nil
		}
		if n == 0 {
			return nn, c.opError("write", io.ErrUnexpectedEOF)
		}
	}
}

// copyBufSize is the chunk ReadFrom and WriteTo move per call: large
// enough that a bulk transfer costs few socket calls.
const copyBufSize = 64 << 10

var copyBufPool = sync.Pool{New: func() any {
	b := make([]byte, copyBufSize)
	return &b
}}

// ReadFrom implements io.ReaderFrom: it writes what it reads from r until
// r reports io.EOF, through a pooled buffer (net's generic ReadFrom, which
// io.Copy(conn, r) reaches). Errors are a *net.OpError with Op "readfrom"
// around r's error or Write's.
func (c *TCPConn) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var total int64
	for {
		nr, rerr := r.Read(buf)
		if nr > 0 {
			nw, werr := c.Write(buf[:nr])
			total += int64(nw)
			if werr != nil {
				return total, c.opError("readfrom", werr)
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, c.opError("readfrom", rerr)
		}
	}
}

// WriteTo implements io.WriterTo: it writes to w what it reads until the
// end of the stream (net's generic WriteTo: w's ReadFrom if it has one, a
// pooled buffer otherwise). Errors are a *net.OpError with Op "writeto"
// around Read's error or w's.
func (c *TCPConn) WriteTo(w io.Writer) (int64, error) {
	var n int64
	var err error
	if rf, ok := w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(readerOnly{c})
	} else {
		n, err = c.copyTo(w)
	}
	if err != nil && err != io.EOF {
		err = c.opError("writeto", err)
	}
	return n, err
}

// copyTo is io.Copy(w, c) through a pooled buffer.
func (c *TCPConn) copyTo(w io.Writer) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var total int64
	for {
		nr, rerr := c.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			total += int64(nw)
			if werr != nil {
				return total, werr
			}
			if nw != nr {
				return total, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// readerOnly hides TCPConn's WriteTo from a ReadFrom that would call it
// back.
type readerOnly struct{ io.Reader }
