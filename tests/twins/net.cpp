// Copyright 2026 The gort Authors.
//
// C++ twin of tests/go/net.go: read, write, close and deadline semantics of TCP and Unix
// connections with gort::net, printing the same lines (error_code::message() is Go's innermost
// error text). tests/twins/compare.sh runs both and compares the output line by line.

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <utility>

#include <gort/gort.hpp>
#include <gort/net.hpp>

#include "../net/connected_pair.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string msg(std::error_code e) {
  return e ? e.message() : "<nil>";
}
std::string b(bool v) {
  return v ? "true" : "false";
}

template <class... T>
void println(const T&... parts) {
  bool first = true;
  ((std::cout << (first ? "" : " ") << parts, first = false), ...);
  std::cout << "\n";
}

using gort_test::pair_conns;

pair_conns connected(const std::string& network, const std::string& address) {
  auto [p, err] = gort_test::connected_pair(network, address);
  if (err) gort::panic(err.message());
  return p;
}

std::pair<std::string, std::error_code> read_all(const gort::net::conn& c) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto [n, err] = c.read(buf, sizeof buf);
    out.append(buf, n);
    if (err) return {out, err};
  }
}

void wait_parked() {
  gort::sleep(20ms);
}

void body() {
  for (auto [nw, address] : {std::pair<std::string, std::string>{"tcp", "127.0.0.1:0"},
                             {"unix", "/tmp/gort_net_twin.sock"}}) {
    ::unlink("/tmp/gort_net_twin.sock");
    auto p = connected(nw, address);
    println(nw, "addr network:", p.ln.addr().network(),
            "remote == listener:", b(p.client.remote_addr().string() == p.ln.addr().string()));
    p.client.write("hello");
    println(nw, "close write:", msg(p.client.close_write()));
    auto [got, err] = read_all(p.server);
    println(nw, "server read:", got, msg(err), "is EOF:", b(err == gort::net::eof));
    auto [n, werr] = p.server.write("world");
    println(nw, "server write:", n, msg(werr));
    p.server.close();
    auto [got2, err2] = read_all(p.client);
    println(nw, "client read:", got2, msg(err2));
    char one;
    auto [zn, zerr] = p.client.read(&one, 0);
    println(nw, "zero-length read:", zn, msg(zerr));
    println(nw, "close:", msg(p.client.close()));
    auto [rn, rerr] = p.client.read(&one, 1);
    println(nw, "read after close:", rn, msg(rerr),
            "is ErrClosed:", b(rerr == gort::net::err_closed));
    auto [wn, werr2] = p.client.write("x");
    println(nw, "write after close:", wn, msg(werr2));
    println(nw, "second close:", msg(p.client.close()));
    println(nw, "deadline after close:", msg(p.client.set_deadline({})));
    p.ln.close();
    println(nw, "accept after close:", msg(p.ln.accept().second));
  }

  // Deadlines.
  auto p = connected("tcp", "127.0.0.1:0");
  char buf[1];
  p.client.set_read_deadline(Clock::now() + 10ms);
  auto [n, err] = p.client.read(buf, 1);
  println("read deadline:", n, msg(err), "timeout:", b(err == std::errc::timed_out));
  std::tie(n, err) = p.client.read(buf, 1);
  println("read again:", n, msg(err));
  p.client.set_read_deadline({});
  p.server.write("z");
  std::tie(n, err) = p.client.read(buf, 1);
  println("read after clearing:", n, msg(err), std::string(buf, n));
  p.client.set_deadline(Clock::now() - 1s);
  std::tie(n, err) = p.client.write("x");
  println("write past deadline:", n, msg(err));
  p.client.set_write_deadline({});
  std::tie(n, err) = p.client.write("x");
  println("write cleared:", n, msg(err));
  std::tie(n, err) = p.client.read(buf, 1);
  println("read still past:", n, msg(err));
  p.client.set_deadline({});
  // A writer whose peer never reads.
  p.client.set_write_deadline(Clock::now() + 30ms);
  std::string chunk(1 << 20, '\0');
  std::size_t total = 0;
  for (int i = 0; i < 1024; ++i) {
    std::tie(n, err) = p.client.write(chunk);
    total += n;
    if (err) break;
  }
  println("blocked writer:", msg(err), "partial:", b(total > 0 && total < 1024 * chunk.size()));
  p.close_all();

  // Close while another goroutine waits in read, write and accept.
  p = connected("tcp", "127.0.0.1:0");
  gort::waitgroup wg;
  std::error_code rerr, werr, aerr;
  wg.add(3);
  gort::go([&] {
    char c;
    rerr = p.client.read(&c, 1).second;
    wg.done();
  });
  gort::go([&] {
    werr = p.client.write(std::string(64 << 20, '\0')).second;
    wg.done();
  });
  gort::go([&] {
    aerr = p.ln.accept().second;
    wg.done();
  });
  wait_parked();
  p.client.close();
  p.ln.close();
  wg.wait();
  println("close wakes read:", msg(rerr));
  println("close wakes write:", msg(werr));
  println("close wakes accept:", msg(aerr));
  p.server.close();

  // A deadline moved earlier wakes a parked reader.
  p = connected("tcp", "127.0.0.1:0");
  p.client.set_read_deadline(Clock::now() + 1h);
  wg.add(1);
  gort::go([&] {
    char c;
    rerr = p.client.read(&c, 1).second;
    wg.done();
  });
  wait_parked();
  p.client.set_read_deadline(Clock::now() + 5ms);
  wg.wait();
  println("deadline moved earlier:", msg(rerr));
  p.close_all();

  // The peer resets the connection.
  p = connected("tcp", "127.0.0.1:0");
  p.server.write("partial");
  std::string got;
  while (got.size() < 7) {
    char tmp[7];
    auto [k, e] = p.client.read(tmp, 7 - got.size());
    got.append(tmp, k);
    if (e) break;
  }
  linger lg{1, 0};
  setsockopt(p.server.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  p.server.close();
  std::tie(n, err) = p.client.read(buf, 1);
  println("peer reset:", got, n, msg(err));
  p.close_all();

  // Errors.
  auto [ln, lerr] = gort::net::listen("tcp", "127.0.0.1:0");
  std::string addr = ln.addr().string();
  ln.close();
  println("dial closed port:", msg(gort::net::dial("tcp", addr).second));
  println("no port:", msg(gort::net::listen("tcp", "127.0.0.1").second));
  println("too many colons:", msg(gort::net::listen("tcp", "::1:80").second));
  println("bad network:", msg(gort::net::listen("udpx", "127.0.0.1:0").second));
  println("unknown host:", msg(gort::net::dial("tcp", "no-such-host.invalid:80").second));
}

}  // namespace

int main() {
  return gort::run(body);
}
