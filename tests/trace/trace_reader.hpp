// Copyright 2026 The gort Authors.
//
// A small reader of Go 1.19 execution traces for the tests, written from the format (Go's
// internal/trace/parser.go is the reference reader) independently of src/trace/, and the
// invariants the tests check on a trace:
//   - every event's time stamp is at least the previous one's in its stream (per P);
//   - every GoStart of a goroutine has, at or before its time, a GoCreate, GoUnblock, GoSched or
//     GoSysExit of that goroutine that no earlier GoStart used;
//   - a goroutine never runs on two Ps at once, and a P never runs two goroutines at once.
// check() returns the first violation as text ("" when none).

#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace trace_test {

enum : int {
  EvBatch = 1,
  EvFrequency = 2,
  EvStack = 3,
  EvGomaxprocs = 4,
  EvProcStart = 5,
  EvProcStop = 6,
  EvGoCreate = 13,
  EvGoStart = 14,
  EvGoEnd = 15,
  EvGoStop = 16,
  EvGoSched = 17,
  EvGoPreempt = 18,
  EvGoSleep = 19,
  EvGoBlock = 20,
  EvGoUnblock = 21,
  EvGoBlockSend = 22,
  EvGoBlockRecv = 23,
  EvGoBlockSelect = 24,
  EvGoBlockSync = 25,
  EvGoBlockCond = 26,
  EvGoBlockNet = 27,
  EvGoSysCall = 28,
  EvGoSysExit = 29,
  EvGoSysBlock = 30,
  EvGoWaiting = 31,
  EvGoInSyscall = 32,
  EvString = 37,
  EvGoStartLocal = 38,
  EvGoUnblockLocal = 39,
  EvGoSysExitLocal = 40,
  EvUserTaskCreate = 45,
  EvUserTaskEnd = 46,
  EvUserRegion = 47,
  EvUserLog = 48,
};

struct event {
  int type = 0;
  std::int64_t p = 0;               // stream
  std::uint64_t g = 0;              // goroutine the event belongs to (as Go's reader attributes it)
  std::uint64_t ts = 0;             // ticks
  std::size_t order = 0;            // position in the file
  std::vector<std::uint64_t> args;  // without the time stamp
  std::string text;                 // EvUserLog's message
};

struct trace_file {
  std::string error;  // "" when the file read in full
  std::vector<event> events;
  std::map<std::uint64_t, std::string> strings;
  std::map<std::uint64_t, std::size_t> stacks;  // id -> frames
  std::uint64_t frequency = 0;

  int count(int type) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(),
                                          [&](const event& e) { return e.type == type; }));
  }
  std::vector<const event*> logs(const std::string& category) const {
    std::vector<const event*> out;
    for (const event& e : events)
      if (e.type == EvUserLog && strings.count(e.args[1]) && strings.at(e.args[1]) == category)
        out.push_back(&e);
    return out;
  }
};

// Number of arguments (time stamp excluded) of each event type gort may write, stack included.
inline int arg_count(int type) {
  switch (type) {
    case EvGomaxprocs:
      return 2;
    case EvProcStart:
      return 1;
    case EvProcStop:
      return 0;
    case EvGoCreate:
      return 3;
    case EvGoStart:
      return 2;
    case EvGoEnd:
      return 0;
    case EvGoStop:
    case EvGoSched:
    case EvGoPreempt:
    case EvGoSleep:
    case EvGoBlock:
    case EvGoBlockSend:
    case EvGoBlockRecv:
    case EvGoBlockSelect:
    case EvGoBlockSync:
    case EvGoBlockCond:
    case EvGoBlockNet:
    case EvGoSysCall:
      return 1;
    case EvGoUnblock:
      return 3;
    case EvGoSysExit:
      return 3;
    case EvGoSysBlock:
      return 0;
    case EvGoWaiting:
    case EvGoInSyscall:
      return 1;
    case EvGoStartLocal:
      return 1;
    case EvGoUnblockLocal:
      return 2;
    case EvUserTaskCreate:
      return 4;
    case EvUserTaskEnd:
      return 2;
    case EvUserRegion:
      return 4;
    case EvUserLog:
      return 3;
    default:
      return -1;
  }
}

