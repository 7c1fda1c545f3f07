package difftest

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/snmp"
	"github.com/seed96fbdc48/inet/socket"
	"golang.org/x/sys/unix"
)

// Wait bounds every wait for something that should happen (a datagram, an
// ICMP error); nothing in the harness waits longer.
const Wait = 3 * time.Second

// Case is one scenario: Run is written once against R and runs in both
// worlds; the transcripts must be equal.
type Case struct {
	Name string
	Run  func(r *R)
	// Known, when set, says why inet differs from the kernel here on
	// purpose (or cannot do otherwise). The case then passes only while
	// the transcripts still differ, and inet's transcript must equal Want
	// when Want is given: inet's own documented answer.
	Known string
	Want  []string
	// NoCounters leaves the counters out of the comparison.
	NoCounters bool
}

// Step is one transcript line: the call and what it returned.
type Step struct {
	Call, Result string
}

func (s Step) String() string { return s.Call + " = " + s.Result }

// R runs one case in one world and records its transcript. Its methods
// are the socket calls (on A) and the peer's actions (on B); each records
// what it returned. Scenarios read results through the return values to
// decide what to do next, exactly as a C program would.
type R struct {
	t      testing.TB
	w      *World
	h      Host
	steps  []Step
	names  map[int]string
	closed map[int]bool // handles the case closed itself
	n      normaliser

	failed   bool
	before   map[string]uint64 // counters when the case started
	restores []func()
	closers  []func()
}

// Host returns the world's A (for calls R does not wrap).
func (r *R) Host() Host { return r.h }

// World returns the world the case runs in.
func (r *R) World() *World { return r.w }

// IsInet reports whether this is the inet run. Scenarios should almost
// never branch on it; it exists for documented, intended differences.
func (r *R) IsInet() bool { return r.w.Stack != nil }

// Record adds a line to the transcript.
func (r *R) Record(call, result string) { r.steps = append(r.steps, Step{call, result}) }

// Note records a fact the scenario derived ("port distinct: true").
func (r *R) Note(what string, v any) { r.Record(what, fmt.Sprint(v)) }

// Fatal stops the case: the transcript ends with the message (it then
// differs from the other world's only if the other did not stop too).
func (r *R) Fatal(format string, args ...any) {
	r.Record("FATAL", fmt.Sprintf(format, args...))
	r.failed = true
	panic(stopCase{})
}

type stopCase struct{}

func (r *R) fd(s int) string {
	if n, ok := r.names[s]; ok {
		return n
	}
	return fmt.Sprintf("fd?%d", s)
}

// run executes c in world w.
func (w *World) run(t testing.TB, c Case) []Step {
	r := &R{t: t, w: w, h: w.Host, names: make(map[int]string), closed: make(map[int]bool), n: normaliser{eph: make(map[uint16]string)}}
	r.readRange()
	before, err := w.Host.Counters()
	if err != nil {
		t.Fatalf("%s counters: %v", w.Host.Name(), err)
	}
	r.before = before
	func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(stopCase); !ok {
					panic(p)
				}
			}
		}()
		c.Run(r)
	}()
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
	for fd := range r.names {
		if !r.closed[fd] {
			_ = w.Host.Close(fd)
		}
	}
	after, err := w.Host.Counters()
	if err != nil {
		t.Fatalf("%s counters: %v", w.Host.Name(), err)
	}
	if !c.NoCounters {
		r.Record("counters", counterDelta(before, after, inetCounter))
	}
	for i := len(r.restores) - 1; i >= 0; i-- {
		r.restores[i]()
	}
	return r.steps
}

var ipExtKnown = func() map[string]bool {
	m := make(map[string]bool)
	for _, n := range snmp.IPExtNames {
		m["IpExt:"+n] = true
	}
	return m
}()

func inetCounter(k string) bool { return ipExtKnown[k] }

func (r *R) readRange() {
	r.n.lo, r.n.hi = 32768, 60999
	if v, err := r.h.Sysctl("net.ipv4.ip_local_port_range"); err == nil {
		f := strings.Fields(v)
		if len(f) == 2 {
			r.n.lo, _ = strconv.Atoi(f[0])
			r.n.hi, _ = strconv.Atoi(f[1])
		}
	}
}

