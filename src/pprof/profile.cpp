// Copyright 2026 The gort Authors.
//
// profile.proto, written by hand: the format is a handful of messages of varints and
// length-delimited fields (protobuf's wire format), so a protobuf library would add a
// dependency and a code generator for about a hundred lines.
//
//   Profile: 1 sample_type (ValueType), 2 sample, 3 mapping, 4 location, 5 function,
//            6 string_table (index 0 is ""), 9 time_nanos, 10 duration_nanos,
//            11 period_type, 12 period, 13 comment, 14 default_sample_type.
//   ValueType {1 type, 2 unit} (string indexes).  Sample {1 location_id (packed),
//   2 value (packed), 3 label {1 key, 2 str}}.  Mapping {1 id, 2 memory_start, 3 memory_limit,
//   4 file_offset, 5 filename, 7..10 has_functions/filenames/line_numbers/inline_frames}.
//   Location {1 id, 2 mapping_id, 3 address, 4 line {1 function_id, 2 line}}: lines innermost
//   first, as the symbolizer returns inlined frames.  Function {1 id, 2 name, 3 system_name,
//   4 filename}.
//
// Mappings: the executable mappings of /proc/self/maps at write time, marked as symbolized
// (has_functions...), so that pprof shows our names and does not look for the binaries itself.
// Functions are keyed by (name, file), locations by address.

#include "pprof/profile.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <span>
#include <unordered_map>

#include "symbolize/symbolize.hpp"

namespace gort::internal {
namespace {

// A protobuf message being built.
class pb {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    buf_.push_back(static_cast<char>(v));
  }
  void key(int field, int wire) { varint(static_cast<std::uint64_t>(field) << 3 | wire); }
  // An integer field (int64 and uint64 encode alike for non-negative values; negative int64s
  // take ten bytes, as protobuf says). Zero is the default and is left out.
  void integer(int field, std::int64_t v) {
    if (v == 0) return;
    key(field, 0);
    varint(static_cast<std::uint64_t>(v));
  }
  void boolean(int field, bool v) { integer(field, v ? 1 : 0); }
  void bytes(int field, std::string_view s) {
    key(field, 2);
    varint(s.size());
    buf_.append(s);
  }
  void message(int field, const pb& m) { bytes(field, m.buf_); }
  template <class T>
  void packed(int field, std::span<const T> vs) {
    if (vs.empty()) return;
    pb inner;
    for (T v : vs) inner.varint(static_cast<std::uint64_t>(v));
    message(field, inner);
  }
  std::string& str() { return buf_; }

 private:
  std::string buf_;
};

class string_table {
 public:
  string_table() { index(""); }
  std::int64_t index(const std::string& s) {
    auto [it, fresh] = ids_.try_emplace(s, static_cast<std::int64_t>(list_.size()));
    if (fresh) list_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::unordered_map<std::string, std::int64_t> ids_;
  std::vector<std::string> list_;
};

struct mapping {
  std::uintptr_t start, limit, offset;
  std::string file;
};

std::vector<mapping> read_mappings() {
  std::vector<mapping> out;
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long start = 0, end = 0, offset = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &start, &end, perms, &offset, &path_at) < 4)
      continue;
    if (std::strchr(perms, 'x') == nullptr) continue;
    std::string path = path_at > 0 ? line + path_at : "";
    while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
    out.push_back({start, end, offset, path});
  }
  std::fclose(f);
  return out;
}

}  // namespace

