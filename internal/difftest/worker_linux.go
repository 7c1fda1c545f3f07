package difftest

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// worker is one OS thread living in a network namespace: every call it
// runs sees that namespace (sockets it creates belong to it, /proc/sys/net
// and /proc/thread-self/net are its) and the thread's own capabilities.
// The thread is never unlocked, so the runtime discards it when the
// worker stops instead of reusing a thread in the wrong namespace.
type worker struct {
	ch chan func()
}

func newWorker(t testing.TB, nsName string) *worker {
	t.Helper()
	w := &worker{ch: make(chan func())}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + nsName)
		if err != nil {
			errc <- err
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			errc <- fmt.Errorf("setns %s: %w", nsName, err)
			return
		}
		errc <- nil
		for fn := range w.ch {
			fn()
		}
	}()
	if err := <-errc; err != nil {
		t.Fatalf("worker in %s: %v", nsName, err)
	}
	t.Cleanup(func() { close(w.ch) })
	return w
}

// do runs fn on the worker's thread and waits for it.
func (w *worker) do(fn func()) {
	done := make(chan struct{})
	w.ch <- func() {
		defer close(done)
		fn()
	}
	<-done
}
