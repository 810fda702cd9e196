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
// "timer sleeper" M at a time, Go's M blocked in netpoll; src/time/sleeper.cpp). Arming
// a timer earlier than what the sleeper sleeps for wakes it; with no sleeper, arming wakes an
// idle P's M (wakep), which becomes the sleeper. The deadlock check treats any queued timer as
// a possible wake-up. Threads that are not goroutines arm theirs on one more heap, served by an
// "outside" timer thread started on first use (also when no runtime is running).
//
// Firing runs the callback with no lock held. Stop and reset find the heap through the timer's
// `heap` pointer and remove it by index under that heap's lock; a timer being fired is on no heap
// (a ticker is re-armed before its callback runs, so stopping it then still takes effect). Stop
// and reset then wait for a callback of the timer still running on another thread (`firing`):
// once they return, the old arming sends nothing more. Go 1.19 does not wait, so a value may
// arrive there after Stop returned; waiting only removes outcomes, and the callbacks never block.
//
// Concurrent stop and reset. Go lets any goroutine call Stop and Reset on a timer at any time,
// also while it fires. A reset is "remove, then add": each timer has a `modify_lock` that stop,
// reset and the handle's release hold across their whole removal and addition, so two of them
// never interleave (two interleaved resets would add the record twice, and the heap would hold
// it twice). Firing does not take it: it runs under the heap's lock alone and only ever takes a
// timer off its heap (a one-shot) or moves it within the heap (a ticker), never onto one, so a
// modifier that finds its timer on no heap knows it stays there until it adds it itself.
// Fields (timer.hpp): `when` and `period` are written under the lock of the heap the timer is
// pushed on or queued on and read under it; `heap` and `idx` likewise, with `heap` also read
// first without the lock to find which lock to take.
//
// Locks: a timer's modify_lock, then a heap's lock (their ranks: src/sched/lockrank.hpp). No
// lock is held while a callback runs, and wakeups (wakep, ready: sched.lock) after an arming, a
// stop or a reset happen once both are released. Rejected: Go 1.19's status word changed by CAS
// (timerModifying, timerDeleted, ...). Go needs it because only a timer's own P may touch its heap,
// so a stop from elsewhere can only mark the timer and leave its removal to that P; here every heap
// has a lock and stop removes the timer at once, so one lock per timer (one atomic exchange and a
// store when uncontended) is all that is left to serialise, and far simpler to reason about.
//
// Deadlines saturate (Go's when()): a delay that would carry `now + delay` past INT64_MAX makes
// the deadline INT64_MAX, which no clock reaches, so such a timer never fires (a ticker's re-arm
// saturates the same way). As in Go, it still counts as a queued timer for the deadlock check: a
// program whose goroutines all wait on such timers hangs rather than being reported.
//
// Deviation from Go: Go 1.23's synchronous timer channels are not modelled; as in Go 1.19, a
// value sent just before stop() stays in the channel. Timers of a run are dropped when run ends.

#include "time/timer.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

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

// The heap's operations. REQUIRES: h->lock.
void set_at(timer_heap* h, std::size_t i, timer_rec* t) GORT_REQUIRES(h->lock) {
  h->v[i] = t;
  t->idx = static_cast<std::int32_t>(i);
}

void sift_up(timer_heap* h, std::size_t i) GORT_REQUIRES(h->lock) {
  timer_rec* t = h->v[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (h->v[parent]->when <= t->when) break;
    set_at(h, i, h->v[parent]);
    i = parent;
  }
  set_at(h, i, t);
}

