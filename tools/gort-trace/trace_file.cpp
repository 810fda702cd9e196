// Copyright 2026 The gort Authors.
//
// The Go 1.19 execution-trace reader (trace_file.hpp says what it does in which order).
//
// Terms. A *batch* is one flushed per-P buffer: an EvBatch header naming the P and a base tick
// count, then events whose first argument is the tick delta from the previous event of the same
// batch. Events name no goroutine: an event happens on the goroutine that the last GoStart of
// the same P started (the "current G" of the P, kept across that P's batches). Ticks are
// cputicks/64 on amd64; EvFrequency says how many make a second.
//
// Ordering. Batches reach the file in flush order, so events of different Ps interleave
// arbitrarily and their timestamps may disagree slightly (TSC skew). Each goroutine carries a
// sequence number that the runtime bumps on every start and unblock and writes into GoStart,
// GoUnblock and GoSysExit (the *Local variants are emitted on the P that made the goroutine
// runnable, so they need no number). The merge takes, among the batch heads whose goroutine is in
// the state (status and sequence) that the event requires, the one with the smallest
// timestamp. It is Go's order1007 algorithm; the difference is bookkeeping: a head that is not
// ready waits on its goroutine and is looked at again only when that goroutine changes, so
// merging costs O(events x log batches) instead of a scan of every batch per event.
//
// Invariants after parse(): events are sorted by ts; every GoStart's goroutine was runnable
// (created, unblocked, yielded or back from a syscall) and no P runs two goroutines at once;
// every link points forward. Bounds: strings <= 1 MB and inside the file, stacks <= 1000
// frames, and every container grows by at most one entry per input event, so memory is a small
// multiple of the file's size whatever the bytes say. Arithmetic on values read from the file is
// done in uint64 (wrapping, never undefined) and converted with clamps.
//
// Rejected: std::map keyed by P for the batches (a vector indexed through one hash map is
// enough); mmap of the input (a read keeps error handling in one place, and a 30 MB trace reads
// in milliseconds next to seconds of parsing).

#include "trace_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <queue>
#include <unordered_set>

