// Copyright 2026 The gort Authors.
//
// The defer heap profile: where deferred calls allocate. Go's heap profile records the stacks
// of sampled allocations; gort's defers allocate in two places, both already slow: a callable
// over a record's 448 bytes goes to the heap (frame::note_slow_entry, the analogue of Go's
// escaping closure), and a frame that needs a 1 KiB chunk finds the P's and the global pools
// empty (pool_get's miss). note_defer_alloc (defer_profile.hpp) sits on those two paths only;
// the inline and pooled fast paths have no hook at all.
//
// Sampling as Go's MemProfileRate: on average one sample per `rate` bytes allocated, the gaps
// drawn from an exponential distribution per thread (so that a periodic allocation pattern is
// not aliased), each sample weighted by 1 / (1 - exp(-size / rate)) (Go's scaleHeapSample) so
// that the profile's totals estimate every allocation. rate 1 records each one exactly. Default
// 512 KiB (Go's), or GORT_DEBUG=deferprofilerate=<bytes>.
//
// A sample walks the stack with libunwind (not a signal context: any unwinder would do; this
// one is already linked for the CPU profiler) and adds its weight to a bucket keyed by (stack,
// kind) under buckets_mu, a leaf lock held for a map update. The buckets live for the process,
// as Go's heap profile does (cumulative since start).
//
// Rejected: in-use figures (Go's inuse_space). Deferred calls free their record when they run,
// within the same function activation, so in-use would need a free hook and would show nearly
// nothing.

#include "pprof/defer_profile.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <gort/go.hpp>
#include <gort/pprof.hpp>

#include "pprof/profile.hpp"
#include "pprof/unwind.hpp"
#include "sched/env.hpp"
#include "symbolize/symbolize.hpp"

namespace gort::internal {

std::atomic<std::uint64_t> defer_profile_rate_bytes{kRateUnread};

namespace {

constexpr std::uint64_t kDefaultRate = 512 * 1024;
constexpr env_setting kRateEnv{"GORT_DEBUG", "deferprofilerate", env_kind::size, 0,
                               std::uint64_t{1} << 30};
constexpr int kMaxDepth = 64;

struct bucket {
  double count = 0;
  double bytes = 0;
};
std::mutex buckets_mu;
std::map<std::pair<std::vector<std::uintptr_t>, defer_alloc>, bucket>& buckets() {
  static auto* b = new std::map<std::pair<std::vector<std::uintptr_t>, defer_alloc>, bucket>;
  return *b;
}

std::uint64_t rate() {
  std::uint64_t r = defer_profile_rate_bytes.load(std::memory_order_relaxed);
  if (r != kRateUnread) return r;
  r = env_number(kRateEnv, kDefaultRate);
  std::uint64_t expected = kRateUnread;
  defer_profile_rate_bytes.compare_exchange_strong(expected, r, std::memory_order_relaxed);
  return defer_profile_rate_bytes.load(std::memory_order_relaxed);
}

thread_local std::uint64_t rng_state = 0;
thread_local bool gap_drawn = false;  // this thread's first gap has been drawn

std::int64_t draw_gap(std::uint64_t r) {
  if (rng_state == 0) rng_state = reinterpret_cast<std::uintptr_t>(&rng_state) | 1;
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  double u = (static_cast<double>(rng_state >> 11) + 1.0) / 9007199254740993.0;  // (0, 1]
  return static_cast<std::int64_t>(-std::log(u) * static_cast<double>(r)) + 1;
}

// internal_function says whether a demangled name is the frame core's or the runtime's own
// (gort::frame::*, gort::internal::*): the part before its first '(' or '<', which holds the
// return type and the qualified name, not the template arguments or parameters.
bool internal_function(const std::string& name) {
  std::string head = name.substr(0, name.find_first_of("(<"));
  return head.find("gort::frame::") != std::string::npos ||
         head.find("gort::internal::") != std::string::npos;
}

// trim_runtime_frames drops the leaf-side frames inside gort, so that a sample's first frame is
// the code that deferred (Go's heap profile likewise starts at mallocgc's caller).
std::vector<std::uintptr_t> trim_runtime_frames(const std::vector<std::uintptr_t>& stack) {
  std::size_t i = 0;
  while (i + 1 < stack.size()) {
    std::vector<symbol> syms = symbolize(stack[i]);
    if (!internal_function(syms.back().function)) break;
    ++i;
  }
  return {stack.begin() + static_cast<std::ptrdiff_t>(i), stack.end()};
}

}  // namespace

constinit thread_local std::int64_t defer_sample_countdown = 0;

void defer_profile_note_slow(defer_alloc kind, std::size_t bytes) {
  std::uint64_t r = rate();
  if (r == 0) return;
  // The countdown ran out. A thread's first time here only draws its first gap (Go draws
  // mcache.nextSample when the cache is made); after that this allocation is sampled and the
  // next gap drawn. At rate 1 every allocation is sampled (the countdown stays at 0).
  if (r > 1 && !gap_drawn) {
    gap_drawn = true;
    defer_sample_countdown = draw_gap(r) - static_cast<std::int64_t>(bytes);
    if (defer_sample_countdown > 0) return;
  }
  defer_sample_countdown = r > 1 ? draw_gap(r) : 0;
  void* frames[kMaxDepth + 1];
  int n = load_unwinder() ? walk_stack(frames, kMaxDepth + 1) : 0;
  std::vector<std::uintptr_t> stack;
  stack.reserve(static_cast<std::size_t>(n));
  for (int i = 1; i < n; ++i)  // frame 0 is in walk_stack
    stack.push_back(reinterpret_cast<std::uintptr_t>(frames[i]) - 1);
  double scale = 1;
  if (r > 1) scale = 1 / (1 - std::exp(-static_cast<double>(bytes) / static_cast<double>(r)));
  std::lock_guard lock(buckets_mu);
  bucket& b = buckets()[{std::move(stack), kind}];
  b.count += scale;
  b.bytes += scale * static_cast<double>(bytes);
}

}  // namespace gort::internal

namespace gort::pprof {

using namespace gort::internal;

void set_defer_profile_rate(std::size_t bytes) {
  defer_profile_rate_bytes.store(bytes, std::memory_order_relaxed);
}

std::size_t defer_profile_rate() {
  return static_cast<std::size_t>(rate());
}

namespace {
std::error_code write_defer_profile_now(std::string_view path) {
  profile_header h;
  h.sample_types = {{"alloc_objects", "count"}, {"alloc_space", "bytes"}};
  h.period_type = {"space", "bytes"};
  h.period = static_cast<std::int64_t>(rate());
  h.time_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  h.default_sample_type = "alloc_space";
  std::vector<profile_sample> samples;
  {
    std::lock_guard lock(buckets_mu);
    for (const auto& [key, b] : buckets()) {
      profile_sample ps;
      ps.stack = trim_runtime_frames(key.first);
      ps.values = {std::llround(b.count), std::llround(b.bytes)};
      ps.labels.emplace_back("defer", key.second == defer_alloc::heap ? "heap" : "pool_miss");
      samples.push_back(std::move(ps));
    }
  }
  std::string data = encode_profile(h, samples);
  std::string p(path);
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return std::error_code(errno, std::system_category());
  std::error_code ec = write_gzip(fd, data);
  if (::close(fd) != 0 && !ec) ec = std::error_code(errno, std::system_category());
  return ec;
}
}  // namespace

std::error_code write_defer_profile(std::string_view path) {
  return gort::blocking([&] { return write_defer_profile_now(path); });  // symbolizes, writes
}

}  // namespace gort::pprof
