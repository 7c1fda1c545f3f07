package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The binary the command-line tests run, built once per test run.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// inetBinary builds cmd/inet into a temporary directory any user can read
// (the permission test runs it as nobody) and returns its path.
func inetBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binDir, buildErr = os.MkdirTemp("", "inet-cmd-test-")
		if buildErr != nil {
			return
		}
		if buildErr = os.Chmod(binDir, 0o755); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "inet")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(err.Error() + ": " + string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building cmd/inet: %v", buildErr)
	}
	return binPath
}

// result is what one run of the command did.
type result struct {
	stdout, stderr string
	code           int
}

// runCmd runs cmd (bounded by its context) and collects its output and
// exit status.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return r
}

// checkOneLine checks an error exit: status code and exactly one line on
// stderr, starting "inet: ", containing want, with no Go stack trace.
func checkOneLine(t *testing.T, args string, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("inet %s: exit status %d, want %d (stderr %q)", args, r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("inet %s: stderr %q, want exactly one line", args, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "inet: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("inet %s: stderr %q, want \"inet: ...%s...\"", args, r.stderr, want)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("inet %s: stderr %q looks like a stack trace", args, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("inet %s: stdout %q, want nothing", args, r.stdout)
	}
}

// usageCases are command lines that are mistakes whatever the machine:
// exit status 2, one line on stderr, before any device is touched.
var usageCases = []struct {
	args string
	want string
}{
	{"serve --tun x --addr nonsense", `--addr "nonsense": want an IPv4 address with a prefix length`},
	{"serve --tun x --addr 2001:db8::1/64", `--addr "2001:db8::1/64"`},
	{"serve --tun x --addr 198.18.0.2", `--addr "198.18.0.2"`},
	{"serve --tun x", "give at least one --addr CIDR"},
	{"serve --addr 198.18.0.2/24", "give --tun NAME or --veth NAME"},
	{"serve --tun x --veth y --addr 198.18.0.2/24", "give --tun or --veth, not both"},
	{"serve --veth y --mtu 1400 --addr 198.18.0.2/24", "--mtu applies to --tun only"},
	{"serve --tun x --mtu 67 --addr 198.18.0.2/24", "--mtu 67: want 68 to 65535"},
	{"serve --tun x --mtu 65536 --addr 198.18.0.2/24", "--mtu 65536"},
	{"serve --tun x --mtu abc --addr 198.18.0.2/24", `invalid value "abc" for flag -mtu`},
	{"serve --tun x --addr 198.18.0.2/24 --gateway nonsense", `--gateway "nonsense"`},
	{"serve --tun x --addr 198.18.0.2/24 --sysctl novalue", `--sysctl "novalue": want NAME=VALUE`},
	{"serve --tun x --addr 198.18.0.2/24 extra", `serve: unexpected argument "extra"`},
	{"serve --bogus", "flag provided but not defined: -bogus"},
	{"serve --tun", "flag needs an argument: -tun"},
	{"demo --bogus", "flag provided but not defined: -bogus"},
	{"demo -count 0", "demo: -count 0: want 1 to 1000"},
	{"demo -count 1001", "demo: -count 1001"},
	{"demo extra", `demo: unexpected argument "extra"`},
	{"frobnicate", `unknown command "frobnicate"`},
}

// TestRunUsageErrors runs the command's entry point in process.
func TestRunUsageErrors(t *testing.T) {
	for _, c := range usageCases {
		var out, errb bytes.Buffer
		code := run(strings.Fields(c.args), &out, &errb)
		checkOneLine(t, c.args, result{out.String(), errb.String(), code}, 2, c.want)
	}
}

// TestBinaryUsageErrors runs the built binary: the same one line and exit
// status 2, with nothing else the runtime might add.
func TestBinaryUsageErrors(t *testing.T) {
	bin := inetBinary(t)
	for _, c := range usageCases {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r := runCmd(t, exec.CommandContext(ctx, bin, strings.Fields(c.args)...))
		cancel()
		checkOneLine(t, c.args, r, 2, c.want)
	}
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 || !strings.HasPrefix(errb.String(), "usage: inet <command>") {
		t.Errorf("no arguments: status %d, stderr %q; want 2 and the usage", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"help"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "usage: inet <command>") || errb.Len() != 0 {
		t.Errorf("help: status %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	for _, cmd := range []string{"serve", "demo"} {
		out.Reset()
		errb.Reset()
		code := run([]string{cmd, "-h"}, &out, &errb)
		if code != 0 || strings.Count(errb.String(), "usage: inet "+cmd) != 1 {
			t.Errorf("%s -h: status %d, stderr %q; want 0 and the usage once", cmd, code, errb.String())
		}
	}
}

// demoWant are lines the demo must print: the replies of both pings, the
// time exceeded, the protocol unreachable and the ARP failure.
var demoWant = []string{
	"64 bytes from 198.18.2.2: icmp_seq=1 ttl=63",
	"64 bytes from 198.18.1.2: icmp_seq=1 ttl=63",
	"From 198.18.1.1 icmp_seq=1 Time to live exceeded",
	"From 198.18.2.2: Destination Protocol Unreachable (a socket would see protocol not available)",
	"Destination Host Unreachable",
	"198.18.1.1 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE",
	"Ip:InReceives",
}

func checkDemo(t *testing.T, out string, count int) {
	t.Helper()
	for _, w := range demoWant {
		if !strings.Contains(out, w) {
			t.Errorf("demo output lacks %q:\n%s", w, out)
		}
	}
	if w := "icmp_seq=" + strconv.Itoa(count) + " ttl=63"; strings.Count(out, w) != 2 {
		t.Errorf("demo output: %q %d times, want 2 (one per ping):\n%s", w, strings.Count(out, w), out)
	}
	c := strconv.Itoa(count)
	if n := strings.Count(out, c+" packets transmitted, "+c+" received, 0% packet loss"); n != 2 {
		t.Errorf("demo output: %d loss-free ping summaries, want 2:\n%s", n, out)
	}
}

func TestRunDemo(t *testing.T) {
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- runDemo([]string{"-count", "4"}, &out, &errb) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runDemo: %v (stderr %q)", err, errb.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatal("runDemo did not finish in 90 s")
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q", errb.String())
	}
	checkDemo(t, out.String(), 4)
}

func TestBinaryDemo(t *testing.T) {
	bin := inetBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r := runCmd(t, exec.CommandContext(ctx, bin, "demo"))
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("inet demo: status %d, stderr %q", r.code, r.stderr)
	}
	checkDemo(t, r.stdout, 3)
}
