package nstest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// A namespace left by a test process that died is removed by the next
// process's first New; one whose process lives is kept.
func TestRemoveStale(t *testing.T) {
	Require(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("inet-%d-1", dead.Process.Pid)
	alive := fmt.Sprintf("inet-%d-999999", 1) // PID 1 always lives
	for _, n := range []string{stale, alive} {
		if out, err := exec.Command("ip", "netns", "add", n).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v: %s", n, err, out)
		}
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", stale).Run()
		_ = exec.Command("ip", "netns", "del", alive).Run()
	})
	removeStale()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names[f[0]] = true
		}
	}
	if names[stale] {
		t.Errorf("%s (its process is gone) was not removed", stale)
	}
	if !names[alive] {
		t.Errorf("%s (its process lives) was removed", alive)
	}
	ns := New(t)
	ns.MustRun("true")
}
