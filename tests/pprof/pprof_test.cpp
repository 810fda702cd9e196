// Copyright 2026 The gort Authors.
//
// Tests of the CPU profile, the labels and the defer heap profile (include/gort/pprof.hpp,
// src/pprof/) and of the symbolizer (src/symbolize/).
//
// How they check. The profiles are read back by `go tool pprof` itself (-top, -traces, -tags),
// the reader users have, so a test fails if Go's reader rejects the file or if what it prints
// contradicts what the program did: the only function that burns CPU must come first in -top;
// every sample whose stack is in the labelled goroutine's function must carry its labels and no
// sample of the unlabelled one may. Without `go` on PATH those tests skip (setup.sh installs it).
// No test asserts how many samples a profile has or how long anything took: the burners run for
// a given amount of their own CPU time (its thread's CPU clock), not wall time, and
// docs/pprof.md reports the sampled-versus-measured CPU comparison from a benchmark.

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>
#include <gort/pprof.hpp>

#include "pprof/labels.hpp"
#include "pprof/thread_hooks.hpp"
#include "symbolize/symbolize.hpp"

namespace {

std::string run_command(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status != nullptr) *status = rc;
  return out;
}

bool have_go() {
  return std::system("go version >/dev/null 2>&1") == 0;
}

std::string temp_path(const char* name) {
  return testing::TempDir() + "gort_pprof_" + name + "_" + std::to_string(getpid()) + ".pb.gz";
}

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The burners: plain arithmetic, kept out of the sanitizers' instrumentation so that the
// interrupted pc is in them (not in a __tsan_write8 they call).
#define GORT_TEST_BURNER __attribute__((noinline, no_sanitize("address", "thread", "undefined")))

GORT_TEST_BURNER std::uint64_t spin(std::uint64_t x, int n) {
  for (int i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    asm volatile("" : "+r"(x));
  }
  return x;
}

// Each burner is its own function with its own loop, so that -top tells them apart.
GORT_TEST_BURNER std::uint64_t burn_alpha(double seconds) {
  std::uint64_t x = 1;
  double end = thread_cpu_seconds() + seconds;
  while (thread_cpu_seconds() < end)
    for (int i = 0; i < 200000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      asm volatile("" : "+r"(x));
    }
  return x;
}
GORT_TEST_BURNER std::uint64_t burn_labelled(double seconds) {
  std::uint64_t x = 2;
  double end = thread_cpu_seconds() + seconds;
  while (thread_cpu_seconds() < end)
    for (int i = 0; i < 200000; ++i) {
      x = x * 2862933555777941757ull + 3037000493ull;
      asm volatile("" : "+r"(x));
    }
  return x;
}
GORT_TEST_BURNER std::uint64_t burn_unlabelled(double seconds) {
  std::uint64_t x = 3;
  double end = thread_cpu_seconds() + seconds;
  while (thread_cpu_seconds() < end)
    for (int i = 0; i < 200000; ++i) {
      x = x * 3935559000370003845ull + 2691343689449507681ull;
      asm volatile("" : "+r"(x));
    }
  return x;
}

std::atomic<std::uint64_t> sink{0};

// The first function of `go tool pprof -top`'s table (the one with the most flat samples).
std::string top_function(const std::string& top) {
  std::istringstream in(top);
  std::string line;
  bool table = false;
  while (std::getline(in, line)) {
    if (line.find("flat%") != std::string::npos) {
      table = true;
      continue;
    }
    if (table && !line.empty()) {
      // "     250ms 96.15% 96.15%      250ms 96.15%  burn_alpha(double)"
      std::istringstream fields(line);
      std::string f;
      for (int i = 0; i < 5 && fields >> f; ++i) {
      }
      std::string rest;
      std::getline(fields, rest);
      return rest.substr(
          rest.find_first_not_of(' ') == std::string::npos ? 0 : rest.find_first_not_of(' '));
    }
  }
  return {};
}

// One sample of `go tool pprof -traces`: its labels ("key:value") and its functions, leaf first.
struct trace_sample {
  std::vector<std::string> labels;
  std::vector<std::string> functions;
};

