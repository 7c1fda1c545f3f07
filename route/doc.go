// Package route is a stack's routing state, shaped after Linux's FIB: the
// interfaces with their addresses (primary and secondary, as devinet.c keeps
// them), the local table (local and broadcast routes derived from
// addresses) and the main table (on-link prefixes derived from addresses,
// static routes, a default gateway), longest-prefix match with metrics, the
// input route decision (local, broadcast, forward, martian, unreachable) and
// the output route decision with source address selection
// (inet_select_addr).
//
// Readers never lock: every lookup reads an immutable snapshot through an
// atomic pointer; writers (address and route changes, which are rare)
// build a new snapshot under a mutex.
//
// Not yet: policy routing rules beyond local-then-main, multipath, the PMTU
// cache (the path MTU issue adds it), route metrics other than the MTU.
package route
