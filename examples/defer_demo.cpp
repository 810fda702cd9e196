// Copyright 2026 The gort Authors.
//
// A first tour of gort's frame core: defer, a named result changed by a deferred call, panic and
// recover, and a C++ exception treated as a panic. Run: build/<preset>/examples/defer_demo

#include <cstdio>
#include <stdexcept>
#include <string>

#include <gort/gort.hpp>

// Go:
//   func divide(a, b int) (q int, err string) {
//       defer func() {
//           if r := recover(); r != nil { err = fmt.Sprint(r) }
//       }()
//       return a / b, ""
//   }
struct quotient {
  int q = 0;
  std::string err;
};

quotient divide(int a, int b) {
  return gort::func<quotient>([&](gort::frame& f, quotient& r) {
    f.defer([&r] {
      std::any v = gort::recover();
      if (auto* s = std::any_cast<std::string>(&v)) r.err = *s;
    });
    if (b == 0) gort::panic("integer divide by zero");
    r.q = a / b;
  });
}

int main() {
  gort::func([](gort::frame& f) {
    for (int i = 0; i < 3; ++i) f.defer([i] { std::printf("deferred %d\n", i); });
    std::printf("body done\n");  // then: deferred 2, 1, 0
  });

  quotient ok = divide(7, 2), bad = divide(1, 0);
  std::printf("7/2 = %d, 1/0 -> error \"%s\"\n", ok.q, bad.err.c_str());

  int handled = gort::func<int>([](gort::frame& f, int& r) {
    f.defer([&r] {
      if (gort::recover().has_value()) r = -1;  // the value is the std::exception_ptr
    });
    throw std::out_of_range("C++ exceptions are panics too");
  });
  std::printf("exception recovered: result %d\n", handled);

  gort::runtime_stats s = gort::stats();
  std::printf("defers: %llu inline, %llu pooled, %llu heap; panics %llu, recovers %llu\n",
              static_cast<unsigned long long>(s.defers_inline),
              static_cast<unsigned long long>(s.defers_pooled),
              static_cast<unsigned long long>(s.defers_heap),
              static_cast<unsigned long long>(s.panics),
              static_cast<unsigned long long>(s.recovers));
}
