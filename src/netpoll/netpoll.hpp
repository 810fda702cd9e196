// Copyright 2026 The gort Authors.
//
// The netpoller's interface (Go's runtime/netpoll.go, poll_runtime_* and internal/poll's
// pollDesc): one poll_desc per file descriptor, registered once with the OS poller, edge-triggered.
// A goroutine that finds its fd not ready parks on the descriptor (one reader and one writer at a
// time) until the poller reports readiness, its deadline passes or the fd is closed. netpoll.cpp
// has the design. Internal.

#pragma once

#include <cstdint>

namespace gort::internal {

struct poll_desc;
struct g;

// What a wait or a prepare returns.
enum class poll_result : int {
  ready = 0,    // go on: retry the system call
  closed = 1,   // the descriptor is being closed (net::errc::closed)
  timeout = 2,  // the deadline of that direction passed (net::errc::timeout)
  error = 3,    // the OS poller could not watch the fd (file_conn of a regular file)
};

// Modes, as Go's: 'r' and 'w', and 'r' + 'w' for set_deadline of both.
constexpr int poll_read = 'r';
constexpr int poll_write = 'w';

// poll_open registers fd with the OS poller and returns its descriptor, or nullptr with errno set
// (EPERM: the fd cannot be polled, a regular file).
poll_desc* poll_open(int fd);
// poll_evict marks pd closing and wakes its waiters (they return poll_result::closed); every later
// prepare and wait returns closed. Call before the fd's last operation ends.
void poll_evict(poll_desc* pd);
// poll_close unregisters the fd (still open) and recycles pd. REQUIRES: poll_evict was called and
// no operation uses pd any more.
void poll_close(poll_desc* pd);
// poll_prepare checks, before a system call, that pd is neither closing nor past the deadline of
// `mode`, and forgets an old readiness notice (Go's poll_runtime_pollReset).
poll_result poll_prepare(poll_desc* pd, int mode);
// poll_wait waits until pd is ready for `mode` (the system call said EAGAIN): parks the goroutine
// ("IO wait"), or blocks the thread outside a goroutine. Returns ready (retry the call), closed or
// timeout.
poll_result poll_wait(poll_desc* pd, int mode);
// poll_set_deadline sets the deadline of `mode` ('r', 'w' or 'r' + 'w'): a nanotime, 0 for none,
// or a negative value for one already passed. Wakes a waiter whose deadline has passed.
void poll_set_deadline(poll_desc* pd, std::int64_t deadline, int mode);

// poll_start_when_ready starts gp, a goroutine from new_goroutine that never ran (so it holds no
// stack), parked as pd's waiter for `mode`: it runs once pd is ready for mode, the deadline of
// mode passes or pd is closed, and then finds out which with its own next operation. It runs at
// once when one of these already holds (a readiness notice nobody consumed counts). Consumes gp.
// So a connection waiting for a peer that may stay silent for minutes costs no goroutine stack
// (gort::http's idle keep-alive connections). REQUIRES: the caller holds an operation reference
// on pd's fd (pd is not recycled meanwhile) and nobody else waits on pd for mode.
void poll_start_when_ready(poll_desc* pd, int mode, g* gp);

}  // namespace gort::internal

// ---------------------------------------------------------------------------------------------
// The scheduler's side (proc.cpp, sysmon.cpp, checkdead.cpp, src/time/sleeper.cpp).

namespace gort::internal {

// netpoll_inited: some fd was registered (the OS poller exists). One relaxed load.
bool netpoll_inited() noexcept;
// netpoll_waiters: goroutines parked on a poll descriptor (Go's netpollWaiters). checkdead counts
// them as wakeable; the schedule loop polls only while some exist.
std::int32_t netpoll_waiters() noexcept;
// netpoll collects the goroutines the OS poller reports ready, waiting up to delay_ns (< 0:
// until poller_break or an event; 0: not at all). Returns them linked through g::schedlink,
// still gstatus::waiting: the caller makes them runnable (inject_glist, sched.hpp). Records the
// time as the last poll (sysmon polls when nobody has for 10 ms).
g* netpoll(std::int64_t delay_ns);
// netpoll_init makes the OS poller (once; gort::run calls it before any M can sleep in it).
void netpoll_init();
// netpoll_break wakes an M blocked in netpoll (Go's netpollBreak).
void netpoll_break();
// netpoll_drain_break forgets a pending break. Called by the sleeper before it stops being the
// sleeper (a break is meant for it), and when a run ends: a break nobody waited for would
// otherwise be reported by every non-blocking poll until some wait blocks. No system call
// unless a break is pending.
void netpoll_drain_break();
// netpoll_last: nanotime of the last poll, 0 while an M is blocked in one (Go's sched.lastpoll).
std::int64_t netpoll_last() noexcept;
bool netpoll_claim_poll(std::int64_t seen, std::int64_t now) noexcept;  // sysmon's CAS on it
// netpoll_forget_waiters drops the goroutines still parked on descriptors when a run ends (they
// are abandoned with the run, as Go abandons goroutines when main returns).
void netpoll_forget_waiters() noexcept;

}  // namespace gort::internal
