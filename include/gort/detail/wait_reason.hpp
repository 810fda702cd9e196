// Copyright 2026 The gort Authors.
//
// Why a goroutine is parked (Go's waitReason in runtime2.go): one enumerator per kind of wait,
// with Go's string, printed in deadlock reports (and, with the tracer, mapped to one trace event
// each). Internal; in include/gort/detail/ only because sync.hpp's inline fast paths pass one.
//
// Rules: every park names exactly one reason, and no reason serves two different waits. The
// strings are Go's (sync.Mutex.Lock, sync.RWMutex.RLock, sync.RWMutex.Lock and
// sync.WaitGroup.Wait are the names later Go releases give waits Go 1.19 reports as
// "semacquire"; gort reports the more precise ones). `labelled` is for the runtime's white-box
// tests only: the park gives its own text (internal sema::acquire(const char*)).

#pragma once

#include <cstddef>
#include <cstdint>

namespace gort::internal {

enum class wait_reason : std::uint8_t {
  zero,                 // not waiting
  chan_receive_nil,     // receive from a nil channel
  chan_send_nil,        // send on a nil channel
  select,               // select with cases (or with only nil channels), none ready
  select_no_cases,      // select {}
  chan_receive,         // receive, no sender ready
  chan_send,            // send, no receiver or buffer space ready
  semacquire,           // the runtime's own semaphore (src/sched/sema.hpp)
  sleep,                // gort::sleep
  sync_cond_wait,       // cond::wait
  sync_mutex_lock,      // mutex::lock
  sync_rwmutex_rlock,   // rwmutex::lock_shared
  sync_rwmutex_lock,    // rwmutex::lock (waiting for readers to leave)
  sync_waitgroup_wait,  // waitgroup::wait
  io_wait,              // the netpoller (src/netpoll/netpoll.cpp, park_io)
  labelled,             // white-box tests: the parker's own text
};

inline constexpr const char* kWaitReasonStrings[] = {
    "",
    "chan receive (nil chan)",
    "chan send (nil chan)",
    "select",
    "select (no cases)",
    "chan receive",
    "chan send",
    "semacquire",
    "sleep",
    "sync.Cond.Wait",
    "sync.Mutex.Lock",
    "sync.RWMutex.RLock",
    "sync.RWMutex.Lock",
    "sync.WaitGroup.Wait",
    "IO wait",
    "",  // labelled: the text is the parker's
};
static_assert(sizeof(kWaitReasonStrings) / sizeof(kWaitReasonStrings[0]) ==
                  static_cast<std::size_t>(wait_reason::labelled) + 1,
              "one string per wait_reason");

// wait_reason_string returns Go's text for r.
constexpr const char* wait_reason_string(wait_reason r) noexcept {
  return kWaitReasonStrings[static_cast<std::size_t>(r)];
}

}  // namespace gort::internal
