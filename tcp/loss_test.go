package tcp_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet"
	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/link"
	"github.com/seed96fbdc48/inet/link/mem"
	"golang.org/x/sys/unix"
)

// driven runs a transfer on the test goroutine with non-blocking calls and
// a manual clock: send what fits, read what arrived, let the network
// settle, and when nothing moves, advance the clock to the next timer.
type driven struct {
	t   *testing.T
	p   *pair
	clk *clock.Manual
}

func newDriven(t *testing.T, imp mem.Random) *driven {
	clk := clock.NewManual()
	opts := mem.Options{Kind: link.KindEthernet, Clock: clk}
	if imp != (mem.Random{}) {
		opts.Impair = imp.Impair
	}
	return &driven{t: t, p: newPairPcap(t, clk, opts), clk: clk}
}

// settle waits for the network, then fires due timers, until quiet.
func (d *driven) settle() { d.p.n.Idle() }

// step advances the clock to the next timer (at most limit ahead) and
// settles; it reports false if no timer is pending.
func (d *driven) step(limit time.Duration) bool {
	next, ok := d.clk.Next()
	if !ok {
		return false
	}
	if dt := next.Sub(d.clk.Now()); dt > limit {
		d.clk.Advance(limit)
	} else {
		d.clk.AdvanceTo(next)
	}
	d.settle()
	return true
}

func (d *driven) connect(port uint16) (cli, srv *inet.Socket) {
	t := d.t
	ln := tcpSock(t, d.p.b)
	ln.SetNonblock(true)
	mustNil(t, ln.BindAddr(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port)))
	mustNil(t, ln.Listen(16))
	cli = tcpSock(t, d.p.a)
	cli.SetNonblock(true)
	err := cli.ConnectAddr(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port))
	if err != unix.EINPROGRESS {
		t.Fatalf("connect: %v", err)
	}
	for i := 0; i < 1000; i++ {
		d.settle()
		s, _, err := ln.Accept(unix.SOCK_NONBLOCK)
		if err == nil {
			t.Cleanup(func() { s.Close() })
			return cli, s
		}
		if !d.step(time.Second) {
			t.Fatal("no timers and no connection")
		}
	}
	t.Fatal("no connection after 1000 steps")
	return nil, nil
}

// transfer moves size bytes from a to b and checks them.
func (d *driven) transfer(a, b *inet.Socket, size int) {
	t := d.t
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	var got bytes.Buffer
	buf := make([]byte, 65536)
	sent := 0
	closed := false
	for steps := 0; steps < 200000; steps++ {
		progress := false
		for sent < len(data) {
			n, err := a.Send(data[sent:min(sent+65536, len(data))], 0)
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				t.Fatalf("send at %d: %v", sent, err)
			}
			sent += n
			progress = true
		}
		if sent == len(data) && !closed {
			mustNil(t, a.Shutdown(unix.SHUT_WR))
			closed = true
		}
		for {
			n, err := b.Recv(buf, 0)
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				t.Fatalf("recv at %d: %v", got.Len(), err)
			}
			if n == 0 {
				if !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("received %d bytes that differ from the %d sent", got.Len(), len(data))
				}
				return
			}
			got.Write(buf[:n])
			progress = true
		}
		d.settle()
		if !progress {
			if !d.step(10 * time.Second) {
				t.Fatalf("stuck at sent %d received %d with no timer", sent, got.Len())
			}
		}
	}
	t.Fatalf("not done: sent %d received %d", sent, got.Len())
}

func TestTransferOverLossyLink(t *testing.T) {
	for _, c := range []struct {
		name string
		imp  mem.Random
	}{
		{"clean", mem.Random{Seed: 1, Delay: 5 * time.Millisecond}},
		{"loss 2%", mem.Random{Seed: 2, Loss: 0.02, Delay: 5 * time.Millisecond}},
		{"loss 10%", mem.Random{Seed: 3, Loss: 0.10, Delay: 5 * time.Millisecond}},
		{"reorder", mem.Random{Seed: 4, Delay: 10 * time.Millisecond, Jitter: 8 * time.Millisecond, Reorder: 0.1}},
		{"duplicate", mem.Random{Seed: 5, Duplicate: 0.1, Delay: 5 * time.Millisecond}},
		{"all", mem.Random{Seed: 6, Loss: 0.05, Duplicate: 0.05, Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Reorder: 0.05}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newDriven(t, c.imp)
			cli, srv := d.connect(8000)
			start := d.clk.Now()
			d.transfer(cli, srv, 2<<20)
			d.transfer(srv, cli, 256<<10)
			rs, _ := d.p.a.Stats().Get("Tcp:RetransSegs")
			out, _ := d.p.a.Stats().Get("Tcp:OutSegs")
			fr, _ := d.p.a.Stats().Get("TcpExt:TCPFastRetrans")
			to, _ := d.p.a.Stats().Get("TcpExt:TCPTimeouts")
			sr, _ := d.p.a.Stats().Get("TcpExt:TCPSackRecovery")
			t.Logf("%s: %v of clock, OutSegs %d RetransSegs %d FastRetrans %d Timeouts %d SackRecovery %d",
				c.name, d.clk.Now().Sub(start), out, rs, fr, to, sr)
			if c.imp.Loss > 0 && rs == 0 {
				t.Error("no retransmissions over a lossy link")
			}
		})
	}
}
