package difftest

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/seed96fbdc48/inet/internal/nstest"
	"github.com/seed96fbdc48/inet/socket"
	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// Peer is B: a kernel namespace on the other end of A's link, set up
// identically in both worlds, so what it does and how it answers (port
// unreachable from a closed port, time exceeded as a router) is the same
// in both runs.
type Peer struct {
	w  *worker
	ns *nstest.NS
}

func newPeer(t *testing.T, ns *nstest.NS) *Peer {
	return &Peer{w: newWorker(t, ns.Name()), ns: ns}
}

// Datagram is a UDP datagram B sends to A.
type Datagram struct {
	// SrcPort is B's source port (bound with SO_REUSEADDR); Src its
	// source address, AddrB when invalid.
	SrcPort int
	Src     netip.Addr
	Dst     netip.AddrPort
	Data    []byte
	TTL     int    // IP_TTL; 0 leaves the default (64)
	TOS     int    // IP_TOS; 0 leaves the default
	Options []byte // IP_OPTIONS
	NoCheck bool   // SO_NO_CHECK: a zero checksum
	Device  string // SO_BINDTODEVICE (limited broadcast needs one)
}

func sockaddr(ap netip.AddrPort) []byte { return socket.SockaddrBytes(ap) }

func setInt(fd, level, name, v int) error { return unix.SetsockoptInt(fd, level, name, v) }

// Send sends d from B.
func (p *Peer) Send(d Datagram) (err error) {
	p.w.do(func() {
		var fd int
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return
		}
		defer unix.Close(fd)
		src := d.Src
		if !src.IsValid() {
			src = AddrB
		}
		steps := []func() error{
			func() error { return setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1) },
			func() error { return setInt(fd, unix.SOL_SOCKET, unix.SO_BROADCAST, 1) },
		}
		if d.TTL != 0 {
			steps = append(steps, func() error { return setInt(fd, unix.SOL_IP, unix.IP_TTL, d.TTL) })
		}
		if d.TOS != 0 {
			steps = append(steps, func() error { return setInt(fd, unix.SOL_IP, unix.IP_TOS, d.TOS) })
		}
		if d.Options != nil {
			steps = append(steps, func() error {
				return unix.SetsockoptString(fd, unix.SOL_IP, unix.IP_OPTIONS, string(d.Options))
			})
		}
		if d.NoCheck {
			steps = append(steps, func() error { return setInt(fd, unix.SOL_SOCKET, unix.SO_NO_CHECK, 1) })
		}
		if d.Device != "" {
			steps = append(steps, func() error { return unix.BindToDevice(fd, d.Device) })
		}
		steps = append(steps, func() error {
			return rawSockCall(unix.SYS_BIND, fd, sockaddr(netip.AddrPortFrom(src, uint16(d.SrcPort))))
		})
		for _, f := range steps {
			if err = f(); err != nil {
				return
			}
		}
		to := sockaddr(d.Dst)
		data := d.Data
		if data == nil {
			data = []byte{}
		}
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(ptr(data)), uintptr(len(data)), 0,
			uintptr(ptr(to)), uintptr(len(to)))
		err = errnoOf(e)
	})
	return err
}

func rawSockCall(call uintptr, fd int, sa []byte) error {
	_, _, e := unix.Syscall(call, uintptr(fd), uintptr(ptr(sa)), uintptr(len(sa)))
	return errnoOf(e)
}

// SendIP sends a whole IPv4 packet from B through a raw socket with
// IP_HDRINCL (the kernel fills in the header checksum, the total length and
// a zero ID; everything else goes as given, the UDP checksum included).
func (p *Peer) SendIP(ip []byte) (err error) {
	p.w.do(func() {
		var fd int
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err != nil {
			return
		}
		defer unix.Close(fd)
		dst := netip.AddrFrom4([4]byte(ip[16:20]))
		to := sockaddr(netip.AddrPortFrom(dst, 0))
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(ptr(ip)), uintptr(len(ip)), 0,
			uintptr(ptr(to)), uintptr(len(to)))
		err = errnoOf(e)
	})
	return err
}

// SendICMP sends an ICMP message (type, code, the 4 bytes after the
// checksum, and a body, usually a quoted datagram) from B to A through a
// raw ICMP socket; the checksum is computed here.
func (p *Peer) SendICMP(typ, code uint8, rest uint32, body []byte) (err error) {
	m := make([]byte, 8+len(body))
	m[0], m[1] = typ, code
	binary.BigEndian.PutUint32(m[4:], rest)
	copy(m[8:], body)
	binary.BigEndian.PutUint16(m[2:], ^wire.Sum(m, 0))
	p.w.do(func() {
		var fd int
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP)
		if err != nil {
			return
		}
		defer unix.Close(fd)
		to := sockaddr(netip.AddrPortFrom(AddrA, 0))
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(ptr(m)), uintptr(len(m)), 0,
			uintptr(ptr(to)), uintptr(len(to)))
		err = errnoOf(e)
	})
	return err
}