// KnownDifferences lists, by test name ("TestRecv/cmsg-retopts"), the cases
// where inet differs from the kernel on purpose or until a later issue:
// the value is the reason. Tables of generated cases put their entries
// here instead of in Case.Known; Run applies them.
var KnownDifferences = map[string]string{}

// Run runs every case in both worlds of topo, as subtests, and compares.
func Run(t *testing.T, topo *Topology, cases []Case) {
	t.Helper()
	seen := make(map[string]bool)
	for _, c := range cases {
		if seen[c.Name] {
			t.Fatalf("two cases named %q", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			if why, ok := KnownDifferences[t.Name()]; ok && c.Known == "" {
				c.Known = why
			}
			k := topo.Kernel.run(t, c)
			i := topo.Inet.run(t, c)
			Compare(t, c, k, i)
		})
	}
}

// Compare fails t with a readable diff when the transcripts differ (or,
// for a known difference, when they no longer differ or inet's is not its
// documented answer).
func Compare(t testing.TB, c Case, kernel, inet []Step) {
	t.Helper()
	d := diff(kernel, inet)
	if os.Getenv("DIFFTEST_SHOW") != "" {
		t.Logf("kernel:\n%sinet:\n%s", dump(kernel), dump(inet))
	}
	if c.Known != "" {
		if d == "" {
			t.Errorf("known difference (%s) no longer differs: remove the mark\n%s", c.Known, dump(kernel))
			return
		}
		if c.Want != nil {
			var got []string
			for _, s := range inet {
				got = append(got, s.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.Want, "\n") {
				t.Errorf("inet's answer is not the documented one\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.Want, "\n  "))
				return
			}
		}
		t.Logf("known difference: %s", c.Known)
		return
	}
	if d != "" {
		t.Errorf("kernel and inet differ:\n%s", d)
	}
}

func dump(steps []Step) string {
	var sb strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&sb, "  #%d %s\n", i+1, s)
	}
	return sb.String()
}

// diff prints both transcripts step by step, marking the steps that
// differ; "" when they are equal.
func diff(k, i []Step) string {
	n := max(len(k), len(i))
	differ := false
	var sb strings.Builder
	for j := 0; j < n; j++ {
		var ks, is Step
		kok, iok := j < len(k), j < len(i)
		if kok {
			ks = k[j]
		}
		if iok {
			is = i[j]
		}
		if kok && iok && ks == is {
			fmt.Fprintf(&sb, "    #%d %s\n", j+1, ks)
			continue
		}
		differ = true
		switch {
		case kok && iok && ks.Call == is.Call:
			fmt.Fprintf(&sb, "  ! #%d %s\n        kernel: %s\n        inet:   %s\n", j+1, ks.Call, ks.Result, is.Result)
		default:
			if kok {
				fmt.Fprintf(&sb, "  ! #%d kernel: %s\n", j+1, ks)
			} else {
				fmt.Fprintf(&sb, "  ! #%d kernel: (ends)\n", j+1)
			}
			if iok {
				fmt.Fprintf(&sb, "  ! #%d inet:   %s\n", j+1, is)
			} else {
				fmt.Fprintf(&sb, "  ! #%d inet:   (ends)\n", j+1)
			}
		}
	}
	if !differ {
		return ""
	}
	return sb.String()
}

// SA returns a struct sockaddr_in for "a.b.c.d:port".
func SA(s string) []byte { return socket.SockaddrBytes(netip.MustParseAddrPort(s)) }

// SAFamily returns a 16-byte sockaddr with the given family, address and
// port.
func SAFamily(fam uint16, s string) []byte {
	b := SA(s)
	b[0], b[1] = byte(fam), byte(fam>>8)
	return b
}

// AP is netip.MustParseAddrPort.
var AP = netip.MustParseAddrPort

// Int is an int option value's 4 bytes.
func Int(v int) []byte {
	b := make([]byte, 4)
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return b
}

// ----- the socket calls -----

