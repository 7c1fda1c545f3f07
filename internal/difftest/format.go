package difftest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// fmtErr is a result's error as the transcript shows it: "ok" or the
// errno's name.
func fmtErr(err error) string {
	if err == nil {
		return "ok"
	}
	var e unix.Errno
	if errors.As(err, &e) {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
		return fmt.Sprintf("errno %d", int(e))
	}
	return err.Error()
}

var familyNames = map[int]string{
	unix.AF_UNSPEC: "AF_UNSPEC", unix.AF_UNIX: "AF_UNIX", unix.AF_INET: "AF_INET", unix.AF_INET6: "AF_INET6",
	unix.AF_PACKET: "AF_PACKET", unix.AF_NETLINK: "AF_NETLINK",
}

func familyName(f int) string {
	if n, ok := familyNames[f]; ok {
		return n
	}
	return fmt.Sprintf("AF_%d", f)
}

var typeNames = map[int]string{
	unix.SOCK_STREAM: "SOCK_STREAM", unix.SOCK_DGRAM: "SOCK_DGRAM", unix.SOCK_RAW: "SOCK_RAW",
	unix.SOCK_RDM: "SOCK_RDM", unix.SOCK_SEQPACKET: "SOCK_SEQPACKET", unix.SOCK_DCCP: "SOCK_DCCP",
	unix.SOCK_PACKET: "SOCK_PACKET",
}

func typeName(t int) string {
	base := t & 0xf
	s, ok := typeNames[base]
	if !ok {
		s = fmt.Sprintf("SOCK_%d", base)
	}
	rest := t &^ 0xf
	if rest&unix.SOCK_NONBLOCK != 0 {
		s += "|SOCK_NONBLOCK"
		rest &^= unix.SOCK_NONBLOCK
	}
	if rest&unix.SOCK_CLOEXEC != 0 {
		s += "|SOCK_CLOEXEC"
		rest &^= unix.SOCK_CLOEXEC
	}
	if rest != 0 {
		s += fmt.Sprintf("|%#x", rest)
	}
	return s
}

