// Package mem provides in-memory links for tests, network labs and the demo:
// point-to-point pipes, Ethernet switches and IP hubs, all counted by one
// Network so a test can wait until nothing is in flight instead of sleeping.
//
// What it promises:
//   - Delivery is asynchronous, like a NIC: each Endpoint owns one goroutine
//     that drains its inbound FIFO in batches of up to link.MaxBatch and hands
//     them to the Dispatcher given to Attach. Packets written before the peer
//     attaches wait in its queue.
//   - Writes are zero-copy: the *pkt.Buffer written is the one the receiver
//     gets. A frame that reaches several ports (flooding) is cloned for all
//     receivers but one.
//   - Packets one endpoint writes reach a given receiver in the order they
//     were written, unless an Impairment delays some of them (packets with
//     equal delays stay in order).
//   - On delivery the receiver gets fresh metadata: pkt.Meta.PktType set from
//     the destination MAC against the receiving endpoint's own MAC (Ethernet),
//     PacketHost otherwise; FlagChecksumOK when the endpoint was built with
//     ChecksumOffload. Nothing else of the sender's Meta crosses the wire.
//   - Each inbound queue holds at most Options.QueueLen packets (default 1000,
//     Linux's default txqueuelen); more are dropped and counted in
//     Stats.RxDropped, as a NIC's full ring would.
//   - Frames longer than the MTU (plus the 14-byte Ethernet header) are refused
//     by WriteBatch with EMSGSIZE, and Ethernet frames shorter than a header
//     with EINVAL, as a packet socket would (net/packet/af_packet.c).
//   - The steady-state write-to-deliver path allocates nothing.
//
// Impairments (loss, duplication, delay, reordering) are decided per packet
// by an Impairment on the sending endpoint; see Verdict and Random. Delays run
// on an injected clock.Clock, so a clock.Manual drives them. Reordering is
// expressed as delays: a packet given a shorter delay than one written
// before it overtakes it (Random's Jitter and Reorder do this for you).
//
// A deterministic test drives the network in two alternating moves:
// Network.WaitIdle lets every queued packet be delivered (with the packets
// those deliveries send, and so on), then clock.Manual.Advance fires the
// stacks' timers and releases delayed packets into the queues. With one
// writer per endpoint at a time and a fixed Random seed, every run sees the
// same losses and the same arrival order (see Example_impairment).
//
// Not supported: VLANs, MAC ageing on switches (a learned address moves only
// when it is seen on another port), spanning tree, link up/down events, and
// frames of other sizes than Ethernet II (no 802.3 length field checks).
package mem
