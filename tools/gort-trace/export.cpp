// Copyright 2026 The gort Authors.
//
// gort-trace's exports: Perfetto / Chrome trace-event JSON, the SVG timeline and histogram, and
// the event dump in `go tool trace -d`'s format.
//
// Perfetto layout. Process 1 "Ps" has a thread track per real P (tid = P id) holding one
// complete ("X") slice per goroutine run, from its GoStart to the event that ended it, and
// instants for CPU samples; tid 1000004 ("GC") holds GC cycles and STW pauses. Process 2
// "Goroutines" has a track per goroutine (tid = goroutine id) with its user regions as slices
// and its user logs as instants; user tasks are async slices there. A flow arrow ("s" at the
// unblock on the unblocking goroutine's P, "f" binding to the enclosing slice of the start)
// joins each unblock to the run it caused. Timestamps are microseconds with nanosecond digits.
//
// SVG layout: one row per P over the window, a rectangle per run coloured by goroutine (a
// <title> names it), a time axis, then the scheduler-latency histogram in power-of-two buckets.

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "analysis.hpp"
#include "json.hpp"

namespace gort::trace_file {
namespace {

constexpr std::int64_t procs_pid = 1, goroutines_pid = 2;

std::string us(std::int64_t ns) {
  char buf[48];
  // ns is >= 0 after parsing; print as microseconds with three decimals, exactly.
  std::uint64_t a = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "", a / 1000, a % 1000);
  return buf;
}

std::string goroutine_label(std::uint64_t g, const std::map<std::uint64_t, std::string>& names) {
  std::string s = "G" + std::to_string(g);
  auto it = names.find(g);
  if (it != names.end() && !it->second.empty()) s += " " + it->second;
  return s;
}

std::map<std::uint64_t, std::string> goroutine_names(const trace& t) {
  std::map<std::uint64_t, std::string> names;
  for (const event& ev : t.events)
    if (ev.type == ev_go_create) names[ev.args[0]] = goroutine_name(t, ev.args[1]);
  return names;
}

bool real_p(std::int64_t p) {
  return p >= 0 && p < fake_p;
}

void meta(json_writer& j, const char* what, std::int64_t pid, std::int64_t tid,
          std::string_view name, std::int64_t sort) {
  j.begin_object();
  j.key("ph").value("M").key("name").value(what).key("pid").value(pid);
  if (tid >= 0) j.key("tid").value(tid);
  j.key("args").begin_object().key("name").value(name).end_object();
  j.end_object();
  j.begin_object();
  j.key("ph").value("M").key("pid").value(pid);
  if (tid >= 0)
    j.key("name").value("thread_sort_index").key("tid").value(tid);
  else
    j.key("name").value("process_sort_index");
  j.key("args").begin_object().key("sort_index").value(sort).end_object();
  j.end_object();
}

std::string xml_escape(std::string_view s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&':
        r += "&amp;";
        break;
      case '<':
        r += "&lt;";
        break;
      case '>':
        r += "&gt;";
        break;
      case '"':
        r += "&quot;";
        break;
      case '\'':
        r += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped; and the bytes must be UTF-8.
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80)
          r += '?';
        else
          r += c;
    }
  }
  return r;
}

// The SVG's labels: three significant digits.
std::string fmt_ns(std::int64_t ns) {
  return format_ns(ns, ns_style::significant);
}

}  // namespace