namespace gort::trace_file {
namespace {

constexpr event_description descriptions[ev_count] = {
    {"None", 1005, false, 0, {}, 0, {}},
    {"Batch", 1005, false, 2, {"p", "ticks"}, 0, {}},
    {"Frequency", 1005, false, 1, {"freq"}, 0, {}},
    {"Stack", 1005, false, 2, {"id", "siz"}, 0, {}},
    {"Gomaxprocs", 1005, true, 1, {"procs"}, 0, {}},
    {"ProcStart", 1005, false, 1, {"thread"}, 0, {}},
    {"ProcStop", 1005, false, 0, {}, 0, {}},
    {"GCStart", 1005, true, 1, {"seq"}, 0, {}},
    {"GCDone", 1005, false, 0, {}, 0, {}},
    {"GCSTWStart", 1005, false, 1, {"kindid"}, 1, {"kind"}},
    {"GCSTWDone", 1005, false, 0, {}, 0, {}},
    {"GCSweepStart", 1005, true, 0, {}, 0, {}},
    {"GCSweepDone", 1005, false, 2, {"swept", "reclaimed"}, 0, {}},
    {"GoCreate", 1005, true, 2, {"g", "stack"}, 0, {}},
    {"GoStart", 1005, false, 2, {"g", "seq"}, 0, {}},
    {"GoEnd", 1005, false, 0, {}, 0, {}},
    {"GoStop", 1005, true, 0, {}, 0, {}},
    {"GoSched", 1005, true, 0, {}, 0, {}},
    {"GoPreempt", 1005, true, 0, {}, 0, {}},
    {"GoSleep", 1005, true, 0, {}, 0, {}},
    {"GoBlock", 1005, true, 0, {}, 0, {}},
    {"GoUnblock", 1005, true, 2, {"g", "seq"}, 0, {}},
    {"GoBlockSend", 1005, true, 0, {}, 0, {}},
    {"GoBlockRecv", 1005, true, 0, {}, 0, {}},
    {"GoBlockSelect", 1005, true, 0, {}, 0, {}},
    {"GoBlockSync", 1005, true, 0, {}, 0, {}},
    {"GoBlockCond", 1005, true, 0, {}, 0, {}},
    {"GoBlockNet", 1005, true, 0, {}, 0, {}},
    {"GoSysCall", 1005, true, 0, {}, 0, {}},
    {"GoSysExit", 1005, false, 3, {"g", "seq", "ts"}, 0, {}},
    {"GoSysBlock", 1005, false, 0, {}, 0, {}},
    {"GoWaiting", 1005, false, 1, {"g"}, 0, {}},
    {"GoInSyscall", 1005, false, 1, {"g"}, 0, {}},
    {"HeapAlloc", 1005, false, 1, {"mem"}, 0, {}},
    {"HeapGoal", 1005, false, 1, {"mem"}, 0, {}},
    {"TimerGoroutine", 1005, false, 1, {"g"}, 0, {}},
    {"FutileWakeup", 1005, false, 0, {}, 0, {}},
    {"String", 1007, false, 0, {}, 0, {}},
    {"GoStartLocal", 1007, false, 1, {"g"}, 0, {}},
    {"GoUnblockLocal", 1007, true, 1, {"g"}, 0, {}},
    {"GoSysExitLocal", 1007, false, 2, {"g", "ts"}, 0, {}},
    {"GoStartLabel", 1008, false, 3, {"g", "seq", "labelid"}, 1, {"label"}},
    {"GoBlockGC", 1008, true, 0, {}, 0, {}},
    {"GCMarkAssistStart", 1009, true, 0, {}, 0, {}},
    {"GCMarkAssistDone", 1009, false, 0, {}, 0, {}},
    {"UserTaskCreate", 1011, true, 3, {"taskid", "pid", "typeid"}, 1, {"name"}},
    {"UserTaskEnd", 1011, true, 1, {"taskid"}, 0, {}},
    {"UserRegion", 1011, true, 3, {"taskid", "mode", "typeid"}, 1, {"name"}},
    {"UserLog", 1011, true, 2, {"id", "keyid"}, 2, {"category", "message"}},
    {"CPUSample", 1019, true, 3, {"ts", "p", "g"}, 0, {}},
};

[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  throw parse_error(buf);
}

// fail_at: fail() with the place of an event of the merged stream appended, as
// "<message> (offset N, time T)".
[[noreturn]] void fail_at(const event& ev, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fail_at(const event& ev, const char* fmt, ...) {
  char buf[448];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fail("%s (offset %" PRIu64 ", time %" PRId64 ")", buf, ev.off, ev.ts);
}

// The wire format's reader: offsets are bytes from the start of the file.
struct wire {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;
  std::size_t item = 0;  // start of the event being read, for "truncated at offset N"

  bool at_end() const { return pos >= data.size(); }
  std::uint8_t byte() {
    if (pos >= data.size()) fail("truncated at offset %zu", item);
    return data[pos++];
  }
  std::uint64_t varint() {
    std::size_t start = pos;
    std::uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
      std::uint8_t b = byte();
      v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return v;
    }
    fail("bad varint at offset %zu (more than 10 bytes)", start);
  }
  std::string_view bytes(std::uint64_t n) {
    if (n > data.size() - pos) fail("truncated at offset %zu", item);
    std::string_view s(reinterpret_cast<const char*>(data.data() + pos), n);
    pos += n;
    return s;
  }
};

int parse_header(std::span<const std::uint8_t> data) {
  if (data.size() < 16) fail("truncated at offset 0 (no 16-byte header)");
  const char* h = reinterpret_cast<const char*>(data.data());
  // "go 1.19 trace\0\0\0" or "go 1.11 trace\0\0\0".
  if (std::memcmp(h, "go 1.", 5) != 0 || h[5] < '1' || h[5] > '9')
    fail("not a Go execution trace (bad header at offset 0)");
  int minor = h[5] - '0';
  int i = 6;
  if (h[6] >= '0' && h[6] <= '9') minor = minor * 10 + (h[i++] - '0');
  static constexpr char tail[] = " trace\0\0\0\0";
  if (std::memcmp(h + i, tail, 16 - i) != 0)
    fail("not a Go execution trace (bad header at offset 0)");
  int version = 1000 + minor;
  if (version != 1011 && version != 1019)
    fail("unsupported trace version 1.%d (gort-trace reads 1.11 and 1.19 traces)", minor);
  return version;
}

// ends_run: the events after which the P runs no goroutine: the goroutine ended, yielded, was
// preempted, blocked (is_block) or blocked in a syscall.
bool ends_run(std::uint8_t type) {
  switch (type) {
    case ev_go_end:
    case ev_go_stop:
    case ev_go_sched:
    case ev_go_preempt:
    case ev_go_sys_block:
      return true;
    default:
      return is_block(type);
  }
}

// Goroutine states for the merge (Go's order.go): status and sequence number.
enum class gstatus : std::uint8_t { dead, runnable, running, waiting };
struct gstate {
  std::uint64_t seq = 0;
  gstatus status = gstatus::dead;
};
constexpr std::uint64_t unordered = ~std::uint64_t{0};
constexpr std::uint64_t garbage = ~std::uint64_t{0} - 1;  // the GC's sequence
constexpr std::uint64_t noseq = ~std::uint64_t{0};
constexpr std::uint64_t seqinc = ~std::uint64_t{0} - 1;

struct transition_rule {
  std::uint64_t g = unordered;
  gstate init, next;
};

transition_rule rule_of(const event& ev) {
  transition_rule r;
  switch (ev.type) {
    case ev_go_create:
      r = {ev.args[0], {0, gstatus::dead}, {1, gstatus::runnable}};
      break;
    case ev_go_waiting:
    case ev_go_in_syscall:
      r = {ev.g, {1, gstatus::runnable}, {2, gstatus::waiting}};
      break;
    case ev_go_start:
    case ev_go_start_label:
      r = {ev.g, {ev.args[1], gstatus::runnable}, {ev.args[1] + 1, gstatus::running}};
      break;
    case ev_go_start_local:
      r = {ev.g, {noseq, gstatus::runnable}, {seqinc, gstatus::running}};
      break;
    case ev_go_sys_block:
      r = {ev.g, {noseq, gstatus::running}, {noseq, gstatus::waiting}};
      break;
    case ev_go_sched:
    case ev_go_preempt:
      r = {ev.g, {noseq, gstatus::running}, {noseq, gstatus::runnable}};
      break;
    case ev_go_unblock:
    case ev_go_sys_exit:
      r = {ev.args[0], {ev.args[1], gstatus::waiting}, {ev.args[1] + 1, gstatus::runnable}};
      break;
    case ev_go_unblock_local:
    case ev_go_sys_exit_local:
      r = {ev.args[0], {noseq, gstatus::waiting}, {seqinc, gstatus::runnable}};
      break;
    case ev_gc_start:
      r = {garbage, {ev.args[0], gstatus::dead}, {ev.args[0] + 1, gstatus::dead}};
      break;
    default:
      if (is_block(ev.type)) r = {ev.g, {noseq, gstatus::running}, {noseq, gstatus::waiting}};
      break;
  }
  return r;
}

bool ready(const transition_rule& r, const gstate& cur) {
  return r.g == unordered ||
         ((r.init.seq == noseq || r.init.seq == cur.seq) && r.init.status == cur.status);
}

// A stack as read, before its strings are known.
struct raw_frame {
  std::uint64_t pc, fn, file, line;
};

// permute: events[i] becomes the old events[order[i]], in place (order is a permutation; it is
// consumed: each cycle is walked once, marking its slots done).
void permute(std::vector<event>& events, std::vector<std::uint32_t>& order) {
  for (std::size_t i = 0; i < order.size(); i++) {
    if (order[i] == i) continue;
    event saved = std::move(events[i]);
    std::size_t j = i;
    for (;;) {
      std::size_t k = order[j];
      order[j] = static_cast<std::uint32_t>(j);
      if (k == i) {
        events[j] = std::move(saved);
        break;
      }
      events[j] = std::move(events[k]);
      j = k;
    }
  }
}

// One batch header and the ticks its events span, for the per-P order check.
struct batch_record {
  std::size_t off;
  std::int64_t p;
  std::uint64_t first_ticks, last_ticks;
  bool has_events;  // events other than CPU samples
};

struct reader {
  const parse_options& options;
  std::vector<batch_record> batch_log;
  trace& out;
  std::vector<event> raw;                           // in file order
  std::vector<std::vector<std::uint32_t>> batches;  // indices into raw, per P
  std::unordered_map<std::int64_t, std::size_t> batch_of_p;
  std::unordered_map<std::uint64_t, std::vector<raw_frame>> raw_stacks;
  std::unordered_set<std::uint64_t> timer_goroutines;

