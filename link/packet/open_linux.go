package packet

import (
	"errors"
	"fmt"
	"net"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// htons converts a 16-bit value to network byte order for sll_protocol.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// ifreqHW is struct ifreq with ifr_hwaddr, for SIOCGIFHWADDR.
type ifreqHW struct {
	name   [unix.IFNAMSIZ]byte
	family uint16
	addr   [14]byte
	_      [8]byte
}

// iface is what Open learns about the interface.
type iface struct {
	index int
	mtu   int
	mac   net.HardwareAddr
}

// lookup reads the interface's index, Ethernet address and MTU through
// socket s (so in s's network namespace), bringing it up first if asked.
func lookup(s int, name string, opts Options) (iface, error) {
	var ifc iface
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return ifc, fmt.Errorf("packet: interface name %q is longer than %d bytes: %w", name, unix.IFNAMSIZ-1, unix.EINVAL)
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFINDEX, ifr); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return ifc, fmt.Errorf("packet: no such device %q in this network namespace: %w", name, err)
		}
		return ifc, fmt.Errorf("packet: index of %q: %w", name, err)
	}
	ifc.index = int(ifr.Uint32())
	var hw ifreqHW
	copy(hw.name[:], name)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(s), unix.SIOCGIFHWADDR, uintptr(unsafe.Pointer(&hw))); e != 0 {
		return ifc, fmt.Errorf("packet: hardware address of %q: %w", name, e)
	}
	if hw.family != unix.ARPHRD_ETHER {
		return ifc, fmt.Errorf("packet: %q is not an Ethernet interface (ARPHRD %d): %w", name, hw.family, unix.EINVAL)
	}
	ifc.mac = net.HardwareAddr(append([]byte(nil), hw.addr[:6]...))
	if opts.Up {
		if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
			return ifc, fmt.Errorf("packet: flags of %q: %w", name, err)
		}
		ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
		if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
			return ifc, fmt.Errorf("packet: bring %q up: %w", name, err)
		}
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFMTU, ifr); err != nil {
		return ifc, fmt.Errorf("packet: MTU of %q: %w", name, err)
	}
	ifc.mtu = int(ifr.Uint32())
	return ifc, nil
}

// Open binds an AF_PACKET socket to the named interface of the calling
// thread's network namespace and returns an endpoint ready to Attach.
// Errors: no such device (ENODEV), not an Ethernet interface (EINVAL),
// permission (EPERM: AF_PACKET needs CAP_NET_RAW).
func Open(name string, opts Options) (*Endpoint, error) {
	// Protocol 0 receives nothing until bind names the protocol and the
	// interface, so no other interface's frames slip in.
	s, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("packet: AF_PACKET socket: permission denied (needs root or CAP_NET_RAW): %w", err)
		}
		return nil, fmt.Errorf("packet: AF_PACKET socket: %w", err)
	}
	ifc, err := setup(s, name, opts)
	if err != nil {
		unix.Close(s)
		return nil, err
	}
	// The socket is nonblocking, so os.NewFile hands it to the Go poller.
	f := os.NewFile(uintptr(s), "packet:"+name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("packet: %w", err)
	}
	return newEndpoint(f, rc, name, ifc), nil
}

func setup(s int, name string, opts Options) (iface, error) {
	ifc, err := lookup(s, name, opts)
	if err != nil {
		return ifc, err
	}
	// Our own transmissions come back to packet taps as PACKET_OUTGOING;
	// Linux 4.20 and later can leave them out (the reader checks
	// sll_pkttype as well, for older kernels).
	_ = unix.SetsockoptInt(s, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1)
	if err := unix.SetsockoptInt(s, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
		return ifc, fmt.Errorf("packet: PACKET_VNET_HDR: %w", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifc.index}
	if err := unix.Bind(s, sa); err != nil {
		return ifc, fmt.Errorf("packet: bind to %q: %w", name, err)
	}
	return ifc, nil
}
