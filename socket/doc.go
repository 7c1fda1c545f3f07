// Package socket is the BSD socket layer of inet, with the semantics of
// Linux's net/socket.c, net/core/sock.c and net/ipv4/ip_sockglue.c: the
// generic part of every socket (options at SOL_SOCKET and SOL_IP with
// Linux's binary layouts and errno choices, control messages in Linux's
// exact cmsg layout, the receive queue with buffer accounting, the error
// queue of IP_RECVERR, readiness as poll(2) reports it, blocking with
// SO_RCVTIMEO, SO_SNDTIMEO and Go deadlines on the stack's clock) and the
// Proto interface each transport (udp, tcp, raw) implements.
//
// Errors are unix.Errno values, so errors.Is(err, unix.EADDRINUSE) works;
// ErrDeadline marks a Go deadline (the net adapters turn it into
// os.ErrDeadlineExceeded).
//
// Not yet: SO_ATTACH_FILTER and other BPF hooks, SO_TIMESTAMPING, SO_PEEK_OFF,
// multicast options (the multicast issue), IP_MTU_DISCOVER's effects beyond
// the DF bit (the path MTU issue).
package socket
