// Copyright 2026 The gort Authors.
//
// The netpoller's OS-independent half (Go's runtime/netpoll.go): poll descriptors, parking a
// goroutine on one, waking it on readiness, deadline or close, and the poll the scheduler makes.
// The OS half is behind poller.hpp (epoll: netpoll_epoll.cpp).
//
// Terms.
//   poll_desc  one registered fd (Go's pollDesc): its parked reader and writer (rg, wg), their
//              deadlines (rd, wd) and deadline timers (rt, wt), and the closing flag. Registered
//              with the OS poller once, edge-triggered, for both directions.
//   rg, wg     one word each, changed by CAS only: pd_nil (nobody waits, no notice), pd_ready (a
//              readiness notice nobody consumed yet), pd_wait (a goroutine is about to park), or
//              the parked G itself.
//
// Protocol (Go's netpollblock / netpollunblock). A goroutine whose system call said EAGAIN calls
// poll_wait: it consumes a pd_ready notice if there is one (retry the call), else CASes pd_nil ->
// pd_wait, checks closing and the deadline once more, and parks ("IO wait"); park's unlock
// function, on g0 once the goroutine's stack is off the CPU, CASes pd_wait -> G (failing, the
// goroutine runs again at once: someone unblocked it meanwhile). An unblocker (the poller's
// report, a deadline timer, close) swaps the word to pd_ready (for readiness) or pd_nil (for a
// deadline or a close) and readies the G it found, if any. The woken goroutine swaps the word
// back to pd_nil: pd_ready means retry the call; anything else means look at closing and the
// deadline (and retry if neither applies: a deadline that was moved later). Since both sides
// only CAS and the G is published by the unlock function on g0, a goroutine is readied only
// after its switch completed, as sched.hpp's ready requires.
//
// Deadlines. rd/wd hold a nanotime, 0 for none, or -1 once passed (a time point already past
// when set becomes -1 at once). Setting one arms the descriptor's embedded timer for that
// direction on the current P's heap (src/time/, per-P timers); its callback checks, under the
// descriptor's lock, that the deadline it finds has passed (so a stale firing of a moved or reset
// deadline does nothing), sets -1 and unblocks the waiter. A deadline is also checked against
// the clock before each wait, so that it holds outside gort::run (no timers run there).
//
// Outside a goroutine (a plain thread, outside gort::run) a wait blocks the thread in ppoll on
// the fd and on the descriptor's own eventfd, which close and deadline changes write to.
//
// Locks: poll_desc::lock (rank poll_desc, src/sched/lockrank.hpp) guards the deadline writes,
// closing's write, the timers' arming and the thread eventfd; goroutines are readied after it is
// dropped. poll_cache_lock (rank poll_cache) guards the free list. Descriptors are never freed:
// a stale event from the OS poller (collected just before its fd was unregistered) may name a
// recycled descriptor, which only causes a spurious retry (the call says EAGAIN again), never a
// use after free (Go's pollCache).
//
// Rejected: a descriptor per direction (Go keeps one per fd, so one epoll registration serves
// both); level-triggered epoll (every wait would re-arm the fd: one more system call per block);
// waking parked goroutines from close by signal or shutdown(2) (close must work for pipes too).

#include "netpoll/netpoll.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <vector>

#include <gort/detail/fatal.hpp>
#include <gort/detail/time_core.hpp>
#include <gort/go.hpp>

#include "netpoll/poller.hpp"
#include "sched/lock.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "time/timer.hpp"

