package gonet_test

import (
	"hash/crc32"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/testnet"
	"github.com/seed96fbdc48/inet/link/mem"
	"github.com/seed96fbdc48/inet/wire"
)

// TestTCPDataWithSACKFitsMTU: while a receives out of order (one of b's
// segments lost), a's own full-sized data segments also carry SACK blocks;
// they must still fit the 1500-byte MTU (Linux's tcp_current_mss takes
// the SACK option's length off the MSS), or IP refuses them with DF set
// (Ip:FragFails) and the connection stalls, since their retransmissions
// are refused too. Found with this test: both directions stalled with
// Ip:FragFails on each side, until tcp/output.go's emit kept the blocks
// that do not fit off full-sized data segments.
func TestTCPDataWithSACKFitsMTU(t *testing.T) {
	n := testnet.New(t, nil)
	a, b := n.Stack(), n.Stack()
	dataSegs := 0
	drop := mem.ImpairFunc(func(f []byte) mem.Verdict {
		ip, err := wire.ParseIPv4(f)
		if err != nil || ip.Protocol() != 6 || len(ip.Payload()) <= 32+20 {
			return mem.Verdict{}
		}
		dataSegs++
		return mem.Verdict{Drop: dataSegs == 20}
	})
	ea, eb := mem.Pipe(n.NW, mem.Options{Impair: func(side int) mem.Impairment {
		if side == 1 { // b's writes
			return drop
		}
		return nil
	}})
	n.Attach(a, ea, "ip0", "198.18.0.1/24")
	n.Attach(b, eb, "ip0", "198.18.0.2/24")
	l := &lan{n: n, a: a, b: b}
	cli, srv := tcpPair(t, l, "5010")
	const size = 1 << 20
	var wg sync.WaitGroup
	for _, c := range []*gonet.TCPConn{cli, srv} {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		wg.Add(2)
		go func() {
			defer wg.Done()
			io.Copy(c, &patternReader{n: size})
			c.CloseWrite()
		}()
		go func() {
			defer wg.Done()
			h := crc32.NewIEEE()
			if n, err := io.Copy(h, c); n != size || err != nil {
				t.Errorf("received %d bytes: %v", n, err)
			}
		}()
	}
	wg.Wait()
	for name, s := range map[string]*inet.Stack{"a": a, "b": b} {
		if v, _ := s.Stats().Get("Ip:FragFails"); v != 0 {
			t.Errorf("%s: Ip:FragFails %d, want 0 (segments larger than the MTU)", name, v)
		}
	}
}
