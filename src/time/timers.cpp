// Copyright 2026 The gort Authors.
//
// Timers (Go's runtime/time.go, simplified): sleep, after, timer, ticker and after_func.
//
// Terms.
//   timer_rec   one timer: a deadline, an optional period, and a callback that must not block
//               (ready a sleeping goroutine; try-send the time on a channel of capacity one;
//               start a goroutine). See timer.hpp for ownership.
//   timer_heap  a binary min-heap of timers on `when`, with its own lock and `when0`, the
//               earliest deadline, readable without the lock.
//
// Where timers live. Each P has a heap: a goroutine arms its timers on its P's heap, so arming
// touches no shared lock. The scheduler runs due timers of its own P every time it looks for work
// (one relaxed load when the heap is empty), runs any P's due timers before it steals, and an M
// that finds nothing to do sleeps until the earliest deadline over all heaps (at most one such
// "timer sleeper" M at a time, Go's M blocked in netpoll; see find_runnable in sched.cpp). Arming
// a timer earlier than what the sleeper sleeps for wakes it; with no sleeper, arming wakes an
// idle P's M (wakep), which becomes the sleeper. The deadlock check treats any queued timer as
// a possible wake-up. Threads that are not goroutines arm theirs on one more heap, served by an
// "outside" timer thread started on first use (also when no runtime is running).
//
// Firing runs the callback with no lock held. Stop and reset find the heap through the timer's
// `heap` pointer and remove it by index under that heap's lock; a timer being fired is on no heap
// (a ticker is re-armed before its callback runs, so stopping it then still takes effect).
//
// Deviation from Go: Go 1.23's synchronous timer channels are not modelled; as in Go 1.19, a
// value sent just before stop() stays in the channel. Timers of a run are dropped when run ends.

#include "time/timer.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include <gort/chan.hpp>
#include <gort/go.hpp>
#include <gort/panic.hpp>
#include <gort/time.hpp>

#include "sched/runtime.hpp"
#include "sched/sched.hpp"

