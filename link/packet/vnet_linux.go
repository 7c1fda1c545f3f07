package packet

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/seed96fbdc48/inet/wire"
)

// vnetHdrLen is the size of struct virtio_net_hdr (include/uapi/linux/
// virtio_net.h), which PACKET_VNET_HDR puts in front of every frame, in
// the host's byte order for packet sockets (vio_le() is the legacy
// native-endian layout).
const vnetHdrLen = 10

// vnetHdr is a decoded virtio_net_hdr.
type vnetHdr struct {
	flags, gsoType                         uint8
	hdrLen, gsoSize, csumStart, csumOffset uint16
}

func decodeVnetHdr(b *[vnetHdrLen]byte) vnetHdr {
	e := binary.NativeEndian
	return vnetHdr{
		flags: b[0], gsoType: b[1],
		hdrLen: e.Uint16(b[2:]), gsoSize: e.Uint16(b[4:]),
		csumStart: e.Uint16(b[6:]), csumOffset: e.Uint16(b[8:]),
	}
}

// completeChecksum finishes a checksum the kernel left partial
// (VIRTIO_NET_HDR_F_NEEDS_CSUM, CHECKSUM_PARTIAL in the skb): the field at
// csum_start+csum_offset holds the folded pseudo-header sum, so the ones'
// complement sum from csum_start to the end, complemented, is the checksum
// (what skb_checksum_help does for a device without offload). A UDP result
// of 0 is sent as 0xffff (RFC 768). It reports false when the offsets lie
// outside the frame.
func completeChecksum(frame []byte, h vnetHdr) bool {
	start, at := int(h.csumStart), int(h.csumStart)+int(h.csumOffset)
	if start >= len(frame) || at+2 > len(frame) {
		return false
	}
	c := ^wire.Sum(frame[start:], 0)
	if c == 0 && h.csumOffset == 6 { // the UDP header's checksum field
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[at:], c)
	return true
}

// needsChecksum reports whether the kernel left the checksum partial.
func (h vnetHdr) needsChecksum() bool { return h.flags&unix.VIRTIO_NET_HDR_F_NEEDS_CSUM != 0 }

// isGSO reports whether the frame is a GSO super-frame.
func (h vnetHdr) isGSO() bool { return h.gsoType != unix.VIRTIO_NET_HDR_GSO_NONE }
