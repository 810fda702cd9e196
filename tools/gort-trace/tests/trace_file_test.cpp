// Copyright 2026 The gort Authors.
//
// Tests of gort-trace and its reader on real Go 1.19 traces and on hand-built ones.
//
// How they check. The real traces come from tests/go/workload.go, built and run under
// GOMAXPROCS 1, 2 and 4 by the gort_trace.generate fixture (generate.sh), which also saves
// `go tool trace -d`'s dump of each. (1) Our reading must equal Go's: the same events with the
// same timestamps, Ps, goroutines, offsets and arguments, line for line once sorted (the order of
// events with equal timestamps is the only freedom). (2) The summary must agree with facts the
// program guarantees: 10 goroutines run main.worker, the sleeper sleeps 50 ms inside one region
// of one task, four user logs, two gort.defer records with known sums, at least one park per
// transfer on an unbuffered channel, a finished GC, GOMAXPROCS as set; and with arithmetic that
// must hold for any trace: a goroutine's time by state adds up to its lifetime, one latency
// sample per start. (3) The tool's outputs are parsed back by Python (JSON, XML) and checked for
// the expected tracks and counts. (4) Hand-built traces (trace_builder.hpp) carry one defect
// each, and `check` must name it; truncations must be reported with their offset.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "trace_builder.hpp"
#include "trace_file.hpp"

namespace tf = gort::trace_file;
using tf::testing::trace_builder;

namespace {

const std::string trace_dir = GORT_TRACE_DIR;
const std::string tool = GORT_TRACE_BIN;
const std::string test_src = GORT_TRACE_TEST_SRC;

struct run_result {
  int status = -1;
  std::string out;
};

// Runs a shell command, capturing stdout (and stderr when asked through 2>&1 in cmd).
run_result run(const std::string& cmd) {
  run_result r;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) r.out.append(buf.data(), n);
  int st = pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::vector<std::string> lines_of(std::istream& in) {
  std::vector<std::string> v;
  std::string line;
  while (std::getline(in, line)) v.push_back(line);
  return v;
}

std::string go_trace(int procs) {
  return trace_dir + "/go-p" + std::to_string(procs) + ".trace";
}

class GoTrace : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    std::ifstream probe(go_trace(GetParam()));
    ASSERT_TRUE(probe) << go_trace(GetParam())
                       << " is missing: the gort_trace.generate test writes it (is go installed?)";
    t_ = tf::parse_file(go_trace(GetParam()));
    s_ = tf::summarize(t_);
  }
  tf::trace t_;
  tf::summary s_;
};

TEST_P(GoTrace, ReadsEveryEventAsGoToolTraceDoes) {
  std::ostringstream ours;
  tf::write_dump(ours, t_);
  std::istringstream ours_in(ours.str());
  std::vector<std::string> mine = lines_of(ours_in);
  std::ifstream go_in(trace_dir + "/go-p" + std::to_string(GetParam()) + ".dump");
  ASSERT_TRUE(go_in);
  std::vector<std::string> go = lines_of(go_in);
  ASSERT_GT(go.size(), 100u);
  // Per type first, for a readable failure.
  std::map<std::string, int> count_mine, count_go;
  for (const auto& l : mine)
    count_mine[l.substr(l.find(' ') + 1, l.find(" p=") - l.find(' ') - 1)]++;
  for (const auto& l : go) count_go[l.substr(l.find(' ') + 1, l.find(" p=") - l.find(' ') - 1)]++;
  EXPECT_EQ(count_mine, count_go);
  std::sort(mine.begin(), mine.end());
  std::sort(go.begin(), go.end());
  ASSERT_EQ(mine.size(), go.size());
  for (std::size_t i = 0; i < mine.size(); i++) ASSERT_EQ(mine[i], go[i]) << "line " << i;
}

