// Copyright 2026 The gort Authors.
//
// Unlock of an unlocked mutex in a goroutine: Go's fatal error (not a recoverable panic: the
// deferred recover does not see it), exit status 2.
//
// expect exit 2
// expect stderr ^fatal error: sync: unlock of unlocked mutex$
// expect no-stdout recovered
// expect no-stderr recovered
#include <cstdio>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([] {
      gort::func([](gort::frame& f) {
        f.defer([] {
          if (gort::recover().has_value()) std::puts("recovered");
        });
        gort::mutex m;
        m.unlock();
      });
    });
    done.recv();
  });
}
