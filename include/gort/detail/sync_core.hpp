// Copyright 2026 The gort Authors.
//
// The runtime entry points behind <gort/sync.hpp>'s inline fast paths: the semaphore table keyed
// by address (Go's semacquire / semrelease in sema.go), the notify list a cond waits on (Go's
// notifyList), and the panic the sync types raise. Nothing here is public API; defined in
// src/sync/sync.cpp, which explains the algorithms.

#pragma once

#include <atomic>
#include <cstdint>

#include <gort/detail/wait_reason.hpp>

namespace gort::internal {

// The runtime's semaphores, keyed by address (Go's semacquire / semrelease).
void semacquire(std::atomic<std::uint32_t>* addr, bool lifo, wait_reason reason);
void semrelease(std::atomic<std::uint32_t>* addr, bool handoff);
[[noreturn]] void sync_panic(const char* message);
// Go's notifyList: a ticket-based wait list for cond.
struct notify_list {
  std::atomic<std::uint32_t> wait{0};    // next ticket to hand out
  std::atomic<std::uint32_t> notify{0};  // next ticket to wake; written under the bucket lock
  void* head = nullptr;                  // waiters, guarded by the same lock
  void* tail = nullptr;
};
std::uint32_t notify_list_add(notify_list* l) noexcept;
void notify_list_wait(notify_list* l, std::uint32_t ticket);
void notify_list_notify_one(notify_list* l);
void notify_list_notify_all(notify_list* l);

}  // namespace gort::internal