// Socket is socket(2); the new socket is named s1, s2 ... in the
// transcript. It returns -1 on error.
func (r *R) Socket(domain, typ, proto int) int {
	call := fmt.Sprintf("socket(%s, %s, %d)", familyName(domain), typeName(typ), proto)
	fd, err := r.h.Socket(domain, typ, proto)
	if err != nil {
		r.Record(call, fmtErr(err))
		return -1
	}
	name := fmt.Sprintf("s%d", len(r.names)+1)
	if old, ok := r.names[fd]; ok && r.closed[fd] {
		// The kernel reuses the number of a closed descriptor.
		delete(r.closed, fd)
		name = fmt.Sprintf("s%d", len(r.names)+1)
		_ = old
	}
	r.names[fd] = name
	r.Record(call, name)
	return fd
}

// UDP returns a new UDP socket (the case stops if that fails).
func (r *R) UDP() int {
	fd := r.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if fd < 0 {
		r.Fatal("no UDP socket")
	}
	return fd
}

// UDPAt returns a new UDP socket bound to addr (the case stops if that
// fails).
func (r *R) UDPAt(addr string) int {
	fd := r.UDP()
	if r.Bind(fd, SA(addr)) != nil {
		r.Fatal("bind %s failed", addr)
	}
	return fd
}

// Close is close(2).
func (r *R) Close(s int) error {
	err := r.h.Close(s)
	r.Record(fmt.Sprintf("close(%s)", r.fd(s)), fmtErr(err))
	r.closed[s] = true
	return err
}

// Bind is bind(2) with raw sockaddr bytes.
func (r *R) Bind(s int, sa []byte) error {
	err := r.h.Bind(s, sa)
	r.Record(fmt.Sprintf("bind(%s, %s)", r.fd(s), r.n.sockaddr(sa)), fmtErr(err))
	return err
}

// Connect is connect(2) with raw sockaddr bytes.
func (r *R) Connect(s int, sa []byte) error {
	err := r.h.Connect(s, sa)
	r.Record(fmt.Sprintf("connect(%s, %s)", r.fd(s), r.n.sockaddr(sa)), fmtErr(err))
	return err
}

// Listen is listen(2).
func (r *R) Listen(s, backlog int) error {
	err := r.h.Listen(s, backlog)
	r.Record(fmt.Sprintf("listen(%s, %d)", r.fd(s), backlog), fmtErr(err))
	return err
}

// Accept is accept4(2): the new socket (named like Socket's) and the
// peer's address; -1 on error.
func (r *R) Accept(s, flags int) int {
	fd, sa, err := r.h.Accept(s, flags)
	call := fmt.Sprintf("accept4(%s, %#x)", r.fd(s), flags)
	if err != nil {
		r.Record(call, fmtErr(err))
		return -1
	}
	name := fmt.Sprintf("s%d", len(r.names)+1)
	delete(r.closed, fd)
	r.names[fd] = name
	r.Record(call, name+" "+r.n.sockaddr(sa))
	return fd
}

// GetSockName is getsockname(2); it returns the address (invalid on
// error).
func (r *R) GetSockName(s int) netip.AddrPort {
	b, err := r.h.GetSockName(s)
	return r.recordName("getsockname", s, b, err)
}

// GetPeerName is getpeername(2).
func (r *R) GetPeerName(s int) netip.AddrPort {
	b, err := r.h.GetPeerName(s)
	return r.recordName("getpeername", s, b, err)
}

func (r *R) recordName(call string, s int, b []byte, err error) netip.AddrPort {
	c := fmt.Sprintf("%s(%s)", call, r.fd(s))
	if err != nil {
		r.Record(c, fmtErr(err))
		return netip.AddrPort{}
	}
	r.Record(c, r.n.sockaddr(b))
	if len(b) >= 8 {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), uint16(b[2])<<8|uint16(b[3]))
	}
	return netip.AddrPort{}
}

// Setsockopt is setsockopt(2) with raw bytes.
func (r *R) Setsockopt(s, level, name int, val []byte) error {
	err := r.h.Setsockopt(s, level, name, val)
	r.Record(fmt.Sprintf("setsockopt(%s, %s, %s, %s)", r.fd(s), levelName(level), optName(level, name), hexBytes(val)), fmtErr(err))
	return err
}

