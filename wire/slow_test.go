package wire

// Reference implementations, written for obviousness rather than speed,
// that the fast code is tested against.

// slowSum is RFC 1071 section 4.1 one byte pair at a time: big-endian
// 16-bit words, an odd last byte padded with zero on the right, the carry
// folded back after every addition.
func slowSum(b []byte, initial uint32) uint16 {
	sum := uint32(initial>>16) + uint32(initial&0xffff)
	sum = (sum >> 16) + (sum & 0xffff)
	for i := 0; i < len(b); i += 2 {
		w := uint32(b[i]) << 8
		if i+1 < len(b) {
			w |= uint32(b[i+1])
		}
		sum += w
		sum = (sum >> 16) + (sum & 0xffff)
	}
	return uint16(sum)
}

// slowChecksum is the complement of slowSum.
func slowChecksum(b []byte) uint16 { return ^slowSum(b, 0) }
