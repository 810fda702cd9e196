// Copyright 2026 The gort Authors.
//
// A send on a closed channel in a goroutine other than main: Go's panic message, the goroutine's
// id, exit status 2; main's deferred output never appears. (This one passed from the start: it
// keeps the harness honest about a behaviour that already matched Go.)
//
// expect exit 2
// expect stderr ^panic: send on closed channel$
// expect stderr ^goroutine [0-9]+ \[running\]:$
// expect no-stderr unreachable
#include <cstdio>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    auto c = gort::make_chan<int>(1);
    c.close();
    auto done = gort::make_chan<int>();
    gort::go([=] { c.send(1); });
    done.recv();
    std::fputs("unreachable\n", stderr);
  });
}