// SetInt sets an int option.
func (r *R) SetInt(s, level, name, v int) error { return r.Setsockopt(s, level, name, Int(v)) }

// Getsockopt is getsockopt(2) with an optlen-byte buffer; it returns the
// bytes written (nil on error).
func (r *R) Getsockopt(s, level, name, optlen int) []byte {
	b, err := r.h.Getsockopt(s, level, name, optlen)
	c := fmt.Sprintf("getsockopt(%s, %s, %s, %d)", r.fd(s), levelName(level), optName(level, name), optlen)
	if err != nil {
		r.Record(c, fmtErr(err))
		return nil
	}
	if level == unix.SOL_SOCKET && (name == unix.SO_COOKIE || name == 71) && len(b) == 8 && !bytes.Equal(b, make([]byte, 8)) {
		// Cookies are unique identifiers, random by design.
		r.Record(c, "len=8 <cookie>")
		return b
	}
	r.Record(c, fmt.Sprintf("len=%d %s", len(b), fmtOptVal(b)))
	return b
}

// GetInt reads an int option (-1 on error).
func (r *R) GetInt(s, level, name int) int {
	b := r.Getsockopt(s, level, name, 4)
	if len(b) != 4 {
		return -1
	}
	return int(int32(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24))
}

// SendMsg sends as m says.
func (r *R) SendMsg(s int, m Send) (int, error) {
	n, err := r.h.SendMsg(s, &m)
	var c string
	switch m.Call {
	case CallSend:
		c = fmt.Sprintf("send(%s, %s, %s)", r.fd(s), fmtData(m.Data), msgFlags(m.Flags))
	case CallSendto:
		c = fmt.Sprintf("sendto(%s, %s, %s, %s)", r.fd(s), fmtData(m.Data), msgFlags(m.Flags), r.nameArg(m.Name))
	default:
		c = fmt.Sprintf("sendmsg(%s, %s, %s, name=%s", r.fd(s), fmtData(m.Data), msgFlags(m.Flags), r.nameArg(m.Name))
		if m.Control != nil {
			c += " ctl=" + hexBytes(m.Control)
		}
		c += ")"
	}
	if err != nil {
		r.Record(c, fmtErr(err))
	} else {
		r.Record(c, fmt.Sprint(n))
	}
	return n, err
}

func (r *R) nameArg(b []byte) string {
	if b == nil {
		return "NULL"
	}
	return r.n.sockaddr(b)
}

// SendTo is sendto(2) to "a.b.c.d:port".
func (r *R) SendTo(s int, data []byte, flags int, to string) (int, error) {
	return r.SendMsg(s, Send{Call: CallSendto, Data: data, Flags: flags, Name: SA(to)})
}

// Send is send(2).
func (r *R) Send(s int, data []byte, flags int) (int, error) {
	return r.SendMsg(s, Send{Call: CallSend, Data: data, Flags: flags})
}

// RecvOpts are the sizes and flags of a recvmsg call. NameLen 0 passes no
// name buffer.
type RecvOpts struct {
	Buf, Control, NameLen int
	Flags                 int
	// NoGuard makes the call even when the socket is not readable (for
	// calls that return by themselves: SO_RCVTIMEO, shutdown).
	NoGuard bool
	// Wait bounds the wait for readiness first (0: Wait).
	Wait time.Duration
}

// RecvResult is what a recvmsg returned.
type RecvResult struct {
	N     int
	Err   error
	Data  []byte
	From  netip.AddrPort
	Flags int
	Ctl   []byte
}