void sift_down(timer_heap* h, std::size_t i) GORT_REQUIRES(h->lock) {
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

void update_when0(timer_heap* h) GORT_REQUIRES(h->lock) {
  h->when0.store(h->v.empty() ? 0 : h->v.front()->when, std::memory_order_seq_cst);
}

// push adds t (taking the heap's reference, already counted by the caller). REQUIRES: h->lock.
// Returns whether t is now the earliest.
bool push(timer_heap* h, timer_rec* t) GORT_REQUIRES(h->lock) {
  h->v.push_back(t);
  sift_up(h, h->v.size() - 1);
  t->heap.store(h, std::memory_order_release);
  update_when0(h);
  return h->v.front() == t;
}

// remove_at takes the timer at i off h. REQUIRES: h->lock.
void remove_at(timer_heap* h, std::size_t i) GORT_REQUIRES(h->lock) {
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

namespace {

// What arm did, for wake_armed once the timer's modify_lock is released.
struct armed {
  std::int64_t when;
  bool earliest;  // t went to the front of its heap
  bool outside;   // the heap is the outside timer thread's
};

// arm pushes t (on no heap) to fire at `when`, then every `period` ns (0: once), on the current
// P's heap or the outside one. REQUIRES: t->modify_lock, or t not yet shared.
armed arm(timer_rec* t, std::int64_t when, std::int64_t period) {
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  timer_heap* h = pp != nullptr ? &pp->timers : outside_heap();
  if (!t->embedded) t->refs.fetch_add(1, std::memory_order_relaxed);  // the heap's reference
  lock_guard lock(h->lock);
  t->when = when;
  t->period = period;
  return {when, push(h, t), pp == nullptr};
}

void wake_armed(const armed& a, bool from_scheduler) {
  if (!a.earliest) return;
  if (a.outside)
    outside().wake.wakeup();
  else if (!from_scheduler)
    wake_for_timer(a.when);
}

// What unlink did, for wake_unlinked once the timer's modify_lock is released.
struct unlinked {
  bool pending;    // t was on a heap
  bool was_first;  // ... at its front, on a P's heap
  std::int64_t when;
};

// unlink takes t off its heap, if it is on one, and drops the heap's reference (the caller holds
// another). REQUIRES: t->modify_lock. Only a firing or the end of the run can take t off its
// heap meanwhile (nobody else adds it anywhere), hence the check again under the heap's lock.
unlinked unlink(timer_rec* t) noexcept GORT_REQUIRES(t->modify_lock) {
  for (;;) {
    timer_heap* h = t->heap.load(std::memory_order_acquire);
    if (h == nullptr) return {false, false, 0};
    h->lock.lock();
    if (t->heap.load(std::memory_order_relaxed) != h) {  // fired meanwhile
      h->lock.unlock();
      continue;
    }
    unlinked u{true, t->idx == 0 && h != &outside().heap, t->when};
    remove_at(h, static_cast<std::size_t>(t->idx));
    h->lock.unlock();
    release(t);  // the heap's reference
    return u;
  }
}

void wake_unlinked(const unlinked& u) noexcept {
  // The timer sleeper may be sleeping for this very timer: let it recompute, so that an M does
  // not sleep an hour for a stopped timer while the deadlock check waits for it to go idle.
  if (u.was_first) wake_for_removed_timer(u.when);
}

// wait_for_firings waits until no callback of t runs (firing: a non-blocking send or goroutine
// start on another thread, so a short wait). REQUIRES: t->modify_lock and t on no heap, so that
// no new firing can begin.
void wait_for_firings(timer_rec* t) noexcept GORT_REQUIRES(t->modify_lock) {
  for (int spin = 0; t->firing.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < 64)
      __builtin_ia32_pause();
    else
      sched_yield();  // the thread, not the goroutine: we hold modify_lock
  }
}

// Holds a timer's modify_lock for a scope.
class GORT_SCOPED_CAPABILITY modify_guard {
 public:
  explicit modify_guard(timer_rec* t) noexcept GORT_ACQUIRE(t->modify_lock) : t_(t) {
    t_->modify_lock.lock();
  }
  ~modify_guard() GORT_RELEASE() { t_->modify_lock.unlock(); }
  modify_guard(const modify_guard&) = delete;
  modify_guard& operator=(const modify_guard&) = delete;

 private:
  timer_rec* t_;
};

// rearm_when is a due ticker's next deadline after `now`, skipping the periods it missed (Go's
// runOneTimer); INT64_MAX (never) when that overflows. REQUIRES: when <= now, period > 0.
std::int64_t rearm_when(std::int64_t when, std::int64_t period, std::int64_t now) noexcept {
  std::int64_t steps = 1 + (now - when) / period;
  std::int64_t next;
  if (__builtin_mul_overflow(steps, period, &next) || __builtin_add_overflow(when, next, &next))
    return INT64_MAX;
  return next;
}

}  // namespace

void timer_add(timer_rec* t, std::int64_t when, bool from_scheduler) {
  wake_armed(arm(t, when, t->period), from_scheduler);
}

int run_timers(timer_heap* h, std::int64_t now) {
  int fired = 0;
  h->lock.lock();
  while (!h->v.empty() && h->v.front()->when <= now) {
    timer_rec* t = h->v.front();
    bool embedded = t->embedded;
    // Counted before the timer leaves the heap: whoever next finds it off the heap (lock or
    // acquire of `heap`) sees the count.
    if (!embedded) t->firing.fetch_add(1, std::memory_order_relaxed);
    if (t->period > 0) {
      // Re-arm first (skipping missed periods), so a stop() during the callback takes effect.
      t->when = rearm_when(t->when, t->period, now);
      sift_down(h, 0);
      update_when0(h);
      if (!t->embedded) t->refs.fetch_add(1, std::memory_order_relaxed);  // the firing's
    } else {
      remove_at(h, 0);  // the heap's reference becomes the firing's
    }
    void (*fn)(timer_rec*, std::int64_t) = t->fn;
    h->lock.unlock();
    fn(t, now);
    if (!embedded) {  // an embedded (sleep) timer may already be re-armed: untouched
      t->firing.fetch_sub(1, std::memory_order_release);  // the callback's effects come first
      release(t);
    }
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

bool timers_pending_except(const p* own) noexcept {
  for (p* pp : sched.allp)
    if (pp != own && pp->timers.when0.load(std::memory_order_seq_cst) != 0) return true;
  return false;
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
  timer_add(t, when_after(delay_ns));  // t is not shared yet: no modify_lock
}

bool timer_stop(timer_rec* t) noexcept {
  if (t == nullptr) return false;
  unlinked u;
  {
    modify_guard guard(t);
    u = unlink(t);
    wait_for_firings(t);
  }
  wake_unlinked(u);
  return u.pending;
}

bool timer_reset(timer_rec* t, std::int64_t delay_ns, std::int64_t period) {
  std::int64_t when = when_after(delay_ns);
  unlinked u;
  armed a;
  {
    // Off its heap and back on one as one step: a reset or stop on another goroutine comes
    // wholly before or after (two interleaved resets would push the record twice).
    modify_guard guard(t);
    u = unlink(t);
    wait_for_firings(t);  // nothing from the old arming is sent after reset returns
    a = arm(t, when, period);
  }
  wake_unlinked(u);
  wake_armed(a, false);
  return u.pending;
}

void timer_release(timer_rec* t) noexcept {
  // A dropped timer or ticker stops (nobody can read its channel any more); a dropped after_func
  // timer still fires, as Go's AfterFunc does when its *Timer is dropped.
  if (t->run == nullptr) timer_stop(t);
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