// PeerSock is a UDP socket of B's, receiving what A sends.
type PeerSock struct {
	p  *Peer
	fd int
}

// PeerMsg is a datagram B received, with the IP header fields its control
// messages report.
type PeerMsg struct {
	Data    []byte
	From    netip.AddrPort
	TTL     int
	TOS     int
	Options []byte
	Dst     netip.Addr
}

// Listen opens a UDP socket on B bound to addr:port (AddrB when addr is
// invalid) that reports TTL, TOS, options and destination.
func (p *Peer) Listen(addr netip.Addr, port int) (s *PeerSock, err error) {
	if !addr.IsValid() {
		addr = AddrB
	}
	p.w.do(func() {
		var fd int
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return
		}
		for _, o := range []int{unix.IP_RECVTTL, unix.IP_RECVTOS, unix.IP_RECVOPTS, unix.IP_PKTINFO} {
			if err = setInt(fd, unix.SOL_IP, o, 1); err != nil {
				unix.Close(fd)
				return
			}
		}
		_ = setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if err = rawSockCall(unix.SYS_BIND, fd, sockaddr(netip.AddrPortFrom(addr, uint16(port)))); err != nil {
			unix.Close(fd)
			return
		}
		s = &PeerSock{p: p, fd: fd}
	})
	return s, err
}

// Close closes the socket.
func (s *PeerSock) Close() { s.p.w.do(func() { unix.Close(s.fd) }) }

// errTimeout is what a bounded wait returns when nothing came.
var errTimeout = errors.New("nothing within the bound")

// Recv waits up to timeout for a datagram.
func (s *PeerSock) Recv(timeout time.Duration) (m *PeerMsg, err error) {
	s.p.w.do(func() {
		if !pollIn(s.fd, timeout) {
			err = errTimeout
			return
		}
		buf := make([]byte, 65536)
		oob := make([]byte, 512)
		var n, oobn int
		var from unix.Sockaddr
		n, oobn, _, from, err = unix.Recvmsg(s.fd, buf, oob, unix.MSG_DONTWAIT)
		if err != nil {
			return
		}
		m = &PeerMsg{Data: buf[:n], TTL: -1, TOS: -1}
		if sa, ok := from.(*unix.SockaddrInet4); ok {
			m.From = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
		}
		cms, _ := socket.ParseCmsgs(oob[:oobn])
		for _, c := range cms {
			switch {
			case c.Type == unix.IP_TTL && len(c.Data) >= 4:
				m.TTL = int(binary.NativeEndian.Uint32(c.Data))
			case c.Type == unix.IP_TOS && len(c.Data) >= 1:
				m.TOS = int(c.Data[0])
			case c.Type == unix.IP_RECVOPTS:
				m.Options = append([]byte(nil), c.Data...)
			case c.Type == unix.IP_PKTINFO && len(c.Data) >= 12:
				m.Dst = netip.AddrFrom4([4]byte(c.Data[8:12]))
			}
		}
	})
	return m, err
}

func pollIn(fd int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		ms := max(int(time.Until(deadline).Milliseconds()), 0)
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// Capture is an AF_PACKET socket on B's b0 that sees the IPv4 packets
// arriving from A.
type Capture struct {
	p  *Peer
	fd int
}

// Capture starts capturing (only packets arriving after this call).
func (p *Peer) Capture() (c *Capture, err error) {
	p.w.do(func() {
		proto := int(htons(unix.ETH_P_IP))
		var fd int
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			return
		}
		var ifi *unix.Ifreq
		if ifi, err = unix.NewIfreq("b0"); err == nil {
			err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifi)
		}
		if err == nil {
			err = setInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1)
		}
		if err == nil {
			err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: int(ifi.Uint32())})
		}
		if err != nil {
			unix.Close(fd)
			return
		}
		c = &Capture{p: p, fd: fd}
	})
	return c, err
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Next returns the next captured packet match accepts (nil match: any),
// waiting up to timeout; false if none came.
func (c *Capture) Next(timeout time.Duration, match func(wire.IPv4) bool) (wire.IPv4, bool) {
	deadline := time.Now().Add(timeout)
	for {
		var pk []byte
		c.p.w.do(func() {
			if !pollIn(c.fd, time.Until(deadline)) {
				return
			}
			buf := make([]byte, 65536)
			n, _, err := unix.Recvfrom(c.fd, buf, unix.MSG_DONTWAIT)
			if err == nil {
				pk = buf[:n]
			}
		})
		if pk == nil {
			if time.Now().After(deadline) {
				return nil, false
			}
			continue
		}
		ip, err := wire.ParseIPv4(pk)
		if err != nil {
			continue
		}
		if match == nil || match(ip) {
			return ip, true
		}
	}
}

// Close stops the capture.
func (c *Capture) Close() { c.p.w.do(func() { unix.Close(c.fd) }) }

var _ = unsafe.Pointer(nil)
