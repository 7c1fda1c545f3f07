package pcap_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/pcap"
)

// tcpdump reads the stream: the oracle for the format.
func TestTcpdumpReads(t *testing.T) {
	tcpdump := nstest.RequireTool(t, "tcpdump")
	for _, c := range []struct {
		kind link.Kind
		nano bool
		want []string
	}{
		{link.KindIP, false, []string{
			"946684800.000000 IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 8",
			"946684800.001500 IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 2, length 8",
		}},
		{link.KindEthernet, true, []string{
			"946684800.000000000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 42: 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 8",
			"946684800.001500000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 42: 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 2, length 8",
		}},
	} {
		file := filepath.Join(t.TempDir(), "capture.pcap")
		if err := os.WriteFile(file, capture(t, c.kind, pcap.Options{Nanosecond: c.nano}), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-n", "-tt", "-r", file}
		if c.nano {
			args = append([]string{"--time-stamp-precision=nano", "-e"}, args...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, tcpdump, args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("tcpdump %v: %v\n%s", args, err, out)
		}
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "9466") {
				lines = append(lines, l)
			}
		}
		if len(lines) != 4 {
			t.Fatalf("tcpdump printed %d packets:\n%s", len(lines), out)
		}
		for i, l := range lines {
			if want := c.want[i/2]; l != want {
				t.Errorf("tcpdump line %d:\n got %s\nwant %s", i, l, want)
			}
		}
	}
}
