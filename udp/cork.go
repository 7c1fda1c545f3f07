package udp

import (
	"net/netip"

	"github.com/seed96fbdc48/inet/ipv4"
	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// Corking, as udp_sendmsg does it with corkreq (UDP_CORK set, or
// MSG_MORE): the first corked send fixes the flow, the route and what
// ip_setup_cork keeps (TOS, mark, priority, IP options, an IP_TTL control
// message, the MTU); it and every later send append their data to one
// pending datagram (ip_append_data) without looking at their address,
// control messages or flags; a send without corkreq, or clearing UDP_CORK,
// sends it (udp_push_pending_frames) with the TTL, DF bit, source port and
// SO_NO_CHECK as they are then. An append that breaks the size limits
// throws the whole datagram away (udp_flush_pending_frames), and so does
// close; shutdown, connect and disconnect keep it.
//
// The pending datagram holds memory as Linux charges it to sk_wmem_alloc
// (the first buffer's truesize, then each byte appended), which SIOCOUTQ
// reports and poll compares with half of SO_SNDBUF.
//
// Until fragmentation exists, a datagram larger than the MTU the host may
// fragment is kept while corked and fails with EMSGSIZE when pushed, as an
// uncorked one does; the memory charged for it then is the first
// fragment's only.

// flow is the part of inet->cork.fl a datagram is sent by: connect(2)
// writes it (even when it fails), and so does a first corked send; the
// pending datagram and the connected fast path send by it.
type flow struct {
	dst netip.AddrPort // daddr, fl4_dport
	src netip.Addr     // saddr (0.0.0.0 after a connect that found no route)
}

// pending is the corked datagram: the socket's write queue and what
// inet->cork fixed when it began. Guarded by s.Mu.
type pending struct {
	p        *pkt.Buffer        // UDP header and data so far, with headroom; nil: nothing pending
	r        route.OutputResult // cork->dst
	mtu      int                // cork->fragsize
	ttl      int                // cork->ttl: an IP_TTL control message's, else 0
	tos      uint8              // cork->tos
	mark     uint32             // cork->mark
	priority uint32             // cork->priority
	optLen   int
	opts     [wire.IPv4MaxOptionLen]byte // cork->opt
}

// corkLocked is the corking end of udp_sendmsg for the first corked send:
// sp and r are the send's parameters and route, dport its port, ttl its
// IP_TTL control message (0: none). The flow is written before the data
// is checked, so a send that fails still leaves it. Called with s.Mu held.
func (s *sock) corkLocked(data []byte, sp *ipv4.SendParams, r *route.OutputResult, dport uint16, ttl int) error {
	if s.cork.p != nil {
		// Corked by another sender meanwhile: "an evident application
		// bug".
		return unix.EINVAL
	}
	s.flow = flow{dst: netip.AddrPortFrom(sp.Dst, dport), src: sp.Src}
	mtu := fragSize(r)
	length := wire.UDPHeaderLen + len(data)
	if err := s.appendCheck(0, length, len(sp.Options), mtu, s.Opts.PMTUDisc.Load(), sp.Dst, s.remote.Port()); err != nil {
		return err
	}
	if err := s.allocCheck(); err != nil {
		return err
	}
	c := &s.cork
	c.r, c.mtu, c.ttl = *r, mtu, ttl
	c.tos, c.mark, c.priority = sp.TOS, sp.Mark, sp.Priority
	c.optLen = copy(c.opts[:], sp.Options)
	c.p = pkt.Get(pkt.DefaultHeadroom+c.optLen, length)
	copy(c.p.Bytes()[wire.UDPHeaderLen:], data)
	s.wmem.Store(int32(firstTruesize(wire.IPv4MinHeaderLen+c.optLen, length)))
	return nil
}

// appendLocked is do_append_data with a datagram pending: data joins it
// if the size limits allow (else the datagram is thrown away), and
// without corkreq the datagram is sent. Called with s.Mu held.
func (s *sock) appendLocked(data []byte, corkreq bool) error {
	c := &s.cork
	if err := s.appendCheck(c.p.Len(), len(data), c.optLen, c.mtu, s.Opts.PMTUDisc.Load(), s.flow.dst.Addr(), s.remote.Port()); err != nil {
		s.flushLocked()
		return err
	}
	copy(c.p.Append(len(data)), data)
	// Appended data lands in page fragments, charged byte for byte.
	s.wmem.Add(int32(len(data)))
	if corkreq {
		return nil
	}
	return s.pushLocked()
}

// pushLocked is udp_push_pending_frames: the pending datagram, if any,
// gets its IP header as __ip_make_skb makes it and is sent by the flow
// through the route of the first send. Called with s.Mu held.
func (s *sock) pushLocked() error {
	c := &s.cork
	p := c.p
	if p == nil {
		return nil
	}
	c.p = nil
	s.releaseWmem()
	r := c.r
	sp := ipv4.SendParams{Proto: unix.IPPROTO_UDP, TOS: c.tos, Mark: c.mark, Priority: c.priority,
		Dst: s.flow.dst.Addr(), Src: s.flow.src, Options: c.opts[:c.optLen]}
	if hd := ipv4.FirstHop(sp.Options, sp.Dst); hd != r.Dst {
		// connect(2) rewrote the flow: the datagram goes where its
		// header says (a source route's first hop), by the first
		// send's route.
		r.NextHop = nextHop(&r, hd)
	}
	sp.TTL = s.ttlFor(c.ttl, &r)
	setDF(&sp, s.Opts.PMTUDisc.Load(), wire.IPv4MinHeaderLen+c.optLen+p.Len(), r.MTU)
	if s.connected {
		sp.ID = &s.id
	}
	return s.transmit(p, &sp, &r, s.local.Port(), s.flow.dst.Port())
}

// flushLocked is udp_flush_pending_frames: the pending datagram is thrown
// away. Called with s.Mu held.
func (s *sock) flushLocked() {
	if s.cork.p == nil {
		return
	}
	s.cork.p.Release()
	s.cork.p = nil
	s.releaseWmem()
}

// releaseWmem gives back what the pending datagram held (sock_wfree) and
// wakes writers (sk_write_space).
func (s *sock) releaseWmem() {
	if s.wmem.Swap(0) != 0 {
		s.Wq.Notify(socket.Writable)
	}
}

// writable is sock_writeable: less than half of SO_SNDBUF is held
// (sk_wmem_alloc counts one more than it holds).
func (s *sock) writable() bool {
	return s.wmem.Load()+1 < s.Opts.SndBuf.Load()>>1
}

// skbMaxAlloc is SKB_MAX_ALLOC with 4 KiB pages: an order-2 allocation
// less skb_shared_info.
const skbMaxAlloc = 4<<12 - 320

// firstTruesize is the truesize of the first buffer __ip_append_data takes
// for a corked datagram of length bytes from the UDP header, hl the IP
// header's (on a scatter-gather device, as loopback, veth and TUN are):
// the whole packet in one linear buffer while fraglen + hh_len + 15 stays
// below SKB_MAX_ALLOC, else only the headers there and the data in page
// fragments, charged byte for byte. Measured on Linux 6.18 (TestCork).
func firstTruesize(hl, length int) int {
	if hl+length+16+15 < skbMaxAlloc {
		return pkt.Truesize(hl + length)
	}
	return pkt.Truesize(hl+wire.UDPHeaderLen) + length - wire.UDPHeaderLen
}

// OptionChanged is sock_setsockopt's sk_write_space after SO_SNDBUF: a
// larger buffer may make a socket holding a corked datagram writable.
func (s *sock) OptionChanged(level, name int) {
	if level == unix.SOL_SOCKET && (name == unix.SO_SNDBUF || name == unix.SO_SNDBUFFORCE) && s.writable() {
		s.Wq.Notify(socket.Writable)
	}
}
