package difftest

// The differences between inet and the kernel that remain, each with its
// reason. docs/COMPATIBILITY.md lists them too. A difference that goes
// away fails its case until its line here is removed.
func init() {
	const frag = "fragmentation and reassembly are the fragmentation issue: a datagram above the MTU fails " +
		"with EMSGSIZE, fragments are dropped (ReasmFails)"
	KnownDifferences["TestUDP/fragmented-send-1473"] = frag
	KnownDifferences["TestUDP/fragmented-receive"] = frag
	const tcpEcho = "inet's TCP does not echo a segment's IP options (ip_options_echo) in its SYN-ACK " +
		"(tcp_v4_save_options, ireq_opt) nor in its resets (ip_send_unicast_reply): the TCP side of the " +
		"options issue, left to the TCP owner; ipv4.Layer.EchoOptions gives what to send"
	KnownDifferences["TestOptions/tcp-synack-echoes-syn-options"] = tcpEcho
	KnownDifferences["TestOptions/tcp-rst-echoes-options"] = tcpEcho
}
