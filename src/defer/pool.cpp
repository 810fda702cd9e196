// Copyright 2026 The gort Authors.
//
// Thread registration, the defer-record pools and gort::stats().
//
// Pools (Go's p.deferpool and sched.deferpool). A frame whose 8 inline slots are full continues
// in 1 KiB chunks of 32 slots. Each thread keeps a free list of chunks (defer_state::pool, at
// most kLocalPoolCap). When the local list is empty, a batch of up to half the cap comes from
// the global pool (under global_pool_mu); when it is over the cap, half goes back. Only when
// both are empty is a chunk allocated (a "miss"). Chunks are never freed: like Go's pools
// between two GCs, the pool's size is the peak of chunks in use at once.
//
// Registry. A thread registers the first time it enters a gort::func: its defer_state joins
// the registry list (under registry_mu) so that stats() can read its counters, and a
// thread_local guard object (with a destructor, so it lives outside defer_state, which must
// stay constant-initialized) moves the counters into the exited-threads totals and the local
// pool into the global pool when the thread ends.
//
// Locks: registry_mu, then (stats() summing the runtime's counters) sched.allg_lock; the global
// pool's lock is taken with no other held. Their ranks: src/sched/lockrank.hpp.

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <gort/frame.hpp>
#include <gort/stats.hpp>

#include "defer/panic_record.hpp"
#include "pprof/defer_profile.hpp"
#include "sched/lock.hpp"
#include "sched/runtime.hpp"

namespace gort {
namespace internal {

constinit thread_local defer_state thread_defer_state;

void skip_slot(defer_slot*) noexcept {}
GORT_TLS_HOT constinit thread_local defer_state* cur_defer_state = nullptr;
constinit thread_local defer_pool* cur_defer_pool = nullptr;
GORT_TLS_HOT constinit thread_local std::uint32_t cur_depth = kDepthUnregistered;

namespace {

thread_mutex global_pool_mu{lock_rank::global_pool};
defer_chunk* global_pool GORT_GUARDED_BY(global_pool_mu) = nullptr;
std::size_t global_pool_len GORT_GUARDED_BY(global_pool_mu) = 0;

thread_mutex registry_mu{lock_rank::registry};
std::vector<defer_state*>& registry() GORT_REQUIRES(registry_mu) {
  static auto* r = new std::vector<defer_state*>;  // never destroyed: threads may outlive main
  return *r;
}
runtime_stats& exited_totals() GORT_REQUIRES(registry_mu) {
  static auto* t = new runtime_stats;
  return *t;
}

}  // namespace

void add_counters(runtime_stats& s, const counters& c) {
#define GORT_ADD(name, meaning) s.name += c.name.get();
  GORT_FRAME_COUNTERS(GORT_ADD)
#undef GORT_ADD
}

void retire_counters(const runtime_stats& s) {
  lock_guard lock(registry_mu);
  runtime_stats& t = exited_totals();
#define GORT_ADD(name, meaning) t.name += s.name;
  GORT_FRAME_COUNTERS(GORT_ADD)
  GORT_SCHED_COUNTERS(GORT_ADD)
#undef GORT_ADD
}

void pool_give_back(defer_pool& pl) noexcept {
  if (pl.head == nullptr) return;
  defer_chunk* last = pl.head;
  while (last->next_free != nullptr) last = last->next_free;
  lock_guard lock(global_pool_mu);
  last->next_free = global_pool;
  global_pool = pl.head;
  global_pool_len += pl.len;
  pl.head = nullptr;
  pl.len = 0;
}

namespace {

struct thread_guard {
  defer_state* ts;
  ~thread_guard() {
    clear_panics(*ts);  // a thread cancelled while a panic ran leaves it behind
    ::operator delete(ts->spare_panic);
    ts->spare_panic = nullptr;
    pool_give_back(ts->pool);
    lock_guard lock(registry_mu);
    auto& r = registry();
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (*it == ts) {
        r.erase(it);
        break;
      }
    }
    add_counters(exited_totals(), ts->count);
    ts->count.~counters();
    ::new (&ts->count) counters();
    // A frame entered later (by another thread_local's destructor) registers the thread again.
    cur_depth = kDepthUnregistered;
    cur_defer_state = nullptr;
  }
};

}  // namespace

defer_state* register_thread() {
  defer_state& ts = thread_defer_state;
  cur_defer_state = &ts;
  if (cur_depth == kDepthUnregistered) cur_depth = 0;
  {
    lock_guard lock(registry_mu);
    registry().push_back(&ts);
  }
  static thread_local thread_guard guard{&ts};
  (void)guard;
  return &ts;
}

void register_thread_entering() {
  // The entering frame's increment wrapped kDepthUnregistered to 0: it is the thread's first.
  register_thread();
  cur_depth = 1;
}

static defer_pool& current_pool() noexcept {
  defer_pool* pl = cur_defer_pool;
  return pl != nullptr ? *pl : thread_defer_state.pool;
}

defer_chunk* pool_get() {
  counters& count = current_state().count;
  defer_pool& pl = current_pool();
  if (pl.head == nullptr) {
    lock_guard lock(global_pool_mu);
    std::uint32_t want = kLocalPoolCap / 2;
    while (global_pool != nullptr && pl.len < want) {
      defer_chunk* c = global_pool;
      global_pool = c->next_free;
      --global_pool_len;
      c->next_free = pl.head;
      pl.head = c;
      ++pl.len;
    }
    if (pl.head != nullptr) ++count.defer_pool_refills;
  }
  if (defer_chunk* c = pl.head) {
    pl.head = c->next_free;
    --pl.len;
    ++count.defer_pool_hits;
    return c;
  }
  ++count.defer_pool_misses;
  note_defer_alloc(defer_alloc::pool_miss, sizeof(defer_chunk));  // the defer profile (src/pprof/)
  return new defer_chunk;
}

void pool_put(defer_chunk* c) noexcept {
  defer_pool& pl = current_pool();
  c->next_free = pl.head;
  pl.head = c;
  if (++pl.len <= kLocalPoolCap) return;
  // Over the cap: hand half to the global pool.
  defer_chunk* first = pl.head;
  defer_chunk* last = first;
  std::uint32_t n = 1;
  for (; n < kLocalPoolCap / 2; ++n) last = last->next_free;
  pl.head = last->next_free;
  pl.len -= n;
  ++current_state().count.defer_pool_spills;
  lock_guard lock(global_pool_mu);
  last->next_free = global_pool;
  global_pool = first;
  global_pool_len += n;
}

}  // namespace internal

runtime_stats stats() {
  runtime_stats s;
  internal::lock_guard lock(internal::registry_mu);
  s = internal::exited_totals();
  for (internal::defer_state* ts : internal::registry()) internal::add_counters(s, ts->count);
  internal::add_sched_stats(s);
  return s;
}

#define GORT_ONE(name, meaning) +1
static_assert(sizeof(runtime_stats) == sizeof(std::uint64_t) * (1 GORT_FRAME_COUNTERS(GORT_ONE)
                                                                    GORT_SCHED_COUNTERS(GORT_ONE)),
              "runtime_stats has a field outside the counter list (besides goroutines_live)");
#undef GORT_ONE

runtime_stats operator-(runtime_stats a, const runtime_stats& b) noexcept {
#define GORT_SUB(name, meaning) a.name -= b.name;
  GORT_FRAME_COUNTERS(GORT_SUB)
  GORT_SCHED_COUNTERS(GORT_SUB)
#undef GORT_SUB
  a.goroutines_live -= b.goroutines_live;
  return a;
}

}  // namespace gort
