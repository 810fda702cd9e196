// Copyright 2026 The gort Authors.
//
// gort-trace: reads Go 1.19 execution traces (Go programs' and gort's) and summarizes,
// exports, draws or checks them. docs/gort-trace.md describes the subcommands and their output.
//
// Exit status: 0 on success, 1 when the trace cannot be read or (check) breaks an invariant,
// 2 on a usage error. Errors are one line on stderr: "gort-trace: <file>: <what is wrong>".

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "analysis.hpp"
#include "trace_file.hpp"

namespace tf = gort::trace_file;

namespace {

const char usage[] =
    "usage:\n"
    "  gort-trace summary [--json] [--goroutines N|all] <file>\n"
    "                                               scheduler latency, time by state, block\n"
    "                                               reasons, P busy share, defers by strategy\n"
    "                                               (lists N goroutines: 40 text, 1000 JSON)\n"
    "  gort-trace perfetto <file> [--from T] [--to T] [-o out.json]\n"
    "                                               Chrome trace-event JSON (ui.perfetto.dev)\n"
    "  gort-trace svg <file> [--from T] [--to T] [-o out.svg]\n"
    "                                               per-P timeline and latency histogram\n"
    "  gort-trace check <file>                      verify the trace's invariants\n"
    "  gort-trace dump <file>                       events in `go tool trace -d` format\n"
    "T is a time from the trace's start: a number with ns, us, ms or s (default ns).\n";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "gort-trace: %s\n%s", what.c_str(), usage);
  std::exit(2);
}

// parse_time: "1500", "1500ns", "2.5us", "10ms", "1s" -> ns; false on anything else.
bool parse_time(std::string_view s, std::int64_t& ns) {
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(str.c_str(), &end);
  if (end == str.c_str() || errno != 0 || !(v >= 0)) return false;
  std::string_view unit(end);
  double scale = 1;
  if (unit.empty() || unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else
    return false;
  double r = v * scale;
  if (!(r < 9e18)) return false;
  ns = static_cast<std::int64_t>(r);
  return true;
}

struct options {
  std::string command, file, output;
  bool json = false;
  std::size_t max_goroutines = 0;  // goroutines listed one by one in the summary
  bool max_goroutines_set = false;
  std::int64_t from = 0, to = -1;
};

options parse_args(int argc, char** argv) {
  if (argc < 2) usage_error("no subcommand");
  options o;
  o.command = argv[1];
  if (o.command == "-h" || o.command == "--help" || o.command == "help") {
    std::fputs(usage, stdout);
    std::exit(0);
  }
  if (o.command != "summary" && o.command != "perfetto" && o.command != "svg" &&
      o.command != "check" && o.command != "dump")
    usage_error("unknown subcommand '" + o.command + "'");
  for (int i = 2; i < argc; i++) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string_view {
      if (i + 1 >= argc) usage_error(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "-o" && (o.command == "perfetto" || o.command == "svg")) {
      o.output = next();
    } else if (a == "--json" && o.command == "summary") {
      o.json = true;
    } else if (a == "--goroutines" && o.command == "summary") {
      std::string_view v = next();
      if (v == "all") {
        o.max_goroutines = static_cast<std::size_t>(-1);
      } else {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), o.max_goroutines);
        if (ec != std::errc() || p != v.data() + v.size())
          usage_error("bad count '" + std::string(v) + "' for --goroutines");
      }
      o.max_goroutines_set = true;
    } else if ((a == "--from" || a == "--to") && (o.command == "svg" || o.command == "perfetto")) {
      std::string_view v = next();
      if (!parse_time(v, a == "--from" ? o.from : o.to))
        usage_error("bad time '" + std::string(v) + "' for " + std::string(a));
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      usage_error("unknown option '" + std::string(a) + "' for " + o.command);
    } else if (o.file.empty()) {
      o.file = a;
    } else {
      usage_error("more than one trace file");
    }
  }
  if (o.file.empty()) usage_error("no trace file");
  if (o.to >= 0 && o.to <= o.from) usage_error("--to must be after --from");
  return o;
}

// Writes through a stream to the output file (or stdout); false with a message on failure.
template <typename F>
int emit(const options& o, F&& write) {
  if (o.output.empty() || o.output == "-") {
    write(std::cout);
    std::cout.flush();
    if (!std::cout) {
      std::fprintf(stderr, "gort-trace: cannot write to stdout\n");
      return 1;
    }
    return 0;
  }
  std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "gort-trace: %s: cannot create: %s\n", o.output.c_str(),
                 std::strerror(errno));
    return 1;
  }
  write(out);
  out.close();
  if (!out) {
    std::fprintf(stderr, "gort-trace: %s: write failed\n", o.output.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  tf::trace t;
  try {
    t = tf::parse_file(o.file);
  } catch (const tf::parse_error& e) {
    std::fprintf(stderr, "gort-trace: %s: %s\n", o.file.c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "gort-trace: %s: out of memory\n", o.file.c_str());
    return 1;
  }
  if (o.command == "check") {
    // parse() has verified the invariants; say what was checked.
    std::uint64_t starts = 0;
    for (const auto& ev : t.events)
      starts += ev.type == tf::ev_go_start || ev.type == tf::ev_go_start_label;
    tf::summary s = tf::summarize(t);
    std::printf("%s: ok: %zu events, %zu goroutines, %zu Ps, %" PRIu64
                " goroutine starts; every start follows a create or unblock, no goroutine runs "
                "on two Ps at once, timestamps ordered per P\n",
                o.file.c_str(), t.events.size(), s.goroutines.size(), s.procs.size(), starts);
    return 0;
  }
  if (o.command == "dump") return emit(o, [&](std::ostream& out) { tf::write_dump(out, t); });
  if (o.command == "perfetto")
    return emit(o, [&](std::ostream& out) { tf::write_perfetto(out, t, o.from, o.to); });
  tf::summary s = tf::summarize(t);
  if (o.command == "svg")
    return emit(o, [&](std::ostream& out) { tf::write_svg(out, t, s, o.from, o.to); });
  return emit(o, [&](std::ostream& out) {
    if (o.json)
      tf::write_summary_json(out, s, o.max_goroutines_set ? o.max_goroutines : 1000);
    else
      tf::write_summary_text(out, s, o.max_goroutines_set ? o.max_goroutines : 40);
  });
}
