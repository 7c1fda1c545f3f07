package tcp_test

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// closeLingering closes c in a goroutine and reports when it returns.
func closeLingering(t *testing.T, c hsock, secs int) chan error {
	mustNil(t, c.setBytes(unix.SOL_SOCKET, unix.SO_LINGER, []byte{1, 0, 0, 0, byte(secs), 0, 0, 0}))
	done := make(chan error, 1)
	go func() { done <- c.close() }()
	return done
}

// returned reports whether close returned within d of real time (a
// blocked goroutine gives no other sign).
func returned(done chan error, d time.Duration) bool {
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// TestLingerBlocks: close with SO_LINGER and a time blocks until the FIN
// is acknowledged (and so does a non-blocking socket, as inet_release).
func TestLingerBlocks(t *testing.T) {
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	p.hold = true
	if _, err := c.send([]byte("data"), 0); err != nil {
		t.Fatal(err)
	}
	p.take()
	done := closeLingering(t, c, 5)
	fin := waitSegs(t, w, p)
	if len(fin) != 1 || !fin[0].has(fFIN) {
		t.Fatalf("no FIN: %s", segList(fin))
	}
	w.sleep(100 * time.Millisecond) // a retransmission perhaps, no return
	if returned(done, 50*time.Millisecond) {
		t.Fatal("close returned before the FIN was acknowledged")
	}
	p.rcv = fin[0].seq + 1
	x := p.mk(fACK, nil)
	x.ack = p.rcv
	p.send(x)
	if !returned(done, 5*time.Second) {
		t.Fatal("close still blocked after the FIN was acknowledged")
	}
}

// TestLingerTimeout: without an ACK, close returns after the linger time
// and the orphan keeps retransmitting its FIN.
func TestLingerTimeout(t *testing.T) {
	w := newInetWorld(t)
	p, c := establishedFor(t, w)
	p.hold = true
	done := closeLingering(t, c, 2)
	waitSegs(t, w, p)
	w.sleep(1900 * time.Millisecond)
	if returned(done, 50*time.Millisecond) {
		t.Fatal("close returned before the linger time")
	}
	w.sleep(200 * time.Millisecond)
	if !returned(done, 5*time.Second) {
		t.Fatal("close did not return after the linger time")
	}
	w.sleep(5 * time.Second)
	if segs := p.take(); len(segs) == 0 || !segs[0].has(fFIN) {
		t.Fatalf("the orphan stopped: %s", segList(segs))
	}
}

// waitSegs waits (in real time) for what a goroutine made the host send.
func waitSegs(t *testing.T, w *inetWorld, p *peer) []seg {
	for i := 0; i < 200; i++ {
		if segs := p.take(); len(segs) > 0 {
			return segs
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("nothing sent")
	return nil
}
