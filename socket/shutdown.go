package socket

// ClearShutdown forgets the shutdown bits, as tcp_disconnect does before a
// socket is reused.
func (b *Base) ClearShutdown() { b.shutdown.Store(0) }