std::vector<trace_sample> parse_traces(const std::string& text) {
  std::vector<trace_sample> out;
  std::istringstream in(text);
  std::string line;
  trace_sample cur;
  bool in_sample = false;
  auto flush = [&] {
    if (in_sample && !cur.functions.empty()) out.push_back(cur);
    cur = trace_sample{};
  };
  while (std::getline(in, line)) {
    if (line.rfind("-----------+", 0) == 0) {
      flush();
      in_sample = true;
      continue;
    }
    if (!in_sample) continue;
    std::size_t bar = line.find('|');
    std::size_t colon = line.find(": ");
    std::size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    if (bar == std::string::npos && colon != std::string::npos && cur.functions.empty() &&
        line.find("ms ") == std::string::npos && line.find("s ") != first) {
      // "  goroutine:  17"  (labels come before the stack)
      std::string key = line.substr(first, colon - first);
      std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
      // A label line may list several values: "handler:  checkout"
      cur.labels.push_back(key + ":" + value);
      continue;
    }
    // A stack line: "      10ms   burn_labelled(double)" or "             caller()"
    std::istringstream fields(line);
    std::string tok;
    std::vector<std::string> toks;
    while (fields >> tok) toks.push_back(tok);
    if (toks.empty()) continue;
    std::size_t at = line.find(toks.back());
    (void)at;
    // The function is the text after the (optional) value column.
    std::string fn = line.substr(first);
    if (cur.functions.empty() && !toks.empty() &&
        std::isdigit(static_cast<unsigned char>(toks[0][0]))) {
      fn = line.substr(line.find(toks[0], first) + toks[0].size());
      fn = fn.substr(fn.find_first_not_of(' '));
    }
    cur.functions.push_back(fn);
  }
  flush();
  return out;
}

bool has_label(const trace_sample& s, const std::string& prefix) {
  for (const std::string& l : s.labels)
    if (l.rfind(prefix, 0) == 0) return true;
  return false;
}

TEST(Symbolize, FunctionFileLine) {
  auto pc = reinterpret_cast<std::uintptr_t>(&burn_alpha);
  std::vector<gort::internal::symbol> s = gort::internal::symbolize(pc);
  ASSERT_FALSE(s.empty());
  EXPECT_NE(s.back().function.find("burn_alpha"), std::string::npos) << s.back().function;
  EXPECT_NE(s.back().file.find("pprof_test.cpp"), std::string::npos) << s.back().file;
  EXPECT_GT(s.back().line, 0);
  // Unknown addresses give one empty symbol, and the batch form agrees with the single one.
  std::vector<std::uintptr_t> pcs = {pc, 16};
  auto batch = gort::internal::symbolize(std::span<const std::uintptr_t>(pcs));
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].back().function, s.back().function);
  ASSERT_EQ(batch[1].size(), 1u);
  EXPECT_TRUE(batch[1][0].function.empty());
}

TEST(CpuProfile, StartTwiceStopWithoutStartUnwritablePath) {
  gort::pprof::stop_cpu_profile();  // nothing running: a no-op
  std::error_code bad = gort::pprof::start_cpu_profile("/nonexistent-dir/gort/cpu.pb.gz");
  EXPECT_TRUE(bad);
  EXPECT_EQ(bad, std::errc::no_such_file_or_directory) << bad.message();
  std::string path = temp_path("twice");
  std::error_code ok = gort::pprof::start_cpu_profile(path);  // the failure changed nothing
  ASSERT_FALSE(ok) << ok.message();
  std::error_code again = gort::pprof::start_cpu_profile(temp_path("twice2"));
  EXPECT_TRUE(again);
  EXPECT_EQ(again.message(), "cpu profiling already in use");
  struct stat st;
  EXPECT_NE(::stat(temp_path("twice2").c_str(), &st), 0) << "a refused start created its file";
  gort::pprof::stop_cpu_profile();
  EXPECT_FALSE(gort::pprof::cpu_profile_error());
  gort::pprof::stop_cpu_profile();  // second stop: a no-op
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 0);
  std::ifstream f(path, std::ios::binary);
  unsigned char magic[2] = {};
  f.read(reinterpret_cast<char*>(magic), 2);
  EXPECT_EQ(magic[0], 0x1f);  // gzip
  EXPECT_EQ(magic[1], 0x8b);
  std::remove(path.c_str());
}

