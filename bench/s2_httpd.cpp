// Copyright 2026 The gort Authors.
//
// S2 (article 002): the handler shapes of "502s at a million requests" on gort's HTTP server,
// the counterpart of bench/go/s2httpd (the same four handlers on Go's net/http). Every handler
// takes a mutex around a counter and writes the same 1 KiB body with Content-Type set:
//   /nodefer       mu.lock(); hits++; mu.unlock()
//   /deferunlock   mu.lock(); f.defer(unlock)        (Go: defer mu.Unlock())
//   /deferrecover  a deferred closure that calls recover() (the article's handlerWithDefer
//                  without its runtime.GC() call: gort has no collector to call)
//   /multidefer    three defers: the unlock, a counter, and the recovering closure
// Usage: gort_s2_httpd <addr> <procs>. Prints "listening <addr>" once it accepts, then serves
// until killed. tools/bench/run.sh runs it under wrk (tools/bench/s2.sh).

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gort/gort.hpp>
#include <gort/http.hpp>

namespace {

gort::mutex mu;
long hits = 0;  // guarded by mu
std::atomic<long> deferred{0};

const std::string& body() {
  static const std::string b = std::string(1023, 'x') + "\n";
  return b;
}

void finish(gort::http::response_writer& w) {
  w.header().set("Content-Type", "text/plain; charset=utf-8");
  (void)w.write(body());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <addr> <procs>\n", argv[0]);
    return 2;
  }
  std::string addr = argv[1];
  int procs = std::atoi(argv[2]);
  return gort::run(
      [&] {
        gort::http::server srv;
        srv.handle_func("/nodefer", [](gort::http::response_writer& w, gort::http::request&) {
          mu.lock();
          ++hits;
          mu.unlock();
          finish(w);
        });
        srv.handle_func("/deferunlock", [](gort::http::response_writer& w, gort::http::request&) {
          gort::func([&](gort::frame& f) {
            mu.lock();
            f.defer(&gort::mutex::unlock, &mu);
            ++hits;
          });
          finish(w);
        });
        srv.handle_func("/deferrecover", [](gort::http::response_writer& w, gort::http::request&) {
          gort::func([&](gort::frame& f) {
            f.defer([] {
              if (gort::recover().has_value()) std::fputs("recovered\n", stderr);
            });
            finish(w);
          });
        });
        srv.handle_func("/multidefer", [](gort::http::response_writer& w, gort::http::request&) {
          gort::func([&](gort::frame& f) {
            f.defer([] {
              if (gort::recover().has_value()) std::fputs("recovered\n", stderr);
            });
            f.defer([] { deferred.fetch_add(1, std::memory_order_relaxed); });
            mu.lock();
            f.defer(&gort::mutex::unlock, &mu);
            ++hits;
            finish(w);
          });
        });
        auto [ln, err] = gort::net::listen("tcp", addr);
        if (err) {
          std::fprintf(stderr, "listen %s: %s\n", addr.c_str(), err.message().c_str());
          std::exit(1);
        }
        std::printf("listening %s\n", ln.addr().string().c_str());
        std::fflush(stdout);
        std::error_code e = srv.serve(ln);
        std::fprintf(stderr, "serve: %s\n", e.message().c_str());
      },
      procs);
}