namespace gort::internal {

namespace {

// ---------------------------------------------------------------------------------------------
// The heap.

void set_at(timer_heap* h, std::size_t i, timer_rec* t) {
  h->v[i] = t;
  t->idx = static_cast<std::int32_t>(i);
}

void sift_up(timer_heap* h, std::size_t i) {
  timer_rec* t = h->v[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (h->v[parent]->when <= t->when) break;
    set_at(h, i, h->v[parent]);
    i = parent;
  }
  set_at(h, i, t);
}

void sift_down(timer_heap* h, std::size_t i) {
  std::size_t n = h->v.size();
  timer_rec* t = h->v[i];
  for (;;) {
    std::size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h->v[c + 1]->when < h->v[c]->when) ++c;
    if (t->when <= h->v[c]->when) break;
    set_at(h, i, h->v[c]);
    i = c;
  }
  set_at(h, i, t);
}

void update_when0(timer_heap* h) {
  h->when0.store(h->v.empty() ? 0 : h->v.front()->when, std::memory_order_seq_cst);
}

// push adds t (taking the heap's reference, already counted by the caller). REQUIRES: h->lock.
// Returns whether t is now the earliest.
bool push(timer_heap* h, timer_rec* t) {
  h->v.push_back(t);
  sift_up(h, h->v.size() - 1);
  t->heap.store(h, std::memory_order_release);
  update_when0(h);
  return h->v.front() == t;
}

// remove_at takes the timer at i off h. REQUIRES: h->lock.
void remove_at(timer_heap* h, std::size_t i) {
  timer_rec* t = h->v[i];
  timer_rec* last = h->v.back();
  h->v.pop_back();
  if (t != last) {
    set_at(h, i, last);
    sift_down(h, i);
    sift_up(h, static_cast<std::size_t>(last->idx));
  }
  t->idx = -1;
  t->heap.store(nullptr, std::memory_order_release);
  update_when0(h);
}

void release(timer_rec* t) noexcept {
  if (t->embedded) return;
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (t->free_arg != nullptr) t->free_arg(t->arg);
  if (t->c != nullptr) chan_release(t->c);
  delete t;
}

// ---------------------------------------------------------------------------------------------
// Outside the runtime: one heap served by a thread of its own.

struct outside_timers {
  timer_heap heap;
  note wake;
  std::atomic<long> tid{0};
  std::once_flag started;
};

outside_timers& outside() {
  static auto* o = new outside_timers;  // never destroyed: the thread may outlive main
  return *o;
}

void outside_loop() {
  outside_timers& o = outside();
  o.tid.store(static_cast<long>(syscall(SYS_gettid)), std::memory_order_release);
  for (;;) {
    o.wake.clear();
    std::int64_t now = nanotime();
    run_timers(&o.heap, now);
    std::int64_t next = o.heap.when0.load(std::memory_order_seq_cst);
    if (next == 0)
      o.wake.sleep();
    else if (next > now)
      o.wake.sleep_for(next - now);
  }
}

timer_heap* outside_heap() {
  outside_timers& o = outside();
  std::call_once(o.started, [&] {
    std::thread t(outside_loop);
    pthread_setname_np(t.native_handle(), "gort-timers");
    t.detach();
    // Wait until it knows its id, so the deadlock check can tell it from user threads.
    while (o.tid.load(std::memory_order_acquire) == 0) std::this_thread::yield();
  });
  return &o.heap;
}

// ---------------------------------------------------------------------------------------------
// Callbacks.

void send_time(timer_rec* t, std::int64_t) {
  // Go's sendTime: a non-blocking send; a full buffer (an unread tick) drops this one.
  time_point now = std::chrono::steady_clock::now();
  chan_send(t->c, &now, false);
}

void start_func(timer_rec* t, std::int64_t) {
  // The goroutine (or thread) keeps the timer, and so its callable, alive until it has run.
  t->refs.fetch_add(1, std::memory_order_relaxed);
  auto body = [t] {
    struct drop {
      timer_rec* t;
      ~drop() { release(t); }
    } guard{t};
    t->run(t->arg);
  };
  if (sched.running.load(std::memory_order_acquire))
    gort::go(body);
  else
    std::thread(body).detach();  // armed outside gort::run: no goroutines to start
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Arming, stopping, firing.

void timer_add(timer_rec* t, std::int64_t when, bool from_scheduler) {
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  timer_heap* h = pp != nullptr ? &pp->timers : outside_heap();
  if (!t->embedded) t->refs.fetch_add(1, std::memory_order_relaxed);  // the heap's reference
  bool earliest;
  {
    lock_guard lock(h->lock);
    t->when = when;
    earliest = push(h, t);
  }
  if (!earliest) return;
  if (pp == nullptr)
    outside().wake.wakeup();
  else if (!from_scheduler)
    wake_for_timer(when);
}

bool timer_del(timer_rec* t) noexcept {
  for (;;) {
    timer_heap* h = t->heap.load(std::memory_order_acquire);
    if (h == nullptr) return false;
    h->lock.lock();
    if (t->heap.load(std::memory_order_relaxed) != h) {  // fired or moved meanwhile
      h->lock.unlock();
      continue;
    }
    bool was_first = t->idx == 0;
    std::int64_t when = t->when;
    remove_at(h, static_cast<std::size_t>(t->idx));
    h->lock.unlock();
    // The timer sleeper may be sleeping for this very timer: let it recompute, so that an M does
    // not sleep an hour for a stopped timer while the deadlock check waits for it to go idle.
    if (was_first && h != &outside().heap) wake_for_removed_timer(when);
    release(t);  // the heap's reference (the caller holds another)
    return true;
  }
}

int run_timers(timer_heap* h, std::int64_t now) {
  int fired = 0;
  h->lock.lock();
  while (!h->v.empty() && h->v.front()->when <= now) {
    timer_rec* t = h->v.front();
    if (t->period > 0) {
      // Re-arm first (skipping missed periods), so a stop() during the callback takes effect.
      t->when += t->period * (1 + (now - t->when) / t->period);
      sift_down(h, 0);
      update_when0(h);
      if (!t->embedded) t->refs.fetch_add(1, std::memory_order_relaxed);  // the firing's
    } else {
      remove_at(h, 0);  // the heap's reference becomes the firing's
    }
    void (*fn)(timer_rec*, std::int64_t) = t->fn;
    bool embedded = t->embedded;
    h->lock.unlock();
    fn(t, now);
    if (!embedded) release(t);  // an embedded (sleep) timer may already be re-armed: untouched
    ++fired;
    h->lock.lock();
  }
  h->lock.unlock();
  return fired;
}

void clear_timers(timer_heap* h) noexcept {
  std::vector<timer_rec*> v;
  {
    lock_guard lock(h->lock);
    v.swap(h->v);
    for (timer_rec* t : v) {
      t->idx = -1;
      t->heap.store(nullptr, std::memory_order_release);
    }
    h->when0.store(0, std::memory_order_seq_cst);
  }
  for (timer_rec* t : v) release(t);
}

std::int64_t earliest_timer() noexcept {
  std::int64_t best = 0;
  for (p* pp : sched.allp) {
    std::int64_t w = pp->timers.when0.load(std::memory_order_seq_cst);
    if (w != 0 && (best == 0 || w < best)) best = w;
  }
  return best;
}

bool outside_timers_pending() noexcept {
  return outside().heap.when0.load(std::memory_order_acquire) != 0;
}

long outside_timer_tid() noexcept {
  return outside().tid.load(std::memory_order_acquire);
}

// ---------------------------------------------------------------------------------------------
// The public side (time.hpp).

timer_rec* timer_make_chan(hchan* c, std::int64_t period) {
  auto* t = new timer_rec;
  t->fn = &send_time;
  t->period = period;
  chan_retain(c);
  t->c = c;
  return t;
}

timer_rec* timer_make_func(void (*run)(void*), void* arg, void (*free)(void*)) {
  auto* t = new timer_rec;
  t->fn = &start_func;
  t->run = run;
  t->arg = arg;
  t->free_arg = free;
  return t;
}

void timer_start(timer_rec* t, std::int64_t delay_ns) {
  timer_add(t, nanotime() + std::max<std::int64_t>(delay_ns, 0));
}

bool timer_stop(timer_rec* t) noexcept {
  return t != nullptr && timer_del(t);
}

bool timer_reset(timer_rec* t, std::int64_t delay_ns, std::int64_t period) {
  bool pending = timer_del(t);
  t->period = period;
  timer_add(t, nanotime() + std::max<std::int64_t>(delay_ns, 0));
  return pending;
}

void timer_release(timer_rec* t) noexcept {
  // A dropped timer or ticker stops (nobody can read its channel any more); a dropped after_func
  // timer still fires, as Go's AfterFunc does when its *Timer is dropped.
  if (t->run == nullptr) timer_del(t);
  release(t);
}

void timer_bad_ticker_interval() {
  gort::panic(runtime_error("non-positive interval for NewTicker"));
}

}  // namespace gort::internal

namespace gort {

chan<time_point> after(std::chrono::nanoseconds d) {
  chan<time_point> c = make_chan<time_point>(1);
  internal::timer_rec* t = internal::timer_make_chan(internal::chan_handle(c), 0);
  internal::timer_start(t, d.count());
  internal::release(t);  // the heap's reference keeps it until it fires
  return c;
}

}  // namespace gort
