// Package gonet adapts inet sockets to the interfaces of package net, so
// code written for net.PacketConn and net.Conn runs unchanged over an inet
// stack.
//
// What it promises, for TCP over IPv4:
//   - TCPConn implements net.Conn with the methods of *net.TCPConn:
//     CloseRead, CloseWrite, SetNoDelay, SetKeepAlive, SetKeepAlivePeriod,
//     SetKeepAliveConfig (net.KeepAliveConfig), SetLinger, SetReadBuffer,
//     SetWriteBuffer, ReadFrom (io.ReaderFrom) and WriteTo (io.WriterTo);
//     TCPListener implements net.Listener with AcceptTCP and SetDeadline.
//     Listen, ListenTCP, DialTCP and DialContext ("tcp", "tcp4") make them
//     as net's do: listeners with SO_REUSEADDR and a backlog of somaxconn,
//     connections with TCP_NODELAY and Go's keepalive (15 s, 15 s, 9).
//   - Errors, addresses and options are package net's on Linux, checked
//     step by step against net on the kernel (TestTCPAsNetOnLinux): io.EOF
//     unwrapped at the end of the stream, "read: connection reset by
//     peer", "write: broken pipe", "connect: connection refused",
//     net.ErrClosed, os.ErrDeadlineExceeded, the syscall named inside.
//   - A TCP dial blocks until the handshake ends; its context interrupts
//     it (the SYN-SENT socket is closed). net/http (server and client) and
//     crypto/tls run over them unchanged.
//   - Read and Write of a warm connection allocate nothing.
//
// What it promises, for UDP over IPv4:
//   - UDPConn implements net.PacketConn, and net.Conn when connected (made
//     by DialUDP or Dial), with the methods of *net.UDPConn: ReadFrom,
//     WriteTo, the netip variants ReadFromUDPAddrPort and
//     WriteToUDPAddrPort, and ReadMsgUDPAddrPort and WriteMsgUDPAddrPort
//     carrying control messages in Linux's cmsg bytes (ControlMessage
//     decodes and encodes them; SetControlMessage turns them on).
//   - Errors are what package net returns on Linux: a *net.OpError with
//     Op "read", "write", "dial", "listen", "close" or "set", Net as
//     given, Source the local address, Addr the remote one, and Err an
//     *os.SyscallError around the socket layer's unix.Errno (so
//     errors.Is(err, unix.ECONNREFUSED) works), net.ErrClosed after Close,
//     os.ErrDeadlineExceeded when a deadline passed (Timeout() reports
//     true), net.ErrWriteToConnected and net's *net.AddrError values for
//     misuse.
//   - Deadlines behave as net's: a passed deadline fails the call at once
//     even when data is waiting; moving or clearing a deadline wakes a
//     blocked call, which then obeys the new one; Close wakes every blocked
//     call with net.ErrClosed. Deadlines are instants on the stack's clock
//     (socket.Base's Env.Clock): with clock.Real that is time.Now, with a
//     clock.Manual they expire when the test advances it.
//   - Addresses are parsed as package net parses IP literals ("host:port",
//     "[v4-mapped v6]:port", ":port", service names from the host's
//     services database); "localhost" means 127.0.0.1 (RFC 6761 §6.3);
//     other host names are not resolved (*net.DNSError). The stack is
//     IPv4-only: an IPv6 address is what net reports on a kernel without
//     IPv6 (*net.AddrError "no suitable address found" for "udp4", socket
//     EAFNOSUPPORT for "udp").
//   - Like net, UDP sockets are made with SO_BROADCAST on.
//   - The steady-state data path (Read, Write, ReadFromUDPAddrPort,
//     WriteToUDPAddrPort, the Msg variants, ParseControlMessage) allocates
//     nothing; ReadFrom allocates the *net.UDPAddr it returns, as net does.
//
// Not yet: "tcp6", "udp6" and IPv6, multicast listeners
// (ListenMulticastUDP), SyscallConn (there is no file descriptor; Socket
// gives the socket itself, with Setsockopt and Getsockopt), File, MPTCP,
// and name resolution beyond localhost.
package gonet
