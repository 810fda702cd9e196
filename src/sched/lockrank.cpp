// Copyright 2026 The gort Authors.
//
// The lock-rank checks of debug builds (the ranks and the rules: lockrank.hpp; Go's
// lockrank_on.go). Each thread keeps the ranks it holds in a small stack, highest last: one entry
// per rank held, with a count for the one rank that nests (a select's channels) and the highest
// address taken at that rank, which the next lock of the rank must exceed. Ranks are few and
// only hchan nests, so the stack has room for every rank and never overflows.
//
// The state is thread_local and constant-initialized (a plain-old-data array): it exists before
// the first lock of a thread and after its thread_local destructors (the defer pool's registry
// guard takes locks then). The functions are out of line so that every call reads the state of
// the thread it runs on, also after a goroutine switched threads (lockrank.hpp). Compiled to
// nothing without GORT_RUNTIME_CHECKS.

#include "sched/lockrank.hpp"

#if GORT_RUNTIME_CHECKS

#include <cstdio>

#include <gort/detail/fatal.hpp>

namespace gort::internal {

namespace {

struct held_lock {
  lock_rank rank;
  int count;         // locks of this rank held (above 1 only for a nesting rank)
  const void* last;  // the highest address taken at this rank
};

constexpr int kMaxHeld = 16;  // more than there are ranks

struct held_locks {
  int n;
  held_lock locks[kMaxHeld];
};

constinit thread_local held_locks held{};
// Set once this thread reports a violation: the report itself is not checked again (Go's
// m.throwing), so a lock the report path might take cannot recurse into a second report.
constinit thread_local bool throwing = false;

// The message outlives the call: runtime_throw does not return.
constinit thread_local char throw_buf[192] = {};

[[noreturn]] void throw_with(const char* format, const char* a, const char* b) noexcept {
  throwing = true;
  std::snprintf(throw_buf, sizeof throw_buf, format, a, b);
  runtime_throw(throw_buf);
}

// note_held records `lock` (rank r) at position i of the sorted held list: as one more lock of
// the rank already at i - 1, or as a new entry.
void note_held(held_locks& h, int i, lock_rank r, const void* lock) noexcept {
  if (i > 0 && h.locks[i - 1].rank == r) {
    held_lock& e = h.locks[i - 1];
    ++e.count;
    if (lock > e.last) e.last = lock;
    return;
  }
  if (h.n == kMaxHeld) {
    if (throwing) return;
    throw_with("lock ordering problem: more than %s ranks held%s", "16", "");
  }
  for (int j = h.n; j > i; --j) h.locks[j] = h.locks[j - 1];
  h.locks[i] = {r, 1, lock};
  ++h.n;
}

}  // namespace

void lockrank_acquire(lock_rank r, const void* lock) noexcept {
  held_locks& h = held;
  if (h.n > 0 && !throwing) {
    const held_lock& top = h.locks[h.n - 1];
    bool ok = top.rank < r || (top.rank == r && lock_rank_nests(r) && lock > top.last);
    if (!ok) {
      const char* what = top.rank == r && lock_rank_nests(r)
                             ? "lock ordering problem: %s held while acquiring %s (not in "
                               "address order)"
                             : "lock ordering problem: %s held while acquiring %s";
      throw_with(what, lock_rank_name(top.rank), lock_rank_name(r));
    }
  }
  note_held(h, h.n, r, lock);
}

void lockrank_acquired(lock_rank r, const void* lock) noexcept {
  held_locks& h = held;
  // Out of order is fine for a lock taken without waiting, but the list stays sorted: insert.
  int i = h.n;
  while (i > 0 && h.locks[i - 1].rank > r) --i;
  note_held(h, i, r, lock);
}

void lockrank_release(lock_rank r, const void*) noexcept {
  held_locks& h = held;
  for (int i = h.n - 1; i >= 0; --i) {
    if (h.locks[i].rank != r) continue;
    if (--h.locks[i].count == 0) {
      for (int j = i; j + 1 < h.n; ++j) h.locks[j] = h.locks[j + 1];
      --h.n;
    }
    return;
  }
  if (!throwing)
    throw_with("lock ordering problem: release of %s, which this thread does not hold%s",
               lock_rank_name(r), "");
}

void lockrank_check_ready() noexcept {
  const held_locks& h = held;
  for (int i = 0; i < h.n; ++i)
    if (lock_rank_forbids_ready(h.locks[i].rank))
      throw_with("ready of a goroutine while holding lock %s%s", lock_rank_name(h.locks[i].rank),
                 "");
}

void lockrank_check_none_held(const char* what) noexcept {
  const held_locks& h = held;
  if (h.n > 0) throw_with("%s while holding lock %s", what, lock_rank_name(h.locks[h.n - 1].rank));
}

int lockrank_held_count() noexcept {
  const held_locks& h = held;
  int n = 0;
  for (int i = 0; i < h.n; ++i) n += h.locks[i].count;
  return n;
}

}  // namespace gort::internal

#endif  // GORT_RUNTIME_CHECKS