  explicit reader(const parse_options& o, trace& t) : options(o), out(t) {}

  std::size_t batch_index(std::int64_t p) {
    auto [it, inserted] = batch_of_p.try_emplace(p, batches.size());
    if (inserted) batches.emplace_back();
    return it->second;
  }

  void read(std::span<const std::uint8_t> data);
  void merge();
  void finish_times();
  void remove_futile();
  void replay();
  void resolve_strings();
};

void reader::read(std::span<const std::uint8_t> data) {
  out.version = parse_header(data);
  wire w{data, 16};
  std::int64_t last_p = 0;
  std::uint64_t last_g = 0, last_ts = 0;
  bool in_batch = false;
  std::unordered_map<std::int64_t, std::uint64_t> last_g_of_p;
  std::vector<std::uint64_t> args;
  // Go's events average about 5 bytes: reserving for one per 4 bytes avoids the copies (and the
  // doubled peak) of a growing vector; pages never written are never made resident.
  try {
    raw.reserve(data.size() / 4);
  } catch (const std::bad_alloc&) {
    // A huge file on a machine that will not promise that much: grow as needed instead.
  }
  while (!w.at_end()) {
    w.item = w.pos;
    const std::size_t off = w.pos;
    const std::uint8_t head = w.byte();
    const std::uint8_t type = head & 0x3f;
    const unsigned inline_args = (head >> 6) + 1;  // 4 means "length-prefixed"
    if (type == ev_none || type >= ev_count || descriptions[type].min_version > out.version)
      fail("unknown event type %u at offset %zu", type, off);
    if (type == ev_string) {
      std::uint64_t id = w.varint();
      if (id == 0) fail("string with id 0 at offset %zu", off);
      std::uint64_t len = w.varint();
      if (len == 0 || len > 1000000)
        fail("string at offset %zu has a bad length %" PRIu64, off, len);
      std::string_view s = w.bytes(len);
      if (out.strings.count(id)) fail("string at offset %zu repeats id %" PRIu64, off, id);
      out.strings.emplace(id, s);  // points into data until resolve_strings copies it
      continue;
    }
    args.clear();
    if (inline_args < 4) {
      for (unsigned i = 0; i < inline_args; i++) args.push_back(w.varint());
    } else {
      std::uint64_t len = w.varint();
      if (len > data.size() - w.pos) fail("truncated at offset %zu", off);
      const std::size_t body = w.pos;
      while (w.pos - body < len) args.push_back(w.varint());
      if (w.pos - body != len)
        fail("event at offset %zu has a wrong length: says %" PRIu64 ", has %zu", off, len,
             w.pos - body);
    }
    const event_description& d = descriptions[type];
    std::size_t want = type == ev_stack ? args.size()
                       : (type == ev_batch || type == ev_frequency || type == ev_timer_goroutine)
                           ? static_cast<std::size_t>(d.nargs)
                           : static_cast<std::size_t>(d.nargs + (d.has_stack ? 1 : 0) + 1);
    if (args.size() != want)
      fail("%s at offset %zu has %zu arguments, wants %zu", d.name, off, args.size(), want);
    std::string_view log_message;
    if (type == ev_user_log) {
      std::uint64_t len = w.varint();
      if (len > 1000000) fail("user log message at offset %zu is too long (%" PRIu64 ")", off, len);
      log_message = w.bytes(len);
    }
    switch (type) {
      case ev_batch: {
        last_g_of_p[last_p] = last_g;
        last_p = static_cast<std::int64_t>(args[0]);
        last_g = last_g_of_p[last_p];
        last_ts = args[1];
        in_batch = true;
        batch_log.push_back({off, last_p, last_ts, last_ts, false});
        break;
      }
      case ev_frequency:
        if (static_cast<std::int64_t>(args[0]) <= 0)
          fail("bad frequency %" PRIu64 " at offset %zu", args[0], off);
        out.ticks_per_sec = static_cast<std::int64_t>(args[0]);
        break;
      case ev_timer_goroutine:
        timer_goroutines.insert(args[0]);
        break;
      case ev_stack: {
        if (args.size() < 2) fail("Stack at offset %zu has %zu arguments", off, args.size());
        std::uint64_t n = args[1];
        if (n > 1000) fail("Stack at offset %zu has %" PRIu64 " frames (at most 1000)", off, n);
        if (args.size() != 2 + 4 * n)
          fail("Stack at offset %zu has %zu arguments, wants %" PRIu64, off, args.size(),
               2 + 4 * n);
        if (args[0] != 0 && n > 0) {
          std::vector<raw_frame> frames(n);
          for (std::uint64_t i = 0; i < n; i++)
            frames[i] = {args[2 + 4 * i], args[3 + 4 * i], args[4 + 4 * i], args[5 + 4 * i]};
          raw_stacks[args[0]] = std::move(frames);
        }
        break;
      }
      default: {
        if (!in_batch) fail("%s at offset %zu comes before any batch header", d.name, off);
        event e;
        e.off = off;
        e.type = type;
        e.p = last_p;
        e.g = last_g;
        last_ts += args[0];  // wraps on nonsense input; the order check then catches it
        e.ts = static_cast<std::int64_t>(last_ts);
        if (type != ev_cpu_sample) {
          batch_log.back().last_ticks = last_ts;
          batch_log.back().has_events = true;
        }
        for (std::size_t i = 1; i < args.size(); i++) {
          if (i == args.size() - 1 && d.has_stack)
            e.stack_id = args[i];
          else
            e.args[i - 1] = args[i];
        }
        switch (type) {
          case ev_go_start:
          case ev_go_start_local:
          case ev_go_start_label:
            last_g = e.args[0];
            e.g = last_g;
            break;
          case ev_gc_stw_start:
            e.g = 0;
            if (e.args[0] > 1)
              fail("GCSTWStart at offset %zu has an unknown kind %" PRIu64, off, e.args[0]);
            break;
          case ev_gc_start:
          case ev_gc_done:
          case ev_gc_stw_done:
            e.g = 0;
            break;
          case ev_go_sys_exit:
          case ev_go_waiting:
          case ev_go_in_syscall:
            e.g = e.args[0];
            break;
          case ev_user_log:
            e.sargs[1] = log_message;
            break;
          case ev_cpu_sample:
            e.ts = static_cast<std::int64_t>(e.args[0]);
            e.p = static_cast<std::int64_t>(e.args[1]);
            e.g = e.args[2];
            e.args[0] = 0;
            break;
          default:
            if (ends_run(type)) last_g = 0;
            break;
        }
        std::size_t b = batch_index(type == ev_cpu_sample ? profile_p : last_p);
        if (raw.size() >= 0xffffffffu) fail("the trace has too many events (over 2^32)");
        batches[b].push_back(static_cast<std::uint32_t>(raw.size()));
        raw.push_back(e);
        break;
      }
    }
  }
  if (raw.empty()) fail("the trace has no events");
  // Timestamps ordered per P: each batch of a P starts no earlier than the P's previous batch
  // ended. Batches of CPU samples only are left out: the runtime writes them in P 0's name,
  // from a separate buffer, with the times they were read rather than taken.
  std::unordered_map<std::int64_t, const batch_record*> prev;
  for (const batch_record& b : batch_log) {
    if (!b.has_events) continue;
    auto [it, inserted] = prev.try_emplace(b.p, &b);
    if (!inserted) {
      if (b.first_ticks < it->second->last_ticks)
        fail("p %" PRId64
             ": timestamps go backwards at offset %zu (the batch starts at tick %" PRIu64
             ", the P's previous batch ended at tick %" PRIu64 ")",
             b.p, b.off, b.first_ticks, it->second->last_ticks);
      it->second = &b;
    }
  }
  if (out.ticks_per_sec == 0) fail("the trace has no EvFrequency event");
}

void reader::merge() {
  // CPU samples come in the order the profiler's reader drained them; sort them by the time the
  // signal handler took them.
  if (auto it = batch_of_p.find(profile_p); it != batch_of_p.end()) {
    auto& b = batches[it->second];
    std::stable_sort(b.begin(), b.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return raw[x].ts < raw[y].ts; });
  }
  std::vector<std::size_t> cursor(batches.size(), 0);
  std::unordered_map<std::uint64_t, gstate> gs;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> waiting;  // g -> batches
  using head = std::pair<std::int64_t, std::size_t>;                    // ts, batch
  std::priority_queue<head, std::vector<head>, std::greater<>> heap;

