package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"

	"github.com/seed96fbdc48/inet/gonet"
	"github.com/seed96fbdc48/inet/internal/services"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// showUDP starts bob's echo service and has alice, through package gonet
// (a net.Conn), send it a datagram and read the answer with its IP_PKTINFO
// and IP_TTL control messages, which it prints field by field.
func showUDP(ctx context.Context, w io.Writer, d *demoNet) error {
	d.svc = services.NewServer(d.bob)
	echo, err := d.svc.UDPEcho(netip.AddrPortFrom(netip.IPv4Unspecified(), services.EchoPort))
	if err != nil {
		return fmt.Errorf("bob's echo service: %w", err)
	}
	fmt.Fprintf(w, "   bob runs a UDP echo service on %s\n", echo.Addr())

	nc, err := d.alice.DialContext(ctx, "udp", "198.18.2.2:7")
	if err != nil {
		return err
	}
	c := nc.(*gonet.UDPConn)
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if err := c.SetControlMessage(gonet.FlagPktInfo|gonet.FlagTTL, true); err != nil {
		return err
	}
	msg := "hello, bob"
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	fmt.Fprintf(w, "   alice sends %q from %s to %s\n", msg, c.LocalAddr(), c.RemoteAddr())
	buf, oob := make([]byte, 64), make([]byte, 128)
	n, oobn, _, from, err := c.ReadMsgUDPAddrPort(buf, oob)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   alice reads %q from %s, with %d bytes of control messages:\n", buf[:n], from, oobn)
	cm, err := gonet.ParseControlMessage(oob[:oobn])
	if err != nil {
		return err
	}
	raw, _ := socket.ParseCmsgs(oob[:oobn])
	for _, m := range raw {
		clen := socket.CmsgLen(len(m.Data))
		switch {
		case m.Level == unix.SOL_IP && m.Type == unix.IP_PKTINFO:
			name := "?"
			if nic := d.alice.Interface(cm.IfIndex); nic != nil {
				name = nic.Name()
			}
			fmt.Fprintf(w, "     IP_PKTINFO (cmsg_len %d): ipi_ifindex %d (%s), ipi_spec_dst %s, ipi_addr %s\n",
				clen, cm.IfIndex, name, cm.Local, cm.Dst)
		case m.Level == unix.SOL_IP && m.Type == unix.IP_TTL:
			fmt.Fprintf(w, "     IP_TTL     (cmsg_len %d): %d (bob sent 64; the router took one)\n", clen, cm.TTL)
		}
	}
	return nil
}
