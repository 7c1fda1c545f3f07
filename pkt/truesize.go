package pkt

// Truesize is the memory Linux charges (skb->truesize) for a locally
// generated or veth-received packet of n bytes from the IP header, as
// measured on Linux 6.18: __ip_append_data allocates n + LL_RESERVED_SPACE
// (16) + 15 bytes; __alloc_skb aligns that to 64 and adds skb_shared_info
// (320); kmalloc serves up to 576 bytes from skb_small_head_cache and larger
// sizes from power-of-two caches; truesize adds the sk_buff itself (256).
// Socket receive buffers (SO_RCVBUF) and the neighbour queue
// (unres_qlen_bytes) are accounted in these units, so the same number of
// packets fits as on Linux.
func Truesize(n int) int {
	obj := (n+31+63)&^63 + 320
	if obj <= 576 {
		obj = 576
	} else {
		b := 1024
		for b < obj {
			b <<= 1
		}
		obj = b
	}
	return obj + 256
}
