package socket

import (
	"encoding/binary"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Control message layout on Linux/amd64 (and every 64-bit Linux): a
// struct cmsghdr of 16 bytes (size_t cmsg_len, int level, int type), data
// aligned to 8 bytes.
const (
	cmsgHdrLen = 16
	cmsgAlign  = 8
)

// CmsgLen is CMSG_LEN(n).
func CmsgLen(n int) int { return cmsgHdrLen + n }

// CmsgSpace is CMSG_SPACE(n).
func CmsgSpace(n int) int { return cmsgHdrLen + (n+cmsgAlign-1)&^(cmsgAlign-1) }

// Cmsg is one control message.
type Cmsg struct {
	Level, Type int
	Data        []byte
}

// ParseCmsgs walks a control buffer as for_each_cmsghdr does and returns
// its messages; a header whose length is below 16 or runs past the buffer
// is EINVAL (CMSG_OK).
func ParseCmsgs(b []byte) ([]Cmsg, error) {
	var out []Cmsg
	err := walkCmsgs(b, func(c Cmsg) error { out = append(out, c); return nil })
	return out, err
}

func walkCmsgs(b []byte, f func(Cmsg) error) error {
	off := 0
	for off+cmsgHdrLen <= len(b) {
		l := binary.NativeEndian.Uint64(b[off:])
		if l < cmsgHdrLen || l > uint64(len(b)-off) {
			return unix.EINVAL
		}
		c := Cmsg{
			Level: int(int32(binary.NativeEndian.Uint32(b[off+8:]))),
			Type:  int(int32(binary.NativeEndian.Uint32(b[off+12:]))),
			Data:  b[off+cmsgHdrLen : off+int(l)],
		}
		if err := f(c); err != nil {
			return err
		}
		next := off + (int(l)+cmsgAlign-1)&^(cmsgAlign-1)
		if next <= off {
			break
		}
		off = next
	}
	return nil
}

// cmsgWriter fills a receive control buffer as Linux's put_cmsg does:
// a message that does not fit is truncated (its cmsg_len says how much
// fitted) and MSG_CTRUNC is set.
type cmsgWriter struct {
	buf   []byte
	n     int
	trunc bool
}

func (w *cmsgWriter) put(level, typ int, data []byte) {
	room := len(w.buf) - w.n
	if room < cmsgHdrLen {
		w.trunc = true
		return
	}
	cmlen := CmsgLen(len(data))
	if room < cmlen {
		w.trunc = true
		cmlen = room
	}
	h := w.buf[w.n:]
	binary.NativeEndian.PutUint64(h[0:], uint64(cmlen))
	binary.NativeEndian.PutUint32(h[8:], uint32(int32(level)))
	binary.NativeEndian.PutUint32(h[12:], uint32(int32(typ)))
	copy(h[cmsgHdrLen:cmlen], data)
	w.n += min(CmsgSpace(len(data)), room)
}

func (w *cmsgWriter) putInt(level, typ int, v int32) {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(v))
	w.put(level, typ, b[:])
}

// PktInfo is struct in_pktinfo.
type PktInfo struct {
	IfIndex int
	SpecDst netip.Addr // local address (ipi_spec_dst)
	Addr    netip.Addr // header destination address (ipi_addr)
}

func (p PktInfo) bytes() [12]byte {
	var b [12]byte
	binary.NativeEndian.PutUint32(b[0:], uint32(int32(p.IfIndex)))
	s, a := as4(p.SpecDst), as4(p.Addr)
	copy(b[4:8], s[:])
	copy(b[8:12], a[:])
	return b
}

// timeval and timespec as the SCM_TIMESTAMP* messages carry them.
func timevalBytes(t time.Time) [16]byte {
	var b [16]byte
	binary.NativeEndian.PutUint64(b[0:], uint64(t.Unix()))
	binary.NativeEndian.PutUint64(b[8:], uint64(t.Nanosecond()/1000))
	return b
}

func timespecBytes(t time.Time) [16]byte {
	var b [16]byte
	binary.NativeEndian.PutUint64(b[0:], uint64(t.Unix()))
	binary.NativeEndian.PutUint64(b[8:], uint64(t.Nanosecond()))
	return b
}

// ExtendedErrBytes encodes struct sock_extended_err followed by the
// offender's struct sockaddr_in, as the IP_RECVERR message carries them.
func (e *ExtendedErr) bytes() [32]byte {
	var b [32]byte
	binary.NativeEndian.PutUint32(b[0:], e.Errno)
	b[4], b[5], b[6] = e.Origin, e.Type, e.Code
	binary.NativeEndian.PutUint32(b[8:], e.Info)
	binary.NativeEndian.PutUint32(b[12:], e.Data)
	if e.Offender.IsValid() {
		PutSockaddr(b[16:], netip.AddrPortFrom(e.Offender, 0))
	}
	return b
}

