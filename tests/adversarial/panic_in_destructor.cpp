// Copyright 2026 The gort Authors.
//
// A destructor that panics while a panic unwinds through it. Go's twin is a deferred call that
// panics while a panic runs: both print the chain, the first panic then the second on a line of
// its own starting with a tab, and exit 2. C++ ends the program at once here (a destructor that
// throws during unwinding calls std::terminate), so unlike Go's twin, gort runs no deferred call
// of the frames outside the destructor: the expectations check only the report. The report used
// to be `panic: (C++ exception gort::internal::panic_signal)`, losing both values.
//
// expect exit 2
// expect stderr ^panic: panic while dtor throws$
// expect stderr ^	panic: from dtor$
// expect stderr ^goroutine 1 \[running\]:$
// expect no-stderr panic_signal
#include <gort/gort.hpp>

namespace {

struct throws_on_destruction {
  ~throws_on_destruction() noexcept(false) { gort::panic("from dtor"); }
};

}  // namespace

int main() {
  return gort::run([] {
    gort::func([](gort::frame&) {
      throws_on_destruction d;
      gort::panic("panic while dtor throws");
    });
  });
}
