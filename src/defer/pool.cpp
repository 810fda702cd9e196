// Copyright 2026 The gort Authors.
//
// Thread registration, the defer-record pools and gort::stats().
//
// Pools (Go's p.deferpool and sched.deferpool). A frame whose 8 inline slots are full continues
// in 1 KiB chunks of 32 slots. Each thread keeps a free list of chunks (thread_state::pool, at
// most kLocalPoolCap). When the local list is empty, a batch of up to half the cap comes from
// the global pool (under global_pool_mu); when it is over the cap, half goes back. Only when
// both are empty is a chunk allocated (a "miss"). Chunks are never freed: like Go's pools
// between two GCs, the pool's size is the peak of chunks in use at once.
//
// Registry. A thread registers the first time it enters a gort::func: its thread_state joins
// the registry list (under registry_mu) so that stats() can read its counters, and a
// thread_local guard object (with a destructor, so it lives outside thread_state, which must
// stay constant-initialized) moves the counters into the exited-threads totals and the local
// pool into the global pool when the thread ends.
//
// Lock order: registry_mu, then global_pool_mu (never held together today).

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <gort/frame.hpp>
#include <gort/stats.hpp>

#include "defer/panic_record.hpp"

namespace gort {
namespace internal {

constinit thread_local thread_state tls;

namespace {

std::mutex global_pool_mu;
defer_chunk* global_pool = nullptr;  // guarded by global_pool_mu
std::size_t global_pool_len = 0;     // guarded by global_pool_mu

std::mutex registry_mu;
std::vector<thread_state*>& registry() {            // guarded by registry_mu
  static auto* r = new std::vector<thread_state*>;  // never destroyed: threads may outlive main
  return *r;
}
runtime_stats& exited_totals() {  // guarded by registry_mu
  static auto* t = new runtime_stats;
  return *t;
}

void add_counters(runtime_stats& s, const counters& c) {
  s.defers_inline += c.defers_inline.get();
  s.defers_pooled += c.defers_pooled.get();
  s.defers_heap += c.defers_heap.get();
  s.defer_heap_bytes += c.heap_bytes.get();
  s.defer_pool_misses += c.pool_misses.get();
  s.defer_pool_hits += c.pool_hits.get();
  s.defer_pool_refills += c.pool_refills.get();
  s.defer_pool_spills += c.pool_spills.get();
  s.panics += c.panics.get();
  s.recovers += c.recovers.get();
  s.goexits += c.goexits.get();
}

void give_back_local_pool(thread_state& ts) {
  if (ts.pool == nullptr) return;
  defer_chunk* last = ts.pool;
  while (last->next_free != nullptr) last = last->next_free;
  std::lock_guard<std::mutex> lock(global_pool_mu);
  last->next_free = global_pool;
  global_pool = ts.pool;
  global_pool_len += ts.pool_len;
  ts.pool = nullptr;
  ts.pool_len = 0;
}

struct thread_guard {
  thread_state* ts;
  ~thread_guard() {
    clear_panics(*ts);  // a thread cancelled while a panic ran leaves it behind
    ::operator delete(ts->spare_panic);
    ts->spare_panic = nullptr;
    give_back_local_pool(*ts);
    std::lock_guard<std::mutex> lock(registry_mu);
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
    ts->top = nullptr;
  }
};

}  // namespace

frame_link* register_thread() {
  thread_state& ts = tls;
  ts.root.parent = nullptr;
  ts.top = &ts.root;
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    registry().push_back(&ts);
  }
  static thread_local thread_guard guard{&ts};
  (void)guard;
  return ts.top;
}

defer_chunk* pool_get() {
  thread_state& ts = tls;
  if (ts.pool == nullptr) {
    std::lock_guard<std::mutex> lock(global_pool_mu);
    std::uint32_t want = kLocalPoolCap / 2;
    while (global_pool != nullptr && ts.pool_len < want) {
      defer_chunk* c = global_pool;
      global_pool = c->next_free;
      --global_pool_len;
      c->next_free = ts.pool;
      ts.pool = c;
      ++ts.pool_len;
    }
    if (ts.pool != nullptr) ++ts.count.pool_refills;
  }
  if (defer_chunk* c = ts.pool) {
    ts.pool = c->next_free;
    --ts.pool_len;
    ++ts.count.pool_hits;
    return c;
  }
  ++ts.count.pool_misses;
  return new defer_chunk;
}

void pool_put(defer_chunk* c) noexcept {
  thread_state& ts = tls;
  c->next_free = ts.pool;
  ts.pool = c;
  if (++ts.pool_len <= kLocalPoolCap) return;
  // Over the cap: hand half to the global pool.
  defer_chunk* first = ts.pool;
  defer_chunk* last = first;
  std::uint32_t n = 1;
  for (; n < kLocalPoolCap / 2; ++n) last = last->next_free;
  ts.pool = last->next_free;
  ts.pool_len -= n;
  ++ts.count.pool_spills;
  std::lock_guard<std::mutex> lock(global_pool_mu);
  last->next_free = global_pool;
  global_pool = first;
  global_pool_len += n;
}

void fatal(const char* message) {
  std::fprintf(stderr, "fatal error: %s\n", message);
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace internal

runtime_stats stats() {
  runtime_stats s;
  std::lock_guard<std::mutex> lock(internal::registry_mu);
  s = internal::exited_totals();
  for (internal::thread_state* ts : internal::registry()) internal::add_counters(s, ts->count);
  return s;
}

runtime_stats operator-(runtime_stats a, const runtime_stats& b) noexcept {
  a.defers_inline -= b.defers_inline;
  a.defers_pooled -= b.defers_pooled;
  a.defers_heap -= b.defers_heap;
  a.defer_heap_bytes -= b.defer_heap_bytes;
  a.defer_pool_hits -= b.defer_pool_hits;
  a.defer_pool_misses -= b.defer_pool_misses;
  a.defer_pool_refills -= b.defer_pool_refills;
  a.defer_pool_spills -= b.defer_pool_spills;
  a.panics -= b.panics;
  a.recovers -= b.recovers;
  a.goexits -= b.goexits;
  return a;
}

}  // namespace gort
