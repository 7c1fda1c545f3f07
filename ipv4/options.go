package ipv4

// checkOptions applies the length rules of Linux's ip_options_compile to an
// options area and returns the offset (within the options) of the octet a
// parameter problem should point at when they fail.
// TODO(options issue): full per-option validation lives in wire; this
// checks only the generic layout.
func checkOptions(o []byte) (ptr int, ok bool) {
	for i := 0; i < len(o); {
		switch o[i] {
		case 0: // end of option list
			return 0, true
		case 1: // no-op
			i++
			continue
		}
		if len(o)-i < 2 {
			return i, false
		}
		n := int(o[i+1])
		if n < 2 || n > len(o)-i {
			return i, false
		}
		i += n
	}
	return 0, true
}

// hasSourceRoute reports whether the options carry a loose or strict source
// route (option types 131 and 137).
func hasSourceRoute(o []byte) bool {
	for i := 0; i < len(o); {
		switch o[i] {
		case 0:
			return false
		case 1:
			i++
			continue
		case 131, 137:
			return true
		}
		if len(o)-i < 2 || o[i+1] < 2 {
			return false
		}
		i += int(o[i+1])
	}
	return false
}