  auto consider = [&](std::size_t b) {
    if (cursor[b] == batches[b].size()) return;
    const event& ev = raw[batches[b][cursor[b]]];
    transition_rule r = rule_of(ev);
    if (ready(r, gs[r.g]))
      heap.push({ev.ts, b});
    else
      waiting[r.g].push_back(b);
  };
  for (std::size_t b = 0; b < batches.size(); b++) consider(b);

  std::vector<std::uint32_t> order;  // order[i]: the raw index of the i-th merged event
  order.reserve(raw.size());
  while (!heap.empty()) {
    auto [ts, b] = heap.top();
    heap.pop();
    event& ev = raw[batches[b][cursor[b]]];
    transition_rule r = rule_of(ev);
    gstate& cur = gs[r.g];
    if (!ready(r, cur)) {
      waiting[r.g].push_back(b);
      continue;
    }
    if (r.g != unordered) {
      gstate next = r.next;
      if (next.seq == noseq) next.seq = cur.seq;
      if (next.seq == seqinc) next.seq = cur.seq + 1;
      cur = next;
    }
    // The *Local variants only served the ordering.
    if (ev.type == ev_go_start_local) ev.type = ev_go_start;
    if (ev.type == ev_go_unblock_local) ev.type = ev_go_unblock;
    if (ev.type == ev_go_sys_exit_local) ev.type = ev_go_sys_exit;
    order.push_back(batches[b][cursor[b]]);
    cursor[b]++;
    consider(b);
    if (r.g != unordered) {
      auto it = waiting.find(r.g);
      if (it != waiting.end()) {
        std::vector<std::size_t> again = std::move(it->second);
        waiting.erase(it);
        for (std::size_t wb : again) consider(wb);
      }
    }
  }
  if (order.size() != raw.size()) {
    // Name the first event that could not be placed.
    const event* stuck = nullptr;
    for (std::size_t b = 0; b < batches.size(); b++)
      if (cursor[b] < batches[b].size()) {
        const event& ev = raw[batches[b][cursor[b]]];
        if (!stuck || ev.off < stuck->off) stuck = &ev;
      }
    transition_rule r = rule_of(*stuck);
    const gstate cur = gs[r.g];
    static constexpr const char* status_name[] = {"dead", "runnable", "running", "waiting"};
    char need_seq[32] = "", have_seq[32] = "";
    if (r.init.seq != noseq)
      std::snprintf(need_seq, sizeof need_seq, " with seq %" PRIu64, r.init.seq);
    std::snprintf(have_seq, sizeof have_seq, " (seq %" PRIu64 ")", cur.seq);
    const bool start = stuck->type == ev_go_start || stuck->type == ev_go_start_local ||
                       stuck->type == ev_go_start_label;
    const char* why = "";
    if (start && cur.status == gstatus::dead)
      why = ": it starts without a create or unblock before it";
    else if (start && cur.status == gstatus::running)
      why = ": it would run on two Ps at once";
    else if (start && cur.status == gstatus::waiting)
      why = ": it starts while blocked, with no unblock before it";
    if (r.g == garbage)
      fail("no consistent ordering of events possible: GCStart at offset %" PRIu64
           " has GC sequence %" PRIu64 ", the previous GC was %" PRIu64,
           stuck->off, r.init.seq, cur.seq);
    fail("no consistent ordering of events possible: %s at offset %" PRIu64 " (p %" PRId64
         ") needs g %" PRIu64 " %s%s, but g %" PRIu64 " is %s%s%s",
         descriptions[stuck->type].name, stuck->off, stuck->p, r.g,
         status_name[static_cast<int>(r.init.status)], need_seq, r.g,
         status_name[static_cast<int>(cur.status)], have_seq, why);
  }
  batches.clear();
  batches.shrink_to_fit();
  permute(raw, order);
  out.events = std::move(raw);
  for (std::size_t i = 1; i < out.events.size(); i++)
    if (out.events[i].ts < out.events[i - 1].ts)
      fail("time stamps out of order: %s at offset %" PRIu64 " (p %" PRId64
           ") is earlier than %s at offset %" PRIu64 " (p %" PRId64 ") that must precede it",
           descriptions[out.events[i].type].name, out.events[i].off, out.events[i].p,
           descriptions[out.events[i - 1].type].name, out.events[i - 1].off, out.events[i - 1].p);