// SendControl is what sendmsg's control messages ask for (ip_cmsg_send).
type SendControl struct {
	HasPktInfo bool
	IfIndex    int        // IP_PKTINFO ipi_ifindex (0: keep)
	Src        netip.Addr // IP_PKTINFO ipi_spec_dst (0.0.0.0: let the route choose)
	TTL        int        // IP_TTL, 0 = not given
	TOS        int        // IP_TOS, -1 = not given
	Options    []byte     // IP_RETOPTS, nil = not given
	HasOptions bool
	Mark       uint32 // SO_MARK
	HasMark    bool
	Priority   uint32
	HasPrio    bool
}

// ParseSendControl decodes sendmsg control messages with Linux's rules:
// SOL_IP IP_PKTINFO (exactly CMSG_LEN(12)), IP_TTL (CMSG_LEN(4), 1..255),
// IP_TOS (CMSG_LEN(4) or CMSG_LEN(1), 0..255), IP_RETOPTS (at most 40
// bytes, validated); SOL_SOCKET SO_MARK (needs CapNetAdmin or CapNetRaw),
// SO_PRIORITY; other SOL_IP types are EINVAL, other levels ignored.
func (e *Env) ParseSendControl(b []byte) (SendControl, error) { return e.parseSendControl(b, 0) }

// ParseSendControl is Env.ParseSendControl for this socket, whose
// SO_TIMESTAMPING flags decide whether SCM_TS_OPT_ID is allowed.
func (b *Base) ParseSendControl(ctl []byte) (SendControl, error) {
	return b.Env.parseSendControl(ctl, b.Opts.TSFlags.Load())
}

// SCM_TS_OPT_ID and the SO_TIMESTAMPING bits a message may ask for.
const (
	scmTSOptID                  = 81
	sofTimestampingTxRecordMask = 1<<0 | 1<<1 | 1<<8 | 1<<9 | 1<<18
)

func (e *Env) parseSendControl(b []byte, tsflags uint32) (SendControl, error) {
	sc := SendControl{TOS: -1}
	err := walkCmsgs(b, func(c Cmsg) error {
		n := len(c.Data)
		switch c.Level {
		case unix.SOL_SOCKET:
			switch c.Type {
			case unix.SO_MARK:
				if !e.Capable(CapNetAdmin | CapNetRaw) {
					return unix.EPERM
				}
				if n != 4 {
					return unix.EINVAL
				}
				sc.Mark, sc.HasMark = binary.NativeEndian.Uint32(c.Data), true
			case unix.SO_PRIORITY:
				if n != 4 {
					return unix.EINVAL
				}
				v := binary.NativeEndian.Uint32(c.Data)
				if v > 6 && !e.Capable(CapNetAdmin|CapNetRaw) {
					return unix.EPERM
				}
				sc.Priority, sc.HasPrio = v, true
			case soTimestampingOld, soTimestampingNew:
				// Per-message TX timestamp requests: only the
				// SOF_TIMESTAMPING_TX_RECORD_MASK bits; inet
				// records no TX timestamps.
				if n != 4 {
					return unix.EINVAL
				}
				if binary.NativeEndian.Uint32(c.Data)&^sofTimestampingTxRecordMask != 0 {
					return unix.EINVAL
				}
			case scmTSOptID:
				if tsflags&sofTimestampingOptID == 0 || n != 4 {
					return unix.EINVAL
				}
			case unix.SCM_RIGHTS, unix.SCM_CREDENTIALS:
				// Semantically SOL_UNIX: ignored on inet sockets.
			default:
				return unix.EINVAL
			}
		case unix.SOL_IP:
			switch c.Type {
			case unix.IP_PKTINFO:
				if n != 12 {
					return unix.EINVAL
				}
				sc.HasPktInfo = true
				if idx := int(int32(binary.NativeEndian.Uint32(c.Data))); idx != 0 {
					sc.IfIndex = idx
				}
				sc.Src = netip.AddrFrom4([4]byte(c.Data[4:8]))
			case unix.IP_TTL:
				if n != 4 {
					return unix.EINVAL
				}
				v := int32(binary.NativeEndian.Uint32(c.Data))
				if v < 1 || v > 255 {
					return unix.EINVAL
				}
				sc.TTL = int(v)
			case unix.IP_TOS:
				var v int32
				switch n {
				case 4:
					v = int32(binary.NativeEndian.Uint32(c.Data))
				case 1:
					v = int32(c.Data[0])
				default:
					return unix.EINVAL
				}
				if v < 0 || v > 255 {
					return unix.EINVAL
				}
				sc.TOS = int(v)
			case unix.IP_RETOPTS:
				opt := c.Data[:min(n, 40)]
				o, err := e.compileOptions(opt)
				if err != nil {
					return err
				}
				sc.Options, sc.HasOptions = o, true
			default:
				return unix.EINVAL
			}
		}
		return nil
	})
	return sc, err
}
