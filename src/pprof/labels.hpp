// Copyright 2026 The gort Authors.
//
// Profiler label sets (Go's pprof labels, runtime's g.labels). Internal.
//
// A label_set is immutable once published and reference counted. Holders: each G whose labels
// it is (g::labels; a goroutine created while its creator has a set takes a reference: Go's
// newproc copies the creator's labels), a thread outside any goroutine that runs with_labels
// (thread_labels), each with_labels scope (the set it installed), and each CPU sample in the
// profiler's ring until the reader copied it. The last release deletes it.
//
// Signal safety. The SIGPROF handler reads the running G's pointer and retains it (an atomic
// increment, async-signal-safe). That is safe because only code on the same thread replaces the
// pointer of the G it runs (with_labels), or of a G that has left this thread (goexit0 on g0, after
// curg was cleared), and a replacement stores the new pointer before it releases the old one, so
// the handler, which interrupts that thread, always sees a pointer still referenced by the G.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "sched/runtime.hpp"

namespace gort::internal {

struct label_set {
  std::atomic<long> refs{1};
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by key, keys unique
};

// A thread's labels while it runs no goroutine (a plain thread, or main before gort::run).
extern constinit thread_local std::atomic<label_set*> thread_labels;

inline void retain(label_set* ls) noexcept {
  ls->refs.fetch_add(1, std::memory_order_relaxed);
}
inline void release(label_set* ls) noexcept {
  if (ls->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete ls;
}

// The running code's label set: the goroutine's, else the thread's. Not retained.
inline label_set* current_labels() noexcept {
  g* gp = current_g();
  return gp != nullptr ? gp->labels.load(std::memory_order_relaxed)
                       : thread_labels.load(std::memory_order_relaxed);
}

// labels_for_new_goroutine returns the creator's set, retained for the new G (nullptr: none).
inline label_set* labels_for_new_goroutine() noexcept {
  label_set* ls = current_labels();
  if (ls != nullptr) [[unlikely]]
    retain(ls);
  return ls;
}

// drop_goroutine_labels releases a G's set when it ends or is discarded (not while it runs).
inline void drop_goroutine_labels(g* gp) noexcept {
  label_set* ls = gp->labels.load(std::memory_order_relaxed);
  if (ls != nullptr) [[unlikely]] {
    gp->labels.store(nullptr, std::memory_order_relaxed);
    release(ls);
  }
}

}  // namespace gort::internal
