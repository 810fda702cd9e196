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

std::string goroutine_name(const trace& t, std::uint64_t new_stack_id) {
  auto frames = t.stack(new_stack_id);
  if (frames.empty()) return {};
  return std::string(frames.front().fn);
}

namespace {

enum class gst : std::uint8_t { unknown, runnable, running, blocked, syscall, dead };

struct gtrack {
  gst state = gst::unknown;
  std::int64_t since = 0;
  std::string_view reason;       // when blocked
  const char* cause = "";        // when runnable
  std::int64_t syscall_at = -1;  // the last GoSysCall, while running
};

// Parses "k=v k=v ..." into out; false when a field is not key=integer.
bool parse_defer_message(std::string_view msg,
                         std::map<std::string, std::int64_t, std::less<>>& out) {
  bool any = false;
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
    std::string_view key = field.substr(0, eq);
    auto it = out.find(key);
    if (it == out.end()) it = out.emplace(std::string(key), 0).first;
    // Wrapping add: a hostile trace must not make the sum undefined.
    it->second = static_cast<std::int64_t>(static_cast<std::uint64_t>(it->second) +
                                           static_cast<std::uint64_t>(v));
    any = true;
    i = j;
  }
  return any;
}

}  // namespace

summary summarize(const trace& t) {
  summary s;
  s.duration = t.duration();
  s.events = t.events.size();
  std::map<std::uint64_t, goroutine_stats> gstats;
  std::unordered_map<std::uint64_t, gtrack> gt;
  struct ptrack {
    std::uint64_t g = 0;
    std::int64_t since = 0;
    bool running = false;
  };
  std::map<std::int64_t, proc_stats> pstats;
  std::unordered_map<std::int64_t, ptrack> pt;
  std::map<std::string, reason_stats, std::less<>> reasons;

  auto stats_of = [&](std::uint64_t g) -> goroutine_stats& {
    auto [it, inserted] = gstats.try_emplace(g);
    if (inserted) it->second.g = g;
    return it->second;
  };
  auto reason_of = [&](std::string_view r) -> reason_stats& {
    auto it = reasons.find(r);
    if (it == reasons.end()) {
      it = reasons.emplace(std::string(r), reason_stats{}).first;
      it->second.reason = std::string(r);
    }
    return it->second;
  };
  // Leaves g's current state at ts, adding the time spent in it.
  auto leave = [&](std::uint64_t g, std::int64_t ts) -> gtrack& {
    gtrack& tr = gt[g];
    goroutine_stats& st = stats_of(g);
    std::int64_t d = ts - tr.since;
    if (d < 0) d = 0;
    switch (tr.state) {
      case gst::runnable:
        st.runnable += d;
        break;
      case gst::running:
        st.running += d;
        break;
      case gst::syscall:
        st.syscall += d;
        reason_of("syscall").total += d;
        break;
      case gst::blocked: {
        st.blocked += d;
        auto it = st.blocked_by.find(tr.reason);
        if (it == st.blocked_by.end()) it = st.blocked_by.emplace(std::string(tr.reason), 0).first;
        it->second += d;
        reason_of(tr.reason).total += d;
        break;
      }
      default:
        break;
    }
    return tr;
  };
  auto enter = [&](std::uint64_t g, std::int64_t ts, gst state) -> gtrack& {
    gtrack& tr = leave(g, ts);
    tr.state = state;
    tr.since = ts;
    return tr;
  };
  auto is_real_p = [](std::int64_t p) { return p >= 0 && p < fake_p; };
  auto end_run = [&](const event& ev) {
    if (!is_real_p(ev.p)) return;
    ptrack& p = pt[ev.p];
    if (p.running && p.g == ev.g) {
      pstats[ev.p].busy += ev.ts - p.since;
      p.running = false;
    }
  };

  for (const event& ev : t.events) {
    s.event_counts[describe(ev.type).name]++;
    if (is_real_p(ev.p)) pstats.try_emplace(ev.p).first->second.p = ev.p;
    switch (ev.type) {
      case ev_go_create: {
        goroutine_stats& st = stats_of(ev.args[0]);
        st.created = ev.ts;
        st.created_in_trace = ev.g != 0;
        st.name = goroutine_name(t, ev.args[1]);
        enter(ev.args[0], ev.ts, gst::runnable).cause = "create";
        break;
      }
      case ev_go_waiting:
        enter(ev.g, ev.ts, gst::blocked).reason = block_reason(ev.type);
        reason_of(block_reason(ev.type)).count++;
        break;
      case ev_go_in_syscall:
        enter(ev.g, ev.ts, gst::syscall);
        break;
      case ev_go_start:
      case ev_go_start_label: {
        gtrack& tr = gt[ev.g];
        if (tr.state == gst::runnable) {
          std::int64_t lat = ev.ts - tr.since;
          s.latency["all"].samples.push_back(lat);
          s.latency[tr.cause].samples.push_back(lat);
        }
        enter(ev.g, ev.ts, gst::running);
        stats_of(ev.g).starts++;
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
      case ev_go_stop:
        end_run(ev);
        enter(ev.g, ev.ts, gst::dead);
        stats_of(ev.g).ended = ev.ts;
        break;
      case ev_go_sched:
      case ev_go_preempt:
        end_run(ev);
        enter(ev.g, ev.ts, gst::runnable).cause = ev.type == ev_go_sched ? "yield" : "preempt";
        break;
      case ev_go_sys_block: {
        end_run(ev);
        // The goroutine was in the system call since its GoSysCall (sysmon took the P only
        // later): that time moves from running to syscall.
        gtrack& tr = gt[ev.g];
        std::int64_t in_call =
            tr.state == gst::running && tr.syscall_at >= tr.since ? ev.ts - tr.syscall_at : 0;
        enter(ev.g, ev.ts, gst::syscall);
        goroutine_stats& st = stats_of(ev.g);
        st.running -= in_call;
        st.syscall += in_call;
        reason_of("syscall").total += in_call;
        reason_of("syscall").count++;
        break;
      }
      case ev_go_unblock:
        enter(ev.args[0], ev.ts, gst::runnable).cause = "wakeup";
        break;
      case ev_go_sys_exit:
        enter(ev.g, ev.ts, gst::runnable).cause = "syscall";
        break;
      case ev_go_sys_call:
        s.syscalls++;
        gt[ev.g].syscall_at = ev.ts;
        break;
      case ev_gc_start:
        s.gc_count++;
        s.gc_time += (ev.link != no_link ? t.events[ev.link].ts : s.duration) - ev.ts;
        break;
      case ev_gc_stw_start:
        s.stw_count++;
        s.stw_time += (ev.link != no_link ? t.events[ev.link].ts : s.duration) - ev.ts;
        break;
      case ev_user_task_create:
        s.tasks++;
        break;
      case ev_user_region:
        if (ev.args[1] == 0) {
          auto& r = s.regions[std::string(ev.sargs[0])];
          r.first++;
          r.second += (ev.link != no_link ? t.events[ev.link].ts : s.duration) - ev.ts;
        }
        break;
      case ev_user_log:
        s.log_categories[std::string(ev.sargs[0])]++;
        if (ev.sargs[0] == "gort.defer") {
          s.defer_records++;
          std::map<std::string, std::int64_t, std::less<>> fields;
          if (parse_defer_message(ev.sargs[1], fields)) {
            goroutine_stats& st = stats_of(ev.g);
            for (auto& [k, v] : fields) {
              st.defers[k] += v;
              s.defers[k] += v;
            }
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
          gtrack& tr = enter(ev.g, ev.ts, gst::blocked);
          tr.reason = block_reason(ev.type);
          reason_of(tr.reason).count++;
        }
        break;
    }
  }
  for (auto& [g, tr] : gt) leave(g, s.duration);
  for (auto& [p, tr] : pt)
    if (tr.running) pstats[p].busy += s.duration - tr.since;

  for (auto& [g, st] : gstats)
    if (g != 0) s.goroutines.push_back(std::move(st));
  for (auto& [p, st] : pstats) s.procs.push_back(st);
  for (auto& [r, st] : reasons) s.block_reasons.push_back(st);
  std::stable_sort(s.block_reasons.begin(), s.block_reasons.end(),
                   [](const reason_stats& a, const reason_stats& b) { return a.total > b.total; });
  for (auto& [k, l] : s.latency) std::sort(l.samples.begin(), l.samples.end());
  return s;
}

namespace {

std::string fmt_ns(std::int64_t ns) {
  char buf[64];
  double v = static_cast<double>(ns);
  if (ns < 1000)
    std::snprintf(buf, sizeof buf, "%" PRId64 "ns", ns);
  else if (ns < 1000000)
    std::snprintf(buf, sizeof buf, "%.1fus", v / 1e3);
  else if (ns < 1000000000)
    std::snprintf(buf, sizeof buf, "%.2fms", v / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.3fs", v / 1e9);
  return buf;
}

const char* latency_order[] = {"all", "wakeup", "create", "yield", "preempt", "syscall"};

}  // namespace

void write_summary_text(std::ostream& out, const summary& s) {
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
  out << "\ngoroutines\n";
  std::snprintf(line, sizeof line, "  %6s %-32s %10s %10s %10s %10s  %s\n", "g", "entry", "running",
                "runnable", "syscall", "blocked", "blocked by");
  out << line;
  for (const goroutine_stats& g : s.goroutines) {
    std::string by;
    for (auto& [r, ns] : g.blocked_by) {
      if (!by.empty()) by += ", ";
      by += r + " " + fmt_ns(ns);
    }
    std::string name = g.name.empty() ? "?" : g.name;
    if (name.size() > 32) name = name.substr(0, 29) + "...";
    std::snprintf(line, sizeof line, "  %6" PRIu64 " %-32s %10s %10s %10s %10s  ", g.g,
                  name.c_str(), fmt_ns(g.running).c_str(), fmt_ns(g.runnable).c_str(),
                  fmt_ns(g.syscall).c_str(), fmt_ns(g.blocked).c_str());
    out << line << by << "\n";
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
    for (const goroutine_stats& g : s.goroutines) {
      if (g.defers.empty()) continue;
      out << "  g" << g.g;
      for (auto& [k, v] : g.defers) out << " " << k << "=" << v;
      out << "\n";
    }
    for (const std::string& e : s.defer_errors) out << "  unparsed: " << e << "\n";
  }
}

void write_summary_json(std::ostream& out, const summary& s) {
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
  j.key("goroutines").begin_array();
  for (const goroutine_stats& g : s.goroutines) {
    j.begin_object();
    j.key("g").value(g.g);
    j.key("name").value(g.name);
    j.key("created_in_trace").value(g.created_in_trace);
    j.key("created_ns").value(g.created);
    j.key("ended_ns").value(g.ended);
    j.key("starts").value(g.starts);
    j.key("running_ns").value(g.running);
    j.key("runnable_ns").value(g.runnable);
    j.key("syscall_ns").value(g.syscall);
    j.key("blocked_ns").value(g.blocked);
    j.key("blocked_by").begin_object();
    for (auto& [r, ns] : g.blocked_by) j.key(r).value(ns);
    j.end_object();
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
