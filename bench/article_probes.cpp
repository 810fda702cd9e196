// Copyright 2026 The gort Authors.
//
// gort's side of bench/go/probes/probes.go: the articles' snippets written with gort, printing
// the same "key: value" lines, plus the storage path gort chose for each probe's deferred calls
// (the analogue of `go build -gcflags=-d=defer`), read from gort::stats().

#include <cstdio>
#include <string>
#include <vector>

#include <gort/gort.hpp>

namespace {

std::vector<std::string> out;
int sink;
void cleanup() {
  ++sink;
}

std::string collect(void (*f)()) {
  out.clear();
  f();
  std::string s;
  for (const auto& x : out) s += (s.empty() ? "" : " ") + x;
  return s;
}

void emit(const char* key, const std::string& value) {
  std::printf("%s: %s\n", key, value.c_str());
}

// Loop variables shared by every iteration live outside the function (Go < 1.22 semantics).
int shared_i;

void capture_trap() {
  gort::func([](gort::frame& f) {
    for (shared_i = 0; shared_i < 3; ++shared_i)
      f.defer([] { out.push_back(std::to_string(shared_i)); });
  });
}
void capture_by_value() {
  gort::func([](gort::frame& f) {
    for (int i = 0; i < 3; ++i) f.defer([](int v) { out.push_back(std::to_string(v)); }, i);
  });
}
void capture_redeclare() {
  gort::func([](gort::frame& f) {
    for (int i = 0; i < 3; ++i) {
      int j = i;
      f.defer([j] { out.push_back(std::to_string(j)); });
    }
  });
}
int shared_x;
void closure_sees_final_value() {
  gort::func([](gort::frame& f) {
    shared_x = 42;
    f.defer([] { out.push_back(std::to_string(shared_x)); });
    shared_x = 43;
  });
}
void loop_arguments() {
  gort::func([](gort::frame& f) {
    for (int v : {10, 20, 30}) f.defer([](int v) { out.push_back(std::to_string(v)); }, v);
  });
}
void lifo() {
  gort::func([](gort::frame& f) {
    f.defer([] { out.push_back("first"); });
    f.defer([] { out.push_back("second"); });
    f.defer([] { out.push_back("third"); });
  });
}
void conditional(bool c) {
  gort::func([c](gort::frame& f) {
    if (c) f.defer([] { out.push_back("deferred"); });
    out.push_back("after-if");
  });
}
bool defer_recover_builtin_stops_panic() {
  // Go's `defer recover()`: recover is itself the deferred call. gort's equivalent defers the
  // function gort::recover directly.
  std::any caught = gort::func<std::any>([](gort::frame& f, std::any& caught) {
    f.defer([&caught] { caught = gort::recover(); });
    gort::func([](gort::frame& g) {
      g.defer(&gort::recover);
      gort::panic("x");
    });
  });
  return !caught.has_value();
}

void recover_then_rest() {
  gort::func([](gort::frame& f) {
    f.defer([] { out.push_back("earlier-defer-ran"); });
    f.defer([] {
      std::any v = gort::recover();
      out.push_back("recovered-" + (v.has_value() ? std::any_cast<std::string>(v) : "<nil>"));
    });
    gort::panic("p");
  });
}

template <class Fn>
std::string kind_of(Fn fn) {
  gort::runtime_stats before = gort::stats();
  fn();
  gort::runtime_stats d = gort::stats() - before;
  std::string s;
  auto add = [&](const char* name, std::uint64_t n) {
    if (n != 0) s += (s.empty() ? "" : " ") + std::string(name) + "=" + std::to_string(n);
  };
  add("inline", d.defers_inline);
  add("pooled", d.defers_pooled);
  add("heap", d.defers_heap);
  return s;
}

}  // namespace

int main() {
  emit("capture-by-reference", collect(capture_trap));
  emit("capture-by-value", collect(capture_by_value));
  emit("capture-redeclare", collect(capture_redeclare));
  emit("closure-sees-final-value", collect(closure_sees_final_value));
  emit("loop-arguments", collect(loop_arguments));
  emit("lifo", collect(lifo));
  emit("conditional-true", collect([] { conditional(true); }));
  emit("conditional-false", collect([] { conditional(false); }));
  emit("defer-recover-builtin-stops-panic", defer_recover_builtin_stops_panic() ? "true" : "false");
  emit("recover-then-rest", collect(recover_then_rest));
  emit("simple-defer-returns", std::to_string(gort::func([](gort::frame& f) {
         f.defer(cleanup);
         return 42;
       })));
  auto n_defers = [](int n) {
    return [n] {
      gort::func([n](gort::frame& f) {
        for (int i = 0; i < n; ++i) f.defer(cleanup);
      });
    };
  };
  emit("kind-probeOneDefer", kind_of(n_defers(1)));
  emit("kind-probeEight", kind_of(n_defers(8)));
  emit("kind-probeNine", kind_of(n_defers(9)));
  emit("kind-probeLoop100", kind_of(n_defers(100)));
  emit("kind-closure-by-reference", kind_of([] {
         int x = 1;
         gort::func([&](gort::frame& f) { f.defer([&] { sink = x; }); });
       }));
  emit("kind-capture-1000-ints-by-value", kind_of([] {
         struct big {
           int data[1000];
         };
         gort::func([](gort::frame& f) {
           big b{};
           f.defer([b] { sink = b.data[0]; });
         });
       }));
  emit("kind-capture-100-ints-by-value", kind_of([] {
         struct mid {
           int data[100];
         };
         gort::func([](gort::frame& f) {
           mid m{};
           f.defer([m] { sink = m.data[0]; });
         });
       }));
  emit("sizeof-frame", std::to_string(sizeof(gort::frame)));
  emit("sizeof-defer-slot", std::to_string(sizeof(gort::internal::defer_slot)));
  emit("sizeof-defer-chunk", std::to_string(sizeof(gort::internal::defer_chunk)));
}
