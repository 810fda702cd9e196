// Copyright 2026 The gort Authors.
//
// Nested re-panics across three frames of a goroutine: recovered, re-raised, replaced. Go
// prints every panic of the chain, oldest first, `[recovered]` where it applies.
//
// expect exit 2
// expect stdout ^deferred 3$
// expect stderr ^panic: 1 \[recovered\]$
// expect stderr ^	panic: 2$
// expect stderr ^	panic: 3$
// expect stderr ^goroutine [0-9]+ \[running\]:$
#include <cstdio>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([] {
      gort::func([](gort::frame& f) {
        f.defer([] {
          std::puts("deferred 3");
          std::fflush(stdout);
        });
        gort::func([](gort::frame& g) {
          g.defer([] { gort::panic(3); });
          gort::func([](gort::frame& h) {
            h.defer([] {
              gort::recover();
              gort::panic(2);
            });
            gort::panic(1);
          });
        });
      });
    });
    done.recv();
  });
}