  // A syscall exit's event is written when the goroutine gets a P back, after the real exit,
  // whose time it carries; use that time now that the order is known. (Go's reader reads the
  // real time from args[2], which the GoSysExitLocal form leaves 0: such exits keep the
  // emission time. Same here, so the two readers agree.)
  std::unordered_map<std::uint64_t, std::int64_t> last_sys_block;
  std::vector<std::uint32_t> moved;  // the exits whose time changed
  for (std::size_t i = 0; i < out.events.size(); i++) {
    event& ev = out.events[i];
    if (ev.type == ev_go_sys_block || ev.type == ev_go_in_syscall) {
      last_sys_block[ev.g] = ev.ts;
    } else if (ev.type == ev_go_sys_exit) {
      auto ts = static_cast<std::int64_t>(ev.args[2]);
      if (ts == 0) continue;
      auto it = last_sys_block.find(ev.g);
      if (it == last_sys_block.end() || it->second == 0)
        fail("syscall exit at offset %" PRIu64 " without a syscall block before it", ev.off);
      if (ts < it->second)
        fail("time stamps out of order: syscall exit at offset %" PRIu64
             " is earlier than its syscall block",
             ev.off);
      if (ts != ev.ts) moved.push_back(static_cast<std::uint32_t>(i));
      ev.ts = ts;
    }
  }
  if (moved.empty()) return;
  // Re-sort stably (by time, then by the merged position). The events that did not move are
  // still in order, so: sort the moved ones alone and merge the two lists of positions.
  const auto& evs = out.events;
  auto earlier = [&](std::uint32_t a, std::uint32_t b) {
    return evs[a].ts < evs[b].ts || (evs[a].ts == evs[b].ts && a < b);
  };
  std::sort(moved.begin(), moved.end(), earlier);
  std::vector<std::uint32_t> stayed;
  stayed.reserve(evs.size() - moved.size());
  {
    std::vector<bool> is_moved(evs.size(), false);
    for (std::uint32_t i : moved) is_moved[i] = true;
    for (std::size_t i = 0; i < evs.size(); i++)
      if (!is_moved[i]) stayed.push_back(static_cast<std::uint32_t>(i));
  }
  order.resize(evs.size());  // free since the first permute
  std::merge(stayed.begin(), stayed.end(), moved.begin(), moved.end(), order.begin(), earlier);
  stayed.clear();
  stayed.shrink_to_fit();
  permute(out.events, order);
}

void reader::finish_times() {
  const std::int64_t min_ts = out.events.front().ts;
  const double ns_per_tick = 1e9 / static_cast<double>(out.ticks_per_sec);
  for (event& ev : out.events) {
    double ns = static_cast<double>(static_cast<std::uint64_t>(ev.ts) -
                                    static_cast<std::uint64_t>(min_ts)) *
                ns_per_tick;
    ev.ts = ns < 9e18 ? static_cast<std::int64_t>(ns) : std::int64_t{9000000000000000000};
    if (ev.type == ev_go_unblock && timer_goroutines.count(ev.g)) ev.p = timer_p;
    if (ev.type == ev_go_sys_exit) ev.p = syscall_p;
  }
}

// A wake-up is futile when the woken goroutine finds the resource taken and blocks again
// (EvFutileWakeup before the block): the unblock, start, any preemption in between and the
// second block say nothing a user wants to see. Go's reader drops them; so do we.
void reader::remove_futile() {
  struct gfut {
    bool futile = false;
    std::vector<std::size_t> wakeup;
  };
  std::unordered_map<std::uint64_t, gfut> gs;
  std::vector<bool> drop(out.events.size(), false);
  for (std::size_t i = 0; i < out.events.size(); i++) {
    const event& ev = out.events[i];
    switch (ev.type) {
      case ev_go_unblock: {
        gfut& g = gs[ev.args[0]];
        g.wakeup.assign(1, i);
        break;
      }
      case ev_go_start:
      case ev_go_preempt:
      case ev_futile_wakeup: {
        gfut& g = gs[ev.g];
        g.wakeup.push_back(i);
        if (ev.type == ev_futile_wakeup) g.futile = true;
        break;
      }
      case ev_go_block:
      case ev_go_block_send:
      case ev_go_block_recv:
      case ev_go_block_select:
      case ev_go_block_sync:
      case ev_go_block_cond: {
        auto it = gs.find(ev.g);
        if (it != gs.end()) {
          if (it->second.futile) {
            drop[i] = true;
            for (std::size_t j : it->second.wakeup) drop[j] = true;
          }
          gs.erase(it);
        }
        break;
      }
      default:
        break;
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.events.size(); i++)
    if (!drop[i]) out.events[kept++] = out.events[i];
  out.futile_removed = out.events.size() - kept;
  out.events.resize(kept);
}

// The goroutine and P state machines over the ordered stream: checks the invariants and links
// partner events (trace_file.hpp lists the links).
void reader::replay() {
  enum class gs_t : std::uint8_t { dead, runnable, running, waiting };
  struct gdesc {
    gs_t state = gs_t::dead;
    bool known = false;
    std::int64_t p = -1;           // the P it runs on, when running
    std::size_t ev = no_link;      // the event that made it runnable or waiting
    std::size_t start = no_link;   // its GoStart, when running
    std::size_t create = no_link;  // its GoCreate until its first start
    std::size_t mark_assist = no_link;
    std::vector<std::size_t> regions;  // open UserRegion starts
  };
  struct pdesc {
    bool running = false;
    std::uint64_t g = 0;
    std::size_t sweep = no_link;
  };
  std::unordered_map<std::uint64_t, gdesc> gs;
  std::unordered_map<std::int64_t, pdesc> ps;
  std::unordered_map<std::uint64_t, std::size_t> tasks;
  gs[0].state = gs_t::running;
  gs[0].known = true;
  std::size_t gc = no_link, stw = no_link;
  auto& evs = out.events;

  auto name = [](const event& ev) { return descriptions[ev.type].name; };
  auto check_running = [&](const gdesc& g, const pdesc& p, const event& ev, bool allow_g0) {
    if (g.state != gs_t::running)
      fail_at(ev, "g %" PRIu64 " is not running while %s", ev.g, name(ev));
    if (p.g != ev.g)
      fail_at(ev, "p %" PRId64 " is not running g %" PRIu64 " while %s", ev.p, ev.g, name(ev));
    if (!allow_g0 && ev.g == 0) fail_at(ev, "g 0 did %s", name(ev));
  };
  auto stop_run = [&](gdesc& g, pdesc& p, std::size_t i) {
    if (g.start != no_link) evs[g.start].link = static_cast<std::uint32_t>(i);
    g.start = no_link;
    g.p = -1;
    p.g = 0;
  };
  // A span (GC, STW, a P's sweep, a goroutine's mark assist) opens at i in *open; closing it
  // links its start to i. what names it in the errors.
  auto open_span = [&](std::size_t* open, std::size_t i, const char* what) {
    if (*open != no_link)
      fail("%s starts before the previous one ended (offset %" PRIu64 ")", what, evs[i].off);
    *open = i;
  };
  auto close_span = [&](std::size_t* open, std::size_t i, const char* what) {
    if (*open == no_link) fail("%s ends without a start (offset %" PRIu64 ")", what, evs[i].off);
    evs[*open].link = static_cast<std::uint32_t>(i);
    *open = no_link;
  };
  // The goroutine stops running at i and is then in state next; ev_of_state: i is the event
  // that made it so (for the link to its unblock or next start).
  auto end_run = [&](gdesc& g, pdesc& p, const event& ev, std::size_t i, gs_t next,
                     bool ev_of_state) {
    check_running(g, p, ev, false);
    stop_run(g, p, i);
    g.state = next;
    if (ev_of_state) g.ev = i;
  };

  for (std::size_t i = 0; i < evs.size(); i++) {
    event& ev = evs[i];
    gdesc& g = gs[ev.g];
    pdesc& p = ps[ev.p];
    switch (ev.type) {
      case ev_proc_start:
        if (p.running) fail_at(ev, "p %" PRId64 " starts while running", ev.p);
        p.running = true;
        break;
      case ev_proc_stop:
        if (!p.running) fail_at(ev, "p %" PRId64 " stops while not running", ev.p);
        if (p.g != 0) fail_at(ev, "p %" PRId64 " stops while running g %" PRIu64, ev.p, p.g);
        p.running = false;
        break;
      case ev_gc_start:
        open_span(&gc, i, "GC");
        ev.p = gc_p;
        break;
      case ev_gc_done:
        close_span(&gc, i, "GC");
        break;
      case ev_gc_stw_start:
        open_span(&stw, i, "STW");
        break;
      case ev_gc_stw_done:
        close_span(&stw, i, "STW");
        break;
      case ev_gc_sweep_start:
        open_span(&p.sweep, i, "sweep");
        break;
      case ev_gc_sweep_done:
        close_span(&p.sweep, i, "sweep");
        break;
      case ev_gc_mark_assist_start:
        open_span(&g.mark_assist, i, "mark assist");
        break;
      case ev_gc_mark_assist_done:
        // An assist may be under way when tracing starts.
        if (g.mark_assist != no_link) evs[g.mark_assist].link = static_cast<std::uint32_t>(i);
        g.mark_assist = no_link;
        break;
      case ev_go_waiting:
      case ev_go_in_syscall:
        if (g.state != gs_t::runnable)
          fail("g %" PRIu64 " is not runnable before %s (offset %" PRIu64 ")", ev.g, name(ev),
               ev.off);
        g.state = gs_t::waiting;
        g.ev = i;
        break;
      case ev_go_create: {
        check_running(g, p, ev, true);
        auto [it, inserted] = gs.try_emplace(ev.args[0]);
        if (!inserted && it->second.known)
          fail_at(ev, "g %" PRIu64 " is created twice", ev.args[0]);
        gdesc& ng = it->second;
        ng.known = true;
        ng.state = gs_t::runnable;
        ng.ev = i;
        ng.create = i;
        break;
      }
      case ev_go_start:
      case ev_go_start_label: {
        if (!g.known)
          fail_at(ev, "g %" PRIu64 " starts on p %" PRId64 " without a create or unblock before it",
                  ev.g, ev.p);
        if (g.state == gs_t::running)
          fail_at(ev, "g %" PRIu64 " starts on p %" PRId64 " while running on p %" PRId64, ev.g,
                  ev.p, g.p);
        if (g.state != gs_t::runnable)
          fail_at(ev, "g %" PRIu64 " starts on p %" PRId64 " while %s", ev.g, ev.p,
                  g.state == gs_t::dead ? "dead" : "blocked");
        if (p.g != 0)
          fail_at(ev, "p %" PRId64 " starts g %" PRIu64 " while running g %" PRIu64, ev.p, ev.g,
                  p.g);
        g.state = gs_t::running;
        g.start = i;
        g.p = ev.p;
        p.g = ev.g;
        if (g.create != no_link) {
          // The first start shows the goroutine's entry function: the create's new stack.
          ev.stack_id = evs[g.create].args[1];
          g.create = no_link;
        }
        if (g.ev != no_link) evs[g.ev].link = static_cast<std::uint32_t>(i);
        g.ev = no_link;
        break;
      }
      case ev_go_end:
      case ev_go_stop:
        end_run(g, p, ev, i, gs_t::dead, false);
        if (ev.type == ev_go_end) {
          for (std::size_t r : g.regions) evs[r].link = static_cast<std::uint32_t>(i);
          g.regions.clear();
        }
        break;
      case ev_go_sched:
      case ev_go_preempt:
        end_run(g, p, ev, i, gs_t::runnable, true);
        break;
      case ev_go_unblock: {
        if (g.state != gs_t::running)
          fail_at(ev, "g %" PRIu64 " is not running while it unblocks g %" PRIu64, ev.g,
                  ev.args[0]);
        if (ev.p != timer_p && p.g != ev.g)
          fail_at(ev, "p %" PRId64 " is not running g %" PRIu64 " while it unblocks g %" PRIu64,
                  ev.p, ev.g, ev.args[0]);
        gdesc& g1 = gs[ev.args[0]];
        if (g1.state != gs_t::waiting)
          fail_at(ev, "g %" PRIu64 " is unblocked while not blocked", ev.args[0]);
        if (g1.ev != no_link) {
          if (evs[g1.ev].type == ev_go_block_net && ev.p != timer_p) ev.p = netpoll_p;
          evs[g1.ev].link = static_cast<std::uint32_t>(i);
        }
        g1.state = gs_t::runnable;
        g1.ev = i;
        break;
      }
      case ev_go_sys_call:
        check_running(g, p, ev, false);
        g.ev = i;
        break;
      case ev_go_sys_block:
        end_run(g, p, ev, i, gs_t::waiting, false);
        break;
      case ev_go_sys_exit:
        if (g.state != gs_t::waiting)
          fail_at(ev, "g %" PRIu64 " exits a syscall it was not blocked in", ev.g);
        if (g.ev != no_link && evs[g.ev].type == ev_go_sys_call)
          evs[g.ev].link = static_cast<std::uint32_t>(i);
        g.state = gs_t::runnable;
        g.ev = i;
        break;
      case ev_user_task_create:
        if (tasks.count(ev.args[0]))
          fail("task id %" PRIu64 " is created twice (offset %" PRIu64 ")", ev.args[0], ev.off);
        tasks[ev.args[0]] = i;
        break;
      case ev_user_task_end: {
        auto it = tasks.find(ev.args[0]);
        if (it != tasks.end()) {
          evs[it->second].link = static_cast<std::uint32_t>(i);
          tasks.erase(it);
        }
        break;
      }
      case ev_user_region:
        if (ev.args[1] == 0) {
          g.regions.push_back(i);
        } else if (ev.args[1] == 1) {
          // The region may have begun before tracing did: then its end matches nothing.
          if (!g.regions.empty()) {
            const event& s = evs[g.regions.back()];
            if (s.args[0] != ev.args[0] || s.args[2] != ev.args[2])
              fail("region end at offset %" PRIu64
                   " does not match the innermost open region"
                   " of g %" PRIu64,
                   ev.off, ev.g);
            evs[g.regions.back()].link = static_cast<std::uint32_t>(i);
            g.regions.pop_back();
          }
        } else {
          fail("UserRegion at offset %" PRIu64 " has a bad mode %" PRIu64, ev.off, ev.args[1]);
        }
        break;
      default:
        if (is_block(ev.type)) end_run(g, p, ev, i, gs_t::waiting, true);
        break;
    }
  }
}

void reader::resolve_strings() {
  // Copy the strings out of the input buffer into storage the trace owns.
  std::unordered_map<std::uint64_t, std::string_view> owned;
  owned.reserve(out.strings.size());
  for (auto& [id, s] : out.strings) owned.emplace(id, out.text.emplace_back(s));
  out.strings = std::move(owned);
  auto str = [&](std::uint64_t id) -> std::string_view {
    auto it = out.strings.find(id);
    return it == out.strings.end() ? std::string_view() : it->second;
  };
  for (event& ev : out.events) {
    switch (ev.type) {
      case ev_go_start_label:
      case ev_user_task_create:
      case ev_user_region:
        ev.sargs[0] = str(ev.args[2]);
        break;
      case ev_user_log:
        ev.sargs[0] = str(ev.args[1]);
        ev.sargs[1] = out.text.emplace_back(ev.sargs[1]);
        break;
      case ev_gc_stw_start:
        ev.sargs[0] = ev.args[0] == 0 ? "mark termination" : "sweep termination";
        break;
      default:
        break;
    }
  }
  for (auto& [id, raw_frames] : raw_stacks) {
    std::vector<frame> frames;
    frames.reserve(raw_frames.size());
    for (const raw_frame& f : raw_frames) frames.push_back({f.pc, str(f.fn), str(f.file), f.line});
    out.stacks.emplace(id, std::move(frames));
  }
}

}  // namespace

const event_description& describe(std::uint8_t type) {
  return descriptions[type < ev_count ? type : std::uint8_t{0}];
}

std::span<const frame> trace::stack(std::uint64_t id) const {
  auto it = stacks.find(id);
  if (it == stacks.end()) return {};
  return it->second;
}

std::size_t trace::count(std::uint8_t type) const {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                [&](const event& ev) { return ev.type == type; }));
}

