// Copyright 2026 The gort Authors.
//
// The summary: one pass over the ordered events keeping each goroutine's state (runnable,
// running, blocked with a reason, in a syscall, dead) and the time it entered it, and each P's
// running goroutine. Leaving a state adds the time spent to the goroutine's bucket for it;
// leaving runnable for running is one scheduler-latency sample, filed under what made the
// goroutine runnable. At the last event every open state is closed, so per goroutine the buckets
// add up to the time it existed in the trace.
//
// Scheduler latency here counts every runnable -> running transition ("all") and each cause on
// its own; `go tool trace`'s scheduler-latency profile counts only "wakeup" and "create".
//
// gort.defer: gort's tracer logs, per goroutine, what its defers did since its last record
// ("inline=12 pooled=3 heap=1 heap_bytes=96 panics=0 recovers=0"); the summary sums every key
// per goroutine and over the trace. A message that is not key=integer pairs is listed as an
// error, not guessed at.

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "analysis.hpp"
#include "json.hpp"

namespace gort::trace_file {

std::int64_t latency_stats::percentile(double q) const {
  if (samples.empty()) return 0;
  auto n = static_cast<double>(samples.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  if (rank == 0) rank = 1;
  if (rank > samples.size()) rank = samples.size();
  return samples[rank - 1];
}

double latency_stats::mean() const {
  if (samples.empty()) return 0;
  double sum = 0;
  for (std::int64_t v : samples) sum += static_cast<double>(v);
  return sum / static_cast<double>(samples.size());
}

namespace {
// sat_add: a += b, saturating. Times are at most 9e18 ns apiece (the reader's clamp), but a
// corrupt trace can make their sums overflow; the summary then says "huge", never wraps.
void sat_add(std::int64_t& a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    r = b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  a = r;
}
}  // namespace

std::string_view goroutine_name(const trace& t, std::uint64_t new_stack_id) {
  auto frames = t.stack(new_stack_id);
  if (frames.empty()) return {};
  return frames.front().fn;
}

std::size_t wait_reason_index(std::uint8_t type) {
  std::string_view r = block_reason(type);
  for (std::size_t i = 0; i < n_wait_reasons; i++)
    if (wait_reasons[i] == r) return i;
  return n_wait_reasons;
}

std::int64_t state_times::blocked_for(std::string_view reason) const {
  for (std::size_t i = 0; i < n_wait_reasons; i++)
    if (wait_reasons[i] == reason) return blocked_by[i];
  return 0;
}

void state_times::add(const state_times& o) {
  sat_add(running, o.running);
  sat_add(runnable, o.runnable);
  sat_add(syscall, o.syscall);
  sat_add(blocked, o.blocked);
  for (std::size_t i = 0; i < n_wait_reasons; i++) sat_add(blocked_by[i], o.blocked_by[i]);
}

namespace {

enum class gst : std::uint8_t { unknown, runnable, running, blocked, syscall, dead };

// A goroutine's state as the pass goes.
struct gtrack {
  gst state = gst::unknown;
  std::uint8_t reason = 0;  // wait_reasons index, when blocked
  const char* cause = "";   // what made it runnable, when runnable
  std::int64_t since = 0;
  std::int64_t syscall_at = -1;  // the last GoSysCall, while running
};

// Parses "k=v k=v ..." into out; false when a field is not key=integer.
bool parse_defer_message(std::string_view msg,
                         std::map<std::string, std::int64_t, std::less<>>& out) {
  std::map<std::string, std::int64_t, std::less<>> fields;
  std::size_t i = 0;
  while (i < msg.size()) {
    while (i < msg.size() && msg[i] == ' ') i++;
    if (i == msg.size()) break;
    std::size_t j = msg.find(' ', i);
    if (j == std::string_view::npos) j = msg.size();
    std::string_view field = msg.substr(i, j - i);
    std::size_t eq = field.find('=');
    if (eq == 0 || eq == std::string_view::npos) return false;
    std::int64_t v = 0;
    std::string_view num = field.substr(eq + 1);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || ptr != num.data() + num.size()) return false;
    auto& f = fields[std::string(field.substr(0, eq))];
    f = static_cast<std::int64_t>(static_cast<std::uint64_t>(f) + static_cast<std::uint64_t>(v));
    i = j;
  }
  if (fields.empty()) return false;
  for (auto& [k, v] : fields) {
    auto& sum = out[k];
    // Wrapping add: a hostile trace must not make the sum undefined.
    sum =
        static_cast<std::int64_t>(static_cast<std::uint64_t>(sum) + static_cast<std::uint64_t>(v));
  }
  return true;
}

}  // namespace

summary summarize(const trace& t) {
  summary s;
  s.duration = t.duration();
  s.events = t.events.size();
  // Goroutines in order of first appearance; index by id.
  std::vector<goroutine_stats> gstats;
  std::vector<gtrack> gt;
  std::unordered_map<std::uint64_t, std::uint32_t> index;
  {
    // Every goroutine of a 1.19 trace has a GoCreate: size the tables once.
    std::size_t creates = 1;
    for (const event& ev : t.events) creates += ev.type == ev_go_create;
    gstats.reserve(creates);
    gt.reserve(creates);
    index.reserve(creates);
  }
  struct ptrack {
    std::uint64_t g = 0;
    std::int64_t since = 0;
    bool running = false;
  };
  std::map<std::int64_t, proc_stats> pstats;
  std::unordered_map<std::int64_t, ptrack> pt;
  std::array<reason_stats, n_wait_reasons> waits{};
  reason_stats syscalls;
  std::uint64_t counts[ev_count] = {};

  auto id_of = [&](std::uint64_t g) -> std::size_t {
    auto [it, inserted] = index.try_emplace(g, static_cast<std::uint32_t>(gstats.size()));
    if (inserted) {
      gstats.emplace_back().g = g;
      gt.emplace_back();
    }
    return it->second;
  };
  // Moves goroutine i to a new state at ts, adding the time spent in the old one.
  auto enter = [&](std::size_t i, std::int64_t ts, gst state) -> gtrack& {
    gtrack& tr = gt[i];
    goroutine_stats& st = gstats[i];
    std::int64_t d = ts - tr.since;
    if (d < 0) d = 0;
    switch (tr.state) {
      case gst::runnable:
        sat_add(st.runnable, d);
        break;
      case gst::running:
        sat_add(st.running, d);
        break;
      case gst::syscall:
        sat_add(st.syscall, d);
        sat_add(syscalls.total, d);
        break;
      case gst::blocked:
        sat_add(st.blocked, d);
        sat_add(st.blocked_by[tr.reason], d);
        sat_add(waits[tr.reason].total, d);
        break;
      default:
        break;
    }
    tr.state = state;
    tr.since = ts;
    return tr;
  };
  auto is_real_p = [](std::int64_t p) { return p >= 0 && p < fake_p; };
  auto end_run = [&](const event& ev) {
    if (!is_real_p(ev.p)) return;
    ptrack& p = pt[ev.p];
    if (p.running && p.g == ev.g) {
      sat_add(pstats[ev.p].busy, ev.ts - p.since);
      p.running = false;
    }
  };
  auto block = [&](std::size_t i, std::int64_t ts, std::uint8_t type) {
    std::size_t r = wait_reason_index(type);
    if (r == n_wait_reasons) r = 1;  // "blocked"
    enter(i, ts, gst::blocked).reason = static_cast<std::uint8_t>(r);
    waits[r].count++;
  };

  for (const event& ev : t.events) {
    counts[ev.type < ev_count ? ev.type : 0]++;
    if (is_real_p(ev.p)) pstats.try_emplace(ev.p).first->second.p = ev.p;
    switch (ev.type) {
      case ev_go_create: {
        std::size_t i = id_of(ev.args[0]);
        goroutine_stats& st = gstats[i];
        st.created = ev.ts;
        st.created_in_trace = ev.g != 0;
        st.name = goroutine_name(t, ev.args[1]);
        enter(i, ev.ts, gst::runnable).cause = "create";
        break;
      }
      case ev_go_waiting:
        block(id_of(ev.g), ev.ts, ev.type);
        break;
      case ev_go_in_syscall:
        enter(id_of(ev.g), ev.ts, gst::syscall);
        break;
      case ev_go_start:
      case ev_go_start_label: {
        std::size_t i = id_of(ev.g);
        gtrack& tr = gt[i];
        if (tr.state == gst::runnable) {
          std::int64_t lat = ev.ts - tr.since;
          s.latency["all"].samples.push_back(lat);
          s.latency[tr.cause].samples.push_back(lat);
        }
        enter(i, ev.ts, gst::running);
        gstats[i].starts++;
        if (is_real_p(ev.p)) {
          ptrack& p = pt[ev.p];
          p.g = ev.g;
          p.since = ev.ts;
          p.running = true;
          pstats[ev.p].runs++;
        }
        break;
      }
      case ev_go_end:
      case ev_go_stop: {
        end_run(ev);
        std::size_t i = id_of(ev.g);
        enter(i, ev.ts, gst::dead);
        gstats[i].ended = ev.ts;
        break;
      }
      case ev_go_sched:
      case ev_go_preempt:
        end_run(ev);
        enter(id_of(ev.g), ev.ts, gst::runnable).cause =
            ev.type == ev_go_sched ? "yield" : "preempt";
        break;
      case ev_go_sys_block: {
        end_run(ev);
        // The goroutine was in the system call since its GoSysCall (sysmon took the P only
        // later): that time moves from running to syscall.
        std::size_t i = id_of(ev.g);
        gtrack& tr = gt[i];
        std::int64_t in_call =
            tr.state == gst::running && tr.syscall_at >= tr.since ? ev.ts - tr.syscall_at : 0;
        enter(i, ev.ts, gst::syscall);
        gstats[i].running -= in_call;
        sat_add(gstats[i].syscall, in_call);
        sat_add(syscalls.total, in_call);
        syscalls.count++;
        break;
      }
      case ev_go_unblock:
        enter(id_of(ev.args[0]), ev.ts, gst::runnable).cause = "wakeup";
        break;
      case ev_go_sys_exit:
        enter(id_of(ev.g), ev.ts, gst::runnable).cause = "syscall";
        break;
      case ev_go_sys_call:
        s.syscalls++;
        gt[id_of(ev.g)].syscall_at = ev.ts;
        break;
      case ev_gc_start:
        s.gc_count++;
        sat_add(s.gc_time, (ev.link != no_link ? t.events[ev.link].ts : s.duration) - ev.ts);
        break;
      case ev_gc_stw_start:
        s.stw_count++;
        sat_add(s.stw_time, (ev.link != no_link ? t.events[ev.link].ts : s.duration) - ev.ts);
        break;
      case ev_user_task_create:
        s.tasks++;
        break;
      case ev_user_region:
        if (ev.args[1] == 0) {
          auto& r = s.regions[std::string(ev.sargs[0])];
          r.first++;
          sat_add(r.second, (ev.link != no_link ? t.events[ev.link].ts : s.duration) - ev.ts);
        }
        break;
      case ev_user_log:
        s.log_categories[std::string(ev.sargs[0])]++;
        if (ev.sargs[0] == "gort.defer") {
          s.defer_records++;
          if (parse_defer_message(ev.sargs[1], gstats[id_of(ev.g)].defers)) {
            parse_defer_message(ev.sargs[1], s.defers);
          } else if (s.defer_errors.size() < 10) {
            char where[64];
            std::snprintf(where, sizeof where, "offset %" PRIu64 ": ", ev.off);
            s.defer_errors.push_back(where + std::string(ev.sargs[1]));
          }
        }
        break;
      case ev_cpu_sample:
        s.cpu_samples++;
        break;
      default:
        if (is_block(ev.type)) {
          end_run(ev);
          block(id_of(ev.g), ev.ts, ev.type);
        }
        break;
    }
  }
  for (std::size_t i = 0; i < gt.size(); i++) enter(i, s.duration, gst::dead);
  for (auto& [p, tr] : pt)
    if (tr.running) sat_add(pstats[p].busy, s.duration - tr.since);

  for (std::uint8_t type = 1; type < ev_count; type++)
    if (counts[type]) s.event_counts[describe(type).name] = counts[type];
  gt.clear();
  gt.shrink_to_fit();
  index.clear();
  s.goroutines = std::move(gstats);
  std::erase_if(s.goroutines, [](const goroutine_stats& st) { return st.g == 0; });
  std::sort(s.goroutines.begin(), s.goroutines.end(),
            [](const goroutine_stats& a, const goroutine_stats& b) { return a.g < b.g; });
  std::map<std::string_view, group_stats> groups;
  for (const goroutine_stats& g : s.goroutines) {
    group_stats& gr = groups[g.name];
    gr.name = g.name;
    gr.count++;
    gr.starts += g.starts;
    gr.add(g);
  }
  for (auto& [name, gr] : groups) s.groups.push_back(gr);
  std::stable_sort(
      s.groups.begin(), s.groups.end(),
      [](const group_stats& a, const group_stats& b) { return a.running > b.running; });
  for (auto& [p, st] : pstats) s.procs.push_back(st);
  for (std::size_t r = 0; r < n_wait_reasons; r++) {
    if (waits[r].count == 0 && waits[r].total == 0) continue;
    waits[r].reason = std::string(wait_reasons[r]);
    s.block_reasons.push_back(waits[r]);
  }
  if (syscalls.count || syscalls.total) {
    syscalls.reason = "syscall";
    s.block_reasons.push_back(syscalls);
  }
  std::stable_sort(s.block_reasons.begin(), s.block_reasons.end(),
                   [](const reason_stats& a, const reason_stats& b) { return a.total > b.total; });
  for (auto& [k, l] : s.latency) std::sort(l.samples.begin(), l.samples.end());
  return s;
}

std::string format_ns(std::int64_t ns, ns_style style) {
  // Per unit: the fixed decimals of the summary's columns, or three significant digits.
  static constexpr const char* formats[2][3] = {{"%.1fus", "%.2fms", "%.3fs"},
                                                {"%.3gus", "%.3gms", "%.3gs"}};
  const char* const* f = formats[style == ns_style::fixed ? 0 : 1];
  char buf[64];
  double v = static_cast<double>(ns);
  if (ns < 1000)
    std::snprintf(buf, sizeof buf, "%" PRId64 "ns", ns);
  else if (ns < 1000000)
    std::snprintf(buf, sizeof buf, f[0], v / 1e3);
  else if (ns < 1000000000)
    std::snprintf(buf, sizeof buf, f[1], v / 1e6);
  else
    std::snprintf(buf, sizeof buf, f[2], v / 1e9);
  return buf;
}

namespace {

std::string fmt_ns(std::int64_t ns) {
  return format_ns(ns, ns_style::fixed);
}

const char* latency_order[] = {"all", "wakeup", "create", "yield", "preempt", "syscall"};

}  // namespace

namespace {

std::string blocked_by_text(const state_times& st) {
  std::string by;
  for (std::size_t r = 0; r < n_wait_reasons; r++) {
    if (st.blocked_by[r] == 0) continue;
    if (!by.empty()) by += ", ";
    by += std::string(wait_reasons[r]) + " " + fmt_ns(st.blocked_by[r]);
  }
  return by;
}

std::string short_name(std::string_view name) {
  std::string n = name.empty() ? "?" : std::string(name);
  if (n.size() > 32) n = n.substr(0, 29) + "...";
  return n;
}

void blocked_by_json(json_writer& j, const state_times& st) {
  j.key("blocked_by").begin_object();
  for (std::size_t r = 0; r < n_wait_reasons; r++)
    if (st.blocked_by[r] != 0) j.key(wait_reasons[r]).value(st.blocked_by[r]);
  j.end_object();
}

void times_json(json_writer& j, const state_times& st) {
  j.key("running_ns").value(st.running);
  j.key("runnable_ns").value(st.runnable);
  j.key("syscall_ns").value(st.syscall);
  j.key("blocked_ns").value(st.blocked);
  blocked_by_json(j, st);
}

}  // namespace

void write_summary_text(std::ostream& out, const summary& s, std::size_t max_goroutines) {
  char line[512];
  out << "duration " << fmt_ns(s.duration) << ", " << s.events << " events, " << s.goroutines.size()
      << " goroutines, " << s.procs.size() << " Ps\n\n";
  out << "scheduler latency (runnable -> running)\n";
  std::snprintf(line, sizeof line, "  %-8s %8s %10s %10s %10s %10s\n", "cause", "count", "p50",
                "p90", "p99", "max");
  out << line;
  for (const char* k : latency_order) {
    auto it = s.latency.find(k);
    if (it == s.latency.end()) continue;
    const latency_stats& l = it->second;
    std::snprintf(line, sizeof line, "  %-8s %8zu %10s %10s %10s %10s\n", k, l.samples.size(),
                  fmt_ns(l.percentile(0.5)).c_str(), fmt_ns(l.percentile(0.9)).c_str(),
                  fmt_ns(l.percentile(0.99)).c_str(), fmt_ns(l.max()).c_str());
    out << line;
  }
  out << "\nPs\n";
  for (const proc_stats& p : s.procs) {
    double share =
        s.duration > 0 ? 100.0 * static_cast<double>(p.busy) / static_cast<double>(s.duration) : 0;
    std::snprintf(line, sizeof line, "  P%-4" PRId64 " busy %10s %5.1f%%  %" PRIu64 " runs\n", p.p,
                  fmt_ns(p.busy).c_str(), share, p.runs);
    out << line;
  }
  out << "\nblock reasons (by total time)\n";
  for (const reason_stats& r : s.block_reasons) {
    std::snprintf(line, sizeof line, "  %-28s %8" PRIu64 " times %12s\n", r.reason.c_str(), r.count,
                  fmt_ns(r.total).c_str());
    out << line;
  }
  const char* head = "  %6s %-32s %10s %10s %10s %10s  %s\n";
  out << "\ngoroutine groups (by entry function; by running time)\n";
  std::snprintf(line, sizeof line, head, "count", "entry", "running", "runnable", "syscall",
                "blocked", "blocked by");
  out << line;
  for (const group_stats& g : s.groups) {
    std::snprintf(line, sizeof line, "  %6" PRIu64 " %-32s %10s %10s %10s %10s  ", g.count,
                  short_name(g.name).c_str(), fmt_ns(g.running).c_str(), fmt_ns(g.runnable).c_str(),
                  fmt_ns(g.syscall).c_str(), fmt_ns(g.blocked).c_str());
    out << line << blocked_by_text(g) << "\n";
  }
  out << "\ngoroutines\n";
  std::snprintf(line, sizeof line, head, "g", "entry", "running", "runnable", "syscall", "blocked",
                "blocked by");
  out << line;
  std::size_t listed = 0;
  for (const goroutine_stats& g : s.goroutines) {
    if (listed++ == max_goroutines) {
      out << "  ... " << s.goroutines.size() - max_goroutines
          << " more (--goroutines all lists them)\n";
      break;
    }
    std::snprintf(line, sizeof line, "  %6" PRIu64 " %-32s %10s %10s %10s %10s  ", g.g,
                  short_name(g.name).c_str(), fmt_ns(g.running).c_str(), fmt_ns(g.runnable).c_str(),
                  fmt_ns(g.syscall).c_str(), fmt_ns(g.blocked).c_str());
    out << line << blocked_by_text(g) << "\n";
  }
  out << "\nGC: " << s.gc_count << " cycles " << fmt_ns(s.gc_time) << ", STW " << s.stw_count
      << " times " << fmt_ns(s.stw_time) << "; syscalls " << s.syscalls << "; CPU samples "
      << s.cpu_samples << "\n";
  out << "user: " << s.tasks << " tasks";
  for (auto& [name, r] : s.regions)
    out << "; region " << name << " x" << r.first << " " << fmt_ns(r.second);
  for (auto& [cat, n] : s.log_categories)
    out << "; log " << (cat.empty() ? "\"\"" : cat) << " x" << n;
  out << "\n";
  if (s.defer_records > 0) {
    out << "\ndefers (gort.defer, " << s.defer_records << " records):";
    for (auto& [k, v] : s.defers) out << " " << k << "=" << v;
    out << "\n";
    std::size_t shown = 0;
    for (const goroutine_stats& g : s.goroutines) {
      if (g.defers.empty()) continue;
      if (shown++ == max_goroutines) {
        out << "  ...\n";
        break;
      }
      out << "  g" << g.g;
      for (auto& [k, v] : g.defers) out << " " << k << "=" << v;
      out << "\n";
    }
    for (const std::string& e : s.defer_errors) out << "  unparsed: " << e << "\n";
  }
}

void write_summary_json(std::ostream& out, const summary& s, std::size_t max_goroutines) {
  json_writer j(out);
  j.begin_object();
  j.key("duration_ns").value(s.duration);
  j.key("events").value(static_cast<std::uint64_t>(s.events));
  j.key("event_counts").begin_object();
  for (auto& [name, n] : s.event_counts) j.key(name).value(n);
  j.end_object();
  j.key("latency").begin_object();
  for (const char* k : latency_order) {
    auto it = s.latency.find(k);
    const latency_stats empty;
    const latency_stats& l = it == s.latency.end() ? empty : it->second;
    j.key(k).begin_object();
    j.key("count").value(static_cast<std::uint64_t>(l.samples.size()));
    j.key("p50_ns").value(l.percentile(0.5));
    j.key("p90_ns").value(l.percentile(0.9));
    j.key("p99_ns").value(l.percentile(0.99));
    j.key("max_ns").value(l.max());
    j.key("mean_ns").value(l.mean());
    j.end_object();
  }
  j.end_object();
  j.key("procs").begin_array();
  for (const proc_stats& p : s.procs) {
    j.begin_object();
    j.key("p").value(p.p);
    j.key("busy_ns").value(p.busy);
    j.key("busy_share")
        .value(s.duration > 0 ? static_cast<double>(p.busy) / static_cast<double>(s.duration)
                              : 0.0);
    j.key("runs").value(p.runs);
    j.end_object();
  }
  j.end_array();
  j.key("block_reasons").begin_array();
  for (const reason_stats& r : s.block_reasons) {
    j.begin_object();
    j.key("reason").value(r.reason);
    j.key("count").value(r.count);
    j.key("total_ns").value(r.total);
    j.end_object();
  }
  j.end_array();
  j.key("goroutine_count").value(static_cast<std::uint64_t>(s.goroutines.size()));
  j.key("goroutine_groups").begin_array();
  for (const group_stats& g : s.groups) {
    j.begin_object();
    j.key("name").value(g.name);
    j.key("count").value(g.count);
    j.key("starts").value(g.starts);
    times_json(j, g);
    j.end_object();
  }
  j.end_array();
  j.key("goroutines_listed")
      .value(static_cast<std::uint64_t>(std::min(max_goroutines, s.goroutines.size())));
  j.key("goroutines").begin_array();
  std::size_t listed = 0;
  for (const goroutine_stats& g : s.goroutines) {
    if (listed++ == max_goroutines) break;
    j.begin_object();
    j.key("g").value(g.g);
    j.key("name").value(g.name);
    j.key("created_in_trace").value(g.created_in_trace);
    j.key("created_ns").value(g.created);
    j.key("ended_ns").value(g.ended);
    j.key("starts").value(g.starts);
    times_json(j, g);
    j.key("defers").begin_object();
    for (auto& [k, v] : g.defers) j.key(k).value(v);
    j.end_object();
    j.end_object();
  }
  j.end_array();
  j.key("gc").begin_object();
  j.key("count").value(s.gc_count);
  j.key("total_ns").value(s.gc_time);
  j.key("stw_count").value(s.stw_count);
  j.key("stw_ns").value(s.stw_time);
  j.end_object();
  j.key("syscalls").value(s.syscalls);
  j.key("cpu_samples").value(s.cpu_samples);
  j.key("user").begin_object();
  j.key("tasks").value(s.tasks);
  j.key("regions").begin_object();
  for (auto& [name, r] : s.regions) {
    j.key(name).begin_object();
    j.key("count").value(r.first);
    j.key("total_ns").value(r.second);
    j.end_object();
  }
  j.end_object();
  j.key("logs").begin_object();
  for (auto& [cat, n] : s.log_categories) j.key(cat).value(n);
  j.end_object();
  j.end_object();
  // Defers by strategy, summed over the gort.defer records; per goroutine in "goroutines".
  j.key("defers").begin_object();
  j.key("records").value(s.defer_records);
  j.key("total").begin_object();
  for (auto& [k, v] : s.defers) j.key(k).value(v);
  j.end_object();
  j.key("unparsed").begin_array();
  for (const std::string& e : s.defer_errors) j.value(e);
  j.end_array();
  j.end_object();
  j.end_object();
  out << "\n";
}

}  // namespace gort::trace_file
