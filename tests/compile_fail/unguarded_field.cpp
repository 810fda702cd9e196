// Copyright 2026 The gort Authors.
//
// Reading a field that says which lock guards it, without that lock, is rejected by the clang
// preset's thread-safety analysis (-Werror=thread-safety): the annotations of
// src/sched/thread_safety.hpp are live, not empty macros. Registered only for clang builds.

#include "sched/lock.hpp"

namespace {

struct guarded {
  gort::internal::runtime_lock lock{gort::internal::lock_rank::sched};
  int value GORT_GUARDED_BY(lock) = 0;
};

int read_with_lock(guarded& g) {
  gort::internal::lock_guard held(g.lock);
  return g.value;  // fine: held
}

int read_without_lock(guarded& g) {
  return g.value;  // rejected
}

}  // namespace

int main() {
  guarded g;
  return read_with_lock(g) + read_without_lock(g);
}