// RecvMsg is recvmsg(2). Unless o.NoGuard, a call that could block (no
// MSG_DONTWAIT or MSG_ERRQUEUE, a blocking socket) first waits, bounded, for the socket to
// become readable or report an error, and is not made (recorded as
// "would block") when it does not, so no case can hang.
func (r *R) RecvMsg(s int, o RecvOpts) RecvResult {
	c := fmt.Sprintf("recvmsg(%s, buf=%d, ctl=%d, name=%d, %s)", r.fd(s), o.Buf, o.Control, o.NameLen, msgFlags(o.Flags))
	if !o.NoGuard && o.Flags&(unix.MSG_DONTWAIT|unix.MSG_ERRQUEUE) == 0 && !r.h.Nonblocking(s) {
		wait := o.Wait
		if wait == 0 {
			wait = Wait
		}
		ev, _ := r.h.Poll(s, unix.POLLIN|unix.POLLERR|unix.POLLHUP|unix.POLLRDHUP, wait)
		if ev == 0 {
			r.Record(c, "would block")
			return RecvResult{N: -1, Err: unix.EAGAIN}
		}
	}
	m := Recv{BufLen: o.Buf, ControlLen: o.Control, NameLen: o.NameLen, Flags: o.Flags}
	n, err := r.h.RecvMsg(s, &m)
	res := RecvResult{N: n, Err: err, Data: m.Data, Flags: m.OutFlags, Ctl: m.Control}
	if err != nil {
		r.Record(c, fmtErr(err))
		return res
	}
	out := fmt.Sprintf("%d data=%s flags=%s", n, fmtData(m.Data), msgFlags(m.OutFlags))
	if o.NameLen > 0 {
		out += fmt.Sprintf(" name=%s namelen=%d", r.n.sockaddr(m.Name), m.NameOut)
		if len(m.Name) >= 8 {
			res.From = netip.AddrPortFrom(netip.AddrFrom4([4]byte(m.Name[4:8])), uint16(m.Name[2])<<8|uint16(m.Name[3]))
		}
	}
	if o.Control > 0 {
		r.n.errQueue = o.Flags&unix.MSG_ERRQUEUE != 0
		out += fmt.Sprintf(" ctllen=%d ctl=%s", len(m.Control), r.n.cmsgs(m.Control))
		r.n.errQueue = false
	}
	r.Record(c, out)
	return res
}

// Recv reads one datagram with a 2048-byte buffer, its name and a 512-byte
// control buffer, waiting (bounded) for it.
func (r *R) Recv(s int, flags int) RecvResult {
	return r.RecvMsg(s, RecvOpts{Buf: 2048, Control: 512, NameLen: 16, Flags: flags})
}

// Shutdown is shutdown(2).
func (r *R) Shutdown(s, how int) error {
	err := r.h.Shutdown(s, how)
	r.Record(fmt.Sprintf("shutdown(%s, %d)", r.fd(s), how), fmtErr(err))
	return err
}

var pollNames = []struct {
	b    int16
	name string
}{
	{unix.POLLIN, "IN"}, {unix.POLLPRI, "PRI"}, {unix.POLLOUT, "OUT"}, {unix.POLLERR, "ERR"}, {unix.POLLHUP, "HUP"},
	{unix.POLLNVAL, "NVAL"}, {pollRdNorm, "RDNORM"}, {pollRdBand, "RDBAND"}, {pollWrNorm, "WRNORM"},
	{pollWrBand, "WRBAND"}, {unix.POLLRDHUP, "RDHUP"},
}

func pollString(ev int16) string {
	if ev == 0 {
		return "0"
	}
	var p []string
	for _, n := range pollNames {
		if ev&n.b != 0 {
			p = append(p, n.name)
			ev &^= n.b
		}
	}
	if ev != 0 {
		p = append(p, fmt.Sprintf("%#x", uint16(ev)))
	}
	return strings.Join(p, "|")
}

// AllEvents asks poll for everything a socket can report.
const AllEvents = unix.POLLIN | unix.POLLPRI | unix.POLLOUT | pollRdNorm | pollRdBand |
	pollWrNorm | pollWrBand | unix.POLLRDHUP

// poll(2) bits golang.org/x/sys/unix does not name on every platform.
const (
	pollRdNorm = 0x040
	pollRdBand = 0x080
	pollWrNorm = 0x100
	pollWrBand = 0x200
)

// Poll is poll(2) with a zero timeout, asking for every event.
func (r *R) Poll(s int) int16 {
	ev, err := r.h.Poll(s, AllEvents, 0)
	c := fmt.Sprintf("poll(%s)", r.fd(s))
	if err != nil {
		r.Record(c, fmtErr(err))
		return 0
	}
	r.Record(c, pollString(ev))
	return ev
}

