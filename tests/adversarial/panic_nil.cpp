// Copyright 2026 The gort Authors.
//
// panic(nullptr) is Go's panic(nil). Recovered, the function returns normally (gort's recover()
// returns a std::any holding nullptr, Go 1.19's returns nil); unrecovered, in a goroutine
// other than main, it prints `panic: nil` and exits 2. It used to be a SIGSEGV with no output:
// the value printer took nullptr for a C string.
//
// expect exit 2
// expect stdout ^recovered$
// expect-gort stdout ^value holds nullptr_t$
// expect-go stdout ^value <nil>$
// expect stderr ^panic: nil$
// expect stderr ^goroutine [0-9]+ \[running\]:$
// expect no-stderr unreachable
#include <cstdio>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    gort::func([](gort::frame& f) {
      f.defer([] {
        std::any v = gort::recover();
        std::puts(v.has_value() && v.type() == typeid(std::nullptr_t) ? "value holds nullptr_t"
                                                                      : "value missing");
      });
      gort::panic(nullptr);
    });
    std::puts("recovered");
    std::fflush(stdout);
    auto done = gort::make_chan<int>();
    gort::go([] { gort::panic(static_cast<const char*>(nullptr)); });
    done.recv();
    std::fputs("unreachable\n", stderr);
  });
}
