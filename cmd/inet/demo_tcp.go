package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/seed96fbdc48/inet/gonet"
)

// showTCP has alice fetch from bob's HTTP service across the router with
// Go's own http.Client dialling through inet, then reads TCP_INFO of the
// connection it used.
func showTCP(ctx context.Context, w io.Writer, d *demoNet) error {
	svc, err := d.svc.HTTP(netip.AddrPortFrom(netip.IPv4Unspecified(), 80))
	if err != nil {
		return fmt.Errorf("bob's HTTP service: %w", err)
	}
	fmt.Fprintf(w, "   bob runs an HTTP service on %s; alice uses net/http unchanged\n", svc.Addr())
	var conn *gonet.TCPConn
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.alice.DialContext(ctx, network, addr)
			if tc, ok := c.(*gonet.TCPConn); ok {
				conn = tc
			}
			return c, err
		},
	}}
	defer client.CloseIdleConnections()
	const n = 1 << 20
	url := fmt.Sprintf("http://198.18.2.2/bytes?n=%d", n)
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	got, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(w, "   alice$ curl %s\n", url)
	fmt.Fprintf(w, "   %s, %d bytes in %s (%.0f MB/s through three stacks)\n", resp.Status, got, took.Round(time.Microsecond), float64(got)/took.Seconds()/1e6)
	if conn != nil {
		fmt.Fprintf(w, "   alice's connection %s -> %s, from TCP_INFO: %s\n", conn.LocalAddr(), conn.RemoteAddr(), tcpInfoLine(conn))
	}
	return nil
}

// tcpInfoLine prints a few TCP_INFO fields as ss -ti does.
func tcpInfoLine(c *gonet.TCPConn) string {
	b := make([]byte, 280)
	n, err := c.Socket().Getsockopt(6, 11, b)
	if err != nil || n < 104 {
		return "unavailable"
	}
	u32 := func(off int) uint32 {
		return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
	}
	return fmt.Sprintf("wscale:%d,%d rto:%.0fms rtt:%.3fms mss:%d cwnd:%d",
		b[6]&0xf, b[6]>>4, float64(u32(8))/1000, float64(u32(68))/1000, u32(16), u32(80))
}