var msgFlagNames = []struct {
	f    int
	name string
}{
	{unix.MSG_OOB, "MSG_OOB"}, {unix.MSG_PEEK, "MSG_PEEK"}, {unix.MSG_DONTROUTE, "MSG_DONTROUTE"},
	{unix.MSG_CTRUNC, "MSG_CTRUNC"}, {unix.MSG_TRUNC, "MSG_TRUNC"}, {unix.MSG_DONTWAIT, "MSG_DONTWAIT"},
	{unix.MSG_EOR, "MSG_EOR"}, {unix.MSG_WAITALL, "MSG_WAITALL"}, {unix.MSG_CONFIRM, "MSG_CONFIRM"},
	{unix.MSG_ERRQUEUE, "MSG_ERRQUEUE"}, {unix.MSG_NOSIGNAL, "MSG_NOSIGNAL"}, {unix.MSG_MORE, "MSG_MORE"},
	{unix.MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"},
}

func msgFlags(f int) string {
	if f == 0 {
		return "0"
	}
	var parts []string
	for _, m := range msgFlagNames {
		if f&m.f != 0 {
			parts = append(parts, m.name)
			f &^= m.f
		}
	}
	if f != 0 {
		parts = append(parts, fmt.Sprintf("%#x", f))
	}
	return strings.Join(parts, "|")
}

var levelNames = map[int]string{unix.SOL_SOCKET: "SOL_SOCKET", unix.SOL_IP: "SOL_IP", unix.SOL_UDP: "SOL_UDP", unix.SOL_TCP: "SOL_TCP", unix.SOL_RAW: "SOL_RAW"}

func levelName(l int) string {
	if n, ok := levelNames[l]; ok {
		return n
	}
	return fmt.Sprintf("level %d", l)
}

// Option names by level, for readable transcripts.
var optNames = map[int]map[int]string{
	unix.SOL_SOCKET: {
		unix.SO_DEBUG: "SO_DEBUG", unix.SO_REUSEADDR: "SO_REUSEADDR", unix.SO_TYPE: "SO_TYPE", unix.SO_ERROR: "SO_ERROR",
		unix.SO_DONTROUTE: "SO_DONTROUTE", unix.SO_BROADCAST: "SO_BROADCAST", unix.SO_SNDBUF: "SO_SNDBUF",
		unix.SO_RCVBUF: "SO_RCVBUF", unix.SO_KEEPALIVE: "SO_KEEPALIVE", unix.SO_OOBINLINE: "SO_OOBINLINE",
		unix.SO_NO_CHECK: "SO_NO_CHECK", unix.SO_PRIORITY: "SO_PRIORITY", unix.SO_LINGER: "SO_LINGER",
		unix.SO_BSDCOMPAT: "SO_BSDCOMPAT", unix.SO_REUSEPORT: "SO_REUSEPORT", unix.SO_PASSCRED: "SO_PASSCRED",
		unix.SO_PEERCRED: "SO_PEERCRED", unix.SO_RCVLOWAT: "SO_RCVLOWAT", unix.SO_SNDLOWAT: "SO_SNDLOWAT",
		unix.SO_RCVTIMEO: "SO_RCVTIMEO", unix.SO_SNDTIMEO: "SO_SNDTIMEO", unix.SO_BINDTODEVICE: "SO_BINDTODEVICE",
		unix.SO_PEERNAME: "SO_PEERNAME", 29: "SO_TIMESTAMP", unix.SO_ACCEPTCONN: "SO_ACCEPTCONN",
		unix.SO_SNDBUFFORCE: "SO_SNDBUFFORCE", unix.SO_RCVBUFFORCE: "SO_RCVBUFFORCE", unix.SO_PASSSEC: "SO_PASSSEC",
		35: "SO_TIMESTAMPNS", unix.SO_MARK: "SO_MARK", unix.SO_PROTOCOL: "SO_PROTOCOL", unix.SO_DOMAIN: "SO_DOMAIN",
		unix.SO_RXQ_OVFL: "SO_RXQ_OVFL", unix.SO_PEEK_OFF: "SO_PEEK_OFF", unix.SO_BUSY_POLL: "SO_BUSY_POLL",
		unix.SO_SELECT_ERR_QUEUE: "SO_SELECT_ERR_QUEUE", unix.SO_INCOMING_CPU: "SO_INCOMING_CPU",
		unix.SO_COOKIE: "SO_COOKIE", unix.SO_BINDTOIFINDEX: "SO_BINDTOIFINDEX", 63: "SO_TIMESTAMP_NEW",
		64: "SO_TIMESTAMPNS_NEW", 66: "SO_RCVTIMEO_NEW", 67: "SO_SNDTIMEO_NEW", 72: "SO_BUF_LOCK",
		unix.SO_TIMESTAMPING: "SO_TIMESTAMPING", unix.SO_ZEROCOPY: "SO_ZEROCOPY", unix.SO_TXTIME: "SO_TXTIME",
	},
	unix.SOL_IP: {
		unix.IP_TOS: "IP_TOS", unix.IP_TTL: "IP_TTL", unix.IP_HDRINCL: "IP_HDRINCL", unix.IP_OPTIONS: "IP_OPTIONS",
		unix.IP_ROUTER_ALERT: "IP_ROUTER_ALERT", unix.IP_RECVOPTS: "IP_RECVOPTS", unix.IP_RETOPTS: "IP_RETOPTS",
		unix.IP_PKTINFO: "IP_PKTINFO", unix.IP_PKTOPTIONS: "IP_PKTOPTIONS", unix.IP_MTU_DISCOVER: "IP_MTU_DISCOVER",
		unix.IP_RECVERR: "IP_RECVERR", unix.IP_RECVTTL: "IP_RECVTTL", unix.IP_RECVTOS: "IP_RECVTOS",
		unix.IP_MTU: "IP_MTU", unix.IP_FREEBIND: "IP_FREEBIND", unix.IP_PASSSEC: "IP_PASSSEC",
		unix.IP_TRANSPARENT: "IP_TRANSPARENT", unix.IP_ORIGDSTADDR: "IP_RECVORIGDSTADDR", unix.IP_MINTTL: "IP_MINTTL",
		unix.IP_NODEFRAG: "IP_NODEFRAG", unix.IP_CHECKSUM: "IP_CHECKSUM", unix.IP_BIND_ADDRESS_NO_PORT: "IP_BIND_ADDRESS_NO_PORT",
		unix.IP_RECVFRAGSIZE: "IP_RECVFRAGSIZE", 26: "IP_RECVERR_RFC4884", unix.IP_MULTICAST_IF: "IP_MULTICAST_IF",
		unix.IP_MULTICAST_TTL: "IP_MULTICAST_TTL", unix.IP_MULTICAST_LOOP: "IP_MULTICAST_LOOP",
		unix.IP_UNICAST_IF: "IP_UNICAST_IF", unix.IP_MULTICAST_ALL: "IP_MULTICAST_ALL", 51: "IP_LOCAL_PORT_RANGE",
		52: "IP_PROTOCOL", unix.IP_ADD_MEMBERSHIP: "IP_ADD_MEMBERSHIP",
	},
}

func optName(level, name int) string {
	if n, ok := optNames[level][name]; ok {
		return n
	}
	return fmt.Sprintf("opt %d", name)
}

// hexBytes prints bytes as hex in groups of four.
func hexBytes(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return "[" + sb.String() + "]"
}

// fmtOpts shows an IPv4 options area as hexBytes does, except that the
// times of a Timestamp option's entries (RFC 791: milliseconds since
// midnight UT) that are within a minute of now are written "tt": the two
// runs stamp at different instants, so only their presence and
// plausibility are compared. A time that is implausible (or zero) shows.
func fmtOpts(o []byte) string {
	mask := make([]bool, len(o))
	it := wire.NewIPv4OptionIter(o)
	for {
		opt, off, ok := it.Next()
		if !ok {
			break
		}
		if opt.Type() != wire.IPOptTimestamp || opt.Len() < 4 {
			continue
		}
		for i := 0; i < opt.TSSlots(); i++ {
			_, ms, _ := opt.TSEntry(i)
			if !msNow(ms) {
				continue
			}
			at := off + 4 + opt.TSEntrySize()*(i+1) - 4
			for j := at; j < at+4; j++ {
				mask[j] = true
			}
		}
	}
	var sb strings.Builder
	for i, c := range o {
		if i > 0 && i%4 == 0 {
			sb.WriteByte(' ')
		}
		if mask[i] {
			sb.WriteString("tt")
		} else {
			fmt.Fprintf(&sb, "%02x", c)
		}
	}
	return "[" + sb.String() + "]"
}

// msNow reports whether ms, an IP timestamp, is within a minute of now.
func msNow(ms uint32) bool {
	if ms == 0 || ms >= 86400000 {
		return false
	}
	now := wire.ICMPTimeMillis(time.Now())
	d := (int64(ms) - int64(now) + 86400000) % 86400000
	return d < 60000 || d > 86400000-60000
}

// fmtData shows received or sent data: quoted when printable and short,
// else its length and CRC.
func fmtData(b []byte) string {
	if len(b) <= 64 {
		printable := true
		for _, c := range b {
			if c < 0x20 || c > 0x7e {
				printable = false
				break
			}
		}
		if printable {
			return fmt.Sprintf("%q", b)
		}
		return hexBytes(b)
	}
	return fmt.Sprintf("<%d bytes crc %08x>", len(b), crc32.ChecksumIEEE(b))
}

// fmtOptVal shows an option value: the int for 4 bytes, and the bytes.
func fmtOptVal(b []byte) string {
	switch len(b) {
	case 4:
		return fmt.Sprintf("%d %s", int32(binary.NativeEndian.Uint32(b)), hexBytes(b))
	case 0:
		return "[]"
	}
	return hexBytes(b)
}

// normaliser replaces values random by design with stable labels.
type normaliser struct {
	lo, hi   int               // the ephemeral range in force
	eph      map[uint16]string // ephemeral ports seen, labelled in order
	errQueue bool              // formatting an error queue read
}

func (n *normaliser) port(p uint16) string {
	if int(p) >= n.lo && int(p) <= n.hi && p != 0 {
		l, ok := n.eph[p]
		if !ok {
			l = fmt.Sprintf("eph%d", len(n.eph)+1)
			n.eph[p] = l
		}
		return l
	}
	return fmt.Sprint(p)
}

func (n *normaliser) addrPort(ap netip.AddrPort) string {
	return ap.Addr().String() + ":" + n.port(ap.Port())
}

// sockaddr prints a raw sockaddr: family, and for AF_INET (and AF_UNSPEC,
// read the same way) the address and port; the length when not 16 and
// sin_zero when not zero.
func (n *normaliser) sockaddr(b []byte) string {
	if len(b) < 2 {
		return fmt.Sprintf("{len=%d %s}", len(b), hexBytes(b))
	}
	fam := int(binary.NativeEndian.Uint16(b))
	s := familyName(fam)
	if (fam == unix.AF_INET || fam == unix.AF_UNSPEC) && len(b) >= 8 {
		ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4]))
		s += " " + n.addrPort(ap)
		if len(b) > 8 {
			zero := true
			for _, c := range b[8:] {
				if c != 0 {
					zero = false
				}
			}
			if !zero {
				s += " zero=" + hexBytes(b[8:])
			}
		}
	} else if len(b) > 2 {
		s += " " + hexBytes(b[2:])
	}
	if len(b) != 16 {
		s += fmt.Sprintf(" len=%d", len(b))
	}
	return "{" + s + "}"
}

