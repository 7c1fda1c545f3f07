package ipv4

import "github.com/seed96fbdc48/inet/wire"

// checkOptions checks the options of a received packet with the rules of
// Linux's ip_options_compile (wire.CheckIPv4Options, proven against the
// kernel). When they fail, ptr is the offset from the start of the IPv4
// header of the octet the parameter problem points at.
// TODO(options issue): record route, timestamps, source routes and router
// alert are checked here but not yet acted upon.
func checkOptions(o []byte) (info wire.IPv4OptionsInfo, ptr int, ok bool) {
	info, err := wire.CheckIPv4Options(o, wire.IPv4OptionsReceived)
	if e, bad := err.(wire.IPv4OptionError); bad {
		return info, e.Pointer(), false
	}
	return info, 0, err == nil
}