void write_perfetto(std::ostream& out, const trace& t, std::int64_t from, std::int64_t to) {
  auto names = goroutine_names(t);
  const std::int64_t end = t.duration();
  if (to < 0 || to > end) to = end;
  auto outside = [&](std::int64_t a, std::int64_t b) { return b < from || a > to; };
  json_writer j(out);
  j.begin_object();
  j.key("displayTimeUnit").value("ns");
  j.key("traceEvents").begin_array();
  meta(j, "process_name", procs_pid, -1, "Ps", 0);
  meta(j, "process_name", goroutines_pid, -1, "Goroutines", 1);
  std::set<std::int64_t> ps;
  std::set<std::uint64_t> gs;
  for (const event& ev : t.events) {
    if (real_p(ev.p)) ps.insert(ev.p);
    if (ev.type == ev_user_log || ev.type == ev_user_region) gs.insert(ev.g);
  }
  for (std::int64_t p : ps) meta(j, "thread_name", procs_pid, p, "P" + std::to_string(p), p);
  meta(j, "thread_name", procs_pid, gc_p, "GC", gc_p);
  for (std::uint64_t g : gs)
    meta(j, "thread_name", goroutines_pid, static_cast<std::int64_t>(g), goroutine_label(g, names),
         static_cast<std::int64_t>(g));

  std::uint64_t flow_id = 0;
  for (std::size_t i = 0; i < t.events.size(); i++) {
    const event& ev = t.events[i];
    const bool linked = ev.link != no_link;
    const std::int64_t stop = linked ? t.events[ev.link].ts : end;
    if (ev.ts > to) break;
    // Slices (and flows, tasks) that end before the window are left out; instants too.
    if (outside(ev.ts, stop)) continue;
    switch (ev.type) {
      case ev_go_start:
      case ev_go_start_label: {
        if (!real_p(ev.p)) break;
        j.begin_object();
        j.key("ph").value("X").key("pid").value(procs_pid).key("tid").value(ev.p);
        j.key("name").value(goroutine_label(ev.g, names));
        j.key("cat").value("goroutine");
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.key("dur").raw_number(us(stop - ev.ts).c_str());
        j.key("args").begin_object();
        j.key("g").value(ev.g);
        j.key("end").value(linked ? describe(t.events[ev.link].type).name : "trace end");
        if (ev.type == ev_go_start_label) j.key("label").value(ev.sargs[0]);
        j.end_object();
        j.end_object();
        break;
      }
      case ev_go_unblock: {
        // A flow from the unblocking run to the run the unblock caused.
        if (!linked || !real_p(ev.p)) break;
        const event& start = t.events[ev.link];
        if (!real_p(start.p)) break;
        flow_id++;
        j.begin_object();
        j.key("ph").value("s").key("id").value(flow_id).key("name").value("unblock");
        j.key("cat").value("flow").key("pid").value(procs_pid).key("tid").value(ev.p);
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.end_object();
        j.begin_object();
        j.key("ph").value("f").key("bp").value("e").key("id").value(flow_id);
        j.key("name").value("unblock").key("cat").value("flow");
        j.key("pid").value(procs_pid).key("tid").value(start.p);
        j.key("ts").raw_number(us(start.ts).c_str());
        j.end_object();
        break;
      }
      case ev_gc_start:
      case ev_gc_stw_start: {
        j.begin_object();
        j.key("ph").value("X").key("pid").value(procs_pid).key("tid").value(gc_p);
        j.key("name").value(ev.type == ev_gc_start ? std::string_view("GC")
                                                   : std::string_view("STW"));
        j.key("cat").value("gc");
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.key("dur").raw_number(us(stop - ev.ts).c_str());
        if (ev.type == ev_gc_stw_start)
          j.key("args").begin_object().key("kind").value(ev.sargs[0]).end_object();
        j.end_object();
        break;
      }
      case ev_user_region:
        if (ev.args[1] != 0) break;
        j.begin_object();
        j.key("ph").value("X").key("pid").value(goroutines_pid);
        j.key("tid").value(ev.g).key("name").value(ev.sargs[0]).key("cat").value("region");
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.key("dur").raw_number(us(stop - ev.ts).c_str());
        j.key("args").begin_object().key("task").value(ev.args[0]).end_object();
        j.end_object();
        break;
      case ev_user_log:
        j.begin_object();
        j.key("ph").value("i").key("s").value("t").key("pid").value(goroutines_pid);
        j.key("tid").value(ev.g);
        j.key("name").value(ev.sargs[0].empty() ? std::string_view("log") : ev.sargs[0]);
        j.key("cat").value("log");
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.key("args").begin_object();
        j.key("category").value(ev.sargs[0]).key("message").value(ev.sargs[1]);
        j.key("task").value(ev.args[0]);
        j.end_object();
        j.end_object();
        break;
      case ev_user_task_create:
        j.begin_object();
        j.key("ph").value("b").key("cat").value("task").key("id").value(ev.args[0]);
        j.key("name").value(ev.sargs[0]).key("pid").value(goroutines_pid).key("tid").value(ev.g);
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.end_object();
        j.begin_object();
        j.key("ph").value("e").key("cat").value("task").key("id").value(ev.args[0]);
        j.key("name").value(ev.sargs[0]).key("pid").value(goroutines_pid).key("tid").value(ev.g);
        j.key("ts").raw_number(us(stop).c_str());
        j.end_object();
        break;
      case ev_cpu_sample: {
        if (!real_p(ev.p)) break;
        auto frames = t.stack(ev.stack_id);
        j.begin_object();
        j.key("ph").value("i").key("s").value("t").key("pid").value(procs_pid);
        j.key("tid").value(ev.p).key("name").value("CPU sample").key("cat").value("cpu");
        j.key("ts").raw_number(us(ev.ts).c_str());
        j.key("args").begin_object().key("g").value(ev.g);
        j.key("function").value(frames.empty() ? std::string_view() : frames.front().fn);
        j.end_object();
        j.end_object();
        break;
      }
      default:
        break;
    }
  }
  j.end_array();
  j.end_object();
  out << "\n";
}

