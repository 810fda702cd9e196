// Copyright 2026 The gort Authors.
//
// C++ twin of tests/go/chan.go: the same channel, select, sync and time scenarios written with
// gort, printing the same lines (only deterministic results are printed). tests/twins/compare.sh
// runs both and compares the output line by line.

#include <any>
#include <chrono>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include <gort/gort.hpp>

namespace {

using namespace std::chrono_literals;

std::string show(const std::any& v) {
  if (!v.has_value()) return "<nil>";
  if (auto* e = std::any_cast<gort::runtime_error>(&v)) return e->what();
  if (auto* s = std::any_cast<std::string>(&v)) return *s;
  if (auto* i = std::any_cast<int>(&v)) return std::to_string(*i);
  return "<?>";
}

std::string b(bool v) {
  return v ? "true" : "false";
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

void println(const std::string& s) {
  std::cout << s << "\n";
}

// recovered runs f and returns what a deferred recover caught.
template <class F>
std::string recovered(F&& f) {
  std::string msg;
  gort::func([&](gort::frame& fr) {
    fr.defer([&] { msg = show(gort::recover()); });
    f();
  });
  return msg;
}

void sieve() {
  auto ch = gort::make_chan<int>();
  gort::go(
      [](gort::chan<int> out) {
        for (int i = 2; i <= 100; ++i) out.send(i);
        out.close();
      },
      ch);
  std::vector<std::string> primes;
  for (;;) {
    auto [p, ok] = ch.recv();
    if (!ok) break;
    primes.push_back(std::to_string(p));
    auto next = gort::make_chan<int>();
    gort::go(
        [](gort::chan<int> in, gort::chan<int> out, int p) {
          for (int v : in)
            if (v % p != 0) out.send(v);
          out.close();
        },
        ch, next, p);
    ch = next;
  }
  println("primes " + join(primes));
}

void async_fifo() {
  auto ch = gort::make_chan<int>(5);
  for (int i = 0; i < 5; ++i) ch.send(i * i);
  ch.close();
  std::vector<std::string> got;
  for (int v : ch) got.push_back(std::to_string(v));
  println("async fifo " + join(got));
}

void chain_fifo() {
  constexpr int kN = 10;
  auto values = gort::make_chan<int>();
  auto order = gort::make_chan<std::string>(kN);
  auto in = gort::make_chan<int>();
  auto start = in;
  for (int i = 0; i < kN; ++i) {
    auto out = gort::make_chan<int>();
    gort::go(
        [values, order](int i, gort::chan<int> in, gort::chan<int> out) {
          in.recv();
          int v = values.recv().first;
          order.send(std::to_string(i) + ":" + std::to_string(v));
          out.send(1);
        },
        i, in, out);
    in = out;
  }
  start.send(0);
  for (int i = 0; i < kN; ++i) values.send(i * 10);
  in.recv();
  order.close();
  std::vector<std::string> got;
  for (auto& s : order) got.push_back(s);
  println("chain fifo " + join(got));
}

void close_and_drain() {
  auto ch = gort::make_chan<int>(3);
  ch.send(1);
  ch.send(2);
  ch.close();
  println("len " + std::to_string(ch.len()) + " cap " + std::to_string(ch.cap()));
  for (int i = 0; i < 4; ++i) {
    auto [v, ok] = ch.recv();
    println("recv " + std::to_string(v) + " " + b(ok));
  }
  gort::chan<int> nil_ch;
  println("nil len " + std::to_string(nil_ch.len()) + " cap " + std::to_string(nil_ch.cap()));
}

void range_sum() {
  auto ch = gort::make_chan<int>();
  gort::go([ch] {
    for (int i = 1; i <= 100; ++i) ch.send(i);
    ch.close();
  });
  int sum = 0;
  for (int v : ch) sum += v;
  println("range sum " + std::to_string(sum));
}

void ping_pong() {
  auto ping = gort::make_chan<int>();
  auto pong = gort::make_chan<int>();
  gort::go([ping, pong] {
    for (int v : ping) pong.send(v * 2);
    pong.close();
  });
  for (int i = 1; i <= 3; ++i) {
    ping.send(i);
    println("pong " + std::to_string(pong.recv().first));
  }
  ping.close();
  auto [v, ok] = pong.recv();
  println("pong after close " + std::to_string(v) + " " + b(ok));
}

void selects() {
  auto closed = gort::make_chan<std::string>();
  closed.close();
  gort::select(gort::recv(
      closed, [](std::string v, bool ok) { println("select closed \"" + v + "\" " + b(ok)); }));

  gort::chan<int> nil_ch;
  auto empty = gort::make_chan<int>();
  gort::select(gort::recv(nil_ch, [] { println("nil chosen"); }),
               gort::send(empty, 1, [] { println("sent to nobody"); }),
               gort::otherwise([] { println("select default"); }));

  auto ready = gort::make_chan<int>(1);
  ready.send(7);
  gort::select(gort::recv(ready, [](int v) { println("select ready " + std::to_string(v)); }),
               gort::recv(nil_ch, [] { println("nil chosen"); }));

  auto out = gort::make_chan<int>(1);
  gort::select(
      gort::send(out, 9, [&] { println("select sent " + std::to_string(out.recv().first)); }),
      gort::recv(nil_ch, [] { println("nil chosen"); }));

  auto a = gort::make_chan<int>();
  auto bch = gort::make_chan<int>();
  gort::go([a] {
    for (int i = 1; i <= 5; ++i) a.send(i);
    a.close();
  });
  gort::go([bch] {
    for (int i = 10; i <= 50; i += 10) bch.send(i);
    bch.close();
  });
  int sum = 0;
  gort::chan<int> ra = a, rb = bch;
  while (ra || rb) {
    gort::select(gort::recv(ra,
                            [&](int v, bool ok) {
                              if (!ok)
                                ra = gort::chan<int>();
                              else
                                sum += v;
                            }),
                 gort::recv(rb, [&](int v, bool ok) {
                   if (!ok)
                     rb = gort::chan<int>();
                   else
                     sum += v;
                 }));
  }
  println("merged sum " + std::to_string(sum));

  auto never = gort::make_chan<int>();
  gort::select(gort::recv(never, [] { println("never"); }),
               gort::recv(gort::after(2ms), [] { println("select timeout"); }));
}

void panics() {
  auto closed = gort::make_chan<int>();
  closed.close();
  println("send: " + recovered([&] { closed.send(1); }));
  println("select send: " + recovered([&] { gort::select(gort::send(closed, 1)); }));
  println("close closed: " + recovered([&] { closed.close(); }));
  gort::chan<int> nil_ch;
  println("close nil: " + recovered([&] { nil_ch.close(); }));
  gort::waitgroup wg;
  println("waitgroup: " + recovered([&] { wg.done(); }));
  println("ticker: " + recovered([] { gort::ticker t(0ns); }));
  println("no panic: " + recovered([] {}));
}

void syncs() {
  gort::mutex mu;
  gort::waitgroup wg;
  int n = 0;
  for (int i = 0; i < 100; ++i) {
    wg.add(1);
    gort::go([&] {
      gort::func([&](gort::frame& f) {
        f.defer(&gort::waitgroup::done, &wg);
        mu.lock();
        ++n;
        mu.unlock();
      });
    });
  }
  wg.wait();
  println("counter " + std::to_string(n));

  gort::once once;
  int calls = 0;
  for (int i = 0; i < 3; ++i) once.call([&] { ++calls; });
  println("once calls " + std::to_string(calls));

  gort::once o2;
  println("once panic: " + recovered([&] { o2.call([] { gort::panic("in once"); }); }));
  o2.call([] { println("not printed"); });
  println("once done after panic");

  gort::mutex cmu;
  gort::cond c;
  bool ready = false;
  auto woke = gort::make_chan<int>(3);
  int waiting = 0;
  for (int i = 0; i < 3; ++i) {
    gort::go([&, woke] {
      cmu.lock();
      ++waiting;
      while (!ready) c.wait(cmu);
      cmu.unlock();
      woke.send(1);
    });
  }
  for (;;) {
    cmu.lock();
    if (waiting == 3) {
      ready = true;
      c.broadcast();
      cmu.unlock();
      break;
    }
    cmu.unlock();
    gort::sleep(1ms);
  }
  int total = 0;
  for (int i = 0; i < 3; ++i) total += woke.recv().first;
  println("cond woke " + std::to_string(total));
}

void timers() {
  gort::after(1ms).recv();
  println("after fired");
  gort::timer t(1h);
  bool s1 = t.stop();
  bool s2 = t.stop();
  println("stop " + b(s1) + " " + b(s2));
  gort::timer t2(1h);
  println("reset pending " + b(t2.reset(1ms)));
  t2.c().recv();
  println("reset fired, stop " + b(t2.stop()));
  gort::ticker tk(1ms);
  for (int i = 0; i < 3; ++i) tk.c().recv();
  tk.stop();
  println("ticks 3");
  auto done = gort::make_chan<std::string>();
  gort::timer af = gort::after_func(1ms, [done] { done.send("afterfunc ran"); });
  println(done.recv().first);
  println("afterfunc stop " + b(af.stop()));
  gort::sleep(1ms);
  println("slept");
}

}  // namespace

int main() {
  return gort::run([] {
    sieve();
    async_fifo();
    chain_fifo();
    close_and_drain();
    range_sum();
    ping_pong();
    selects();
    panics();
    syncs();
    timers();
    std::cout.flush();
  });
}
