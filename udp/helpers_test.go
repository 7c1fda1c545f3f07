package udp_test

import "github.com/seed96fbdc48/inet/link/mem"

func memOpts() mem.Options { return mem.Options{} }
