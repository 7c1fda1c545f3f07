package socket

import (
	"encoding/binary"
	"net/netip"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// IP_* values golang.org/x/sys/unix may lack.
const (
	ipIPsecPolicy    = 16
	ipXfrmPolicy     = 17
	ipRecvErrRFC4884 = 26
	ipLocalPortRange = 51
	ipProtocol       = 52
	mrtBase          = 200 // MRT_INIT
	mrtMax           = 212 // MRT_FLUSH
)

// Multicast option sizes (struct ip_mreq, ip_mreq_source, group_req,
// group_source_req, IP_MSFILTER_SIZE(0), GROUP_FILTER_SIZE(0)).
const (
	sizeMreq         = 8
	sizeMreqn        = 12
	sizeMreqSource   = 12
	sizeGroupReq     = 136
	sizeGroupSrcReq  = 264
	sizeMsfilter0    = 16
	sizeGroupFilter0 = 144
)

// ipIntOpts are the options do_ip_setsockopt reads as an int, or as one
// byte when optlen is shorter (0 counts as 0).
var ipIntOpts = map[int]bool{
	unix.IP_PKTINFO: true, unix.IP_RECVTTL: true, unix.IP_RECVOPTS: true, unix.IP_RECVTOS: true,
	unix.IP_RETOPTS: true, unix.IP_TOS: true, unix.IP_TTL: true, unix.IP_HDRINCL: true,
	unix.IP_MTU_DISCOVER: true, unix.IP_RECVERR: true, unix.IP_ROUTER_ALERT: true, unix.IP_FREEBIND: true,
	unix.IP_PASSSEC: true, unix.IP_TRANSPARENT: true, unix.IP_MINTTL: true, unix.IP_NODEFRAG: true,
	unix.IP_BIND_ADDRESS_NO_PORT: true, unix.IP_UNICAST_IF: true, unix.IP_MULTICAST_TTL: true,
	unix.IP_MULTICAST_ALL: true, unix.IP_MULTICAST_LOOP: true, unix.IP_RECVORIGDSTADDR: true,
	unix.IP_CHECKSUM: true, unix.IP_RECVFRAGSIZE: true, ipRecvErrRFC4884: true, ipLocalPortRange: true,
}

// TOSPriority is rt_tos2priority: the SO_PRIORITY an IP_TOS implies.
func TOSPriority(tos uint8) uint32 {
	return uint32([16]uint8{0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4}[(tos&0x1e)>>1])
}

// setIPOpt is do_ip_setsockopt.
func (s *Socket) setIPOpt(name int, val []byte) error {
	b := s.b
	o := &b.Opts
	if name >= mrtBase && name <= mrtMax {
		// ip_mroute_setsockopt: multicast routing is for raw IGMP
		// sockets.
		return unix.EOPNOTSUPP
	}
	var v int32
	if ipIntOpts[name] {
		if len(val) >= 4 {
			v = int32(binary.NativeEndian.Uint32(val))
		} else if len(val) >= 1 {
			v = int32(val[0])
		}
	}
	on := v != 0
	switch name {
	case unix.IP_ROUTER_ALERT:
		// ip_ra_control: raw sockets only, and not IPPROTO_RAW.
		if b.Type != unix.SOCK_RAW || b.Protocol == unix.IPPROTO_RAW {
			return unix.EINVAL
		}
		o.RouterAlert.Store(on)
	case unix.IP_PKTINFO:
		o.setCmsg(CmsgPktInfo, on)
	case unix.IP_RECVTTL:
		o.setCmsg(CmsgTTL, on)
	case unix.IP_RECVTOS:
		o.setCmsg(CmsgTOS, on)
	case unix.IP_RECVOPTS:
		o.setCmsg(CmsgRecvOpts, on)
	case unix.IP_RETOPTS:
		o.setCmsg(CmsgRetOpts, on)
	case unix.IP_PASSSEC:
		o.PassSec.Store(on)
	case unix.IP_RECVORIGDSTADDR:
		o.setCmsg(CmsgOrigDstAddr, on)
	case unix.IP_RECVFRAGSIZE:
		if b.Type != unix.SOCK_RAW && b.Type != unix.SOCK_DGRAM {
			return unix.EINVAL
		}
		o.setCmsg(CmsgRecvFragsize, on)
	case unix.IP_RECVERR:
		o.RecvErr.Store(on)
		if !on {
			b.Err.Purge()
		}
	case ipRecvErrRFC4884:
		if v < 0 || v > 1 {
			return unix.EINVAL
		}
		o.RecvErr4884.Store(on)
	case unix.IP_FREEBIND:
		if len(val) < 1 {
			return unix.EINVAL
		}
		o.Freebind.Store(on)
	case unix.IP_HDRINCL:
		if b.Type != unix.SOCK_RAW {
			return unix.ENOPROTOOPT
		}
		o.HdrIncl.Store(on)
	case unix.IP_MULTICAST_LOOP:
		if len(val) < 1 {
			return unix.EINVAL
		}
		o.McLoop.Store(on)
	case unix.IP_MULTICAST_ALL:
		if len(val) < 1 {
			return unix.EINVAL
		}
		if v != 0 && v != 1 {
			return unix.EINVAL
		}
		o.McAll.Store(on)
	case unix.IP_TRANSPARENT:
		if on && !b.Env.Capable(CapNetRaw|CapNetAdmin) {
			return unix.EPERM
		}
		if len(val) < 1 {
			return unix.EINVAL
		}
		o.Transparent.Store(on)
	case unix.IP_NODEFRAG:
		if b.Type != unix.SOCK_RAW {
			return unix.ENOPROTOOPT
		}
		o.NoDefrag.Store(on)
	case unix.IP_BIND_ADDRESS_NO_PORT:
		o.BindNoPort.Store(on)
	case unix.IP_TTL:
		if len(val) < 1 {
			return unix.EINVAL
		}
		if v != -1 && (v < 1 || v > 255) {
			return unix.EINVAL
		}
		o.TTL.Store(v)
	case unix.IP_MINTTL:
		if len(val) < 1 {
			return unix.EINVAL
		}
		if v < 0 || v > 255 {
			return unix.EINVAL
		}
		o.MinTTL.Store(uint32(v))
	case unix.IP_MULTICAST_TTL:
		if b.Type == unix.SOCK_STREAM {
			return unix.EINVAL
		}
		if len(val) < 1 {
			return unix.EINVAL
		}
		if v == -1 {
			v = 1
		}
		if v < 0 || v > 255 {
			return unix.EINVAL
		}
		o.McTTL.Store(v)
	case unix.IP_MTU_DISCOVER:
		if v < unix.IP_PMTUDISC_DONT || v > unix.IP_PMTUDISC_OMIT {
			return unix.EINVAL
		}
		o.PMTUDisc.Store(v)
	case unix.IP_TOS:
		tos := uint32(uint8(v))
		if b.Type == unix.SOCK_STREAM {
			tos = tos&^3 | o.TOS.Load()&3
		}
		if old := o.TOS.Swap(tos); old != tos {
			o.Priority.Store(TOSPriority(uint8(tos)))
		}
	case ipLocalPortRange:
		if len(val) != 4 {
			return unix.EINVAL
		}
		lo, hi := uint32(v)&0xffff, uint32(v)>>16
		if lo != 0 && hi != 0 && lo > hi {
			return unix.EINVAL
		}
		o.LocalPortRange.Store(uint32(v))
	case unix.IP_CHECKSUM:
		o.Checksum.Store(on)
	case unix.IP_OPTIONS:
		if len(val) > wire.IPv4MaxOptionLen {
			return unix.EINVAL
		}
		opt, err := b.Env.compileOptions(val)
		if err != nil {
			return err
		}
		if len(opt) == 0 {
			o.IPOptions.Store(nil)
		} else {
			o.IPOptions.Store(&opt)
		}
	case unix.IP_MULTICAST_IF:
		return s.setMulticastIf(val)
	case unix.IP_ADD_MEMBERSHIP, unix.IP_DROP_MEMBERSHIP:
		if b.Type == unix.SOCK_STREAM || len(val) < sizeMreq {
			return unix.EINVAL
		}
		if name == unix.IP_DROP_MEMBERSHIP {
			return unix.EADDRNOTAVAIL // ip_mc_leave_group: never joined
		}
		if !netip.AddrFrom4([4]byte(val[:4])).IsMulticast() {
			return unix.EINVAL // ip_mc_join_group
		}
		return errMulticastNotYet
	case unix.IP_BLOCK_SOURCE, unix.IP_UNBLOCK_SOURCE, unix.IP_ADD_SOURCE_MEMBERSHIP, unix.IP_DROP_SOURCE_MEMBERSHIP:
		if len(val) != sizeMreqSource {
			return unix.EINVAL
		}
		return errMulticastNotYet
	case unix.IP_MSFILTER:
		if len(val) < sizeMsfilter0 {
			return unix.EINVAL
		}
		return errMulticastNotYet
	case unix.MCAST_JOIN_GROUP, unix.MCAST_LEAVE_GROUP:
		if len(val) < sizeGroupReq {
			return unix.EINVAL
		}
		return errMulticastNotYet
	case unix.MCAST_JOIN_SOURCE_GROUP, unix.MCAST_LEAVE_SOURCE_GROUP, unix.MCAST_BLOCK_SOURCE, unix.MCAST_UNBLOCK_SOURCE:
		if len(val) != sizeGroupSrcReq {
			return unix.EINVAL
		}
		return errMulticastNotYet
	case unix.MCAST_MSFILTER:
		if len(val) < sizeGroupFilter0 {
			return unix.EINVAL
		}
		return errMulticastNotYet
	case ipIPsecPolicy, ipXfrmPolicy:
		// xfrm_user_policy: inet has no IPsec. Linux answers these
		// arguments so: EPERM without CAP_NET_ADMIN, EMSGSIZE for an
		// empty policy, EOPNOTSUPP for IP_IPSEC_POLICY without PF_KEY,
		// EINVAL for a malformed IP_XFRM_POLICY.
		if !b.Env.Capable(CapNetAdmin) {
			return unix.EPERM
		}
		if len(val) == 0 {
			return unix.EMSGSIZE
		}
		if name == ipIPsecPolicy {
			return unix.EOPNOTSUPP
		}
		return unix.EINVAL
	case unix.IP_UNICAST_IF:
		if len(val) != 4 {
			return unix.EINVAL
		}
		index := int(int32(binary.BigEndian.Uint32(val)))
		if index == 0 {
			o.UcIndex.Store(0)
			return nil
		}
		if _, ok := b.Env.FIB.Iface(index); !ok {
			return unix.EADDRNOTAVAIL
		}
		if bd := int(o.BindDev.Load()); bd != 0 && bd != index {
			return unix.EINVAL
		}
		o.UcIndex.Store(int32(index))
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

// errMulticastNotYet answers well-formed multicast membership requests
// until the multicast issue implements them.
var errMulticastNotYet = unix.ENOPROTOOPT

// setMulticastIf is IP_MULTICAST_IF: a struct ip_mreqn (12 bytes or more),
// ip_mreq (8) or in_addr (4); shorter is EINVAL. No index and INADDR_ANY
// resets; an address is looked up among the local ones, an index among
// the interfaces (EADDRNOTAVAIL); an index other than SO_BINDTODEVICE's is
// EINVAL.
func (s *Socket) setMulticastIf(val []byte) error {
	b := s.b
	if b.Type == unix.SOCK_STREAM || len(val) < 4 {
		return unix.EINVAL
	}
	var addr [4]byte
	index := 0
	switch {
	case len(val) >= sizeMreqn:
		copy(addr[:], val[4:8])
		index = int(int32(binary.NativeEndian.Uint32(val[8:12])))
	case len(val) >= sizeMreq:
		copy(addr[:], val[4:8])
	default:
		copy(addr[:], val[:4])
	}
	a := netip.AddrFrom4(addr)
	if index == 0 {
		if a == anyAddr {
			b.Opts.McIndex.Store(0)
			b.Opts.McAddr.Store(0)
			return nil
		}
		i, ok := b.Env.FIB.IsLocal(a)
		if !ok {
			return unix.EADDRNOTAVAIL
		}
		index = i
	} else if _, ok := b.Env.FIB.Iface(index); !ok {
		return unix.EADDRNOTAVAIL
	}
	if bd := int(b.Opts.BindDev.Load()); bd != 0 && index != bd {
		return unix.EINVAL
	}
	b.Opts.McIndex.Store(int32(index))
	b.Opts.McAddr.Store(binary.NativeEndian.Uint32(addr[:]))
	return nil
}

// compileOptions is ip_options_get for IP_OPTIONS and the IP_RETOPTS
// control message: pad with End of Option List to a multiple of 4,
// rewrite everything after an End to End, and validate as Linux does for a
// socket (EINVAL), refusing source routes without CapNetRaw (EPERM, Linux
// 6.18). It returns the options to store.
func (e *Env) compileOptions(val []byte) ([]byte, error) {
	n := (len(val) + 3) &^ 3
	opt := make([]byte, n)
	copy(opt, val)
	if n == 0 {
		return opt, nil
	}
	mode := wire.IPv4OptionsUser
	if e.Capable(CapNetRaw) {
		mode = wire.IPv4OptionsUserRaw
	}
	info, err := wire.CheckIPv4Options(opt, mode)
	if err != nil {
		return nil, unix.EINVAL
	}
	if info.SRR != 0 && !e.Capable(CapNetRaw) {
		return nil, unix.EPERM
	}
	for i := info.End; i < len(opt); i++ {
		opt[i] = 0
	}
	return opt, nil
}

// getIPOpt is do_ip_getsockopt.
func (s *Socket) getIPOpt(name int, buf []byte) (int, error) {
	b := s.b
	o := &b.Opts
	var v int32
	f := o.Cmsg()
	if name >= mrtBase && name <= mrtMax {
		return 0, unix.EOPNOTSUPP // ip_mroute_getsockopt
	}
	switch name {
	case unix.IP_MSFILTER:
		// ip_mc_msfget reads the group from the caller's buffer: it
		// must be multicast.
		if len(buf) < sizeMsfilter0 || !netip.AddrFrom4([4]byte(buf[:4])).IsMulticast() {
			return 0, unix.EINVAL
		}
		return 0, errMulticastNotYet
	case unix.MCAST_MSFILTER:
		// ip_mc_gsfget: the group, a sockaddr at offset 8, must be
		// an AF_INET multicast address.
		if len(buf) < sizeGroupFilter0 || binary.NativeEndian.Uint16(buf[8:]) != unix.AF_INET ||
			!netip.AddrFrom4([4]byte(buf[12:16])).IsMulticast() {
			return 0, unix.EINVAL
		}
		return 0, errMulticastNotYet
	case unix.IP_ROUTER_ALERT:
		v = boolInt(o.RouterAlert.Load())
	case unix.IP_PKTINFO:
		v = boolInt(f&CmsgPktInfo != 0)
	case unix.IP_RECVTTL:
		v = boolInt(f&CmsgTTL != 0)
	case unix.IP_RECVTOS:
		v = boolInt(f&CmsgTOS != 0)
	case unix.IP_RECVOPTS:
		v = boolInt(f&CmsgRecvOpts != 0)
	case unix.IP_RETOPTS:
		v = boolInt(f&CmsgRetOpts != 0)
	case unix.IP_PASSSEC:
		v = boolInt(o.PassSec.Load())
	case unix.IP_RECVORIGDSTADDR:
		v = boolInt(f&CmsgOrigDstAddr != 0)
	case unix.IP_CHECKSUM:
		v = boolInt(o.Checksum.Load())
	case unix.IP_RECVFRAGSIZE:
		v = boolInt(f&CmsgRecvFragsize != 0)
	case unix.IP_RECVERR:
		v = boolInt(o.RecvErr.Load())
	case ipRecvErrRFC4884:
		v = boolInt(o.RecvErr4884.Load())
	case unix.IP_FREEBIND:
		v = boolInt(o.Freebind.Load())
	case unix.IP_HDRINCL:
		v = boolInt(o.HdrIncl.Load())
	case unix.IP_MULTICAST_LOOP:
		v = boolInt(o.McLoop.Load())
	case unix.IP_MULTICAST_ALL:
		v = boolInt(o.McAll.Load())
	case unix.IP_TRANSPARENT:
		v = boolInt(o.Transparent.Load())
	case unix.IP_NODEFRAG:
		v = boolInt(o.NoDefrag.Load())
	case unix.IP_BIND_ADDRESS_NO_PORT:
		v = boolInt(o.BindNoPort.Load())
	case unix.IP_TTL:
		v = int32(b.TTL())
	case unix.IP_MINTTL:
		v = int32(o.MinTTL.Load())
	case unix.IP_MULTICAST_TTL:
		v = o.McTTL.Load()
	case unix.IP_MTU_DISCOVER:
		v = o.PMTUDisc.Load()
	case unix.IP_TOS:
		v = int32(o.TOS.Load())
	case unix.IP_OPTIONS:
		p := o.IPOptions.Load()
		if p == nil {
			return 0, nil
		}
		return copy(buf, *p), nil
	case unix.IP_MTU:
		mtu, ok := s.p.MTU()
		if !ok {
			return 0, unix.ENOTCONN
		}
		v = int32(mtu)
	case unix.IP_PKTOPTIONS:
		if b.Type != unix.SOCK_STREAM {
			return 0, unix.ENOPROTOOPT
		}
		return 0, nil
	case ipLocalPortRange:
		v = int32(o.LocalPortRange.Load())
	case ipProtocol:
		if b.Type == unix.SOCK_RAW {
			v = int32(b.Protocol)
		} else {
			v = int32(s.p.LocalAddr().Port())
		}
	case unix.IP_UNICAST_IF:
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(o.UcIndex.Load()))
		v = int32(binary.NativeEndian.Uint32(n[:]))
	case unix.IP_MULTICAST_IF:
		var a [4]byte
		binary.NativeEndian.PutUint32(a[:], o.McAddr.Load())
		return copy(buf, a[:min(len(buf), 4)]), nil
	default:
		return 0, unix.ENOPROTOOPT
	}
	// copyval: a buffer shorter than an int gets one byte when the value
	// fits in one.
	if len(buf) < 4 && len(buf) > 0 && v >= 0 && v <= 255 {
		buf[0] = byte(v)
		return 1, nil
	}
	return putInt(buf, v), nil
}