TEST(CpuProfile, BurningFunctionIsFirstInTop) {
  if (!have_go()) GTEST_SKIP() << "go is not on PATH";
  std::string path = temp_path("top");
  ASSERT_FALSE(gort::pprof::start_cpu_profile(path));
  gort::run(
      [] {
        gort::waitgroup wg;
        wg.add(1);
        gort::go([&] {
          sink += burn_alpha(0.4);
          wg.done();
        });
        wg.wait();
      },
      2);
  gort::pprof::stop_cpu_profile();
  int status = 0;
  std::string top = run_command("go tool pprof -top " + path, &status);
  ASSERT_EQ(status, 0) << top;
  EXPECT_NE(top_function(top).find("burn_alpha"), std::string::npos) << top;
  // -svg draws the graph through graphviz's dot (installed by setup.sh).
  if (std::system("dot -V >/dev/null 2>&1") == 0) {
    std::string svg = run_command("go tool pprof -svg " + path + " 2>/dev/null", &status);
    EXPECT_EQ(status, 0);
    EXPECT_NE(svg.find("<svg"), std::string::npos) << svg.substr(0, 500);
    EXPECT_NE(svg.find("burn_alpha"), std::string::npos);
  }
  std::remove(path.c_str());
}

TEST(CpuProfile, LabelsAndGoroutineIdsInheritedBySpawnedGoroutines) {
  if (!have_go()) GTEST_SKIP() << "go is not on PATH";
  std::string path = temp_path("labels");
  ASSERT_FALSE(gort::pprof::start_cpu_profile(path));
  gort::run(
      [] {
        gort::waitgroup wg;
        // The labelled goroutine is spawned inside with_labels and runs after the scope ended:
        // it keeps the labels for its whole life (Go's newproc copies them).
        gort::pprof::with_labels({{"handler", "checkout"}, {"tier", "gold"}}, [&] {
          wg.add(1);
          gort::go([&] {
            sink += burn_labelled(0.3);
            wg.done();
          });
        });
        wg.add(1);
        gort::go([&] {
          sink += burn_unlabelled(0.3);
          wg.done();
        });
        wg.wait();
      },
      2);
  gort::pprof::stop_cpu_profile();
  int status = 0;
  std::string traces = run_command("go tool pprof -traces " + path, &status);
  ASSERT_EQ(status, 0) << traces;
  int labelled = 0, unlabelled = 0;
  for (const trace_sample& s : parse_traces(traces)) {
    const std::string& leaf = s.functions.front();
    if (leaf.find("burn_labelled") != std::string::npos) {
      ++labelled;
      EXPECT_TRUE(has_label(s, "handler:checkout")) << traces;
      EXPECT_TRUE(has_label(s, "tier:gold")) << traces;
      EXPECT_TRUE(has_label(s, "goroutine:")) << traces;
    } else if (leaf.find("burn_unlabelled") != std::string::npos) {
      ++unlabelled;
      EXPECT_FALSE(has_label(s, "handler:")) << traces;
      EXPECT_TRUE(has_label(s, "goroutine:")) << traces;
    }
  }
  EXPECT_GT(labelled, 0) << traces;
  EXPECT_GT(unlabelled, 0) << traces;
#if !defined(__SANITIZE_THREAD__)
  // The walk crosses the goroutine's whole stack, down to its entry (g_main) and the bottom frame
  // (gort_start_fresh). Not under TSan, which runs handlers later, on another stack than the
  // interrupted one: there a sample has only its interrupted pc (docs/pprof.md).
  bool whole_stack = false;
  for (const trace_sample& s : parse_traces(traces)) {
    bool has_main = false, has_bottom = false;
    for (const std::string& fn : s.functions) {
      has_main = has_main || fn.find("gort::internal::g_main") != std::string::npos;
      has_bottom = has_bottom || fn.find("gort_start") != std::string::npos;
    }
    whole_stack = whole_stack || (s.functions.front().find("burn_labelled") != std::string::npos &&
                                  has_main && has_bottom);
  }
  EXPECT_TRUE(whole_stack) << traces;
#endif
  std::string tags = run_command("go tool pprof -tags " + path, &status);
  ASSERT_EQ(status, 0) << tags;
  EXPECT_NE(tags.find("handler"), std::string::npos) << tags;
  EXPECT_NE(tags.find("checkout"), std::string::npos) << tags;
  EXPECT_NE(tags.find("goroutine"), std::string::npos) << tags;
  std::remove(path.c_str());
}

