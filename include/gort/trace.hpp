// Copyright 2026 The gort Authors.
//
// gort::trace: the execution tracer (Go's runtime/trace). The file it writes is in Go 1.19's
// execution-trace format, so Go's own tools read it: `go tool trace app.trace` (timeline,
// goroutine analysis, sync / syscall / scheduler-latency profiles), `go tool trace -d app.trace`.
// docs/trace.md maps gort's scheduler to the trace's events.
//
// Example:
//
//   std::error_code ec = gort::trace::start("app.trace");   // Go: trace.Start(w)
//   if (ec) std::fprintf(stderr, "trace: %s\n", ec.message().c_str());
//   {
//     gort::trace::task t("checkout");                      // Go: trace.NewTask(ctx, "checkout")
//     gort::trace::region r("load-cart");                   // Go: trace.StartRegion(ctx, ...)
//     gort::trace::log("order", "id=42");                   // Go: trace.Log(ctx, "order", "id=42")
//   }
//   gort::trace::stop();                                    // flushes and closes the file
//
// The same for a whole gort::run: GORT_DEBUG=trace=<path> (and tracestacks=1 for stacks).

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace gort::trace {

// options: what start records besides the events themselves.
struct options {
  // stacks: a symbolized call stack on goroutine create, block and unblock events, as Go
  // records them. Off by default: stacks are most of what a tracer costs.
  bool stacks = false;
};

// start begins tracing into the file at `path` (created or truncated). Returns an empty error
// code on success; otherwise the reason, and nothing changed: the file's open error (e.g.
// "Permission denied"), or "tracing is already enabled" when a trace is running. Does not block
// on the file: events go to per-P buffers and a writer thread writes them out.
[[nodiscard]] std::error_code start(const std::string& path, options opt = {});

// stop ends tracing: flushes every buffer, writes the stack and string tables and closes the
// file. Blocks the caller until the file is complete. Does nothing when no trace is running. If
// the file could not be written in full (disk full, ...), one message on stderr says so.
void stop();

// enabled reports whether a trace is running.
bool enabled() noexcept;

// task is a user task (Go's trace.NewTask): created now, ended by end() or the destructor,
// whichever comes first. While it lives, regions and logs on the same goroutine belong to it,
// and a task made inside it is its child.
class task {
 public:
  explicit task(std::string_view name);
  ~task() { end(); }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  // end ends the task (once; later calls do nothing).
  void end();
  std::uint64_t id() const noexcept { return id_; }

 private:
  std::uint64_t id_ = 0;
  std::uint64_t parent_ = 0;
  bool ended_ = false;
};

// region is a time interval of the goroutine that makes it (Go's trace.StartRegion): from the
// constructor to the destructor. Regions nest per goroutine; a region must end on the goroutine
// it started on.
class region {
 public:
  explicit region(std::string_view name);
  ~region();
  region(const region&) = delete;
  region& operator=(const region&) = delete;

 private:
  std::uint64_t task_ = 0;
  std::uint64_t name_id_ = 0;
  bool traced_ = false;
};

// log records one message with a category (Go's trace.Log), in the current goroutine's task.
void log(std::string_view category, std::string_view message);

}  // namespace gort::trace