TEST_P(GoTrace, SummaryAgreesWithTheProgram) {
  const int procs = GetParam();
  // GOMAXPROCS as set, and no more Ps than that.
  bool saw_gomaxprocs = false;
  std::size_t go_starts = 0;
  for (const auto& ev : t_.events) {
    if (ev.type == tf::ev_gomaxprocs) {
      EXPECT_EQ(ev.args[0], static_cast<std::uint64_t>(procs));
      saw_gomaxprocs = true;
    }
    go_starts += ev.type == tf::ev_go_start || ev.type == tf::ev_go_start_label;
  }
  EXPECT_TRUE(saw_gomaxprocs);
  EXPECT_GE(s_.procs.size(), 1u);
  EXPECT_LE(s_.procs.size(), static_cast<std::size_t>(procs));

  std::map<std::string_view, int> by_name;
  const tf::goroutine_stats* sleeper = nullptr;
  for (const auto& g : s_.goroutines) {
    if (g.created_in_trace) by_name[g.name]++;
    if (g.name == "main.sleeper") sleeper = &g;
  }
  EXPECT_EQ(by_name["main.worker"], 10);
  EXPECT_EQ(by_name["main.locker"], 4);
  EXPECT_EQ(by_name["main.pinger"], 1);
  EXPECT_EQ(by_name["main.ponger"], 1);
  EXPECT_EQ(by_name["main.sleeper"], 1);

  // The sleeper sleeps 50 ms (Go sleeps at least as long as asked) inside a region.
  ASSERT_NE(sleeper, nullptr);
  EXPECT_GE(sleeper->blocked_for("sleep"), 50'000'000);
  ASSERT_EQ(s_.regions.count("sleepRegion"), 1u);
  EXPECT_EQ(s_.regions.at("sleepRegion").first, 1u);
  EXPECT_GE(s_.regions.at("sleepRegion").second, 50'000'000);
  EXPECT_EQ(s_.tasks, 1u);
  EXPECT_EQ(s_.log_categories["check"], 2u);
  EXPECT_EQ(s_.log_categories["gort.defer"], 2u);

  // The two gort.defer records, summed, on the sleeper and in the total.
  const std::map<std::string, std::int64_t, std::less<>> want = {
      {"heap", 3},   {"heap_bytes", 296}, {"inline", 17},
      {"panics", 1}, {"pooled", 3},       {"recovers", 1}};
  EXPECT_EQ(s_.defer_records, 2u);
  EXPECT_EQ(s_.defers, want);
  EXPECT_EQ(sleeper->defers, want);
  EXPECT_TRUE(s_.defer_errors.empty());

  // 100 transfers on unbuffered channels (50 pings, 50 pongs): each parks one side at least.
  std::uint64_t chan_blocks = 0;
  for (const auto& r : s_.block_reasons)
    if (r.reason == "chan send" || r.reason == "chan receive") chan_blocks += r.count;
  EXPECT_GE(chan_blocks, 100u);
  EXPECT_GE(s_.gc_count, 1u);   // the program allocates until one collection has finished
  EXPECT_GE(s_.stw_count, 2u);  // so its sweep and mark terminations are in the trace
  EXPECT_GE(s_.syscalls, 1u);

  // One latency sample per start (every start follows runnable), percentiles in order.
  const auto& all = s_.latency.at("all");
  EXPECT_EQ(all.samples.size(), go_starts);
  EXPECT_LE(all.percentile(0.5), all.percentile(0.9));
  EXPECT_LE(all.percentile(0.9), all.percentile(0.99));
  EXPECT_LE(all.percentile(0.99), all.max());
  std::size_t by_cause = 0;
  for (const auto& [k, l] : s_.latency)
    if (k != "all") by_cause += l.samples.size();
  EXPECT_EQ(by_cause, all.samples.size());

  // Time by state adds up to each goroutine's life in the trace.
  std::int64_t running = 0, busy = 0;
  for (const auto& g : s_.goroutines) {
    ASSERT_GE(g.created, 0) << "g" << g.g;  // 1.19 lists every goroutine with a GoCreate
    std::int64_t end = g.ended >= 0 ? g.ended : s_.duration;
    EXPECT_EQ(g.running + g.runnable + g.syscall + g.blocked, end - g.created) << "g" << g.g;
    std::int64_t blocked = 0;
    for (std::int64_t ns : g.blocked_by) blocked += ns;
    EXPECT_EQ(blocked, g.blocked) << "g" << g.g;
    running += g.running;
  }
  for (const auto& p : s_.procs) {
    EXPECT_GE(p.busy, 0);
    EXPECT_LE(p.busy, s_.duration);
    busy += p.busy;
  }
  EXPECT_LE(running, busy);

  // The groups cover every goroutine once.
  std::uint64_t grouped = 0;
  for (const auto& gr : s_.groups) {
    grouped += gr.count;
    if (gr.name == "main.worker") {
      EXPECT_EQ(gr.count, 10u);
    }
  }
  EXPECT_EQ(grouped, s_.goroutines.size());
}

