// Copyright 2026 The gort Authors.
//
// The netpoller on Linux: epoll (Go's runtime/netpoll_epoll.go). One epoll instance for the
// process, made on first use and never closed (fds registered in one gort::run may be used in
// the next, or outside any). Every fd is added once with EPOLLIN | EPOLLOUT | EPOLLRDHUP |
// EPOLLET and its poll_desc as the event's data; readiness is then reported once per edge, and
// the descriptor's rg/wg words remember a notice nobody waited for (netpoll.cpp).
//
// The break: an eventfd in the same epoll set, level-triggered. poller_break writes to it once
// (break_pending stops a second write until the wait drains it), so an M blocked in epoll_wait
// wakes to recompute its deadline (an earlier timer) or to leave (shutdown).
//
// Timeouts: epoll_pwait2 takes nanoseconds (Linux 5.11); on an older kernel (ENOSYS) the wait
// falls back to epoll_wait with the delay rounded up to whole milliseconds, so that the poller
// never wakes before a timer is due (the caller loops until it is).

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <mutex>

#include "arch/syscall.hpp"
#include "netpoll/netpoll.hpp"
#include "netpoll/poller.hpp"
#include "sched/lock.hpp"

namespace gort::internal {
namespace {

// Made once, by the first poller_init that succeeds (an init that fails, out of descriptors,
// leaves nothing behind and is tried again next time). Read after `ready` (acquire).
int epfd = -1;
int break_fd = -1;
std::atomic<bool> ready{false};
std::mutex init_mu;  // a plain thread mutex: init runs once and never under a runtime lock
// Set while a break is written and not yet drained (Go's netpollWakeSig).
std::atomic<bool> break_pending{false};
std::atomic<bool> have_pwait2{true};

int init() {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return errno;
  int bfd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (bfd < 0) {
    int e = errno;
    ::close(ep);
    return e;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &break_fd;  // the one event whose data is not a poll_desc
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, bfd, &ev) != 0) {
    int e = errno;
    ::close(bfd);
    ::close(ep);
    return e;
  }
  epfd = ep;
  break_fd = bfd;
  ready.store(true, std::memory_order_release);
  return 0;
}

}  // namespace

int poller_init() {
  if (ready.load(std::memory_order_acquire)) return 0;
  std::lock_guard<std::mutex> l(init_mu);
  if (ready.load(std::memory_order_relaxed)) return 0;
  return init();
}

int poller_open(int fd, poll_desc* pd) {
  if (int e = poller_init()) return e;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return errno;
  return 0;
}

void poller_close(int fd) {
  epoll_event ev{};
  ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}

void poller_break() {
  // The sleeper may be about to make the poller (its first wait): make it here, so that the
  // break is not lost. (run_main makes it before any M can sleep; this covers a failed try.)
  if (!ready.load(std::memory_order_acquire) && poller_init() != 0) return;
  if (break_pending.exchange(true, std::memory_order_acq_rel)) return;
  std::uint64_t one = 1;
  while (::write(break_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void poller_drain_break() {
  if (!ready.load(std::memory_order_acquire)) return;
  if (!break_pending.exchange(false, std::memory_order_acq_rel)) return;
  std::uint64_t v;
  [[maybe_unused]] ssize_t r = ::read(break_fd, &v, sizeof v);
}

void poller_wait(std::int64_t delay_ns, g** list) {
  if (!ready.load(std::memory_order_acquire)) return;
  epoll_event events[128];
  int n;
  for (;;) {
    if (have_pwait2.load(std::memory_order_relaxed)) {
      struct timespec ts {};
      struct timespec* tsp = nullptr;
      if (delay_ns >= 0) {
        ts.tv_sec = static_cast<time_t>(delay_ns / 1000000000);
        ts.tv_nsec = static_cast<long>(delay_ns % 1000000000);
        tsp = &ts;
      }
      n = sys_epoll_pwait2(epfd, events, 128, tsp);
      if (n < 0 && errno == ENOSYS) {
        have_pwait2.store(false, std::memory_order_relaxed);
        continue;
      }
    } else {
      int ms = delay_ns < 0    ? -1
               : delay_ns == 0 ? 0
               : delay_ns >= std::int64_t{INT_MAX} * 1000000
                   ? INT_MAX
                   : static_cast<int>((delay_ns + 999999) / 1000000);
      n = ::epoll_wait(epfd, events, 128, ms);
    }
    if (n >= 0) break;
    if (errno != EINTR) return;
    if (delay_ns > 0) return;  // the caller recomputes its deadline and waits again
  }
  for (int i = 0; i < n; ++i) {
    epoll_event& ev = events[i];
    if (ev.data.ptr == &break_fd) {
      // A poll that does not block leaves the break to the M it was meant for (Go's netpoll).
      if (delay_ns == 0) continue;
      std::uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(break_fd, &v, sizeof v);
      break_pending.store(false, std::memory_order_release);
      continue;
    }
    int mode = 0;
    if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) mode += poll_read;
    if (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) mode += poll_write;
    if (mode != 0) netpoll_ready(static_cast<poll_desc*>(ev.data.ptr), mode, list);
  }
}

}  // namespace gort::internal