inline trace_file read_trace(const std::string& path) {
  trace_file t;
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> d((std::istreambuf_iterator<char>(in)), {});
  std::size_t off = 0;
  auto fail = [&](const std::string& why) {
    t.error = why + " at offset " + std::to_string(off);
    return t;
  };
  auto varint = [&](std::uint64_t* v) {
    *v = 0;
    for (int i = 0; i < 10; ++i) {
      if (off >= d.size()) return false;
      unsigned char b = d[off++];
      *v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  static const char header[16] = "go 1.19 trace\0\0";
  if (d.size() < 16 || !std::equal(header, header + 16, d.begin())) return fail("bad header");
  off = 16;
  std::map<std::int64_t, std::uint64_t> last_g;  // per stream, as the reader attributes events
  std::int64_t p = 0;
  std::uint64_t ts = 0;
  bool in_batch = false;
  while (off < d.size()) {
    int type = d[off] & 0x3f;
    int narg = (d[off] >> 6) + 1;
    ++off;
    if (type == EvString) {
      std::uint64_t id, len;
      if (!varint(&id) || !varint(&len) || off + len > d.size()) return fail("bad string");
      if (id == 0 || t.strings.count(id)) return fail("bad or duplicate string id");
      t.strings[id] = std::string(d.begin() + off, d.begin() + off + len);
      off += len;
      continue;
    }
    std::vector<std::uint64_t> args;
    if (narg < 4) {
      for (int i = 0; i < narg; ++i) {
        std::uint64_t v;
        if (!varint(&v)) return fail("truncated event");
        args.push_back(v);
      }
    } else {
      std::uint64_t len;
      if (!varint(&len)) return fail("truncated length");
      std::size_t end = off + len;
      if (end > d.size()) return fail("truncated event");
      while (off < end) {
        std::uint64_t v;
        if (!varint(&v)) return fail("truncated event");
        args.push_back(v);
      }
      if (off != end) return fail("event length mismatch");
    }
    if (type == EvBatch) {
      if (args.size() != 2) return fail("bad batch");
      last_g[p] = last_g[p];
      p = static_cast<std::int64_t>(args[0]);
      ts = args[1];
      in_batch = true;
      continue;
    }
    if (type == EvFrequency) {
      if (args.size() != 1 || args[0] == 0) return fail("bad frequency");
      t.frequency = args[0];
      continue;
    }
    if (type == EvStack) {
      if (args.size() < 2 || args.size() != 2 + 4 * args[1]) return fail("bad stack");
      t.stacks[args[0]] = static_cast<std::size_t>(args[1]);
      continue;
    }
    int want = arg_count(type);
    if (want < 0) return fail("unknown event type " + std::to_string(type));
    if (!in_batch) return fail("event outside a batch");
    if (static_cast<int>(args.size()) != want + 1) return fail("wrong argument count");
    event e;
    e.type = type;
    e.p = p;
    ts += args[0];
    e.ts = ts;
    e.order = t.events.size();
    e.args.assign(args.begin() + 1, args.end());
    if (type == EvUserLog) {
      std::uint64_t len;
      if (!varint(&len) || off + len > d.size()) return fail("bad log text");
      e.text.assign(d.begin() + off, d.begin() + off + len);
      off += len;
    }
    switch (type) {
      case EvGoStart:
      case EvGoStartLocal:
        last_g[p] = e.args[0];
        e.g = e.args[0];
        break;
      case EvGoEnd:
      case EvGoStop:
      case EvGoSched:
      case EvGoPreempt:
      case EvGoSleep:
      case EvGoBlock:
      case EvGoBlockSend:
      case EvGoBlockRecv:
      case EvGoBlockSelect:
      case EvGoBlockSync:
      case EvGoBlockCond:
      case EvGoBlockNet:
      case EvGoSysBlock:
        e.g = last_g[p];
        last_g[p] = 0;
        break;
      case EvGoSysExit:
      case EvGoWaiting:
      case EvGoInSyscall:
        e.g = e.args[0];
        break;
      default:
        e.g = last_g[p];
    }
    t.events.push_back(std::move(e));
  }
  if (t.frequency == 0) return fail("no EvFrequency");
  return t;
}

inline bool is_stop(int type) {
  switch (type) {
    case EvGoEnd:
    case EvGoStop:
    case EvGoSched:
    case EvGoPreempt:
    case EvGoSleep:
    case EvGoBlock:
    case EvGoBlockSend:
    case EvGoBlockRecv:
    case EvGoBlockSelect:
    case EvGoBlockSync:
    case EvGoBlockCond:
    case EvGoBlockNet:
    case EvGoSysBlock:
      return true;
    default:
      return false;
  }
}

// check returns the first broken invariant of t (see the header comment), or "".
inline std::string check(const trace_file& t) {
  if (!t.error.empty()) return t.error;
  // Time stamps per stream.
  std::map<std::int64_t, std::uint64_t> last_ts;
  for (const event& e : t.events) {
    if (last_ts.count(e.p) && e.ts < last_ts[e.p])
      return "time goes backwards on P " + std::to_string(e.p);
    last_ts[e.p] = e.ts;
  }
  // Readies before starts: every event sorted by time, readies first among equal times.
  auto ready_of = [](const event& e) -> std::uint64_t {
    switch (e.type) {
      case EvGoCreate:
      case EvGoUnblock:
      case EvGoUnblockLocal:
        return e.args[0];
      case EvGoSysExit:
        return e.args[0];
      case EvGoSched:
      case EvGoPreempt:
        return e.g;
      default:
        return 0;
    }
  };
  std::vector<const event*> by_time;
  for (const event& e : t.events) by_time.push_back(&e);
  std::stable_sort(by_time.begin(), by_time.end(), [&](const event* a, const event* b) {
    if (a->ts != b->ts) return a->ts < b->ts;
    return (ready_of(*a) != 0) > (ready_of(*b) != 0);
  });
  std::map<std::uint64_t, int> readies;
  for (const event* e : by_time) {
    if (std::uint64_t g = ready_of(*e); g != 0) ++readies[g];
    if (e->type == EvGoStart || e->type == EvGoStartLocal) {
      if (readies[e->g]-- <= 0)
        return "goroutine " + std::to_string(e->g) +
               " started without a create or unblock before it (offset order " +
               std::to_string(e->order) + ")";
    }
  }
  // Run intervals: per stream, from GoStart to the goroutine's next stop on that stream.
  struct run {
    std::uint64_t from, to;
    std::int64_t p;
  };
  std::map<std::uint64_t, std::vector<run>> runs;
  std::map<std::int64_t, std::pair<std::uint64_t, std::uint64_t>> open;  // p -> (g, from)
  for (const event& e : t.events) {
    if (e.type == EvGoStart || e.type == EvGoStartLocal) {
      if (open.count(e.p))
        return "P " + std::to_string(e.p) + " starts goroutine " + std::to_string(e.g) +
               " while running goroutine " + std::to_string(open[e.p].first);
      open[e.p] = {e.g, e.ts};
    } else if (is_stop(e.type)) {
      auto it = open.find(e.p);
      if (it == open.end() || it->second.first != e.g)
        return "a stop event on P " + std::to_string(e.p) + " for a goroutine it is not running";
      runs[e.g].push_back({it->second.second, e.ts, e.p});
      open.erase(it);
    } else if (e.type == EvProcStop && open.count(e.p)) {
      return "P " + std::to_string(e.p) + " stops while running a goroutine";
    }
  }
  for (auto& [p, o] : open) runs[o.first].push_back({o.second, UINT64_MAX, p});
  for (auto& [g, rs] : runs) {
    std::sort(rs.begin(), rs.end(), [](const run& a, const run& b) { return a.from < b.from; });
    for (std::size_t i = 1; i < rs.size(); ++i)
      if (rs[i].from < rs[i - 1].to && rs[i].p != rs[i - 1].p)
        return "goroutine " + std::to_string(g) + " runs on P " + std::to_string(rs[i - 1].p) +
               " and P " + std::to_string(rs[i].p) + " at once";
  }
  return "";
}

}  // namespace trace_test
