// Copyright 2026 The gort Authors.
//
// A small HTTP server on gort::http: every connection is a goroutine parked on the netpoller.
//
//   httpd [addr]          serves on addr (default 127.0.0.1:8080) until SIGINT or SIGTERM, then
//                         shuts down gracefully (in-flight requests finish)
//   httpd --self-test     serves on a free port, fetches its own pages with gort::http::get and
//                         post, prints what came back and shuts down (run as a test)
//
// Routes: /hello?name=x (text), /echo (POST: the body back), /count (a counter under a mutex,
// released by a deferred call), /panic (recovered by the server: logged, the connection closed).

#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include <gort/gort.hpp>
#include <gort/http.hpp>

namespace {

gort::mutex mu;
long count = 0;

void routes(gort::http::server& srv) {
  srv.handle_func("/hello", [](gort::http::response_writer& w, gort::http::request& r) {
    std::string name = r.query.rfind("name=", 0) == 0 ? r.query.substr(5) : "world";
    w.header().set("Content-Type", "text/plain; charset=utf-8");
    w.write("hello, " + name + "\n");
  });
  srv.handle_func("/echo", [](gort::http::response_writer& w, gort::http::request& r) {
    if (r.method != "POST") {
      gort::http::error(w, "POST only", 405);
      return;
    }
    w.write(r.body());
  });
  srv.handle_func("/count", [](gort::http::response_writer& w, gort::http::request&) {
    long n = gort::func([](gort::frame& f) {
      mu.lock();
      f.defer(&gort::mutex::unlock, &mu);
      return ++count;
    });
    w.write("count " + std::to_string(n) + "\n");
  });
  srv.handle_func("/panic", [](gort::http::response_writer&, gort::http::request&) {
    gort::panic(std::string("something broke"));
  });
}

int self_test() {
  return gort::run([] {
    gort::http::server srv;
    routes(srv);
    srv.error_log = [](std::string_view line) {
      std::printf("server log: %.*s\n", static_cast<int>(line.size()), line.data());
    };
    auto [listened, err] = gort::net::listen("tcp", "127.0.0.1:0");
    if (err) {
      std::printf("listen: %s\n", err.message().c_str());
      return;
    }
    gort::net::listener ln = listened;  // a lambda below captures it (not a structured binding)
    std::string base = "http://" + ln.addr().string();
    auto done = gort::make_chan<std::error_code>(1);
    gort::go([&] { done.send(srv.serve(ln)); });
    auto [hello, e1] = gort::http::get(base + "/hello?name=gort");
    std::printf("GET /hello: %s %s", hello.status.c_str(), hello.body.c_str());
    auto [echo, e2] = gort::http::post(base + "/echo", "text/plain", "ping");
    std::printf("POST /echo: %s %s\n", echo.status.c_str(), echo.body.c_str());
    gort::http::get(base + "/count");
    auto [count, e3] = gort::http::get(base + "/count");
    std::printf("GET /count: %s", count.body.c_str());
    auto [p, e4] = gort::http::get(base + "/panic");
    std::printf("GET /panic: %s\n", e4 ? e4.message().c_str() : p.status.c_str());
    auto [nf, e5] = gort::http::get(base + "/missing");
    std::printf("GET /missing: %s %s", nf.status.c_str(), nf.body.c_str());
    srv.shutdown();
    std::printf("serve: %s\n", done.recv().first.message().c_str());
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string arg = argc > 1 ? argv[1] : "127.0.0.1:8080";
  if (arg == "--self-test") return self_test();
  // SIGINT/SIGTERM: a plain thread waits for the signal and asks the server to shut down.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return gort::run([&] {
    gort::http::server srv;
    routes(srv);
    srv.read_header_timeout = std::chrono::seconds(5);
    srv.idle_timeout = std::chrono::seconds(60);
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&set, &sig);
      std::fprintf(stderr, "httpd: signal %d, shutting down\n", sig);
      srv.shutdown();
    });
    std::fprintf(stderr, "httpd: serving on http://%s\n", arg.c_str());
    std::error_code e = srv.listen_and_serve(arg);
    std::fprintf(stderr, "httpd: %s\n", e.message().c_str());
    waiter.join();
  });
}