namespace gort::internal {

namespace {
constexpr std::uintptr_t pd_nil = 0;
constexpr std::uintptr_t pd_ready = 1;
constexpr std::uintptr_t pd_wait = 2;
}  // namespace

struct poll_desc {
  poll_desc* next_free = nullptr;  // guarded by poll_cache_lock while on the free list
  std::atomic<int> fd{-1};
  spin_lock lock{lock_rank::poll_desc};
  // Written under lock, read anywhere (a waiter's checks, relaxed: the rg/wg CAS orders them).
  std::atomic<bool> closing{false};
  std::atomic<std::int64_t> rd{0};  // read deadline: nanotime, 0 none, -1 passed
  std::atomic<std::int64_t> wd{0};
  std::atomic<std::uintptr_t> rg{pd_nil};
  std::atomic<std::uintptr_t> wg{pd_nil};
  timer_rec rt;  // deadline timers, embedded: the descriptor is never freed
  timer_rec wt;
  // Stored (release) by poll_open before the fd goes to the OS poller, loaded (acquire) by
  // netpoll_ready before it touches the descriptor: the kernel orders the two (epoll_ctl, then
  // the event), but the sanitizers cannot see that, so this makes the order explicit.
  std::atomic<std::uint32_t> published{0};
  int thread_efd GORT_GUARDED_BY(lock) = -1;  // wakes threads blocked in ppoll (made lazily)
  int thread_waiters GORT_GUARDED_BY(lock) = 0;
};

namespace {

spin_lock poll_cache_lock{lock_rank::poll_cache};
poll_desc* poll_cache GORT_GUARDED_BY(poll_cache_lock) = nullptr;
std::vector<poll_desc*>& all_pds() GORT_REQUIRES(poll_cache_lock) {
  static auto* v = new std::vector<poll_desc*>;  // never destroyed (std::exit, see proc.cpp)
  return *v;
}

std::atomic<bool> inited{false};
// Goroutines parked on a descriptor. Raised by the unlock function once the G is published,
// lowered by whoever takes it back out, so it may dip below zero for a moment (as Go's).
std::atomic<std::int32_t> waiters{0};
// nanotime of the last poll; 0 while an M is blocked in one (Go's sched.lastpoll).
std::atomic<std::int64_t> lastpoll{1};

void deadline_fired(timer_rec* t, std::int64_t now);

poll_desc* pd_alloc() {
  {
    lock_guard l(poll_cache_lock);
    if (poll_desc* pd = poll_cache) {
      poll_cache = pd->next_free;
      pd->next_free = nullptr;
      return pd;
    }
  }
  auto* pd = new poll_desc;  // never deleted (see the header comment)
  for (timer_rec* t : {&pd->rt, &pd->wt}) {
    t->embedded = true;
    t->fn = &deadline_fired;
    t->arg = pd;
  }
  lock_guard l(poll_cache_lock);
  all_pds().push_back(pd);
  return pd;
}

bool expired(std::int64_t d) noexcept {
  return d < 0 || (d > 0 && d <= nanotime());
}

std::atomic<std::uintptr_t>& slot(poll_desc* pd, int mode) noexcept {
  return mode == poll_read ? pd->rg : pd->wg;
}

// check_err is Go's netpollcheckerr: closing, then the deadline of mode.
poll_result check_err(poll_desc* pd, int mode) noexcept {
  if (pd->closing.load(std::memory_order_acquire)) return poll_result::closed;
  std::int64_t d = (mode == poll_read ? pd->rd : pd->wd).load(std::memory_order_acquire);
  if (expired(d)) return poll_result::timeout;
  return poll_result::ready;
}

// unblock takes the waiter of mode off pd (Go's netpollunblock): with ioready, leaves a
// readiness notice. Returns the parked G to ready, if any.
g* unblock(poll_desc* pd, int mode, bool ioready) noexcept {
  std::atomic<std::uintptr_t>& w = slot(pd, mode);
  std::uintptr_t old = w.load(std::memory_order_acquire);
  for (;;) {
    if (old == pd_ready) return nullptr;
    if (old == pd_nil && !ioready) return nullptr;
    std::uintptr_t next = ioready ? pd_ready : pd_nil;
    if (w.compare_exchange_weak(old, next, std::memory_order_acq_rel, std::memory_order_acquire))
      return old > pd_wait ? reinterpret_cast<g*>(old) : nullptr;
  }
}

void ready_waiter(g* gp) {
  if (gp == nullptr) return;
  waiters.fetch_sub(1, std::memory_order_relaxed);
  ready(gp);
}

// Wakes the threads blocked in ppoll on pd.
void wake_threads(poll_desc* pd) GORT_REQUIRES(pd->lock) {
  if (pd->thread_efd >= 0 && pd->thread_waiters > 0) {
    std::uint64_t n = static_cast<std::uint64_t>(pd->thread_waiters);
    [[maybe_unused]] ssize_t r = ::write(pd->thread_efd, &n, sizeof n);
  }
}

void deadline_fired(timer_rec* t, std::int64_t now) {
  auto* pd = static_cast<poll_desc*>(t->arg);
  int mode = t == &pd->rt ? poll_read : poll_write;
  g* gp = nullptr;
  {
    lock_guard l(pd->lock);
    if (pd->closing.load(std::memory_order_relaxed)) return;
    std::atomic<std::int64_t>& d = mode == poll_read ? pd->rd : pd->wd;
    std::int64_t v = d.load(std::memory_order_relaxed);
    if (v <= 0 || v > now) return;  // moved, removed or already passed: a stale firing
    d.store(-1, std::memory_order_release);
    gp = unblock(pd, mode, false);
    wake_threads(pd);
  }
  ready_waiter(gp);
}

// commit is park's unlock function (Go's netpollblockcommit): publish the G in its slot.
bool commit(g* gp, void* arg) {
  auto* w = static_cast<std::atomic<std::uintptr_t>*>(arg);
  std::uintptr_t expect = pd_wait;
  if (!w->compare_exchange_strong(expect, reinterpret_cast<std::uintptr_t>(gp),
                                  std::memory_order_acq_rel, std::memory_order_acquire))
    return false;
  waiters.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// park_io is the one place a goroutine parks on the network (the tracer's GoBlockNet goes here).
void park_io(std::atomic<std::uintptr_t>* w) {
  park(&commit, w, wait_reason::io_wait);
}

// block is Go's netpollblock: true when readiness was reported, false when the caller must look
// at closing and the deadline (woken by one of them, or a notice raced with them).
bool block(poll_desc* pd, int mode) {
  std::atomic<std::uintptr_t>& w = slot(pd, mode);
  for (;;) {
    std::uintptr_t v = pd_ready;
    if (w.compare_exchange_strong(v, pd_nil, std::memory_order_acq_rel)) return true;
    v = pd_nil;
    if (w.compare_exchange_strong(v, pd_wait, std::memory_order_acq_rel)) break;
    if (v != pd_ready && v != pd_nil) runtime_throw("runtime: double wait on a poll descriptor");
  }
  // Closing or a deadline set after the caller's check but before pd_wait was visible would
  // find no G to wake: check again now that it is.
  if (check_err(pd, mode) == poll_result::ready) park_io(&w);
  std::uintptr_t old = w.exchange(pd_nil, std::memory_order_acq_rel);
  if (old > pd_wait) runtime_throw("runtime: corrupted poll descriptor");
  return old == pd_ready;
}

poll_result thread_wait(poll_desc* pd, int mode) {
  std::int64_t d;
  int efd;
  {
    lock_guard l(pd->lock);
    if (pd->closing.load(std::memory_order_relaxed)) return poll_result::closed;
    d = (mode == poll_read ? pd->rd : pd->wd).load(std::memory_order_relaxed);
    if (expired(d)) return poll_result::timeout;
    if (pd->thread_efd < 0) {
      pd->thread_efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
      if (pd->thread_efd < 0) return poll_result::error;
    }
    efd = pd->thread_efd;
    ++pd->thread_waiters;
  }
  struct pollfd fds[2] = {{pd->fd.load(std::memory_order_relaxed),
                           static_cast<short>(mode == poll_read ? POLLIN : POLLOUT), 0},
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
  int r = ::ppoll(fds, 2, tsp, nullptr);
  if (r > 0 && (fds[1].revents & POLLIN) != 0) {
    std::uint64_t v;
    [[maybe_unused]] ssize_t k = ::read(efd, &v, sizeof v);
  }
  lock_guard l(pd->lock);
  --pd->thread_waiters;
  if (pd->closing.load(std::memory_order_relaxed)) return poll_result::closed;
  d = (mode == poll_read ? pd->rd : pd->wd).load(std::memory_order_relaxed);
  if (expired(d)) return poll_result::timeout;
  return poll_result::ready;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The descriptor's side (src/net/).

poll_desc* poll_open(int fd) {
  poll_desc* pd = pd_alloc();
  {
    lock_guard l(pd->lock);
    pd->fd.store(fd, std::memory_order_relaxed);
    pd->closing.store(false, std::memory_order_relaxed);
    pd->rd.store(0, std::memory_order_relaxed);
    pd->wd.store(0, std::memory_order_relaxed);
    pd->rg.store(pd_nil, std::memory_order_relaxed);
    pd->wg.store(pd_nil, std::memory_order_relaxed);
    pd->thread_waiters = 0;
  }
  pd->published.fetch_add(1, std::memory_order_release);
  if (int e = poller_open(fd, pd)) {
    lock_guard l(poll_cache_lock);
    pd->next_free = poll_cache;
    poll_cache = pd;
    errno = e;
    return nullptr;
  }
  inited.store(true, std::memory_order_release);
  return pd;
}

void poll_evict(poll_desc* pd) {
  g* rg;
  g* wg;
  {
    lock_guard l(pd->lock);
    pd->closing.store(true, std::memory_order_release);
    rg = unblock(pd, poll_read, false);
    wg = unblock(pd, poll_write, false);
    wake_threads(pd);
  }
  timer_stop(&pd->rt);
  timer_stop(&pd->wt);
  ready_waiter(rg);
  ready_waiter(wg);
}

void poll_close(poll_desc* pd) {
  if (pd->rg.load(std::memory_order_acquire) > pd_wait ||
      pd->wg.load(std::memory_order_acquire) > pd_wait)
    runtime_throw("runtime: poll descriptor closed with a goroutine parked on it");
  poller_close(pd->fd.load(std::memory_order_relaxed));
  timer_stop(&pd->rt);
  timer_stop(&pd->wt);
  {
    lock_guard l(pd->lock);
    if (pd->thread_efd >= 0) {
      ::close(pd->thread_efd);
      pd->thread_efd = -1;
    }
    pd->fd.store(-1, std::memory_order_relaxed);
  }
  lock_guard l(poll_cache_lock);
  pd->next_free = poll_cache;
  poll_cache = pd;
}

poll_result poll_prepare(poll_desc* pd, int mode) {
  if (poll_result r = check_err(pd, mode); r != poll_result::ready) return r;
  // Forget a notice from before this operation (Go's poll_runtime_pollReset): the call comes next.
  std::uintptr_t v = pd_ready;
  slot(pd, mode).compare_exchange_strong(v, pd_nil, std::memory_order_acq_rel);
  return poll_result::ready;
}

poll_result poll_wait(poll_desc* pd, int mode) {
  if (!on_goroutine()) return thread_wait(pd, mode);
  if (poll_result r = check_err(pd, mode); r != poll_result::ready) return r;
  while (!block(pd, mode)) {
    if (poll_result r = check_err(pd, mode); r != poll_result::ready) return r;
  }
  return poll_result::ready;
}

void poll_set_deadline(poll_desc* pd, std::int64_t deadline, int mode) {
  g* rg = nullptr;
  g* wg = nullptr;
  {
    lock_guard l(pd->lock);
    if (pd->closing.load(std::memory_order_relaxed)) return;
    std::int64_t now = deadline > 0 ? nanotime() : 0;
    if (deadline > 0 && deadline <= now) deadline = -1;
    for (int m : {poll_read, poll_write}) {
      if (mode != m && mode != poll_read + poll_write) continue;
      std::atomic<std::int64_t>& d = m == poll_read ? pd->rd : pd->wd;
      timer_rec* t = m == poll_read ? &pd->rt : &pd->wt;
      d.store(deadline, std::memory_order_release);
      if (deadline > 0)
        timer_reset(t, deadline - now, 0);
      else
        timer_stop(t);
      if (deadline < 0) (m == poll_read ? rg : wg) = unblock(pd, m, false);
    }
    wake_threads(pd);
  }
  ready_waiter(rg);
  ready_waiter(wg);
}

// A goroutine started parked takes the slot a parked reader would (pd_nil -> the G, never
// through pd_wait: it is not running, so there is no switch to wait for), is counted as a waiter,
// and its unblockers are the usual ones. Closing or a deadline that came between the first check
// and the CAS found no G to wake: the second check takes the G back out itself.
void poll_start_when_ready(poll_desc* pd, int mode, g* gp) {
  start_goroutine_parked(gp, wait_reason::io_wait);
  std::atomic<std::uintptr_t>& w = slot(pd, mode);
  std::uintptr_t v = pd_nil;
  if (check_err(pd, mode) != poll_result::ready ||
      !w.compare_exchange_strong(v, reinterpret_cast<std::uintptr_t>(gp), std::memory_order_acq_rel,
                                 std::memory_order_acquire)) {
    if (v != pd_nil && v != pd_ready) runtime_throw("runtime: double wait on a poll descriptor");
    ready(gp);  // a notice (bytes came meanwhile), closing or a passed deadline: run now
    return;
  }
  waiters.fetch_add(1, std::memory_order_relaxed);
  ready_waiter(check_err(pd, mode) != poll_result::ready ? unblock(pd, mode, false) : nullptr);
}

// ---------------------------------------------------------------------------------------------
// The scheduler's side.

void netpoll_ready(poll_desc* pd, int mode, g** list) {
  (void)pd->published.load(std::memory_order_acquire);
  g* gs[2] = {nullptr, nullptr};
  if (mode == poll_read || mode == poll_read + poll_write) gs[0] = unblock(pd, poll_read, true);
  if (mode == poll_write || mode == poll_read + poll_write) gs[1] = unblock(pd, poll_write, true);
  for (g* gp : gs) {
    if (gp == nullptr) continue;
    waiters.fetch_sub(1, std::memory_order_relaxed);
    gp->schedlink = *list;
    *list = gp;
  }
}

bool netpoll_inited() noexcept {
  return inited.load(std::memory_order_relaxed);
}

std::int32_t netpoll_waiters() noexcept {
  return waiters.load(std::memory_order_relaxed);
}

g* netpoll(std::int64_t delay_ns) {
  if (delay_ns == 0 && !netpoll_inited()) return nullptr;
  g* list = nullptr;
  if (poller_init() != 0) {
    // No poller (the process is out of descriptors): sleep in short steps instead, so that a
    // timer armed meanwhile (which cannot break this sleep) waits at most a millisecond.
    std::int64_t step = delay_ns < 0 || delay_ns > 1000000 ? 1000000 : delay_ns;
    struct timespec ts {
      0, static_cast<long>(step)
    };
    ::nanosleep(&ts, nullptr);
    return nullptr;
  }
  if (delay_ns != 0) lastpoll.store(0, std::memory_order_seq_cst);
  poller_wait(delay_ns, &list);
  lastpoll.store(nanotime(), std::memory_order_seq_cst);
  return list;
}

void netpoll_init() {
  (void)poller_init();
}

void netpoll_break() {
  poller_break();
}

void netpoll_drain_break() {
  poller_drain_break();
}

std::int64_t netpoll_last() noexcept {
  return lastpoll.load(std::memory_order_seq_cst);
}

bool netpoll_claim_poll(std::int64_t seen, std::int64_t now) noexcept {
  return lastpoll.compare_exchange_strong(seen, now, std::memory_order_seq_cst);
}

void netpoll_forget_waiters() noexcept {
  lock_guard l(poll_cache_lock);
  for (poll_desc* pd : all_pds()) {
    for (std::atomic<std::uintptr_t>* w : {&pd->rg, &pd->wg}) {
      std::uintptr_t v = w->load(std::memory_order_acquire);
      if (v > pd_wait) w->store(pd_nil, std::memory_order_release);
    }
  }
  waiters.store(0, std::memory_order_relaxed);
  lastpoll.store(1, std::memory_order_relaxed);
  // The run's shutdown broke a wait that may never have blocked: without this, every
  // non-blocking poll of the next run would report the break (it stays until a wait blocks).
  poller_drain_break();
}

}  // namespace gort::internal
