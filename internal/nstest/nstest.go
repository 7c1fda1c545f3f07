// Package nstest gives tests that touch the kernel a network namespace of
// their own, following the project's rules for anything that sends packets:
// only namespaces the test creates, only 198.18.0.0/15 and loopback inside
// them, everything removed afterwards (also when the test fails), and
// processes ended by their own PID.
//
// Tests that need it skip, with a clear message, where they cannot create
// namespaces (not root, no iproute2). Set INET_REQUIRE_NETNS=1 (CI does) to
// turn those skips into failures.
package nstest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// NS is a network namespace made for one test.
type NS struct {
	name string
	t    testing.TB
}

var seq atomic.Uint32

// Available reports whether namespaces can be made here, and why not.
func Available() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "needs root to create network namespaces"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false, "needs the ip command (iproute2)"
	}
	return true, ""
}

// Require skips t (or fails it under INET_REQUIRE_NETNS=1) when namespaces
// cannot be made.
func Require(t testing.TB) {
	t.Helper()
	if ok, why := Available(); !ok {
		if os.Getenv("INET_REQUIRE_NETNS") == "1" {
			t.Fatalf("kernel test cannot run: %s (INET_REQUIRE_NETNS=1)", why)
		}
		t.Skipf("kernel test skipped: %s", why)
	}
}

// RequireTool skips (or fails under INET_REQUIRE_NETNS=1) when a command
// the test drives is not installed.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("INET_REQUIRE_NETNS") == "1" {
			t.Fatalf("kernel test needs %s, which is not installed", name)
		}
		t.Skipf("kernel test skipped: %s is not installed", name)
	}
	return p
}

// New creates a fresh namespace with its loopback up, and removes it when
// the test ends.
func New(t testing.TB) *NS {
	t.Helper()
	Require(t)
	sweep.Do(removeStale)
	name := fmt.Sprintf("inet-%d-%d", os.Getpid(), seq.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	ns := &NS{name: name, t: t}
	t.Cleanup(func() {
		// Processes still inside are killed by PID first, so the
		// namespace can go.
		killInside(name)
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	ns.MustRun("ip", "link", "set", "lo", "up")
	return ns
}

var sweep sync.Once

// removeStale removes the namespaces an earlier test process made and
// could not remove because it was killed (a go test timeout, a signal):
// those named inet-PID-N whose PID no longer exists. Their processes are
// killed by PID first. Nothing else is touched.
func removeStale() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var pid, n int
		name := f[0]
		if k, err := fmt.Sscanf(name, "inet-%d-%d", &pid, &n); err != nil || k != 2 || name != fmt.Sprintf("inet-%d-%d", pid, n) {
			continue
		}
		if pid <= 0 || pid == os.Getpid() || unix.Kill(pid, 0) != unix.ESRCH {
			continue // ours, or its process is alive
		}
		killInside(name)
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
}

// killInside kills every process in namespace name by its PID.
func killInside(name string) {
	out, err := exec.Command("ip", "netns", "pids", name).Output()
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(out)) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil && pid > 1 && pid != os.Getpid() {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// Name returns the namespace's name, as ip netns knows it.
func (ns *NS) Name() string { return ns.name }

// Command returns a command that runs inside the namespace.
func (ns *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
}

// Run runs a command inside the namespace with a 60 s bound and returns its
// combined output.
func (ns *NS) Run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var buf bytes.Buffer
	cmd := ns.Command(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.Bytes(), err
}

// MustRun is Run that fails the test on error.
func (ns *NS) MustRun(name string, args ...string) []byte {
	ns.t.Helper()
	out, err := ns.Run(name, args...)
	if err != nil {
		ns.t.Fatalf("in %s: %s %s: %v: %s", ns.name, name, strings.Join(args, " "), err, out)
	}
	return out
}

// Start starts a command inside the namespace in the background; it is
// killed by its PID when the test ends.
func (ns *NS) Start(name string, args ...string) (*exec.Cmd, *Output) {
	ns.t.Helper()
	buf := new(Output)
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
	cmd.Stdout, cmd.Stderr = buf, buf
	// A process group of its own, led by the started process, so that
	// children it forks (socat fork, a shell's pipeline) go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		ns.t.Fatalf("start %s: %v", name, err)
	}
	pid := cmd.Process.Pid
	ns.t.Cleanup(func() {
		_ = unix.Kill(-pid, unix.SIGKILL)
		_ = cmd.Wait()
	})
	return cmd, buf
}

// Do runs f on an OS thread switched into the namespace, then switches the
// thread back. File descriptors f opens (a TUN device, an AF_PACKET or
// netlink socket) stay bound to the namespace after Do returns.
func (ns *NS) Do(f func() error) error {
	target, err := os.Open("/run/netns/" + ns.name)
	if err != nil {
		return err
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		// The thread is locked and never unlocked if switching back
		// fails, so the runtime discards it rather than reuse a thread
		// in the wrong namespace.
		runtime.LockOSThread()
		self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			errc <- err
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Output collects a background process's stdout and stderr; it can be read
// while the process runs.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer // guarded by mu
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns what was written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
