// Copyright 2026 The gort Authors.
//
// The names of the G and P states (Go's words) and the transition helpers' fatal reports
// (status.hpp has the states, their meaning and the helpers). Out of line: the helpers are
// inline on the hot path and only call here on a broken invariant. Internal.

#include "sched/status.hpp"

#include <cstdio>

#include <gort/detail/fatal.hpp>

namespace gort::internal {

const char* gstatus_name(gstatus s) noexcept {
  switch (s) {
    case gstatus::idle:
      return "idle";
    case gstatus::runnable:
      return "runnable";
    case gstatus::running:
      return "running";
    case gstatus::waiting:
      return "waiting";
    case gstatus::syscall:
      return "syscall";
    case gstatus::dead:
      return "dead";
  }
  return "?";
}

const char* pstatus_name(pstatus s) noexcept {
  switch (s) {
    case pstatus::idle:
      return "idle";
    case pstatus::running:
      return "running";
    case pstatus::syscall:
      return "syscall";
  }
  return "?";
}

void casgstatus_failed(std::uint64_t goid, gstatus found, gstatus from, gstatus to) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "casgstatus: goroutine %llu is %s, expected %s (to %s)",
                static_cast<unsigned long long>(goid), gstatus_name(found), gstatus_name(from),
                gstatus_name(to));
  runtime_throw(buf);
}

void caspstatus_failed(int pid, pstatus found, pstatus from, pstatus to) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "caspstatus: P %d is %s, expected %s (to %s)", pid,
                pstatus_name(found), pstatus_name(from), pstatus_name(to));
  runtime_throw(buf);
}

}  // namespace gort::internal
