// Copyright 2026 The gort Authors.
//
// Every goroutine blocked, each on a different kind of wait (channel receive, channel send,
// select, mutex, WaitGroup, cond): a deadlock, reported with Go's message and status.
//
// expect exit 2
// expect stderr ^fatal error: all goroutines are asleep - deadlock!$
// expect stderr ^goroutine 1 \[chan receive\]:$
// expect stderr ^goroutine [0-9]+ \[chan send\]:$
// expect stderr ^goroutine [0-9]+ \[select\]:$
// expect stderr ^goroutine [0-9]+ \[sync.Cond.Wait\]:$
// Go 1.19 says `semacquire` for both of these; gort names them as Go 1.20 does.
// expect-gort stderr ^goroutine [0-9]+ \[sync.Mutex.Lock\]:$
// expect-gort stderr ^goroutine [0-9]+ \[sync.WaitGroup.Wait\]:$
// expect-go stderr ^goroutine [0-9]+ \[semacquire\]:$
#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    auto a = gort::make_chan<int>();
    auto b = gort::make_chan<int>();
    auto c = gort::make_chan<int>();
    auto d = gort::make_chan<int>();
    static gort::mutex mu;
    static gort::waitgroup wg;
    mu.lock();
    wg.add(1);
    gort::go([=] { b.send(1); });
    gort::go([=] { gort::select(gort::recv(c, [] {}), gort::send(d, 2, [] {})); });
    gort::go([] { mu.lock(); });
    gort::go([] { wg.wait(); });
    gort::go([] {
      static gort::mutex m2;
      static gort::cond c2;
      m2.lock();
      c2.wait(m2);
    });
    a.recv();
  });
}
