// Copyright 2026 The gort Authors.
//
// The execution tracer's tests. Each traced program's file is checked twice: by gort-trace's
// reader, gort::trace_file, whose parse checks the invariants (time per P, a start only after a
// create or unblock, no goroutine on two Ps at once, no P running two goroutines), and by Go's own
// parser, `go tool trace -d`, which must accept it.
// Counts that the workload fixes (goroutines created and ended, tasks, regions, logs, deferred
// calls) are compared with what the trace says; nothing here depends on timing.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gort/gort.hpp>
#include <gort/net.hpp>
#include <gort/trace.hpp>

#include "netpoll/netpoll.hpp"
#include "trace_builder.hpp"
#include "trace_file.hpp"
#include "trace_test_util.hpp"
#include "workload.hpp"

namespace {

using namespace std::chrono_literals;
namespace tf = gort::trace_file;
using trace_test::go_parse_error;
using trace_test::temp_path;

// read_trace parses the file into *t; "" when it parsed and met every invariant, else what
// gort::trace_file found wrong.
std::string read_trace(const std::string& path, tf::trace* t) {
  try {
    *t = tf::parse_file(path);
  } catch (const tf::parse_error& e) {
    return e.what();
  }
  return "";
}

void expect_valid(const std::string& path) {
  tf::trace t;
  EXPECT_EQ(read_trace(path, &t), "") << path;
  EXPECT_EQ(go_parse_error(path), "") << path;
}

// trace_workload traces the workload at scale 1 into path, in a gort::run with procs Ps.
void trace_workload(const std::string& path, int procs, gort::trace::options options = {}) {
  gort::run(
      [&] {
        ASSERT_FALSE(gort::trace::start(path, options));
        trace_test::workload(1);
        gort::trace::stop();
      },
      procs);
}

// The totals of the gort.defer logs: inline, pooled, heap, heap_bytes, panics, recovers.
std::array<std::uint64_t, 6> defer_totals(const tf::trace& t) {
  std::array<std::uint64_t, 6> sum{};
  for (const tf::event* e : t.logs("gort.defer")) {
    const std::string text(e->sargs[1]);
    unsigned long long v[6];
    int n = std::sscanf(text.c_str(),
                        "inline=%llu pooled=%llu heap=%llu heap_bytes=%llu panics=%llu "
                        "recovers=%llu",
                        &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
    EXPECT_EQ(n, 6) << text;
    for (int i = 0; i < 6 && i < n; ++i) sum[static_cast<std::size_t>(i)] += v[i];
  }
  return sum;
}

class TraceProcs : public ::testing::TestWithParam<int> {};

// The workload under P = 1, 2, 4, 8: a valid trace whose counts match the workload's.
TEST_P(TraceProcs, WorkloadTraceIsValidAndComplete) {
  std::string path = temp_path("workload-" + std::to_string(GetParam()) + ".trace");
  constexpr int kScale = 2;
  gort::run(
      [&] {
        ASSERT_FALSE(gort::trace::start(path));
        EXPECT_TRUE(gort::trace::enabled());
        trace_test::workload(kScale);
        gort::trace::stop();
        EXPECT_FALSE(gort::trace::enabled());
      },
      GetParam());
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  // 13 goroutines spawned by the workload, plus the main goroutine described at its first event.
  EXPECT_EQ(t.count(tf::ev_go_create), 14u);
  EXPECT_EQ(t.count(tf::ev_go_end), 13u);
  EXPECT_EQ(t.count(tf::ev_user_task_create), 1u);
  EXPECT_EQ(t.count(tf::ev_user_task_end), 1u);
  EXPECT_EQ(t.count(tf::ev_user_region), 8u);                         // 4 producers, start and end
  EXPECT_GE(t.count(tf::ev_go_sched), std::size_t{4 * 10 * kScale});  // yields; sync may yield too
  EXPECT_EQ(t.count(tf::ev_go_sys_call), 6u);
  EXPECT_EQ(t.logs("consumer").size(), 80u * kScale / 16);
  EXPECT_GE(t.count(tf::ev_gomaxprocs), 1u);
  // Deferred calls: 4 producers x 1, consumer 1, 4 lockers x (1 + 12 per round), panicker 1.
  auto d = defer_totals(t);
  EXPECT_EQ(d[0] + d[1] + d[2], 4u + 1 + 4 * (1 + 12 * 10 * kScale) + 1);
  EXPECT_GT(d[1], 0u);  // 13 defers in one frame: past the 8 inline slots
  EXPECT_EQ(d[4], 1u);
  EXPECT_EQ(d[5], 1u);
  EXPECT_EQ(go_parse_error(path), "");
}

// Goroutines parked on the network: a reader blocked on an empty TCP connection is GoBlockNet, and
// the netpoller's wake-up is a GoUnblock; the trace stays valid for our checker and for Go's.
TEST_P(TraceProcs, NetworkParksAreGoBlockNet) {
  std::string path = temp_path("net-" + std::to_string(GetParam()) + ".trace");
  constexpr int kRounds = 20;
  gort::run(
      [&] {
        auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
        ASSERT_FALSE(err);
        ASSERT_FALSE(gort::trace::start(path));
        gort::waitgroup wg;
        wg.add(1);
        gort::go([&, l = ln] {  // an init-capture: clang 14 cannot capture a structured binding
          auto [c, aerr] = l.accept();
          if (!aerr) {
            char b[8];
            for (int i = 0; i < kRounds; ++i) {
              auto [n, rerr] = c.read(b, 1);  // parks: the client writes only after a round trip
              if (rerr || n != 1) break;
              (void)c.write(b, 1);
            }
            c.close();
          }
          wg.done();
        });
        auto [d, derr] = gort::net::dial("tcp", ln.addr());
        ASSERT_FALSE(derr);
        char b = 'x';
        int echoed = 0;
        for (int i = 0; i < kRounds; ++i) {
          // The server is parked in read before each write: the only waiter the netpoller can
          // have here (this goroutine's own read ended when its echo came).
          while (gort::internal::netpoll_waiters() == 0) gort::yield();
          (void)d.write(&b, 1);
          auto [n, rerr] = d.read(&b, 1);  // parks until the echo arrives
          if (!rerr && n == 1) ++echoed;
        }
        d.close();
        wg.wait();
        ln.close();
        gort::trace::stop();
        EXPECT_EQ(echoed, kRounds);
      },
      GetParam());
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  // The server parks once per round (the client's own reads may or may not park).
  EXPECT_GE(t.count(tf::ev_go_block_net), std::size_t{kRounds});
  EXPECT_EQ(t.count(tf::ev_go_block), 0u);  // no park falls back to the generic event
  EXPECT_EQ(go_parse_error(path), "");
}

INSTANTIATE_TEST_SUITE_P(P, TraceProcs, ::testing::Values(1, 2, 4, 8));

// With stacks: block events carry stack ids that the stack table has, symbolized.
TEST(Trace, StacksAreRecordedAndSymbolized) {
  std::string path = temp_path("stacks.trace");
  trace_workload(path, 2, {.stacks = true});
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  int with_stack = 0;
  for (const auto& e : t.events) {
    if (e.type == tf::ev_go_block_send || e.type == tf::ev_go_block_recv) {
      ASSERT_NE(e.stack_id, 0u);
      EXPECT_FALSE(t.stack(e.stack_id).empty()) << e.stack_id;
      ++with_stack;
    }
  }
  EXPECT_GT(with_stack, 0);
  bool named = false;
  for (auto& [id, s] : t.strings) named |= s.find("trace_test::workload") != std::string::npos;
  EXPECT_TRUE(named) << "no frame names the workload function";
  EXPECT_EQ(go_parse_error(path), "");
}

// The two checkers can fail: a trace cut before its end, and one with a goroutine started out of
// nowhere (a GoStart of an unknown goroutine spliced into the file before its first event), are
// rejected.
TEST(Trace, CheckersRejectBrokenTraces) {
  std::string path = temp_path("good.trace");
  trace_workload(path, 2);
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  ASSERT_FALSE(t.events.empty());
  // The first event in the file sits in a batch; a GoStart of goroutine 999999 (tick delta 0,
  // seq 0) put just before it starts a goroutine nothing created.
  std::uint64_t first = t.events[0].off;
  for (const auto& e : t.events) first = std::min(first, e.off);
  std::vector<std::uint8_t> start =
      tf::testing::trace_builder().event(tf::ev_go_start, {0, 999999, 0}).bytes();
  start.erase(start.begin(), start.begin() + 16);  // the builder's file header
  std::vector<std::uint8_t> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_LT(first, bytes.size());
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(first), start.begin(), start.end());
  std::string broken = temp_path("broken.trace");
  std::ofstream(broken, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  tf::trace b;
  std::string why = read_trace(broken, &b);
  EXPECT_NE(why.find("g 999999"), std::string::npos) << why;
  EXPECT_NE(why.find("without a create or unblock"), std::string::npos) << why;
  EXPECT_NE(go_parse_error(broken), "");
  std::string cut = temp_path("cut.trace");
  std::filesystem::copy_file(path, cut, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 3);
  tf::trace c;
  EXPECT_NE(read_trace(cut, &c), "");
  EXPECT_NE(go_parse_error(cut), "");
}

// Writes the trace tests/trace/webui.sh (CTest: trace.webui) serves through go tool trace.
TEST(Trace, WebuiTraceWritten) {
  // webui.sh names its own file, so that it never shares one with a concurrent run of this test.
  const char* env = std::getenv("GORT_WEBUI_TRACE");
  std::string path = env != nullptr ? env : std::string(GORT_TRACE_WEBUI_FILE);
  trace_workload(path, 4, {.stacks = true});
  expect_valid(path);
}

TEST(Trace, StartTwiceIsAnError) {
  std::string path = temp_path("twice.trace");
  gort::run([&] {
    ASSERT_FALSE(gort::trace::start(path));
    std::error_code ec = gort::trace::start(temp_path("second.trace"));
    EXPECT_TRUE(ec);
    EXPECT_EQ(ec.message(), "tracing is already enabled");
    EXPECT_FALSE(std::filesystem::exists(temp_path("second.trace")));
    gort::trace::stop();
  });
  expect_valid(path);
}

TEST(Trace, StopWithoutStartDoesNothing) {
  EXPECT_FALSE(gort::trace::enabled());
  gort::trace::stop();
  gort::trace::stop();
  EXPECT_FALSE(gort::trace::enabled());
  // The annotations are no-ops too.
  gort::trace::task t("untraced");
  gort::trace::region r("untraced");
  gort::trace::log("k", "v");
  EXPECT_EQ(t.id(), 0u);
}

// A plain thread's events go to the global stream: its spawns (GoCreate by goroutine 0), the
// wakeups it makes, its annotations.
TEST(Trace, PlainThreadEventsAreValid) {
  std::string path = temp_path("plain-thread.trace");
  gort::run(
      [&] {
        ASSERT_FALSE(gort::trace::start(path));
        auto ch = gort::make_chan<int>();
        gort::waitgroup wg;
        wg.add(3);
        std::thread t([&] {
          gort::trace::task task("from-thread");
          gort::trace::region r("thread-region");
          gort::trace::log("thread", "hello");
          for (int i = 0; i < 3; ++i)
            gort::go([&, i] {
              ch.send(i);
              wg.done();
            });
        });
        for (int i = 0; i < 3; ++i) ch.recv();
        t.join();
        wg.wait();
        gort::trace::stop();
      },
      2);
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  EXPECT_EQ(t.logs("thread").size(), 1u);
  EXPECT_EQ(t.count(tf::ev_user_task_create), 1u);
  int global_creates = 0;
  for (const auto& e : t.events)
    if (e.type == tf::ev_go_create && e.p == -1) ++global_creates;
  EXPECT_EQ(global_creates, 3);
  EXPECT_EQ(go_parse_error(path), "");
}

// A trace with nothing in it (started and stopped outside gort::run) is still one Go reads.
TEST(Trace, EmptyTraceIsValid) {
  std::string path = temp_path("empty.trace");
  ASSERT_FALSE(gort::trace::start(path));
  gort::trace::stop();
  expect_valid(path);
}

// A trace started outside gort::run spans two runs; goroutine ids stay unique in it.
TEST(Trace, AcrossTwoRuns) {
  std::string path = temp_path("two-runs.trace");
  ASSERT_FALSE(gort::trace::start(path));
  gort::run([] { trace_test::workload(1); }, 2);
  gort::run([] { trace_test::workload(1); }, 3);
  gort::trace::stop();
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  EXPECT_EQ(t.count(tf::ev_go_create), 2u * 14);
  std::set<std::uint64_t> ids;
  for (const auto& e : t.events)
    if (e.type == tf::ev_go_create) {
      EXPECT_TRUE(ids.insert(e.args[0]).second) << e.args[0];
    }
  EXPECT_EQ(go_parse_error(path), "");
}

// Goroutines that exist when tracing starts (parked, runnable, in a blocking call) are described
// at their first event, and the trace is valid.
TEST(Trace, StartWhileGoroutinesExist) {
  std::string path = temp_path("midway.trace");
  gort::run(
      [&] {
        auto gate = gort::make_chan<int>();
        gort::waitgroup wg;
        std::atomic<bool> stop{false};
        for (int i = 0; i < 8; ++i) {
          wg.add(1);
          gort::go([&] {
            gate.recv();
            wg.done();
          });
        }
        wg.add(2);
        gort::go([&] {
          gort::blocking([] { ::usleep(30000); });
          wg.done();
        });
        gort::go([&] {
          while (!stop.load()) gort::yield();
          wg.done();
        });
        gort::sleep(5ms);  // let them park (the test holds whatever the scheduling)
        ASSERT_FALSE(gort::trace::start(path));
        for (int i = 0; i < 8; ++i) gate.send(i);
        stop.store(true);
        wg.wait();
        gort::trace::stop();
      },
      2);
  expect_valid(path);
}

TEST(Trace, UnwritablePathIsAnErrorAndChangesNothing) {
  std::error_code ec = gort::trace::start("/nonexistent-dir-for-gort/x.trace");
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_FALSE(gort::trace::enabled());
  // And tracing still works afterwards.
  std::string path = temp_path("after-error.trace");
  ASSERT_FALSE(gort::trace::start(path));
  gort::run([] { trace_test::workload(1); }, 2);
  gort::trace::stop();
  expect_valid(path);
}

// A disk that fills up (here /dev/full): one message at stop, and the program goes on.
TEST(Trace, DiskFullGivesOneMessage) {
  ASSERT_FALSE(gort::trace::start("/dev/full"));
  gort::run([] { trace_test::workload(1); }, 2);
  testing::internal::CaptureStderr();
  gort::trace::stop();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("gort: trace: writing /dev/full failed: No space left on device"),
            std::string::npos)
      << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(gort::trace::enabled());
}

TEST(Trace, GortDebugTracesTheRun) {
  std::string path = temp_path("env.trace");
  std::string env = "trace=" + path + ",tracestacks=1";
  setenv("GORT_DEBUG", env.c_str(), 1);
  gort::run(
      [] {
        EXPECT_TRUE(gort::trace::enabled());
        trace_test::workload(1);
      },
      2);
  unsetenv("GORT_DEBUG");
  EXPECT_FALSE(gort::trace::enabled());
  tf::trace t;
  ASSERT_EQ(read_trace(path, &t), "");
  EXPECT_FALSE(t.stacks.empty());
  // The main goroutine is created after the trace started: a plain GoCreate, no description.
  EXPECT_EQ(t.count(tf::ev_go_create), 14u);
  EXPECT_EQ(go_parse_error(path), "");
}

// Stress: tracing starts and stops over and over while goroutines ping-pong on every P; every
// file must be valid. (Run under ASan and TSan by those presets.)
TEST(Trace, StartStopUnderLoad) {
  constexpr int kCycles = 12;
  gort::run(
      [&] {
        std::atomic<bool> stop{false};
        gort::waitgroup wg;
        for (int pair = 0; pair < 16; ++pair) {
          auto a = gort::make_chan<int>();
          auto b = gort::make_chan<int>(2);
          wg.add(2);
          gort::go([&, a, b] {
            for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
              a.send(i);
              b.recv();
            }
            a.close();
            wg.done();
          });
          gort::go([&, a, b] {
            for (int v : a) {
              gort::func([&](gort::frame& f) { f.defer([] {}); });
              b.send(v);
              if (v % 64 == 0) gort::blocking([] { ::usleep(50); });
            }
            wg.done();
          });
        }
        for (int c = 0; c < kCycles; ++c) {
          std::string path = temp_path("stress-" + std::to_string(c) + ".trace");
          ASSERT_FALSE(gort::trace::start(path, {.stacks = c % 4 == 3}));
          gort::sleep(2ms);
          gort::trace::stop();
          gort::sleep(1ms);
        }
        stop.store(true);
        wg.wait();
      },
      4);
  for (int c = 0; c < kCycles; ++c) {
    std::string path = temp_path("stress-" + std::to_string(c) + ".trace");
    tf::trace t;
    EXPECT_EQ(read_trace(path, &t), "") << path;
    if (c % 3 == 0) {
      EXPECT_EQ(go_parse_error(path), "") << path;
    }
  }
}

}  // namespace
