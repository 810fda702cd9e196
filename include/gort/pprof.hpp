// Copyright 2026 The gort Authors.
//
// gort::pprof: CPU profiles and the defer heap profile, as Go's runtime/pprof writes them
// (gzipped profile.proto), so that `go tool pprof` reads them. docs/pprof.md has the details.
//
// Example:
//   #include <gort/pprof.hpp>
//   if (std::error_code ec = gort::pprof::start_cpu_profile("cpu.pb.gz")) {
//     std::fprintf(stderr, "profile: %s\n", ec.message().c_str());
//   }
//   gort::pprof::with_labels({{"handler", "checkout"}}, [&] { work(); });
//   gort::pprof::stop_cpu_profile();  // then: go tool pprof -top cpu.pb.gz
//
//   gort::pprof::write_defer_profile("defer.pb.gz");  // go tool pprof -sample_index=alloc_space

#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace gort::pprof {

// start_cpu_profile starts sampling every thread of the process on its CPU time, 100 times per
// second of CPU (Go's pprof.StartCPUProfile), and creates `path`, which stop_cpu_profile fills.
// Returns an error, and changes nothing, when a profile is already running ("cpu profiling
// already in use", as Go) or when `path` cannot be created (the system's error). Does not block.
[[nodiscard]] std::error_code start_cpu_profile(std::string_view path);

// stop_cpu_profile stops the running profile and writes it, symbolized, to its file (blocks
// while it writes). Without a running profile it does nothing. A write error is reported on
// stderr ("gort: cpu profile <path>: <error>").
void stop_cpu_profile();

// cpu_profile_error returns the error of the last stop_cpu_profile's write (empty on success).
std::error_code cpu_profile_error();

namespace internal_labels {
// The goroutine's label set is replaced for the lifetime of a scope (with_labels).
class scope {
 public:
  explicit scope(std::initializer_list<std::pair<std::string_view, std::string_view>> labels);
  ~scope();
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;

 private:
  void* previous_;
};
}  // namespace internal_labels

// with_labels runs fn() with the current goroutine's labels (or the thread's, outside a
// goroutine) extended by `labels` (a key given again replaces its value), and returns what fn
// returns (Go's pprof.Do). CPU samples taken while fn runs carry the labels, and so do the
// samples of every goroutine started inside fn, for their whole life, as in Go. The previous
// labels come back when fn returns or unwinds (panic, goexit).
template <class Fn>
decltype(auto) with_labels(
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels, Fn&& fn) {
  static_assert(std::is_invocable_v<Fn&&>, "gort::pprof::with_labels: fn must be callable as fn()");
  internal_labels::scope s(labels);
  return std::forward<Fn>(fn)();
}

// set_defer_profile_rate sets how often deferred calls that allocate (a callable too large for a
// defer record goes to the heap; a frame that needs a chunk finds the pools empty) are sampled
// into the defer heap profile: on average one sample per `bytes` allocated (Go's
// runtime.MemProfileRate). 0 turns sampling off, 1 records every allocation. Default 512 KiB,
// or GORT_DEBUG=deferprofilerate=<bytes>. Samples already taken are kept.
void set_defer_profile_rate(std::size_t bytes);
std::size_t defer_profile_rate();

// write_defer_profile writes the defer heap profile, every sample since the process started, as
// a gzipped pprof allocation profile (alloc_objects, alloc_space, scaled as Go scales its heap
// profile) to `path`. Returns the error when the file cannot be written. Blocks while it writes.
[[nodiscard]] std::error_code write_defer_profile(std::string_view path);

}  // namespace gort::pprof
