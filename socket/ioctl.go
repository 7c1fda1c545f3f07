package socket

// Socket ioctl requests (asm-generic/ioctls.h, linux/sockios.h).
const (
	FIONREAD     = 0x541b // also SIOCINQ
	SIOCINQ      = FIONREAD
	SIOCOUTQ     = 0x5411 // TIOCOUTQ
	FIONBIO      = 0x5421
	SIOCGSTAMP   = 0x8906
	SIOCGSTAMPNS = 0x8907
	SIOCOUTQNSD  = 0x894b
)