TEST_P(GoTrace, ToolWritesValidOutputs) {
  const std::string in = go_trace(GetParam());
  const std::string base = ::testing::TempDir() + "gort-trace-p" + std::to_string(GetParam());
  std::size_t starts = 0, logs = 0;
  for (const auto& ev : t_.events) {
    starts += (ev.type == tf::ev_go_start || ev.type == tf::ev_go_start_label) && ev.p >= 0 &&
              ev.p < tf::fake_p;
    logs += ev.type == tf::ev_user_log;
  }
  // summary --json parses and carries the numbers the report reads.
  run_result r = run(tool + " summary --json " + in + " > " + base + ".summary.json");
  ASSERT_EQ(r.status, 0);
  r = run(
      "python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
      "print(d['latency']['all']['count'], d['defers']['total']['inline'], len(d['procs']))\" " +
      base + ".summary.json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, std::to_string(s_.latency.at("all").samples.size()) + " 17 " +
                       std::to_string(s_.procs.size()) + "\n");
  // The text summary names the sections.
  r = run(tool + " summary " + in);
  ASSERT_EQ(r.status, 0);
  for (const char* section : {"scheduler latency", "block reasons", "goroutines", "main.worker",
                              "defers (gort.defer, 2 records)"})
    EXPECT_NE(r.out.find(section), std::string::npos) << section;

  r = run(tool + " perfetto " + in + " -o " + base + ".json");
  ASSERT_EQ(r.status, 0);
  r = run("python3 " + test_src + "/check_perfetto.py " + base + ".json " +
          std::to_string(s_.procs.size()) + " " + std::to_string(starts) + " " +
          std::to_string(logs) + " sleepRegion 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;

  // A window: what overlaps [0, 1 ms after the region starts] (the region lasts 50 ms more).
  std::int64_t to = -1;
  for (const auto& ev : t_.events)
    if (ev.type == tf::ev_user_region && ev.args[1] == 0) to = ev.ts + 1'000'000;
  ASSERT_GE(to, 0);
  std::size_t starts_window = 0, logs_window = 0;
  for (const auto& ev : t_.events) {
    if (ev.ts > to) break;
    starts_window += (ev.type == tf::ev_go_start || ev.type == tf::ev_go_start_label) &&
                     ev.p >= 0 && ev.p < tf::fake_p;
    logs_window += ev.type == tf::ev_user_log;
  }
  EXPECT_LT(starts_window, starts);
  r = run(tool + " perfetto " + in + " --to " + std::to_string(to) + "ns -o " + base + ".win.json");
  ASSERT_EQ(r.status, 0);
  r = run("python3 " + test_src + "/check_perfetto.py " + base + ".win.json " +
          std::to_string(s_.procs.size()) + " " + std::to_string(starts_window) + " " +
          std::to_string(logs_window) + " sleepRegion 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;

  r = run(tool + " svg " + in + " -o " + base + ".svg");
  ASSERT_EQ(r.status, 0);
  r = run("python3 " + test_src + "/check_svg.py " + base + ".svg " +
          std::to_string(s_.procs.size()) + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  // A window: the first 60 ms.
  r = run(tool + " svg " + in + " --from 0 --to 60ms -o " + base + ".win.svg");
  ASSERT_EQ(r.status, 0);
  r = run("python3 " + test_src + "/check_svg.py " + base + ".win.svg " +
          std::to_string(s_.procs.size()) + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;

  r = run(tool + " check " + in + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(": ok: "), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Procs, GoTrace, ::testing::Values(1, 2, 4),
                         [](const auto& info) { return "P" + std::to_string(info.param); });

// --- hand-built traces -------------------------------------------------------------------

constexpr std::uint64_t freq = 1'000'000'000;  // one tick a nanosecond

std::string parse_message(const std::vector<std::uint8_t>& bytes) {
  try {
    tf::parse(bytes);
  } catch (const tf::parse_error& e) {
    return e.what();
  }
  return "";
}

// A valid two-P trace: g 5 created on P0, started on P1 after an unblock-free create, logs a
// gort.defer record, ends; all in order.
trace_builder valid_trace() {
  trace_builder b;
  b.string(1, "gort.defer");
  b.batch(0, 100).event(tf::ev_proc_start, {1, 11}).event(tf::ev_go_create, {10, 5, 0, 0});
  b.batch(1, 200)
      .event(tf::ev_proc_start, {1, 12})
      .event(tf::ev_go_start, {10, 5, 1})
      .user_log(5, 0, 1, "inline=2 pooled=1 heap=0 heap_bytes=0 panics=0 recovers=0")
      .user_log(5, 0, 1, "not key value pairs")
      .event(tf::ev_go_end, {20});
  b.frequency(freq);
  return b;
}

TEST(HandBuilt, ValidTraceParsesAndSummarizes) {
  tf::trace t = tf::parse(valid_trace().bytes());
  ASSERT_EQ(t.events.size(), 7u);
  tf::summary s = tf::summarize(t);
  ASSERT_EQ(s.goroutines.size(), 1u);
  EXPECT_EQ(s.goroutines[0].g, 5u);
  EXPECT_EQ(s.goroutines[0].runnable, 200 + 11 - (100 + 11));  // create at 111, start at 211
  EXPECT_EQ(s.goroutines[0].running, 30);
  EXPECT_EQ(s.latency.at("create").samples, std::vector<std::int64_t>{100});
  EXPECT_EQ(s.defer_records, 2u);
  EXPECT_EQ(s.defers.at("inline"), 2);
  EXPECT_EQ(s.defers.at("pooled"), 1);
  ASSERT_EQ(s.defer_errors.size(), 1u);  // the malformed record is reported, not summed
  EXPECT_NE(s.defer_errors[0].find("not key value pairs"), std::string::npos);
}

// count and logs, the queries tests of gort's tracer make: per type after parse(), the *Local
// variants counted as their plain events; logs by category with their messages, in time order.
TEST(HandBuilt, CountAndLogs) {
  trace_builder b;
  b.string(1, "gort.defer").string(2, "other");
  b.batch(0, 100)
      .event(tf::ev_proc_start, {1, 11})
      .event(tf::ev_go_create, {10, 5, 0, 0})
      .event(tf::ev_go_create, {1, 6, 0, 0})
      .event(tf::ev_go_start_local, {1, 5})
      .user_log(5, 0, 1, "first")
      .user_log(5, 0, 2, "elsewhere")
      .user_log(5, 0, 1, "second")
      .event(tf::ev_go_end, {20})
      .event(tf::ev_go_start, {1, 6, 1})
      .event(tf::ev_go_end, {1});
  b.frequency(freq);
  tf::trace t = tf::parse(b.bytes());
  EXPECT_EQ(t.count(tf::ev_go_create), 2u);
  EXPECT_EQ(t.count(tf::ev_go_start), 2u);  // the GoStartLocal among them
  EXPECT_EQ(t.count(tf::ev_go_start_local), 0u);
  EXPECT_EQ(t.count(tf::ev_go_end), 2u);
  EXPECT_EQ(t.count(tf::ev_go_block), 0u);
  std::vector<const tf::event*> logs = t.logs("gort.defer");
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0]->sargs[1], "first");
  EXPECT_EQ(logs[1]->sargs[1], "second");
  EXPECT_LT(logs[0]->ts, logs[1]->ts);
  EXPECT_EQ(t.logs("other").size(), 1u);
  EXPECT_TRUE(t.logs("none").empty());
}

TEST(HandBuilt, OutputsEscapeHostileStrings) {
  // Strings from the trace (function names, log categories and messages, region names) with
  // quotes, backslashes, control characters, markup and invalid UTF-8 must leave the JSON and
  // the SVG well formed.
  const std::string nasty = std::string("a\"b\\c\n\x01<&>'\xff\xc3(") + "\xe2\x82\xac ok";
  trace_builder b;
  b.string(1, nasty).string(2, "file.go");
  // Stack 9: one frame whose function is the nasty string; g 5's entry function.
  b.event(tf::ev_stack, {9, 1, 0x1234, 1, 2, 7});
  b.batch(0, 100)
      .event(tf::ev_proc_start, {1, 11})
      .event(tf::ev_go_create, {10, 5, 9, 0})
      .event(tf::ev_go_start_local, {10, 5})
      .event(tf::ev_user_region, {1, 0, 0, 1, 0})
      .user_log(5, 0, 1, nasty)
      .event(tf::ev_user_region, {1, 0, 1, 1, 0})
      .event(tf::ev_go_end, {20});
  b.frequency(freq);
  const std::string path = ::testing::TempDir() + "gort-trace-nasty.trace";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.bytes().data()), static_cast<long>(b.bytes().size()));
  }
  tf::trace t = tf::parse(b.bytes());
  tf::summary s = tf::summarize(t);
  ASSERT_EQ(s.goroutines.size(), 1u);
  EXPECT_EQ(s.goroutines[0].name, nasty);
  EXPECT_EQ(s.log_categories[nasty], 1u);
  for (const char* cmd : {"summary --json", "perfetto"}) {
    run_result r = run(tool + " " + cmd + " " + path + " > " + path + ".json && python3 -c \"" +
                       "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); " +
                       "print('ok')\" " + path + ".json 2>&1");
    EXPECT_EQ(r.status, 0) << cmd << ": " << r.out;
    EXPECT_EQ(r.out, "ok\n") << cmd;
  }
  run_result r = run(tool + " svg " + path + " -o " + path + ".svg && python3 -c \"" +
                     "import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1]); print('ok')\" " +
                     path + ".svg 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "ok\n");
}

TEST(HandBuilt, StartWithoutCreate) {
  trace_builder b;
  b.batch(0, 100).event(tf::ev_proc_start, {1, 11}).event(tf::ev_go_start, {10, 7, 1});
  b.frequency(freq);
  EXPECT_NE(parse_message(b.bytes()).find("g 7 is dead"), std::string::npos);
  EXPECT_NE(parse_message(b.bytes()).find("without a create or unblock"), std::string::npos)
      << parse_message(b.bytes());
}

TEST(HandBuilt, GoroutineOnTwoPsAtOnce) {
  trace_builder b;
  b.batch(0, 100)
      .event(tf::ev_proc_start, {1, 11})
      .event(tf::ev_go_create, {1, 5, 0, 0})
      .event(tf::ev_go_start_local, {1, 5});
  b.batch(1, 150).event(tf::ev_proc_start, {1, 12}).event(tf::ev_go_start, {10, 5, 1});
  b.frequency(freq);
  std::string m = parse_message(b.bytes());
  EXPECT_NE(m.find("two Ps at once"), std::string::npos) << m;
}

TEST(HandBuilt, PRunsTwoGoroutinesAtOnce) {
  trace_builder b;
  b.batch(0, 100)
      .event(tf::ev_proc_start, {1, 11})
      .event(tf::ev_go_create, {1, 5, 0, 0})
      .event(tf::ev_go_create, {1, 6, 0, 0})
      .event(tf::ev_go_start_local, {1, 5})
      .event(tf::ev_go_start_local, {1, 6});
  b.frequency(freq);
  std::string m = parse_message(b.bytes());
  EXPECT_NE(m.find("p 0 starts g 6 while running g 5"), std::string::npos) << m;
}

TEST(HandBuilt, TimestampsBackwardsOnOneP) {
  trace_builder b;
  b.batch(0, 1000).event(tf::ev_proc_start, {1, 11});
  b.batch(0, 500).event(tf::ev_proc_stop, {1});
  b.frequency(freq);
  std::string m = parse_message(b.bytes());
  EXPECT_NE(m.find("p 0: timestamps go backwards"), std::string::npos) << m;
}

TEST(HandBuilt, TimestampsOutOfOrderAcrossPs) {
  // g 5 is created on P0 at tick 1001 and started on P1 at tick 20: the start must follow the
  // create, so the merged stream's times go backwards.
  trace_builder b;
  b.batch(0, 1000).event(tf::ev_proc_start, {1, 11}).event(tf::ev_go_create, {0, 5, 0, 0});
  b.batch(1, 10).event(tf::ev_proc_start, {1, 12}).event(tf::ev_go_start, {9, 5, 1});
  b.frequency(freq);
  std::string m = parse_message(b.bytes());
  EXPECT_NE(m.find("time stamps out of order"), std::string::npos) << m;
}

TEST(HandBuilt, NoFrequencyAndBadHeaders) {
  trace_builder b;
  b.batch(0, 100).event(tf::ev_proc_start, {1, 11});
  EXPECT_NE(parse_message(b.bytes()).find("no EvFrequency"), std::string::npos);
  std::vector<std::uint8_t> bytes = valid_trace().bytes();
  bytes[5] = '2';  // go 1.29
  bytes[6] = '9';
  EXPECT_NE(parse_message(bytes).find("unsupported trace version 1.29"), std::string::npos)
      << parse_message(bytes);
  bytes[0] = 'x';
  EXPECT_NE(parse_message(bytes).find("not a Go execution trace"), std::string::npos);
  EXPECT_NE(parse_message({}).find("truncated at offset 0"), std::string::npos);
}

TEST(HandBuilt, TruncationNamesTheOffset) {
  const std::vector<std::uint8_t> full = valid_trace().bytes();
  // Each cut inside the trace is an error; a cut inside an event names that event's offset.
  std::size_t truncated = 0;
  for (std::size_t n = 16; n < full.size(); n++) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    std::string m = parse_message(cut);
    EXPECT_FALSE(m.empty()) << "cut at " << n;
    truncated += m.rfind("truncated at offset ", 0) == 0;
  }
  EXPECT_GT(truncated, full.size() / 2);

  // Through the tool: one line on stderr, exit status 1.
  const std::string path = ::testing::TempDir() + "gort-trace-truncated.trace";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(full.data()), static_cast<long>(full.size() - 3));
  }
  for (const char* cmd : {"summary", "summary --json", "perfetto", "svg", "check", "dump"}) {
    run_result r = run(tool + " " + cmd + " " + path + " 2>&1 >/dev/null");
    EXPECT_EQ(r.status, 1) << cmd;
    EXPECT_EQ(r.out.rfind("gort-trace: " + path + ": truncated at offset ", 0), 0u)
        << cmd << ": " << r.out;
  }
  run_result r = run(tool + " summary /nonexistent/file.trace 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("gort-trace: /nonexistent/file.trace: cannot open"), std::string::npos)
      << r.out;
  r = run(tool + " bogus 2>&1");
  EXPECT_EQ(r.status, 2);
  r = run(tool + " svg " + path + " --from 10ms --to 5ms 2>&1");
  EXPECT_EQ(r.status, 2);
}

TEST(HandBuilt, CheckSubcommandReportsTheViolation) {
  trace_builder b;
  b.batch(0, 100).event(tf::ev_proc_start, {1, 11}).event(tf::ev_go_start, {10, 7, 1});
  b.frequency(freq);
  const std::string path = ::testing::TempDir() + "gort-trace-violation.trace";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.bytes().data()), static_cast<long>(b.bytes().size()));
  }
  run_result r = run(tool + " check " + path + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("without a create or unblock before it"), std::string::npos) << r.out;
}

}  // namespace
