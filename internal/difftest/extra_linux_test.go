package difftest

import (
	"testing"

	"golang.org/x/sys/unix"
)

const hostWide = "net.core.rmem_* and wmem_* are host-wide in Linux, read-only (EACCES) in a network " +
	"namespace; an inet stack is a host of its own, where they are writable and act as on the host"

// Options whose effect on receiving is checked end to end.
func optionEffectCases() []Case {
	return []Case{
		{Name: "peek-off", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF, 2)
			r.PeerSendTo(6000, "198.18.0.1:5000", "0123456789")
			r.PeerSendTo(6000, "198.18.0.1:5000", "abcdef")
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(s, ro(3, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			r.RecvMsg(s, ro(3, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
		}},
		{Name: "peek-off-beyond-datagram", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF, 20)
			r.PeerSendTo(6000, "198.18.0.1:5000", "short")
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
		}},
		{Name: "peek-off-across-datagrams", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF, 0)
			for _, d := range []string{"abc", "", "defgh", "ij"} {
				r.PeerSendTo(6000, "198.18.0.1:5000", d)
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			for i := 0; i < 6; i++ {
				r.RecvMsg(s, ro(2, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
				r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			}
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT|unix.MSG_TRUNC))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			r.RecvMsg(s, ro(1, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT|unix.MSG_TRUNC))
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF)
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_PEEK_OFF, -1)
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_PEEK|unix.MSG_DONTWAIT))
		}},
		{Name: "minttl", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			r.SetInt(s, unix.SOL_IP, unix.IP_MINTTL, 100)
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: []byte("ttl 64")})
			r.PeerSend(Datagram{SrcPort: 6000, Dst: AP("198.18.0.1:5000"), Data: []byte("ttl 200"), TTL: 200})
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
			r.RecvMsg(s, ro(100, 0, 16, unix.MSG_DONTWAIT))
		}},
		{Name: "select-err-queue-pollpri", Run: func(r *R) {
			s := r.UDP()
			r.SetInt(s, unix.SOL_IP, unix.IP_RECVERR, 1)
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_SELECT_ERR_QUEUE, 1)
			r.SetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			r.SendTo(s, make([]byte, 2000), 0, "198.18.0.2:6000")
			r.Poll(s)
		}},
		{Name: "rcvbuf-shrunk-below-queued", Run: func(r *R) {
			s := r.UDPAt("0.0.0.0:5000")
			for i := 0; i < 5; i++ {
				r.PeerSendTo(6000, "198.18.0.1:5000", "queued")
			}
			r.FlushA(r.UDPAt("0.0.0.0:5001"), 6000, "198.18.0.1:5001")
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF, 0)
			r.PeerSendTo(6000, "198.18.0.1:5000", "refused")
			r.FlushA(r.UDPAt("0.0.0.0:5002"), 6000, "198.18.0.1:5002")
			for i := 0; i < 7; i++ {
				if res := r.RecvMsg(s, ro(100, 0, 0, unix.MSG_DONTWAIT)); res.Err != nil {
					break
				}
			}
		}},
		{Name: "tos-to-priority", Run: func(r *R) {
			s := r.UDP()
			for _, tos := range []int{0, 0x08, 0x10, 0x18, 0x1c, 0x04, 0x02} {
				r.SetInt(s, unix.SOL_IP, unix.IP_TOS, tos)
				r.GetInt(s, unix.SOL_SOCKET, unix.SO_PRIORITY)
			}
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_PRIORITY, 5)
			r.SetInt(s, unix.SOL_IP, unix.IP_TOS, 0x10)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PRIORITY)
			r.SetInt(s, unix.SOL_IP, unix.IP_TOS, 0x10)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_PRIORITY)
		}},
		{Name: "ttl-default-follows-sysctl", Run: func(r *R) {
			s := r.UDP()
			r.GetInt(s, unix.SOL_IP, unix.IP_TTL)
			r.Sysctl("net.ipv4.ip_default_ttl", "33")
			r.GetInt(s, unix.SOL_IP, unix.IP_TTL)
			r.SetInt(s, unix.SOL_IP, unix.IP_TTL, 7)
			r.GetInt(s, unix.SOL_IP, unix.IP_TTL)
			r.SetInt(s, unix.SOL_IP, unix.IP_TTL, -1)
			r.GetInt(s, unix.SOL_IP, unix.IP_TTL)
		}},
		{Name: "no-pmtu-disc-sysctl", Run: func(r *R) {
			r.Sysctl("net.ipv4.ip_no_pmtu_disc", "1")
			s := r.UDP()
			r.GetInt(s, unix.SOL_IP, unix.IP_MTU_DISCOVER)
		}},
		{Name: "rmem-default-sysctl", Known: hostWide, Run: func(r *R) {
			r.Sysctl("net.core.rmem_default", "5000")
			r.Sysctl("net.core.wmem_default", "6000")
			s := r.UDP()
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_SNDBUF)
		}},
		{Name: "rmem-max-sysctl", Known: hostWide, Run: func(r *R) {
			r.Sysctl("net.core.rmem_max", "10000")
			s := r.UDP()
			r.SetInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF, 20000)
			r.GetInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF)
		}},
	}
}

func TestOptionEffects(t *testing.T) { Run(t, New(t), optionEffectCases()) }
