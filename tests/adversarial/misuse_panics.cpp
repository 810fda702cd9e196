// Copyright 2026 The gort Authors.
//
// Misuse that Go turns into recoverable panics, each recovered with Go's message: close of a
// nil channel, close of a closed channel, a negative WaitGroup counter, a non-positive ticker
// interval. The last one goes unrecovered.
//
// expect exit 2
// expect stdout ^recovered: close of nil channel$
// expect stdout ^recovered: close of closed channel$
// expect stdout ^recovered: sync: negative WaitGroup counter$
// expect stdout ^recovered: non-positive interval for NewTicker$
// expect stderr ^panic: send on closed channel$
#include <cstdio>
#include <string>

#include <gort/gort.hpp>

namespace {

template <class F>
void try_it(F f) {
  gort::func([&](gort::frame& fr) {
    fr.defer([] {
      std::any v = gort::recover();
      if (auto* e = std::any_cast<gort::runtime_error>(&v))
        std::printf("recovered: %s\n", e->what());
      else
        std::printf("recovered something else\n");
    });
    f();
  });
}

}  // namespace

int main() {
  return gort::run([] {
    try_it([] {
      gort::chan<int> nil;
      nil.close();
    });
    try_it([] {
      auto c = gort::make_chan<int>();
      c.close();
      c.close();
    });
    try_it([] {
      gort::waitgroup wg;
      wg.add(-1);
    });
    try_it([] { gort::ticker t(std::chrono::nanoseconds(0)); });
    std::fflush(stdout);
    auto c = gort::make_chan<int>(1);
    c.close();
    c.send(1);
  });
}
