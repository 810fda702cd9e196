// Copyright 2026 The gort Authors.
//
// The scheduler's entry points that the templates in <gort/go.hpp> (run, go, blocking) need: making
// a goroutine whose callable is built in place on its stack, booting and running the scheduler,
// and the blocking-call hooks (Go's newproc, schedinit/mstart, entersyscall/exitsyscall). Nothing
// here is public API; defined in src/sched/ (goroutine.cpp, start.cpp, proc.cpp, sysmon.cpp),
// design in src/sched/proc.cpp.

#pragma once

#include <cstddef>
#include <functional>
#include <new>
#include <utility>

namespace gort::internal {

struct g;

// Allocates a goroutine (a G and its stack, reused from a free list when possible) whose entry
// will be entry(storage), where *storage is `size` bytes at the top of its stack for the entry's
// callable. The goroutine does not run until start_goroutine.
g* new_goroutine(void (*entry)(void*), std::size_t size, std::size_t align, void** storage);
// Makes a goroutine from new_goroutine runnable.
void start_goroutine(g* gp);
// Gives back a goroutine from new_goroutine that will never start (its callable did not build).
void discard_goroutine(g* gp) noexcept;

int run_prepare(int procs);  // validates procs/GORT_MAXPROCS and boots the Ps; returns procs
int run_main(g* main_g);     // runs the scheduler on this thread until main_g ends

bool on_goroutine() noexcept;
void entersyscall();
void exitsyscall();

template <class C>
void goroutine_entry(void* storage) {
  C* c = std::launder(static_cast<C*>(storage));
  struct destroy {
    C* c;
    ~destroy() { c->~C(); }
  } guard{c};
  std::invoke(std::move(*c));
}

template <class C, class Make>
g* spawn(Make&& make) {
  void* storage = nullptr;
  g* gp = new_goroutine(&goroutine_entry<C>, sizeof(C), alignof(C), &storage);
  try {
    ::new (storage) C(make());
  } catch (...) {
    discard_goroutine(gp);
    throw;
  }
  return gp;
}

}  // namespace gort::internal
