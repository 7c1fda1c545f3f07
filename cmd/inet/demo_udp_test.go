package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoUDP runs the demo's UDP section on its network: bob's echo
// answers, and alice's control messages name her interface, her address
// and a TTL one less than bob's.
func TestDemoUDP(t *testing.T) {
	d, err := buildDemo()
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := showUDP(ctx, &out, d); err != nil {
		t.Fatalf("showUDP: %v\n%s", err, out.String())
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`bob runs a UDP echo service on 0\.0\.0\.0:7\n`),
		regexp.MustCompile(`alice sends "hello, bob" from 198\.18\.1\.2:\d+ to 198\.18\.2\.2:7\n`),
		regexp.MustCompile(`alice reads "hello, bob" from 198\.18\.2\.2:7, with 56 bytes of control messages:\n`),
		regexp.MustCompile(`IP_PKTINFO \(cmsg_len 28\): ipi_ifindex 2 \(eth0\), ipi_spec_dst 198\.18\.1\.2, ipi_addr 198\.18\.1\.2\n`),
		regexp.MustCompile(`IP_TTL     \(cmsg_len 20\): 63 `),
	}
	for _, re := range want {
		if !re.MatchString(out.String()) {
			t.Errorf("UDP section lacks %s:\n%s", re, out.String())
		}
	}
	if strings.Count(out.String(), "\n") != 5 {
		t.Errorf("UDP section has %d lines, want 5:\n%s", strings.Count(out.String(), "\n"), out.String())
	}
}
