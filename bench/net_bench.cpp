// Copyright 2026 The gort Authors.
//
// Network benchmarks (issue 11): a TCP echo round trip over loopback, one connection, 64 bytes,
// at P = 1 (and P = 2): the client goroutine writes 64 bytes and reads them back; a server
// goroutine echoes. One iteration is one round trip. The Go twin is bench/go/net_test.go,
// BenchmarkTCPEcho/P1 <-> BM_GortTCPEcho/1, with the same user-level code (net.Dial, Write, a
// read loop until 64 bytes came back; the server: Accept, Read, Write). Times are wall-clock
// (UseRealTime): the goroutines move between threads. tools/bench/net.sh runs both sides
// alternating.

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstring>

#include <gort/gort.hpp>
#include <gort/net.hpp>

namespace {

// proc_cpu_ns is the process's CPU time (user + system, every thread): on a loaded machine the
// wall time per round trip measures the other processes as much as this one. The Go twin
// reports the same as cpu-ns/op.
std::int64_t proc_cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& t) {
    return std::int64_t{t.tv_sec} * 1000000000 + std::int64_t{t.tv_usec} * 1000;
  };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

void BM_GortTCPEcho(benchmark::State& state) {
  gort::run(
      [&] {
        auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
        if (err) return state.SkipWithError(err.message().c_str());
        gort::waitgroup served;
        served.add(1);
        gort::go([&, ln = ln] {
          auto [c, aerr] = ln.accept();
          if (!aerr) {
            char buf[64];
            for (;;) {
              auto [n, rerr] = c.read(buf, sizeof buf);
              if (n > 0 && c.write(buf, n).second) break;
              if (rerr) break;
            }
            c.close();
          }
          served.done();
        });
        auto [c, derr] = gort::net::dial("tcp", ln.addr());
        if (derr) return state.SkipWithError(derr.message().c_str());
        char out[64], in[64];
        std::memset(out, 'e', sizeof out);
        std::int64_t cpu0 = proc_cpu_ns();
        for (auto _ : state) {
          c.write(out, sizeof out);
          std::size_t got = 0;
          while (got < sizeof in) {
            auto [n, rerr] = c.read(in + got, sizeof in - got);
            if (rerr) return state.SkipWithError(rerr.message().c_str());
            got += n;
          }
          benchmark::DoNotOptimize(in);
        }
        state.counters["proc_cpu_ns"] = benchmark::Counter(
            static_cast<double>(proc_cpu_ns() - cpu0), benchmark::Counter::kAvgIterations);
        c.close();
        served.wait();
        ln.close();
      },
      static_cast<int>(state.range(0)));
}
BENCHMARK(BM_GortTCPEcho)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
