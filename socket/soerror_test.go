package socket_test

import (
	"testing"

	"golang.org/x/sys/unix"
)

// SO_ERROR is sk_getsockopt's: the pending error, cleared, or else the
// soft error (sk_err_soft), which the read clears too. A soft error alone
// neither raises POLLERR nor fails a call.
func TestSOErrorReadsTheSoftError(t *testing.T) {
	_, s := udpPair(t)
	for _, typ := range []int{unix.SOCK_STREAM, unix.SOCK_DGRAM} {
		so, err := s.Socket(unix.AF_INET, typ, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer so.Close()
		b := so.Base()
		soError := func() int {
			t.Helper()
			v, err := so.GetsockoptInt(unix.SOL_SOCKET, unix.SO_ERROR)
			if err != nil {
				t.Fatalf("type %d: SO_ERROR: %v", typ, err)
			}
			return v
		}
		b.SetSoftError(unix.EHOSTUNREACH)
		if ev := so.Poll(unix.POLLIN | unix.POLLOUT); ev&unix.POLLERR != 0 {
			t.Errorf("type %d: a soft error raised POLLERR: %#x", typ, ev)
		}
		if v := soError(); v != int(unix.EHOSTUNREACH) {
			t.Errorf("type %d: SO_ERROR = %d with a soft error, want EHOSTUNREACH", typ, v)
		}
		if v := soError(); v != 0 {
			t.Errorf("type %d: second SO_ERROR = %d, want 0 (the read clears the soft error)", typ, v)
		}
		// The hard error comes first; the soft one waits for the next read.
		b.SetSoftError(unix.EHOSTUNREACH)
		b.SetError(unix.ECONNREFUSED)
		for i, want := range []unix.Errno{unix.ECONNREFUSED, unix.EHOSTUNREACH, 0} {
			if v := soError(); v != int(want) {
				t.Errorf("type %d: SO_ERROR #%d = %d, want %d", typ, i+1, v, want)
			}
		}
	}
}