void write_svg(std::ostream& out, const trace& t, const summary& s, std::int64_t from,
               std::int64_t to) {
  if (to < 0 || to > t.duration()) to = t.duration();
  if (from < 0) from = 0;
  if (from > to) from = to;
  const double span = static_cast<double>(std::max<std::int64_t>(to - from, 1));
  auto names = goroutine_names(t);
  std::set<std::int64_t> ps;
  for (const event& ev : t.events)
    if (real_p(ev.p)) ps.insert(ev.p);

  const double left = 70, width = 1100, row = 22, top = 40;
  const double timeline_h = row * static_cast<double>(ps.size());
  const double hist_top = top + timeline_h + 70, hist_h = 160;
  const double total_h = hist_top + hist_h + 60;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                "font-family=\"sans-serif\" font-size=\"11\">\n",
                left + width + 30, total_h);
  out << buf;
  std::snprintf(buf, sizeof buf,
                "<text x=\"%.0f\" y=\"20\" font-size=\"14\">Ps from %s to %s</text>\n", left,
                fmt_ns(from).c_str(), fmt_ns(to).c_str());
  out << buf;
  std::map<std::int64_t, double> row_y;
  double y = top;
  for (std::int64_t p : ps) {
    row_y[p] = y;
    std::snprintf(buf, sizeof buf,
                  "<text x=\"5\" y=\"%.1f\">P%" PRId64
                  "</text>\n"
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f4f4f4\"/>\n",
                  y + row * 0.65, p, left, y + 2, width, row - 4);
    out << buf;
    y += row;
  }
  // Runs, clipped to the window; slivers under a tenth of a pixel are left out.
  for (const event& ev : t.events) {
    if ((ev.type != ev_go_start && ev.type != ev_go_start_label) || !real_p(ev.p)) continue;
    std::int64_t a = ev.ts, b = ev.link != no_link ? t.events[ev.link].ts : t.duration();
    if (b < from || a > to) continue;
    a = std::max(a, from);
    b = std::min(b, to);
    double x = left + static_cast<double>(a - from) / span * width;
    double w = static_cast<double>(b - a) / span * width;
    if (w < 0.1) continue;
    unsigned hue = static_cast<unsigned>((ev.g * 47) % 360);
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                  "fill=\"hsl(%u,60%%,55%%)\"><title>",
                  x, row_y[ev.p] + 3, w, row - 6, hue);
    out << buf << xml_escape(goroutine_label(ev.g, names)) << " " << fmt_ns(b - a)
        << "</title></rect>\n";
  }
  // Time axis.
  for (int i = 0; i <= 10; i++) {
    double x = left + width * i / 10.0;
    std::int64_t at = from + static_cast<std::int64_t>(span * i / 10.0);
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  x, top + timeline_h, x, top + timeline_h + 5, x, top + timeline_h + 18,
                  fmt_ns(at - from).c_str());
    out << buf;
  }

  // The latency histogram: bucket k holds latencies in [2^k, 2^(k+1)) ns.
  std::vector<std::uint64_t> buckets(64, 0);
  auto it = s.latency.find("all");
  std::size_t n = 0;
  if (it != s.latency.end()) {
    for (std::int64_t v : it->second.samples) {
      int k = v <= 1 ? 0 : 63 - __builtin_clzll(static_cast<unsigned long long>(v));
      buckets[static_cast<std::size_t>(k)]++;
    }
    n = it->second.samples.size();
  }
  std::size_t lo = 64, hi = 0;
  for (std::size_t k = 0; k < 64; k++)
    if (buckets[k]) lo = std::min(lo, k), hi = std::max(hi, k);
  std::snprintf(buf, sizeof buf,
                "<text x=\"%.0f\" y=\"%.1f\" font-size=\"14\">scheduler latency, runnable to "
                "running (%zu samples; buckets from 2^k ns, heights on a log scale)</text>\n",
                left, hist_top - 20, n);
  out << buf;
  if (lo <= hi) {
    std::uint64_t most = *std::max_element(buckets.begin(), buckets.end());
    double bw = width / static_cast<double>(hi - lo + 1);
    for (std::size_t k = lo; k <= hi; k++) {
      // Log-scaled heights: the typical bucket holds orders of magnitude more than the tail.
      double h = buckets[k] == 0 ? 0
                                 : hist_h * std::log1p(static_cast<double>(buckets[k])) /
                                       std::log1p(static_cast<double>(most));
      double x = left + bw * static_cast<double>(k - lo);
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7ab5\">"
                    "<title>%s: %" PRIu64
                    "</title></rect>\n"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64
                    "</text>\n"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                    x + 1, hist_top + hist_h - h, bw - 2, h, fmt_ns(std::int64_t{1} << k).c_str(),
                    buckets[k], x + bw / 2, hist_top + hist_h - h - 3, buckets[k], x + bw / 2,
                    hist_top + hist_h + 14, fmt_ns(std::int64_t{1} << k).c_str());
      out << buf;
    }
  } else {
    std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"%.1f\">no samples</text>\n", left,
                  hist_top + 20);
    out << buf;
  }
  out << "</svg>\n";
}

void write_dump(std::ostream& out, const trace& t) {
  for (const event& ev : t.events) {
    const event_description& d = describe(ev.type);
    out << ev.ts << ' ' << d.name << " p=" << ev.p << " g=" << ev.g << " off=" << ev.off;
    for (int i = 0; i < d.nargs; i++) out << ' ' << d.arg_names[i] << '=' << ev.args[i];
    for (int i = 0; i < d.nsargs; i++) out << ' ' << d.sarg_names[i] << '=' << ev.sargs[i];
    out << '\n';
  }
}

}  // namespace gort::trace_file
