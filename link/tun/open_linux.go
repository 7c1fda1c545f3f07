package tun

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const cloneDevice = "/dev/net/tun"

// tunFlags are the TUNSETIFF flags: a TUN (IP) device without the 4-byte
// packet information header. The offload issue adds IFF_VNET_HDR here, then
// TUNSETVNETHDRSZ and TUNSETOFFLOAD after TUNSETIFF, and advertises
// link.CapVnetHdr.
func tunFlags() uint16 { return unix.IFF_TUN | unix.IFF_NO_PI }

// openDevice opens the clone device nonblocking and creates or attaches
// to the named TUN interface. It returns the fd and the interface's name
// as the kernel reports it (a pattern such as "tun%d" is filled in).
func openDevice(name string) (int, string, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return -1, "", fmt.Errorf("tun: interface name %q is longer than %d bytes: %w", name, unix.IFNAMSIZ-1, unix.EINVAL)
	}
	fd, err := unix.Open(cloneDevice, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		switch {
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
			return -1, "", fmt.Errorf("tun: no such device %s (is the tun module loaded?): %w", cloneDevice, err)
		case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
			return -1, "", fmt.Errorf("tun: open %s: permission denied (run as root or with CAP_NET_ADMIN): %w", cloneDevice, err)
		}
		return -1, "", fmt.Errorf("tun: open %s: %w", cloneDevice, err)
	}
	ifr.SetUint16(tunFlags())
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		switch {
		case errors.Is(err, unix.EBUSY):
			return -1, "", fmt.Errorf("tun: device %q is busy (another process has it open): %w", name, err)
		case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
			return -1, "", fmt.Errorf("tun: create or attach %q: operation not permitted (needs CAP_NET_ADMIN, or the device belongs to another user): %w", name, err)
		case errors.Is(err, unix.EINVAL):
			// Checked on Linux 6.18: an existing veth, lo or TAP device.
			return -1, "", fmt.Errorf("tun: %q exists and is not a TUN device (a TAP, veth or other interface?): %w", name, err)
		}
		return -1, "", fmt.Errorf("tun: TUNSETIFF %q: %w", name, err)
	}
	return fd, ifr.Name(), nil
}

// configure applies opts to the interface and returns its MTU. It uses a
// datagram socket made on the calling thread, so it reaches the interface
// in that thread's network namespace: call it from Open only.
func configure(name string, opts Options) (int, error) {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("tun: control socket: %w", err)
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if opts.MTU > 0 {
		ifr.SetUint32(uint32(opts.MTU))
		if err := unix.IoctlIfreq(s, unix.SIOCSIFMTU, ifr); err != nil {
			if errors.Is(err, unix.EINVAL) {
				return 0, fmt.Errorf("tun: MTU %d is out of the device's range: %w", opts.MTU, err)
			}
			return 0, fmt.Errorf("tun: set MTU of %q to %d: %w", name, opts.MTU, err)
		}
	}
	if opts.Up {
		if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
			return 0, fmt.Errorf("tun: flags of %q: %w", name, err)
		}
		ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
		if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
			return 0, fmt.Errorf("tun: bring %q up: %w", name, err)
		}
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFMTU, ifr); err != nil {
		return 0, fmt.Errorf("tun: MTU of %q: %w", name, err)
	}
	return int(ifr.Uint32()), nil
}

// Open creates the TUN interface name, or attaches to it if it exists, in
// the calling thread's network namespace, applies opts, and returns an
// endpoint ready to Attach. A name with a %d ("tun%d") lets the kernel
// choose; Name reports its choice. The interface is removed when the
// endpoint is closed unless it was made persistent (ip tuntap add).
func Open(name string, opts Options) (*Endpoint, error) {
	fd, kname, err := openDevice(name)
	if err != nil {
		return nil, err
	}
	mtu, err := configure(kname, opts)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	// The fd is nonblocking, so os.NewFile hands it to the Go poller.
	f := os.NewFile(uintptr(fd), cloneDevice)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tun: %w", err)
	}
	return newEndpoint(f, rc, kname, mtu), nil
}
