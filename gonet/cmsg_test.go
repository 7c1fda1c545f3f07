package gonet_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/gonet"
	"golang.org/x/sys/unix"
)

// cmsg builds one control message as Linux lays it out on 64-bit
// machines: a 16-byte header (size_t len, int level, int type), the data,
// padding to 8 bytes. Written out by hand, not with the code under test.
func cmsg(level, typ int, data ...byte) []byte {
	b := make([]byte, 16, 16+len(data)+7)
	binary.LittleEndian.PutUint64(b[0:], uint64(16+len(data)))
	binary.LittleEndian.PutUint32(b[8:], uint32(level))
	binary.LittleEndian.PutUint32(b[12:], uint32(typ))
	b = append(b, data...)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// TestReadMsgControlMessages: IP_PKTINFO, IP_TTL, IP_TOS, IP_ORIGDSTADDR
// and SO_TIMESTAMPNS through ReadMsgUDPAddrPort, in Linux's bytes and
// order (sock_recv_cmsgs, then ip_cmsg_recv_offset), and decoded; the TTL
// and TOS were chosen per datagram with IP_TTL and IP_TOS messages on
// send.
func TestReadMsgControlMessages(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.b, ":7000")
	cli := listen(t, l.a, ":0")
	if err := srv.SetControlMessage(gonet.FlagPktInfo|gonet.FlagTTL|gonet.FlagTOS|gonet.FlagOrigDst|gonet.FlagTimestamp, true); err != nil {
		t.Fatal(err)
	}
	send := gonet.ControlMessage{Has: gonet.FlagTTL | gonet.FlagTOS, TTL: 33, TOS: 0x28}
	oob := send.Append(nil)
	if want := append(cmsg(unix.SOL_IP, unix.IP_TTL, 33, 0, 0, 0), cmsg(unix.SOL_IP, unix.IP_TOS, 0x28, 0, 0, 0)...); !bytes.Equal(oob, want) {
		t.Fatalf("Append: % x, want % x", oob, want)
	}
	before := time.Now()
	if _, _, err := cli.WriteMsgUDPAddrPort([]byte("hi"), oob, ap("198.18.0.2:7000")); err != nil {
		t.Fatal(err)
	}
	srv.SetReadDeadline(time.Now().Add(within))
	buf, rcv := make([]byte, 16), make([]byte, 256)
	n, oobn, flags, from, err := srv.ReadMsgUDPAddrPort(buf, rcv)
	if err != nil || string(buf[:n]) != "hi" || flags != 0 || from.Addr() != ip("198.18.0.1") {
		t.Fatalf("ReadMsg: %q flags %#x from %v: %v", buf[:n], flags, from, err)
	}
	idx := l.b.InterfaceByName("eth0").Index()
	cm, err := gonet.ParseControlMessage(rcv[:oobn])
	if err != nil {
		t.Fatal(err)
	}
	want := gonet.ControlMessage{
		Has:     gonet.FlagPktInfo | gonet.FlagTTL | gonet.FlagTOS | gonet.FlagOrigDst | gonet.FlagTimestamp,
		IfIndex: idx, Local: ip("198.18.0.2"), Dst: ip("198.18.0.2"),
		TTL: 33, TOS: 0x28, OrigDst: ap("198.18.0.2:7000"), Time: cm.Time,
	}
	if cm != want {
		t.Errorf("control message %+v, want %+v", cm, want)
	}
	if cm.Time.Before(before.Truncate(time.Microsecond)) || cm.Time.After(time.Now()) {
		t.Errorf("timestamp %v outside [%v, now]", cm.Time, before)
	}
	// The bytes, after the 32-byte timestamp message.
	var exp []byte
	exp = append(exp, cmsg(unix.SOL_IP, unix.IP_PKTINFO, byte(idx), 0, 0, 0, 198, 18, 0, 2, 198, 18, 0, 2)...)
	exp = append(exp, cmsg(unix.SOL_IP, unix.IP_TTL, 33, 0, 0, 0)...)
	exp = append(exp, cmsg(unix.SOL_IP, unix.IP_TOS, 0x28)...)
	exp = append(exp, cmsg(unix.SOL_IP, unix.IP_ORIGDSTADDR, 2, 0, 0x1b, 0x58, 198, 18, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)...)
	if oobn != 32+len(exp) || !bytes.Equal(rcv[32:oobn], exp) || !bytes.Equal(rcv[:16], cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, make([]byte, 16)...)[:16]) {
		t.Errorf("control bytes\n% x\nwant (after a SO_TIMESTAMPNS message of 32 bytes)\n% x", rcv[:oobn], exp)
	}

	// A short control buffer: MSG_CTRUNC; the message that did not fit
	// is cut (put_cmsg), and what fitted still parses.
	cli.WriteMsgUDPAddrPort([]byte("hi"), nil, ap("198.18.0.2:7000"))
	n, oobn, flags, _, err = srv.ReadMsgUDPAddrPort(buf, rcv[:50])
	if err != nil || n != 2 || flags&unix.MSG_CTRUNC == 0 || oobn != 50 {
		t.Fatalf("short oob: n %d oobn %d flags %#x %v, want MSG_CTRUNC and 50 bytes", n, oobn, flags, err)
	}
	if cm, err := gonet.ParseControlMessage(rcv[:oobn]); err != nil || cm.Has != gonet.FlagTimestamp {
		t.Errorf("truncated control messages: %+v %v, want the timestamp only", cm, err)
	}

	// Turned off, nothing comes.
	if err := srv.SetControlMessage(gonet.FlagPktInfo|gonet.FlagTTL|gonet.FlagTOS|gonet.FlagOrigDst|gonet.FlagTimestamp, false); err != nil {
		t.Fatal(err)
	}
	cli.WriteMsgUDPAddrPort([]byte("hi"), nil, ap("198.18.0.2:7000"))
	if _, oobn, _, _, err = srv.ReadMsgUDPAddrPort(buf, rcv); err != nil || oobn != 0 {
		t.Errorf("control messages off: %d bytes, %v", oobn, err)
	}
}

