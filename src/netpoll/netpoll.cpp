// Copyright 2026 The gort Authors.
//
// The netpoller's OS-independent half (Go's runtime/netpoll.go).
//
// Terms.
//   poll_desc   one registered file descriptor (Go's pollDesc): its parked reader and writer
//               (rg, wg), their deadlines (rd, wd) and deadline timers, and the closing flag.
//   rg, wg      a word each: pd_nil (nobody waits, no notice), pd_ready (the poller reported
//               readiness nobody consumed yet), pd_wait (a goroutine is about to park), or the
//               parked G. Changed by CAS only (Go's netpollblock / netpollunblock).
//
// STEP 1 of the netpoller (this version): waits block the thread in ppoll() on the fd and on an
// eventfd of the descriptor that close and deadline changes write to; inside a goroutine the
// wait runs as a blocking call (gort::blocking). The goroutine path through epoll replaces it.
//
// Locks: poll_desc::lock (rank poll_desc, src/sched/lockrank.hpp) guards closing, rd, wd and the
// thread-wakeup eventfd; poll_cache_lock (rank poll_cache) the free list. Descriptors are never
// freed: a stale event from the OS poller can name a recycled one, which only causes a spurious
// retry (the system call says EAGAIN again), never a use after free (Go's pollCache).

#include "netpoll/netpoll.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>

#include <gort/go.hpp>

#include "sched/lock.hpp"

namespace gort::internal {

struct poll_desc {
  poll_desc* next_free = nullptr;  // guarded by poll_cache_lock while on the free list
  int fd = -1;
  spin_lock lock{lock_rank::poll_desc};
  bool closing GORT_GUARDED_BY(lock) = false;
  std::int64_t rd GORT_GUARDED_BY(lock) = 0;  // read deadline: nanotime, 0 none, < 0 passed
  std::int64_t wd GORT_GUARDED_BY(lock) = 0;
  int thread_efd GORT_GUARDED_BY(lock) = -1;  // wakes threads blocked in ppoll (lazily made)
  int thread_waiters GORT_GUARDED_BY(lock) = 0;
};

namespace {

spin_lock poll_cache_lock{lock_rank::poll_cache};
poll_desc* poll_cache GORT_GUARDED_BY(poll_cache_lock) = nullptr;

poll_desc* pd_alloc() {
  {
    lock_guard l(poll_cache_lock);
    if (poll_desc* pd = poll_cache) {
      poll_cache = pd->next_free;
      pd->next_free = nullptr;
      return pd;
    }
  }
  return new poll_desc;  // never deleted (see the header comment)
}

bool expired(std::int64_t d) noexcept {
  return d < 0 || (d > 0 && d <= nanotime());
}

// Wakes the threads blocked in ppoll on pd. REQUIRES: pd->lock.
void wake_threads(poll_desc* pd) GORT_REQUIRES(pd->lock) {
  if (pd->thread_efd >= 0 && pd->thread_waiters > 0) {
    std::uint64_t one = static_cast<std::uint64_t>(pd->thread_waiters);
    [[maybe_unused]] ssize_t r = ::write(pd->thread_efd, &one, sizeof one);
  }
}

poll_result thread_wait(poll_desc* pd, int mode) {
  std::int64_t d;
  int efd;
  {
    lock_guard l(pd->lock);
    if (pd->closing) return poll_result::closed;
    d = mode == poll_read ? pd->rd : pd->wd;
    if (expired(d)) return poll_result::timeout;
    if (pd->thread_efd < 0) {
      pd->thread_efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
      if (pd->thread_efd < 0) return poll_result::error;
    }
    efd = pd->thread_efd;
    ++pd->thread_waiters;
  }
  struct pollfd fds[2] = {{pd->fd, static_cast<short>(mode == poll_read ? POLLIN : POLLOUT), 0},
                          {efd, POLLIN, 0}};
  struct timespec ts {};
  struct timespec* tsp = nullptr;
  if (d > 0) {
    std::int64_t left = d - nanotime();
    if (left < 0) left = 0;
    ts.tv_sec = static_cast<time_t>(left / 1000000000);
    ts.tv_nsec = static_cast<long>(left % 1000000000);
    tsp = &ts;
  }
  auto wait = [&] { return ::ppoll(fds, 2, tsp, nullptr); };
  int r = gort::blocking(wait);
  if (r > 0 && (fds[1].revents & POLLIN) != 0) {
    std::uint64_t v;
    [[maybe_unused]] ssize_t k = ::read(efd, &v, sizeof v);
  }
  lock_guard l(pd->lock);
  --pd->thread_waiters;
  if (pd->closing) return poll_result::closed;
  d = mode == poll_read ? pd->rd : pd->wd;
  if (expired(d)) return poll_result::timeout;
  return poll_result::ready;
}

}  // namespace

poll_desc* poll_open(int fd) {
  poll_desc* pd = pd_alloc();
  lock_guard l(pd->lock);
  pd->fd = fd;
  pd->closing = false;
  pd->rd = 0;
  pd->wd = 0;
  pd->thread_waiters = 0;
  return pd;
}

void poll_evict(poll_desc* pd) {
  lock_guard l(pd->lock);
  pd->closing = true;
  wake_threads(pd);
}

void poll_close(poll_desc* pd) {
  {
    lock_guard l(pd->lock);
    if (pd->thread_efd >= 0) {
      ::close(pd->thread_efd);
      pd->thread_efd = -1;
    }
    pd->fd = -1;
  }
  lock_guard l(poll_cache_lock);
  pd->next_free = poll_cache;
  poll_cache = pd;
}

poll_result poll_prepare(poll_desc* pd, int mode) {
  lock_guard l(pd->lock);
  if (pd->closing) return poll_result::closed;
  if (expired(mode == poll_read ? pd->rd : pd->wd)) return poll_result::timeout;
  return poll_result::ready;
}

poll_result poll_wait(poll_desc* pd, int mode) {
  return thread_wait(pd, mode);
}

void poll_set_deadline(poll_desc* pd, std::int64_t deadline, int mode) {
  lock_guard l(pd->lock);
  if (pd->closing) return;
  if (mode == poll_read || mode == poll_read + poll_write) pd->rd = deadline;
  if (mode == poll_write || mode == poll_read + poll_write) pd->wd = deadline;
  wake_threads(pd);
}

}  // namespace gort::internal
