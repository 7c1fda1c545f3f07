package socket

// Events are poll(2) event bits, with Linux's values.
type Events uint32

const (
	EventIn     Events = 0x001 // POLLIN
	EventPri    Events = 0x002 // POLLPRI
	EventOut    Events = 0x004 // POLLOUT
	EventErr    Events = 0x008 // POLLERR
	EventHup    Events = 0x010 // POLLHUP
	EventNval   Events = 0x020 // POLLNVAL
	EventRdNorm Events = 0x040 // POLLRDNORM
	EventRdBand Events = 0x080 // POLLRDBAND
	EventWrNorm Events = 0x100 // POLLWRNORM
	EventWrBand Events = 0x200 // POLLWRBAND
	EventRdHup  Events = 0x2000

	// eventWake is an internal event: a deadline changed or the socket
	// closed, so blocked callers must look again.
	eventWake Events = 1 << 30

	// Readable and Writable are the sets a datagram socket reports.
	Readable = EventIn | EventRdNorm
	Writable = EventOut | EventWrNorm | EventWrBand
	// always is what poll(2) reports whether asked or not.
	always = EventErr | EventHup | EventNval
)
