package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Sum is the partial sum: the ones' complement sum of b's big-endian 16-bit
// words added to initial, not complemented. An odd final byte is padded with
// zero on the right. The result is 0 only when b is all zeros and initial is
// 0; otherwise a zero sum is written 0xffff (RFC 1624 section 3).
//
// Sum adds b as little-endian 64-bit words and swaps the bytes of the folded
// result at the end (RFC 1071 section 2(B): the sum is byte-order
// independent), so that the loop is plain loads and add-with-carry.
func Sum(b []byte, initial uint32) uint16 {
	s := bits.ReverseBytes16(fold(sumLE(b)))
	return fold(uint64(s) + uint64(initial))
}

// sumLE returns a 64-bit value congruent, modulo 0xffff, to the ones'
// complement sum of b's little-endian 16-bit words. Since 2^16 = 1 (mod
// 0xffff), words of any even width may be added, and each carry out of bit
// 63 is worth 2^64 = 1 (RFC 1071 section 2(C)).
func sumLE(b []byte) uint64 {
	// Two independent carry chains let the CPU run two add-with-carry
	// sequences side by side.
	var a0, a1, c0, c1 uint64
	for len(b) >= 64 {
		x := b[:64:64]
		a0, c0 = bits.Add64(a0, binary.LittleEndian.Uint64(x[0:]), c0)
		a0, c0 = bits.Add64(a0, binary.LittleEndian.Uint64(x[8:]), c0)
		a0, c0 = bits.Add64(a0, binary.LittleEndian.Uint64(x[16:]), c0)
		a0, c0 = bits.Add64(a0, binary.LittleEndian.Uint64(x[24:]), c0)
		a1, c1 = bits.Add64(a1, binary.LittleEndian.Uint64(x[32:]), c1)
		a1, c1 = bits.Add64(a1, binary.LittleEndian.Uint64(x[40:]), c1)
		a1, c1 = bits.Add64(a1, binary.LittleEndian.Uint64(x[48:]), c1)
		a1, c1 = bits.Add64(a1, binary.LittleEndian.Uint64(x[56:]), c1)
		b = b[64:]
	}
	acc, c := bits.Add64(a0, a1, c0)
	acc, c = bits.Add64(acc, c1, c)
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	// At most 7 bytes are left; their sum fits easily in 64 bits. Every
	// piece starts at an even offset, so an odd last byte is the low byte
	// of a little-endian word (the high byte of a big-endian one).
	var t uint64
	if len(b) >= 4 {
		t = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		t += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		t += uint64(b[0])
	}
	acc, c = bits.Add64(acc, t, c)
	acc, c = bits.Add64(acc, c, 0)
	return acc + c // cannot overflow: a carry above left acc at 0
}

// fold reduces s to 16 bits with end-around carry; it returns 0 only for 0.
func fold(s uint64) uint16 {
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return uint16(s)
}

// Checksum returns the Internet checksum of b: the complement of its ones'
// complement sum. A header whose checksum field is correct checksums to 0.
func Checksum(b []byte) uint16 { return ^Sum(b, 0) }

// PseudoHeaderSum returns the partial sum of the IPv4 pseudo-header used by
// UDP and TCP (RFC 768, RFC 9293 3.1): source, destination, zero, protocol,
// and the transport length.
func PseudoHeaderSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	s, d := As4(src), As4(dst)
	sum := uint32(s[0])<<8 | uint32(s[1])
	sum += uint32(s[2])<<8 | uint32(s[3])
	sum += uint32(d[0])<<8 | uint32(d[1])
	sum += uint32(d[2])<<8 | uint32(d[3])
	sum += uint32(proto)
	sum += uint32(length & 0xffff)
	sum += uint32(length >> 16)
	return sum
}

// TransportChecksum returns the checksum field for a UDP or TCP segment b
// (with its own checksum field zeroed) carried between src and dst.
func TransportChecksum(src, dst netip.Addr, proto uint8, b []byte) uint16 {
	return ^Sum(b, PseudoHeaderSum(src, dst, proto, len(b)))
}

// UpdateChecksum16 returns the checksum field that results from replacing
// the 16-bit word old with new in the covered data, given the field's
// current value (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
func UpdateChecksum16(check, old, new uint16) uint16 {
	s := uint32(^check) + uint32(^old) + uint32(new)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return ^uint16(s)
}

// UpdateChecksum32 is UpdateChecksum16 for a 32-bit field (an address).
func UpdateChecksum32(check uint16, old, new uint32) uint16 {
	check = UpdateChecksum16(check, uint16(old>>16), uint16(new>>16))
	return UpdateChecksum16(check, uint16(old), uint16(new))
}