TEST(Labels, MergeOverrideRestoreAndInherit) {
  gort::run(
      [] {
        using gort::internal::current_labels;
        EXPECT_EQ(current_labels(), nullptr);
        gort::pprof::with_labels({{"a", "1"}, {"b", "2"}}, [&] {
          gort::pprof::with_labels({{"b", "3"}, {"c", "4"}}, [&] {
            auto* ls = current_labels();
            ASSERT_NE(ls, nullptr);
            std::vector<std::pair<std::string, std::string>> want = {
                {"a", "1"}, {"b", "3"}, {"c", "4"}};
            EXPECT_EQ(ls->labels, want);
            gort::chan<std::vector<std::pair<std::string, std::string>>> got =
                gort::make_chan<std::vector<std::pair<std::string, std::string>>>();
            gort::go([got]() mutable {
              auto* mine = current_labels();
              got.send(mine != nullptr ? mine->labels
                                       : std::vector<std::pair<std::string, std::string>>{});
            });
            EXPECT_EQ(got.recv().first, want);
          });
          std::vector<std::pair<std::string, std::string>> outer = {{"a", "1"}, {"b", "2"}};
          ASSERT_NE(current_labels(), nullptr);
          EXPECT_EQ(current_labels()->labels, outer);
          // Restored also when the body panics.
          gort::func([&](gort::frame& f) {
            f.defer([] { gort::recover(); });
            gort::pprof::with_labels({{"z", "9"}}, [] { gort::panic("boom"); });
          });
          EXPECT_EQ(current_labels()->labels, outer);
        });
        EXPECT_EQ(current_labels(), nullptr);
        int v = gort::pprof::with_labels({{"k", "v"}}, [] { return 42; });
        EXPECT_EQ(v, 42);
      },
      2);
}

TEST(CpuProfile, GortDebugCpuprofileProfilesAWholeRun) {
  std::string path = temp_path("env");
  std::string env = "cpuprofile=" + path;
  ::setenv("GORT_DEBUG", env.c_str(), 1);
  gort::run([] { sink += burn_alpha(0.2); }, 1);
  ::unsetenv("GORT_DEBUG");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0) << "GORT_DEBUG=cpuprofile wrote no file";
  EXPECT_GT(st.st_size, 0);
  // The run's profile was stopped at its end: a new one may start.
  std::error_code ec = gort::pprof::start_cpu_profile(temp_path("env2"));
  EXPECT_FALSE(ec) << ec.message();
  gort::pprof::stop_cpu_profile();
  if (have_go()) {
    int status = 0;
    std::string top = run_command("go tool pprof -top " + path, &status);
    ASSERT_EQ(status, 0) << top;
    EXPECT_NE(top_function(top).find("burn_alpha"), std::string::npos) << top;
  }
  std::remove(path.c_str());
  std::remove(temp_path("env2").c_str());
}