// stampOK reports whether a timeval or timespec is near now: timestamps
// are random by design, only their presence and plausibility compared.
func stampOK(b []byte, nsec bool) bool {
	if len(b) != 16 {
		return false
	}
	sec := int64(binary.NativeEndian.Uint64(b))
	frac := int64(binary.NativeEndian.Uint64(b[8:]))
	if frac < 0 || (nsec && frac >= 1e9) || (!nsec && frac >= 1e6) {
		return false
	}
	d := time.Since(time.Unix(sec, 0))
	return d > -time.Minute && d < time.Minute
}

var eeOrigin = []string{"NONE", "LOCAL", "ICMP", "ICMP6", "TXSTATUS", "ZEROCOPY", "TXTIME"}

// cmsgs prints a control buffer as Linux lays it out, one message at a
// time: cmsg_len, level, type and the decoded data (every byte shown,
// except timestamps, checked for plausibility, and ephemeral ports).
func (n *normaliser) cmsgs(b []byte) string {
	var parts []string
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < 16 {
			parts = append(parts, "trailing "+hexBytes(rest))
			break
		}
		l := int(binary.NativeEndian.Uint64(rest))
		level := int(int32(binary.NativeEndian.Uint32(rest[8:])))
		typ := int(int32(binary.NativeEndian.Uint32(rest[12:])))
		end := min(max(l, 16), len(rest))
		data := rest[16:end]
		parts = append(parts, fmt.Sprintf("{len=%d %s}", l, n.cmsg(level, typ, data)))
		if l < 16 {
			break
		}
		off += (l + 7) &^ 7
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func (n *normaliser) cmsg(level, typ int, d []byte) string {
	switch level {
	case unix.SOL_SOCKET:
		switch typ {
		case 29, 63:
			if stampOK(d, false) {
				return fmt.Sprintf("SOL_SOCKET/SCM_TIMESTAMP(%d) <timeval now>", typ)
			}
			if len(d) < 16 {
				return fmt.Sprintf("SOL_SOCKET/SCM_TIMESTAMP(%d) <timeval cut to %d bytes>", typ, len(d))
			}
		case 35, 64:
			if stampOK(d, true) {
				return fmt.Sprintf("SOL_SOCKET/SCM_TIMESTAMPNS(%d) <timespec now>", typ)
			}
			if len(d) < 16 {
				return fmt.Sprintf("SOL_SOCKET/SCM_TIMESTAMPNS(%d) <timespec cut to %d bytes>", typ, len(d))
			}
		case 37, 65:
			if len(d) == 48 && stampOK(d[:16], true) && bytes.Equal(d[16:], make([]byte, 32)) {
				return fmt.Sprintf("SOL_SOCKET/SCM_TIMESTAMPING(%d) <sw now, 0, 0>", typ)
			}
			if len(d) < 48 {
				return fmt.Sprintf("SOL_SOCKET/SCM_TIMESTAMPING(%d) <cut to %d bytes>", typ, len(d))
			}
		}
		return fmt.Sprintf("SOL_SOCKET/%d %s", typ, hexBytes(d))
	case unix.SOL_IP:
		switch typ {
		case unix.IP_PKTINFO:
			if len(d) == 12 {
				return fmt.Sprintf("IP_PKTINFO ifindex=%d spec_dst=%s addr=%s", int32(binary.NativeEndian.Uint32(d)),
					netip.AddrFrom4([4]byte(d[4:8])), netip.AddrFrom4([4]byte(d[8:12])))
			}
		case unix.IP_TTL:
			if len(d) == 4 {
				return fmt.Sprintf("IP_TTL %d", int32(binary.NativeEndian.Uint32(d)))
			}
		case unix.IP_TOS:
			return "IP_TOS " + hexBytes(d)
		case unix.IP_OPTIONS:
			return "IP_OPTIONS " + hexBytes(d)
		case unix.IP_RECVOPTS:
			return "IP_RECVOPTS " + fmtOpts(d)
		case unix.IP_RETOPTS:
			return "IP_RETOPTS " + fmtOpts(d)
		case unix.IP_ORIGDSTADDR:
			if n.errQueue && len(d) >= 4 {
				// From the error queue the port is the ICMP
				// checksum, different in each run.
				d = append([]byte(nil), d...)
				d[2], d[3] = 0xcc, 0xcc
			}
			return "IP_ORIGDSTADDR " + n.sockaddr(d)
		case unix.IP_RECVERR:
			if len(d) >= 16 {
				e := binary.NativeEndian.Uint32(d)
				origin := fmt.Sprint(d[4])
				if int(d[4]) < len(eeOrigin) {
					origin = eeOrigin[d[4]]
				}
				s := fmt.Sprintf("IP_RECVERR ee_errno=%s origin=%s type=%d code=%d pad=%d info=%d data=%d",
					fmtErr(unix.Errno(e)), origin, d[5], d[6], d[7], binary.NativeEndian.Uint32(d[8:]),
					binary.NativeEndian.Uint32(d[12:]))
				if len(d) > 16 {
					s += " offender=" + n.sockaddr(d[16:])
				}
				return s
			}
		}
		return fmt.Sprintf("SOL_IP/%d %s", typ, hexBytes(d))
	}
	return fmt.Sprintf("%d/%d %s", level, typ, hexBytes(d))
}

// counterGroups are the counters compared after each case.
var counterGroups = []string{"Ip:", "Icmp:", "IcmpMsg:", "Udp:", "IpExt:"}

// ignoredCounters are constants or counters inet does not keep.
var ignoredCounters = map[string]bool{"Ip:Forwarding": true, "Ip:DefaultTTL": true}

// counterDelta lists the changed counters between two snapshots, limited
// to the groups compared and, for IpExt, the names inet keeps (known).
func counterDelta(before, after map[string]uint64, known func(string) bool) string {
	var out []string
	for k, v := range after {
		ok := false
		for _, g := range counterGroups {
			if strings.HasPrefix(k, g) {
				ok = true
			}
		}
		if !ok || ignoredCounters[k] || (strings.HasPrefix(k, "IpExt:") && !known(k)) {
			continue
		}
		if d := int64(v - before[k]); d != 0 {
			out = append(out, fmt.Sprintf("%s%+d", k, d))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}