std::vector<const event*> trace::logs(std::string_view category) const {
  std::vector<const event*> out;
  for (const event& ev : events)
    if (ev.type == ev_user_log && ev.sargs[0] == category) out.push_back(&ev);
  return out;
}

bool is_block(std::uint8_t type) {
  switch (type) {
    case ev_go_sleep:
    case ev_go_block:
    case ev_go_block_send:
    case ev_go_block_recv:
    case ev_go_block_select:
    case ev_go_block_sync:
    case ev_go_block_cond:
    case ev_go_block_net:
    case ev_go_block_gc:
      return true;
    default:
      return false;
  }
}

std::string_view block_reason(std::uint8_t type) {
  switch (type) {
    case ev_go_sleep:
      return "sleep";
    case ev_go_block:
      return "blocked";
    case ev_go_block_send:
      return "chan send";
    case ev_go_block_recv:
      return "chan receive";
    case ev_go_block_select:
      return "select";
    case ev_go_block_sync:
      return "sync";
    case ev_go_block_cond:
      return "sync.Cond";
    case ev_go_block_net:
      return "network";
    case ev_go_block_gc:
      return "GC assist";
    case ev_go_sys_block:
      return "syscall";
    case ev_go_waiting:
      return "waiting (since trace start)";
    default:
      return "unknown";
  }
}

trace parse(std::span<const std::uint8_t> data, const parse_options& options) {
  trace t;
  reader r(options, t);
  r.read(data);
  r.merge();
  r.finish_times();
  r.resolve_strings();
  if (options.remove_futile) r.remove_futile();
  r.replay();
  return t;
}

trace parse_file(const std::string& path, const parse_options& options) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open: %s", std::strerror(errno));
  std::vector<std::uint8_t> data;
  std::uint8_t buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
  const bool failed = std::ferror(f);
  const int err = errno;
  std::fclose(f);
  if (failed) fail("cannot read: %s", std::strerror(err));
  return parse(data, options);
}

}  // namespace gort::trace_file