std::string encode_profile(const profile_header& header,
                           const std::vector<profile_sample>& samples) {
  string_table strings;
  pb prof;
  auto value_type = [&](const std::pair<std::string, std::string>& vt) {
    pb m;
    m.integer(1, strings.index(vt.first));
    m.integer(2, strings.index(vt.second));
    return m;
  };
  for (const auto& vt : header.sample_types) prof.message(1, value_type(vt));

  // Locations: one per distinct address, symbolized in one batch.
  std::vector<std::uintptr_t> addrs;
  std::unordered_map<std::uintptr_t, std::uint64_t> location_id;
  for (const profile_sample& s : samples)
    for (std::uintptr_t a : s.stack)
      if (location_id.try_emplace(a, addrs.size() + 1).second) addrs.push_back(a);
  std::vector<std::vector<symbol>> syms = symbolize(std::span<const std::uintptr_t>(addrs));

  for (const profile_sample& s : samples) {
    pb m;
    std::vector<std::uint64_t> ids;
    ids.reserve(s.stack.size());
    for (std::uintptr_t a : s.stack) ids.push_back(location_id[a]);
    m.packed<std::uint64_t>(1, ids);
    m.packed<std::int64_t>(2, s.values);
    for (const auto& [k, v] : s.labels) {
      pb l;
      l.integer(1, strings.index(k));
      l.integer(2, strings.index(v));
      m.message(3, l);
    }
    prof.message(2, m);
  }

  std::vector<mapping> maps = read_mappings();
  for (std::size_t i = 0; i < maps.size(); ++i) {
    pb m;
    m.integer(1, static_cast<std::int64_t>(i + 1));
    m.integer(2, static_cast<std::int64_t>(maps[i].start));
    m.integer(3, static_cast<std::int64_t>(maps[i].limit));
    m.integer(4, static_cast<std::int64_t>(maps[i].offset));
    m.integer(5, strings.index(maps[i].file));
    m.boolean(7, true);
    m.boolean(8, true);
    m.boolean(9, true);
    m.boolean(10, true);
    prof.message(3, m);
  }
  auto mapping_of = [&](std::uintptr_t a) -> std::int64_t {
    for (std::size_t i = 0; i < maps.size(); ++i)
      if (a >= maps[i].start && a < maps[i].limit) return static_cast<std::int64_t>(i + 1);
    return 0;
  };

  std::map<std::pair<std::string, std::string>, std::int64_t> function_id;
  pb functions;
  for (std::size_t i = 0; i < addrs.size(); ++i) {
    pb loc;
    loc.integer(1, static_cast<std::int64_t>(i + 1));
    loc.integer(2, mapping_of(addrs[i]));
    loc.integer(3, static_cast<std::int64_t>(addrs[i]));
    for (const symbol& sym : syms[i]) {
      std::string name = sym.function;
      if (name.empty()) {
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(addrs[i]));
        name = hex;
      }
      auto [it, fresh] = function_id.try_emplace({name, sym.file},
                                                 static_cast<std::int64_t>(function_id.size() + 1));
      if (fresh) {
        pb fn;
        fn.integer(1, it->second);
        fn.integer(2, strings.index(name));
        fn.integer(3, strings.index(name));
        fn.integer(4, strings.index(sym.file));
        functions.message(5, fn);
      }
      pb line;
      line.integer(1, it->second);
      line.integer(2, sym.line);
      loc.message(4, line);
    }
    prof.message(4, loc);
  }
  prof.str() += functions.str();

  // The string table comes last: every index above has been taken by now.
  std::int64_t default_type =
      header.default_sample_type.empty() ? 0 : strings.index(header.default_sample_type);
  pb period_type = value_type(header.period_type);
  std::vector<std::int64_t> comments;
  for (const std::string& c : header.comments) comments.push_back(strings.index(c));
  for (const std::string& s : strings.list()) prof.bytes(6, s);
  prof.integer(9, header.time_nanos);
  prof.integer(10, header.duration_nanos);
  prof.message(11, period_type);
  prof.integer(12, header.period);
  for (std::int64_t c : comments) prof.integer(13, c);
  prof.integer(14, default_type);
  return std::move(prof.str());
}

std::error_code write_gzip(int fd, const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::make_error_code(std::errc::io_error);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::error_code ec;
  unsigned char out[1 << 16];
  int rc;
  do {
    zs.next_out = out;
    zs.avail_out = sizeof out;
    rc = deflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_ERROR) {
      ec = std::make_error_code(std::errc::io_error);
      break;
    }
    std::size_t n = sizeof out - zs.avail_out;
    for (std::size_t off = 0; off < n;) {
      ssize_t w = ::write(fd, out + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ec = std::error_code(w < 0 ? errno : ENOSPC, std::system_category());
        break;
      }
      off += static_cast<std::size_t>(w);
    }
  } while (!ec && rc != Z_STREAM_END);
  deflateEnd(&zs);
  return ec;
}

}  // namespace gort::internal
