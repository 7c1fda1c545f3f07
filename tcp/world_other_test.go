//go:build !linux

package tcp_test

import "testing"

// worlds runs f on inet only: the kernel world needs Linux.
func worlds(t *testing.T, f func(t *testing.T, w world)) {
	t.Run("inet", func(t *testing.T) { f(t, newInetWorld(t)) })
}
