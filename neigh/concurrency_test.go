package neigh

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/clock"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/sysctl"
	"github.com/seed96fbdc48/inet/wire"
)

// countLink counts frames and can feed ARP replies back synchronously.
type countLink struct {
	fakeLink
	ipFrames  atomic.Int64
	arpFrames atomic.Int64
	tbl       atomic.Pointer[Table]
	answer    bool // answer requests for odd host numbers, synchronously
}

func (l *countLink) WriteFrame(p *pkt.Buffer) {
	b := p.Bytes()
	if wire.Ethernet(b).EtherType() == wire.EtherTypeIPv4 {
		l.ipFrames.Add(1)
		p.Release()
		return
	}
	l.arpFrames.Add(1)
	a := wire.ARP(b[14:])
	tip, op := a.TargetIP(), a.Op()
	p.Release()
	if t := l.tbl.Load(); t != nil && l.answer && op == wire.ARPRequest && tip.As4()[3]%2 == 1 {
		mac := wire.MAC{2, 0, 0, 0, 1, tip.As4()[3]}
		// Re-enters the table from inside WriteFrame.
		t.HandleARP(arpFrame(ourMAC, mac, wire.ARPReply, mac, tip, ourMAC, ourIP))
	}
}

// Many senders, ARP input, Confirm, administration and timers at once,
// under -race: every packet is accounted for (sent, reported unreachable,
// discarded from a full queue, or released at Close), and nothing
// deadlocks although the link answers requests synchronously from
// WriteFrame and Unreachable sends again.
func TestConcurrency(t *testing.T) {
	clk := clock.NewManual()
	l := &countLink{fakeLink: *newFakeLink(), answer: true}
	st := sysctl.New()
	st.AddInterface("eth0")
	var unreachable atomic.Int64
	var tbl *Table
	tbl = New(Config{Clock: clk, Link: l, Settings: st, IfName: "eth0", Rand: rand.NewPCG(1, 1),
		Unreachable: func(p *pkt.Buffer) {
			unreachable.Add(1)
			p.Release()
			// Re-enter: an ICMP error would be sent through the table.
			tbl.Confirm(ourIP)
			_ = tbl.Entries()
		}})
	l.tbl.Store(tbl)
	const senders, perSender, hosts = 8, 2000, 16
	var sent atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(s), 2))
			for i := range perSender {
				h := netip.AddrFrom4([4]byte{198, 18, 0, byte(2 + r.IntN(hosts))})
				tbl.Output(ipPacket(ourIP, h, 40+r.IntN(1400), uint32(i)), h, Unicast)
				sent.Add(1)
				if i%64 == 0 {
					tbl.Confirm(h)
				}
			}
		}()
	}
	var aux sync.WaitGroup
	aux.Add(2)
	go func() { // the clock
		defer aux.Done()
		for {
			select {
			case <-stop:
				return
			default:
				clk.Advance(100 * time.Millisecond)
			}
		}
	}()
	go func() { // ARP input and administration
		defer aux.Done()
		r := rand.New(rand.NewPCG(9, 9))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			h := netip.AddrFrom4([4]byte{198, 18, 0, byte(2 + r.IntN(hosts))})
			mac := wire.MAC{2, 0, 0, 0, 2, byte(r.IntN(4))}
			switch i % 5 {
			case 0:
				tbl.HandleARP(arpFrame(wire.BroadcastMAC, mac, wire.ARPRequest, mac, h, wire.MAC{}, ourIP))
			case 1:
				tbl.HandleARP(arpFrame(ourMAC, mac, wire.ARPReply, mac, h, ourMAC, ourIP))
			case 2:
				_ = tbl.Entries()
				_ = tbl.Stats()
			case 3:
				if i%50 == 3 {
					tbl.Delete(h)
				}
			case 4:
				if i%200 == 4 {
					tbl.Flush()
				}
			}
		}
	}()
	wg.Wait()
	close(stop)
	aux.Wait()
	tbl.mu.Lock()
	queued := 0
	for _, e := range *tbl.tab.Load() {
		queued += len(e.queue)
	}
	tbl.mu.Unlock()
	tbl.Close()
	s := tbl.Stats()
	got := l.ipFrames.Load() + unreachable.Load() + int64(s.UnresolvedDiscards) + int64(queued)
	if got != sent.Load() {
		t.Fatalf("sent %d, accounted %d (frames %d, unreachable %d, discarded %d, queued %d)",
			sent.Load(), got, l.ipFrames.Load(), unreachable.Load(), s.UnresolvedDiscards, queued)
	}
	if l.arpFrames.Load() == 0 || l.ipFrames.Load() == 0 {
		t.Fatalf("no traffic: %d arp, %d ip", l.arpFrames.Load(), l.ipFrames.Load())
	}
}
