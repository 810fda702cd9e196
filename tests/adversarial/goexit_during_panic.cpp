// Copyright 2026 The gort Authors.
//
// goexit called by a deferred call while a panic runs: the panic is dropped, the remaining
// deferred calls run (recover() finds nothing), the goroutine ends, and the program goes on.
//
// expect exit 0
// expect stdout ^outer recover: none$
// expect stdout ^main goes on$
#include <cstdio>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([=] {
      gort::func([&](gort::frame& f) {
        f.defer([=] { done.close(); });
        f.defer([] {
          std::puts(gort::recover().has_value() ? "outer recover: value" : "outer recover: none");
        });
        f.defer([] { gort::goexit(); });
        gort::panic("dropped");
      });
      std::puts("unreachable");
    });
    done.recv();
    std::puts("main goes on");
  });
}