// WaitFor polls (bounded by Wait) until the socket reports one of events
// and records what it reports then ("timeout" if nothing).
func (r *R) WaitFor(s int, events int16) int16 {
	ev, err := r.h.Poll(s, events, Wait)
	c := fmt.Sprintf("wait(%s, %s)", r.fd(s), pollString(events))
	switch {
	case err != nil:
		r.Record(c, fmtErr(err))
	case ev == 0:
		r.Record(c, "timeout")
	default:
		r.Record(c, pollString(ev))
	}
	return ev
}

var ioctlNames = map[uint]string{socket.SIOCINQ: "SIOCINQ", socket.SIOCOUTQ: "SIOCOUTQ"}

// Ioctl is an int-valued ioctl (SIOCINQ, SIOCOUTQ).
func (r *R) Ioctl(s int, req uint) int {
	v, err := r.h.Ioctl(s, req)
	c := fmt.Sprintf("ioctl(%s, %s)", r.fd(s), ioctlNames[req])
	if err != nil {
		r.Record(c, fmtErr(err))
		return -1
	}
	r.Record(c, fmt.Sprint(v))
	return v
}

// Stamp is SIOCGSTAMP; the time itself is checked for plausibility only.
func (r *R) Stamp(s int) {
	t, err := r.h.Stamp(s)
	c := fmt.Sprintf("ioctl(%s, SIOCGSTAMP)", r.fd(s))
	if err != nil {
		r.Record(c, fmtErr(err))
		return
	}
	if d := time.Since(t); d > -time.Minute && d < time.Minute {
		r.Record(c, "<now>")
	} else {
		r.Record(c, t.String())
	}
}

// SetNonblock sets O_NONBLOCK (fcntl).
func (r *R) SetNonblock(s int, on bool) {
	err := r.h.SetNonblock(s, on)
	r.Record(fmt.Sprintf("fcntl(%s, O_NONBLOCK=%v)", r.fd(s), on), fmtErr(err))
}

// Nonblocking records whether O_NONBLOCK is set.
func (r *R) Nonblocking(s int) bool {
	on := r.h.Nonblocking(s)
	r.Record(fmt.Sprintf("fcntl(%s, F_GETFL) & O_NONBLOCK", r.fd(s)), fmt.Sprint(on))
	return on
}

// Sysctl sets a setting on A for the rest of the case; the old value comes
// back when the case ends.
func (r *R) Sysctl(name, value string) error {
	old, err := r.h.Sysctl(name)
	if err != nil {
		r.Record("sysctl "+name, fmtErr(err))
		return err
	}
	err = r.h.SetSysctl(name, value)
	r.Record(fmt.Sprintf("sysctl %s=%s", name, value), fmtErr(err))
	if err == nil {
		r.restores = append(r.restores, func() {
			if err := r.h.SetSysctl(name, old); err != nil {
				r.t.Errorf("%s: restoring %s=%s: %v", r.h.Name(), name, old, err)
			}
		})
		if name == "net.ipv4.ip_local_port_range" {
			r.readRange()
		}
	}
	return err
}

// Counters records the counters changed since the case started.
func (r *R) Counters() {
	now, err := r.h.Counters()
	if err != nil {
		r.Record("counters so far", fmtErr(err))
		return
	}
	r.Record("counters so far", counterDelta(r.before, now, inetCounter))
}

// DropCap withdraws capabilities (socket.CapNetBindService, CapNetAdmin,
// CapNetRaw) until the case ends.
func (r *R) DropCap(c socket.Caps) {
	if err := r.h.SetCap(c, false); err != nil {
		r.Fatal("dropping capabilities: %v", err)
	}
	r.Record("drop capabilities", capNames(c))
	r.restores = append(r.restores, func() { _ = r.h.SetCap(c, true) })
}

func capNames(c socket.Caps) string {
	var p []string
	if c&socket.CapNetBindService != 0 {
		p = append(p, "CAP_NET_BIND_SERVICE")
	}
	if c&socket.CapNetAdmin != 0 {
		p = append(p, "CAP_NET_ADMIN")
	}
	if c&socket.CapNetRaw != 0 {
		p = append(p, "CAP_NET_RAW")
	}
	return strings.Join(p, "|")
}
