package tcp

// seq is a TCP sequence number with modular comparison (RFC 9293 3.4).
type seq uint32

func (a seq) lt(b seq) bool { return int32(a-b) < 0 }
func (a seq) le(b seq) bool { return int32(a-b) <= 0 }
func (a seq) gt(b seq) bool { return int32(a-b) > 0 }
func (a seq) ge(b seq) bool { return int32(a-b) >= 0 }

// add returns a+n.
func (a seq) add(n uint32) seq { return a + seq(n) }

// diff returns a-b as a signed distance.
func (a seq) diff(b seq) int32 { return int32(a - b) }

// inWindow reports lo <= a < hi.
func (a seq) inWindow(lo, hi seq) bool { return a.ge(lo) && a.lt(hi) }

func seqMax(a, b seq) seq {
	if a.gt(b) {
		return a
	}
	return b
}

func seqMin(a, b seq) seq {
	if a.lt(b) {
		return a
	}
	return b
}