// TestPktInfoPicksSource: a server bound to INADDR_ANY answers from the
// address a request came to, by reading IP_PKTINFO and sending it back
// as the source (ip(7): ipi_spec_dst on send).
func TestPktInfoPicksSource(t *testing.T) {
	l := newLAN(t, nil)
	srv := listen(t, l.b, ":7000")
	cli := listen(t, l.a, ":0")
	srv.SetControlMessage(gonet.FlagPktInfo, true)
	srv.SetDeadline(time.Now().Add(within))
	cli.SetDeadline(time.Now().Add(within))
	buf, oob, out := make([]byte, 16), make([]byte, 64), make([]byte, 0, 64)
	for _, to := range []netip.AddrPort{ap("198.18.0.3:7000"), ap("198.18.0.2:7000")} {
		cli.WriteToUDPAddrPort([]byte("q"), to)
		n, oobn, _, from, err := srv.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := gonet.ParseControlMessage(oob[:oobn])
		if err != nil || cm.Local != to.Addr() {
			t.Fatalf("request to %v: pktinfo %+v %v", to, cm, err)
		}
		reply := gonet.ControlMessage{Has: gonet.FlagPktInfo, Local: cm.Local}
		if _, _, err := srv.WriteMsgUDPAddrPort(buf[:n], reply.Append(out[:0]), from); err != nil {
			t.Fatal(err)
		}
		_, rfrom, err := cli.ReadFromUDPAddrPort(buf)
		if err != nil || rfrom != to {
			t.Errorf("reply to a request for %v came from %v (%v)", to, rfrom, err)
		}
	}
}

// TestParseControlMessageBad: malformed buffers are EINVAL, never a panic;
// unknown messages are skipped.
func TestParseControlMessageBad(t *testing.T) {
	good := cmsg(unix.SOL_IP, unix.IP_TTL, 64, 0, 0, 0)
	bad := [][]byte{
		func() []byte { b := bytes.Clone(good); b[0] = 15; return b }(),
		func() []byte { b := bytes.Clone(good); b[0] = 25; return b }(),
		append(bytes.Clone(good), func() []byte { b := bytes.Clone(good); b[1] = 1; return b }()...),
	}
	for _, b := range bad {
		if _, err := gonet.ParseControlMessage(b); !errors.Is(err, unix.EINVAL) {
			t.Errorf("ParseControlMessage(% x): %v, want EINVAL", b, err)
		}
	}
	odd := append(cmsg(99, 1, 1, 2, 3), cmsg(unix.SOL_IP, unix.IP_TTL, 1)...) // unknown level; IP_TTL too short
	odd = append(odd, good...)
	cm, err := gonet.ParseControlMessage(append(odd, 1, 2, 3)) // a tail shorter than a header is ignored, as CMSG_NXTHDR does
	if err != nil || cm.Has != gonet.FlagTTL || cm.TTL != 64 {
		t.Errorf("skipping: %+v %v", cm, err)
	}
}

func FuzzParseControlMessage(f *testing.F) {
	f.Add(cmsg(unix.SOL_IP, unix.IP_PKTINFO, make([]byte, 12)...))
	f.Add(append(cmsg(unix.SOL_IP, unix.IP_TTL, 64, 0, 0, 0), cmsg(unix.SOL_IP, unix.IP_TOS, 1)...))
	f.Add(cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, make([]byte, 16)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		cm, err := gonet.ParseControlMessage(b)
		if err != nil {
			return
		}
		// What parses re-encodes and parses back to the same send-side
		// fields.
		cm.Has &= gonet.FlagPktInfo | gonet.FlagTTL | gonet.FlagTOS
		back, err := gonet.ParseControlMessage(cm.Append(nil))
		if err != nil || back.Has != cm.Has || back.TTL != cm.TTL || back.TOS != cm.TOS ||
			back.IfIndex != cm.IfIndex || back.Local != cm.Local {
			t.Fatalf("round trip %+v -> %+v %v", cm, back, err)
		}
	})
}
