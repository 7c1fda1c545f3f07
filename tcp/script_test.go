package tcp_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/wire"
	"golang.org/x/sys/unix"
)

// A script is a scenario run against a world that writes a transcript:
// the host's segments (sequence numbers relative to the initial ones),
// the results of socket calls, and the counters that moved. The same
// script run on inet and on the kernel must write the same transcript,
// and both must equal the transcript the test holds (taken from the
// kernel), so that the check still holds where no namespace can be made.
type script struct {
	t     *testing.T
	w     world
	out   []string
	c0    map[string]uint64
	known map[string]string // golden line -> inet's line, for differences owned elsewhere
}

// knownDiff accepts, on inet only, got where the kernel wrote want, for a
// difference another package must fix (why says which).
func (s *script) knownDiff(want, got, why string) {
	if s.w.name() != "inet" {
		return
	}
	if s.known == nil {
		s.known = map[string]string{}
	}
	s.known[want] = got
	s.t.Logf("known difference: %q for %q: %s", got, want, why)
}

// compared are the counters transcripts carry: the whole Tcp: group and
// the TcpExt: counters inet keeps as Linux does. Others the kernel bumps
// are left out.
var compared = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs
		OutSegs RetransSegs InErrs OutRsts InCsumErrors`) {
		compared["Tcp:"+n] = true
	}
	for _, n := range strings.Fields(`DelayedACKLost DelayedACKs EmbryonicRsts ListenDrops ListenOverflows
		OutOfWindowIcmps PAWSEstab PAWSTimewait PAWSActive SyncookiesFailed SyncookiesRecv SyncookiesSent
		TCPACKSkippedSeq TCPACKSkippedTimeWait TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedChallenge
		TCPACKSkippedFinWait2 TCPAbortOnClose TCPAbortOnData TCPAbortOnMemory TCPAbortOnTimeout
		TCPAbortOnLinger TCPChallengeACK TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDeferAcceptDrop
		TCPFastRetrans TCPSlowStartRetrans TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv
		TCPKeepAlive TCPMinTTLDrop TCPOFODrop TCPOFOQueue TCPOrigDataSent TCPRcvQDrop TCPRenoRecovery
		TCPReqQFullDoCookies TCPReqQFullDrop TCPSACKDiscard TCPSYNChallenge TCPSackRecovery TCPSynRetrans
		TCPTimeouts TCPWinProbe TCPZeroWindowDrop TWRecycled TW TWKilled TCPDelivered EmbryonicRsts
		TCPLossProbes TCPSpuriousRTOs TCPLostRetransmit TCPSackRecoveryFail TCPRenoRecoveryFail
		TCPLossFailures TCPSackFailures TCPRenoFailures TcpTimeoutRehash TCPLossProbeRecovery
		TCPDSACKUndo TCPFullUndo TCPPartialUndo TCPLossUndo`) {
		compared["TcpExt:"+n] = true
	}
}

func newScript(t *testing.T, w world) *script {
	return &script{t: t, w: w, c0: w.counters()}
}

func (s *script) note(format string, args ...any) {
	s.out = append(s.out, fmt.Sprintf(format, args...))
}

// segs records the host's segments as p sees them.
func (s *script) segs(p *peer, segs []seg) []seg {
	if len(segs) == 0 {
		s.note("  (nothing)")
	}
	for _, x := range segs {
		s.note("  %s", p.norm(x))
	}
	return segs
}

// send injects x from p and records the answers.
func (s *script) send(p *peer, x seg) []seg {
	s.note("> %s", p.normOut(x))
	return s.segs(p, p.send(x))
}

// take records what the host sent since.
func (s *script) take(p *peer) []seg { return s.segs(p, p.take()) }

// sleep lets d pass and records what the host sent meanwhile.
func (s *script) sleep(p *peer, d time.Duration) []seg {
	s.note("sleep %v", d)
	p.w.sleep(d)
	return s.take(p)
}

// call records a socket call's result.
func (s *script) call(what string, n int, err error) {
	if err != nil {
		s.note("%s = %s", what, errName(err))
		return
	}
	s.note("%s = %d", what, n)
}

// counters records the compared counters that moved since the last call.
func (s *script) counters() {
	c := s.w.counters()
	d := delta(s.c0, c)
	for k := range d {
		if !compared[k] {
			delete(d, k)
		}
	}
	s.c0 = c
	s.note("counters %s", fmtDelta(d))
}

// check compares the transcript with want.
func (s *script) check(want []string) {
	s.t.Helper()
	got := s.out
	n := max(len(got), len(want))
	var diff []string
	bad := false
	for i := 0; i < n; i++ {
		g, w := "", ""
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		mark := "  "
		if g != w {
			mark = "! "
			bad = true
		}
		diff = append(diff, mark+g)
		if g != w {
			diff = append(diff, "  want: "+w)
		}
	}
	if bad {
		s.t.Errorf("%s transcript differs from the kernel's:\n%s", s.w.name(), strings.Join(diff, "\n"))
	}
}

// errName spells an errno by its name.
func errName(err error) string {
	if e, ok := err.(unix.Errno); ok {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
	}
	return err.Error()
}

// norm spells a host segment relative to the connection's initial
// sequence numbers: h+n for the host's, p+n for the peer's.
func (p *peer) norm(x seg) string {
	var b strings.Builder
	if x.sport != p.hport || x.dport != p.pport {
		fmt.Fprintf(&b, "< [%s] of another connection", flagString(x.flags))
		if len(x.data) > 0 {
			fmt.Fprintf(&b, " len %d", len(x.data))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "< [%s] seq %s", flagString(x.flags), rel(x.seq, p.hiss, "h"))
	if x.has(fACK) {
		fmt.Fprintf(&b, " ack %s", rel(x.ack, p.iss, "p"))
	}
	fmt.Fprintf(&b, " win %d", x.win)
	if x.has(fURG) {
		fmt.Fprintf(&b, " urg %d", x.urp)
	}
	if len(x.opts) > 0 {
		fmt.Fprintf(&b, " <%s>", p.normOpts(x.opts))
	}
	if len(x.data) > 0 {
		fmt.Fprintf(&b, " len %d", len(x.data))
	}
	return b.String()
}

// normOut spells a segment the peer sends.
func (p *peer) normOut(x seg) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] seq %s", flagString(x.flags), rel(x.seq, p.iss, "p"))
	if x.has(fACK) {
		fmt.Fprintf(&b, " ack %s", rel(x.ack, p.hiss, "h"))
	}
	if len(x.data) > 0 {
		fmt.Fprintf(&b, " len %d", len(x.data))
	}
	return b.String()
}

func rel(v, base uint32, name string) string {
	if v == 0 {
		return "0"
	}
	d := int32(v - base)
	return fmt.Sprintf("%s%+d", name, d)
}

// normOpts spells options with the timestamp's value hidden and its echo
// relative to the peer's clock.
func (p *peer) normOpts(o []byte) string {
	s := optString(o)
	parts := strings.Split(s, ",")
	for i, part := range parts {
		if strings.HasPrefix(part, "TS val ") {
			var val, ecr uint32
			fmt.Sscanf(part, "TS val %d ecr %d", &val, &ecr)
			parts[i] = "TS ecr " + rel(ecr, p.tsVal, "t")
		}
		if strings.HasPrefix(part, "sack ") {
			var blocks []string
			for _, f := range strings.Fields(part)[1:] {
				var a, e uint32
				fmt.Sscanf(f, "{%d:%d}", &a, &e)
				blocks = append(blocks, fmt.Sprintf("{%s:%s}", rel(a, p.iss, "p"), rel(e, p.iss, "p")))
			}
			parts[i] = "sack " + strings.Join(blocks, " ")
		}
	}
	return strings.Join(parts, ",")
}

// diffScript runs f on the kernel (where namespaces can be made) and on
// inet and holds both transcripts against the kernel's, kept in
// testdata/transcripts. With TCP_UPDATE_TRANSCRIPTS=1 the kernel's run
// writes the file instead.
func diffScript(t *testing.T, f func(s *script)) {
	t.Helper()
	t.Parallel()
	file := filepath.Join("testdata", "transcripts", strings.ReplaceAll(t.Name(), "/", "__")+".txt")
	update := os.Getenv("TCP_UPDATE_TRANSCRIPTS") == "1"
	worlds(t, func(t *testing.T, w world) {
		s := newScript(t, w)
		f(s)
		if update && w.name() == "kernel" {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(strings.Join(s.out, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("no kernel transcript (%v); this run's:\n%s", err, strings.Join(s.out, "\n"))
		}
		want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		for i, l := range want {
			if g, ok := s.known[l]; ok {
				want[i] = g
			}
		}
		s.check(want)
	})
}

// sendRaw injects x from p after edit changes its bytes (the IPv4 packet;
// the TCP header starts at 20), then fixes the TCP checksum if fix, and
// records the answers. The peer's sequence numbers do not move.
func (s *script) sendRaw(p *peer, x seg, what string, fix bool, edit func(b []byte)) []seg {
	b := x.build(peerIP, hostIP)
	edit(b)
	if fix {
		b[36], b[37] = 0, 0
		wire.TCP(b[20:]).ComputeChecksum(peerIP, hostIP)
	}
	s.note("> %s (%s)", p.normOut(x), what)
	p.w.inject(b)
	return s.take(p)
}

// established makes a listener on hostPort, opens a connection from the
// peer and accepts it; the transcript and the counters start afterwards.
func (s *script) established(opts []byte) (*peer, hsock, hsock) {
	s.t.Helper()
	return s.establishedRTT(opts, 0)
}

// establishedRTT is established with rtt between the SYN-ACK and the
// handshake's ACK.
func (s *script) establishedRTT(opts []byte, rtt time.Duration) (*peer, hsock, hsock) {
	s.t.Helper()
	ln := s.w.socket()
	mustNil(s.t, ln.bind(netip.AddrPortFrom(hostIP, hostPort)))
	mustNil(s.t, ln.listen(8))
	p := newPeer(s.w, hostPort, peerPort)
	var c hsock
	if rtt == 0 {
		c, _ = p.accept(ln, opts)
	} else {
		if opts == nil {
			opts = p.synOpts()
		}
		syn := seg{sport: p.pport, dport: p.hport, seq: p.iss, flags: fSYN, win: p.win, opts: opts}
		sa := only(s.t, p.send(syn), "SYN-ACK")
		p.ts = sa.o.HasTimestamp
		s.w.sleep(rtt)
		if got := p.send(p.mk(fACK, nil)); len(got) != 0 {
			s.t.Fatalf("%s: answers to the handshake's ACK: %v", s.w.name(), got)
		}
		var err error
		c, _, err = ln.accept(0)
		mustNil(s.t, err)
	}
	s.c0 = s.w.counters()
	return p, c, ln
}

// Ports of the scripts: the host's listener and the peer's.
const (
	hostPort = 8080
	peerPort = 40000
)
