package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Sum is the partial sum: the ones' complement sum of b's big-endian 16-bit
// words added to initial, not complemented. An odd final byte is padded with
// zero on the right.
func Sum(b []byte, initial uint32) uint16 {
	return fold(sum64(b, uint64(initial)))
}

// sum64 adds b into acc as big-endian 64-bit words, counting the carries
// out of bit 63 separately. Since 2^64 - 1 is a multiple of 0xffff, the
// ones' complement sum of 64-bit words folds to the same 16-bit sum
// (RFC 1071 section 2(C)), and each lost 2^64 is worth 1.
func sum64(b []byte, acc uint64) uint64 {
	var carry uint64
	for len(b) >= 32 {
		v0 := binary.BigEndian.Uint64(b[0:8])
		v1 := binary.BigEndian.Uint64(b[8:16])
		v2 := binary.BigEndian.Uint64(b[16:24])
		v3 := binary.BigEndian.Uint64(b[24:32])
		var c uint64
		acc, c = bits.Add64(acc, v0, 0)
		carry += c
		acc, c = bits.Add64(acc, v1, 0)
		carry += c
		acc, c = bits.Add64(acc, v2, 0)
		carry += c
		acc, c = bits.Add64(acc, v3, 0)
		carry += c
		b = b[32:]
	}
	for len(b) >= 8 {
		var c uint64
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), 0)
		carry += c
		b = b[8:]
	}
	// Fold the 64-bit accumulator and carries into 32 bits of 16-bit sums.
	// Each carry out of bit 63 is worth 2^64 = 1 (mod 0xffff).
	s := (acc >> 32) + (acc & 0xffffffff) + carry
	if len(b) >= 4 {
		s += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

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