// The profiler under a switch-heavy load, at 1000 Hz: goroutines that yield in loops, channel
// ping-pong pairs, labels on half of them, while the Ms park and wake. Run under ASan and TSan
// by their presets, this is the profiler's race and memory-safety test; it checks that the
// profile is whole (pprof reads it) and that samples were taken on goroutines.
TEST(CpuProfile, SwitchHeavyLoadUnderProfiling) {
  gort::internal::set_cpu_profile_hz_for_testing(1000);
  std::string path = temp_path("stress");
  ASSERT_FALSE(gort::pprof::start_cpu_profile(path));
  for (int procs : {1, 4}) {
    gort::run(
        [] {
          gort::waitgroup wg;
          constexpr int kYielders = 32, kPairs = 4, kRounds = 3000;
          for (int i = 0; i < kYielders; ++i) {
            wg.add(1);
            auto body = [&wg] {
              std::uint64_t x = 1;
              for (int r = 0; r < kRounds; ++r) {
                x = spin(x, 200);
                gort::yield();
              }
              sink += x;
              wg.done();
            };
            if (i % 2 == 0)
              gort::pprof::with_labels({{"role", "yielder"}}, [&] { gort::go(body); });
            else
              gort::go(body);
          }
          for (int i = 0; i < kPairs; ++i) {
            gort::chan<int> ping = gort::make_chan<int>(), pong = gort::make_chan<int>();
            wg.add(2);
            gort::pprof::with_labels({{"role", "ping"}}, [&] {
              gort::go([&wg, ping, pong]() mutable {
                for (int r = 0; r < kRounds; ++r) {
                  ping.send(r);
                  pong.recv();
                }
                wg.done();
              });
            });
            gort::go([&wg, ping, pong]() mutable {
              for (int r = 0; r < kRounds; ++r) {
                int v = ping.recv().first;
                pong.send(static_cast<int>(spin(static_cast<std::uint64_t>(v), 100)));
              }
              wg.done();
            });
          }
          wg.wait();
        },
        procs);
  }
  gort::pprof::stop_cpu_profile();
  gort::internal::set_cpu_profile_hz_for_testing(0);
  EXPECT_FALSE(gort::pprof::cpu_profile_error());
  if (have_go()) {
    int status = 0;
    std::string top = run_command("go tool pprof -top " + path, &status);
    ASSERT_EQ(status, 0) << top;
    EXPECT_NE(top.find("flat%"), std::string::npos) << top;
    std::string tags = run_command("go tool pprof -tags " + path, &status);
    ASSERT_EQ(status, 0) << tags;
    EXPECT_NE(tags.find("goroutine"), std::string::npos) << tags;
  }
  std::remove(path.c_str());
}

// Plain threads (no M) are sampled by the process-wide timer.
TEST(CpuProfile, PlainThreadsAreSampled) {
  if (!have_go()) GTEST_SKIP() << "go is not on PATH";
  std::string path = temp_path("plain");
  ASSERT_FALSE(gort::pprof::start_cpu_profile(path));
  sink += burn_unlabelled(0.3);  // the test's own thread: not a runtime thread
  gort::pprof::stop_cpu_profile();
  int status = 0;
  std::string top = run_command("go tool pprof -top " + path, &status);
  ASSERT_EQ(status, 0) << top;
  EXPECT_NE(top_function(top).find("burn_unlabelled"), std::string::npos) << top;
  std::remove(path.c_str());
}

// A callable too large for a defer record goes to the heap; each such defer is one sample when
// the rate is 1, so the profile's count for the function that deferred is exact.
__attribute__((noinline)) void make_heap_defers(int n) {
  gort::func([&](gort::frame& f) {
    for (int i = 0; i < n; ++i) {
      std::array<char, 600> big{};
      big[0] = static_cast<char>(i);
      f.defer([big] { sink += static_cast<unsigned char>(big[0]); });
    }
  });
}

TEST(DeferProfile, HeapDefersCountedAtTheirCaller) {
  std::size_t old = gort::pprof::defer_profile_rate();
  gort::pprof::set_defer_profile_rate(1);
  gort::run([] { make_heap_defers(100); }, 1);
  gort::pprof::set_defer_profile_rate(old);
  std::string path = temp_path("defer");
  ASSERT_FALSE(gort::pprof::write_defer_profile(path));
  EXPECT_TRUE(gort::pprof::write_defer_profile("/nonexistent-dir/defer.pb.gz"));
  if (!have_go()) GTEST_SKIP() << "go is not on PATH";
  int status = 0;
  std::string top = run_command(
      "go tool pprof -sample_index=alloc_objects -tagfocus=defer=heap -top " + path, &status);
  ASSERT_EQ(status, 0) << top;
  std::string first = top_function(top);
  EXPECT_NE(first.find("make_heap_defers"), std::string::npos) << top;
  // "       100   100%   100%        100   100%  make_heap_defers(int)::..."
  EXPECT_NE(top.find(" 100 "), std::string::npos) << top;
  std::remove(path.c_str());
}

}  // namespace
