package socket

import (
	"net/netip"
	"time"

	"github.com/seed96fbdc48/inet/pkt"
	"github.com/seed96fbdc48/inet/route"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// PutRecvCmsgs writes the control messages recvmsg returns with a received
// packet p (network header recorded) into m.Control, in Linux's order:
// the timestamps, SO_RXQ_OVFL's drop count, SO_RCVMARK's mark and
// SO_RCVPRIORITY's priority (sock_recv_cmsgs), then IP_PKTINFO, IP_TTL,
// IP_TOS, IP_RECVOPTS, IP_RETOPTS and IP_ORIGDSTADDR (ip_cmsg_recv_offset).
// dstPort is the transport destination port for IP_ORIGDSTADDR, drops the
// count the queue recorded with the packet. It records the packet's time
// for SIOCGSTAMP and sets MSG_CTRUNC when the buffer is short.
func (b *Base) PutRecvCmsgs(m *Msg, p *pkt.Buffer, dstPort uint16, drops uint32) {
	w := cmsgWriter{buf: m.Control}
	b.putStamp(&w, p.Stamp)
	o := &b.Opts
	if drops != 0 && o.flag(flagRxqOvfl) {
		w.putInt(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, int32(drops))
	}
	if o.flag(flagRcvMark) {
		w.putInt(unix.SOL_SOCKET, unix.SO_MARK, int32(p.Mark))
	}
	if o.flag(flagRcvPriority) {
		w.putInt(unix.SOL_SOCKET, unix.SO_PRIORITY, int32(p.Priority))
	}
	b.putIPCmsgs(&w, p, dstPort)
	m.ControlLen = w.n
	if w.trunc {
		m.OutFlags |= unix.MSG_CTRUNC
	}
}

// putStamp is sock_recv_timestamp.
func (b *Base) putStamp(w *cmsgWriter, stamp int64) {
	if stamp == 0 {
		stamp = b.Env.Clock.Now().UnixNano()
	}
	b.stamp.Store(stamp)
	f := b.Opts.Cmsg()
	t := time.Unix(0, stamp)
	defer b.putTimestamping(w, t)
	if f&CmsgTimestamp == 0 {
		return
	}
	switch {
	case f&CmsgTimestampNS != 0:
		ts := timespecBytes(t)
		typ := soTimestampNSOld
		if f&CmsgTimestampNew != 0 {
			typ = soTimestampNSNew
		}
		w.put(unix.SOL_SOCKET, typ, ts[:])
	default:
		tv := timevalBytes(t)
		typ := soTimestampOld
		if f&CmsgTimestampNew != 0 {
			typ = soTimestampNew
		}
		w.put(unix.SOL_SOCKET, typ, tv[:])
	}
}

// putTimestamping is the SO_TIMESTAMPING part of __sock_recv_timestamp:
// with SOF_TIMESTAMPING_SOFTWARE and SOF_TIMESTAMPING_RX_SOFTWARE (or
// without the RX filter), a struct scm_timestamping whose first timespec
// is the software receive time; no hardware stamps in inet.
func (b *Base) putTimestamping(w *cmsgWriter, t time.Time) {
	f := b.Opts.TSFlags.Load()
	if f&sofTimestampingSoftware == 0 || (f&sofTimestampingRxSoftware == 0 && f&sofTimestampingOptRxFilter != 0) {
		return
	}
	var ts [48]byte
	one := timespecBytes(t)
	copy(ts[:], one[:])
	typ := soTimestampingOld
	if b.Opts.Cmsg()&CmsgTimestampingNew != 0 {
		typ = soTimestampingNew
	}
	w.put(unix.SOL_SOCKET, typ, ts[:])
}

// putIPCmsgs is ip_cmsg_recv_offset for the IP-level messages.
func (b *Base) putIPCmsgs(w *cmsgWriter, p *pkt.Buffer, dstPort uint16) {
	f := b.Opts.Cmsg()
	if f&(CmsgPktInfo|CmsgTTL|CmsgTOS|CmsgRecvOpts|CmsgRetOpts|CmsgOrigDstAddr) == 0 {
		return
	}
	h := wire.IPv4(p.NetworkHeader())
	if len(h) < wire.IPv4MinHeaderLen {
		return
	}
	if f&CmsgPktInfo != 0 {
		pi := PktInfo{IfIndex: p.IfIndex, SpecDst: p.SpecDst, Addr: h.Dst()}
		if p.Flags&pkt.FlagNoPktInfo != 0 {
			// IP_PKTINFO was off when the packet was queued
			// (ipv4_pktinfo_prepare): interface and local address 0.
			pi.IfIndex, pi.SpecDst = 0, netip.Addr{}
		}
		bb := pi.bytes()
		w.put(unix.SOL_IP, unix.IP_PKTINFO, bb[:])
	}
	if f&CmsgTTL != 0 {
		w.putInt(unix.SOL_IP, unix.IP_TTL, int32(h.TTL()))
	}
	if f&CmsgTOS != 0 {
		w.put(unix.SOL_IP, unix.IP_TOS, []byte{h.TOS()})
	}
	opts := h.Options()
	if f&CmsgRecvOpts != 0 && len(opts) > 0 {
		w.put(unix.SOL_IP, unix.IP_RECVOPTS, opts)
	}
	if f&CmsgRetOpts != 0 && len(opts) > 0 {
		b.putRetOpts(w, h)
	}
	if f&CmsgOrigDstAddr != 0 {
		var sa [SockaddrInLen]byte
		PutSockaddr(sa[:], netip.AddrPortFrom(h.Dst(), dstPort))
		w.put(unix.SOL_IP, unix.IP_ORIGDSTADDR, sa[:])
	}
}

// putRetOpts is ip_cmsg_recv_retopts: the options an answer to the packet
// whose header h is would carry (ip_options_echo, then ip_options_undo),
// possibly none; MSG_CTRUNC instead when they cannot be made.
func (b *Base) putRetOpts(w *cmsgWriter, h wire.IPv4) {
	var ob [wire.IPv4MaxOptionLen]byte
	info := wire.ScanIPv4Options(h.Options())
	fib := b.Env.FIB
	notUnicast := func(a netip.Addr) bool {
		// inet_addr_type(a) != RTN_UNICAST, 0.0.0.0/8 as Linux 5.3+
		// (ipv4.Layer's notUnicast).
		if t := fib.AddrType(a); t != route.TypeUnspec || a.As4()[0] != 0 {
			return t != route.TypeUnicast
		}
		return a.As4() == [4]byte{}
	}
	n, err := wire.EchoIPv4Options(ob[:], h, &info, notUnicast)
	if err != nil {
		w.trunc = true
		return
	}
	w.put(unix.SOL_IP, unix.IP_RETOPTS, ob[:n])
}

// RecvError is ip_recv_error: recvmsg(MSG_ERRQUEUE). It dequeues one
// error, copies its payload (MSG_TRUNC when longer than the buffer), returns
// the address it concerns as msg_name, and the IP_RECVERR control message
// (preceded, for ICMP errors, by the ICMP packet's own IP control messages).
// EAGAIN when the queue is empty.
func (b *Base) RecvError(m *Msg) (int, error) {
	e, next := b.Err.dequeueNext()
	if e == nil {
		return 0, unix.EAGAIN
	}
	// sock_dequeue_err_skb: sk_err becomes the next ICMP error's errno,
	// or 0 once an ICMP error is read and no ICMP error follows.
	switch {
	case next != nil && next.Origin == OriginICMP:
		b.soErr.Store(int32(next.Errno))
	case e.Origin == OriginICMP:
		b.soErr.Store(0)
	}
	if next != nil {
		b.Wq.Notify(EventErr)
	}
	n := copy(m.Buf, e.Payload)
	if len(e.Payload) > len(m.Buf) {
		m.OutFlags |= unix.MSG_TRUNC
	}
	w := cmsgWriter{buf: m.Control}
	b.putStamp(&w, e.Stamp)
	if e.HasAddr {
		m.Addr, m.HasAddr = e.Addr, true
	}
	if e.Origin == OriginICMP && len(e.IPHeader) >= wire.IPv4MinHeaderLen {
		// ip_cmsg_recv on the ICMP packet: its control block holds the
		// input interface but no local address (spec_dst 0), and what
		// IP_ORIGDSTADDR takes for a port is the ICMP checksum.
		h := wire.IPv4(e.IPHeader)
		var port uint16
		if hl := h.HeaderLen(); len(h) >= hl+4 {
			port = uint16(h[hl+2])<<8 | uint16(h[hl+3])
		}
		p := pkt.From(e.IPHeader)
		p.SetNetworkHeader()
		p.IfIndex, p.SpecDst = e.IfIndex, netip.Addr{}
		b.putIPCmsgs(&w, p, port)
		p.Release()
	}
	eb := e.bytes()
	w.put(unix.SOL_IP, unix.IP_RECVERR, eb[:])
	m.ControlLen = w.n
	if w.trunc {
		m.OutFlags |= unix.MSG_CTRUNC
	}
	m.OutFlags |= unix.MSG_ERRQUEUE
	return n, nil
}

// QueueICMPError is ip_icmp_error: with IP_RECVERR on, queue an ICMP error
// about a datagram this socket sent; dst is the quoted destination, payload
// the quoted bytes after the transport header. It reports whether the
// error was queued.
func (b *Base) QueueICMPError(errno unix.Errno, typ, code uint8, info uint32, offender netip.Addr,
	dst netip.AddrPort, payload, icmpIPHeader []byte, ifindex int, specDst netip.Addr, stamp int64, truesize int) bool {
	return b.queueICMPError(errno, typ, code, info, offender, dst, payload, icmpIPHeader, ifindex, specDst, stamp, truesize, false)
}

// QueueICMPErrorSetError is QueueICMPError followed by SetError(errno), as
// __udp4_lib_err does, but as one step for readers: whoever sees POLLERR
// finds both the entry and SO_ERROR. The error is set even when the entry
// is not queued.
func (b *Base) QueueICMPErrorSetError(errno unix.Errno, typ, code uint8, info uint32, offender netip.Addr,
	dst netip.AddrPort, payload, icmpIPHeader []byte, ifindex int, specDst netip.Addr, stamp int64, truesize int) bool {
	ok := b.queueICMPError(errno, typ, code, info, offender, dst, payload, icmpIPHeader, ifindex, specDst, stamp, truesize, true)
	if !ok {
		b.SetError(errno)
	}
	return ok
}

func (b *Base) queueICMPError(errno unix.Errno, typ, code uint8, info uint32, offender netip.Addr,
	dst netip.AddrPort, payload, icmpIPHeader []byte, ifindex int, specDst netip.Addr, stamp int64, truesize int, setErr bool) bool {
	e := &ExtendedErr{
		Errno: uint32(errno), Origin: OriginICMP, Type: typ, Code: code, Info: info,
		Addr: dst, HasAddr: true, Offender: offender,
		Payload:  append([]byte(nil), payload...),
		IPHeader: append([]byte(nil), icmpIPHeader...),
		IfIndex:  ifindex, SpecDst: specDst, Stamp: stamp,
		setsErr: setErr,
	}
	return b.Err.Enqueue(e, truesize)
}

// LocalError is ip_local_error: with IP_RECVERR on, queue a locally
// detected error (EMSGSIZE with the MTU as info) about a datagram to dst.
func (b *Base) LocalError(errno unix.Errno, dst netip.AddrPort, info uint32) {
	if !b.Opts.RecvErr.Load() {
		return
	}
	e := &ExtendedErr{
		Errno: uint32(errno), Origin: OriginLocal, Info: info,
		Addr: dst, HasAddr: true, Stamp: b.Env.Clock.Now().UnixNano(),
	}
	// An skb of one IPv4 header: alloc_skb(20) charges as pkt.Truesize(0)
	// minus the link reserve; close enough to Linux's 768-byte charge.
	b.Err.Enqueue(e, 768)
}
