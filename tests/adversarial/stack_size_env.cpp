// Copyright 2026 The gort Authors.
//
// GORT_STACK_SIZE=-1 was accepted: strtoull wrapped it to 2^64 - 1, rounding to pages made it 0,
// stack_size() reported 0 and every gort::go was then fatal with an unrelated message. It is now
// rejected at the first go with the same error as every bad GORT_* value (docs/env.md), before
// the goroutine runs. (No Go twin: Go's stacks grow and have no size to set.)
//
// env GORT_STACK_SIZE=-1
// expect exit 2
// expect stderr ^fatal error: GORT_STACK_SIZE="-1": must be a size in bytes \(k, m or g suffix
// allowed\), at least 16k and at most 1g$ expect no-stderr goroutine ran
#include <cstdio>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([=] {
      std::fputs("goroutine ran\n", stderr);
      done.send(1);
    });
    done.recv();
  });
}
