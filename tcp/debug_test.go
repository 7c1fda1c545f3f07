package tcp_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/link/pcap"
)

// newPairPcap is newPair with a capture on a's link, printed by tcpdump
// at the end when INET_TCPDUMP=1.
func newPairPcap(t *testing.T, clk clock.Clock, opts mem.Options) *pair {
	t.Helper()
	if os.Getenv("INET_TCPDUMP") == "" {
		return newPair(t, clk, opts)
	}
	n := testnet.New(t, clk)
	a, b := n.Stack(), n.Stack()
	ea, eb := mem.Pipe(n.NW, opts)
	f, _ := os.CreateTemp("", "tcp*.pcap")
	tap := pcap.Tap(ea, f, n.Clock)
	t.Cleanup(func() {
		f.Close()
		out, _ := exec.Command("tcpdump", "-nn", "-r", f.Name(), "-tt").CombinedOutput()
		t.Logf("capture:\n%s", out)
		os.Remove(f.Name())
	})
	n.Attach(a, tap, "eth0", "198.18.0.1/24")
	n.Attach(b, eb, "eth0", "198.18.0.2/24")
	return &pair{n: n, a: a, b: b}
}
