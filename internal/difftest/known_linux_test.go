package difftest

// The differences between inet and the kernel that remain, each with its
// reason. docs/COMPATIBILITY.md lists them too. A difference that goes
// away fails its case until its line here is removed.
func init() {
	const frag = "fragmentation and reassembly are the fragmentation issue: a datagram above the MTU fails " +
		"with EMSGSIZE, fragments are dropped (ReasmFails)"
	KnownDifferences["TestUDP/fragmented-send-1473"] = frag
	KnownDifferences["TestUDP/fragmented-receive"] = frag
}
