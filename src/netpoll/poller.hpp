// Copyright 2026 The gort Authors.
//
// The OS poller behind the netpoller (Go's netpoll_epoll.go, netpoll_kqueue.go, ...): one dispatch
// header, one implementation per OS. netpoll.cpp (the OS-independent half) calls these; the
// implementation calls back netpoll_ready for each fd the OS reports. Internal.

#pragma once

#include <cstdint>

namespace gort::internal {

struct poll_desc;
struct g;

// poller_init creates the poller (once per process; thread-safe). Returns 0 or an errno.
int poller_init();
// poller_open watches fd for reading and writing, edge-triggered, reporting pd; 0 or an errno.
int poller_open(int fd, poll_desc* pd);
// poller_close stops watching fd (still open).
void poller_close(int fd);
// poller_wait waits up to delay_ns (< 0: forever, 0: not at all) for events and passes each to
// netpoll_ready(pd, mode, list), which links goroutines to wake on *list. Returns early when
// poller_break was called. Several threads may wait at once.
void poller_wait(std::int64_t delay_ns, g** list);
// poller_break wakes a poller_wait in progress (or the next one), as Go's netpollBreak.
void poller_break();
// poller_drain_break forgets a break nobody waited for. REQUIRES: no thread is in poller_wait or
// about to be (between two gort::runs): a break left over would be reported by every later
// non-blocking poll until some wait blocks.
void poller_drain_break();

// Defined in netpoll.cpp: pd is ready for mode ('r', 'w' or 'r' + 'w').
void netpoll_ready(poll_desc* pd, int mode, g** list);

}  // namespace gort::internal

#if defined(__linux__)
// netpoll_epoll.cpp: epoll, an eventfd to break the wait.
#else
#error "gort's netpoller has an implementation for Linux (epoll) only"
#endif
