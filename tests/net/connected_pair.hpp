// Copyright 2026 The gort Authors.
//
// connected_pair: the connection setup the network tests share (tests/net, tests/twins/net.cpp):
// a listener and both ends of one connection accepted on it.
//
// It listens, dials and then accepts, in that order: the kernel completes a TCP or Unix
// handshake into the listener's backlog before anyone accepts, so the same call works on a plain
// thread (where accept blocks the thread) and inside gort::run on one goroutine, under any P.
//
// Example:
//   auto [p, err] = gort_test::connected_pair("tcp", "127.0.0.1:0");
//   p.client.write("x");  // arrives at p.server
//   p.close_all();
#pragma once

#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <gort/net.hpp>

namespace gort_test {

struct pair_conns {
  gort::net::listener ln;
  gort::net::conn client, server;
  // close_all closes both ends and the listener (each may already be closed).
  void close_all() const {
    client.close();
    server.close();
    ln.close();
  }
};

// connected_pair: the pair, and the error of the first call that failed (listen, dial or accept;
// what was opened before it is closed again).
inline std::pair<pair_conns, std::error_code> connected_pair(
    std::string_view network = "tcp", std::string_view address = "127.0.0.1:0") {
  pair_conns p;
  std::error_code err;
  std::tie(p.ln, err) = gort::net::listen(network, address);
  if (err) return {p, err};
  std::tie(p.client, err) = gort::net::dial(network, p.ln.addr());
  if (!err) std::tie(p.server, err) = p.ln.accept();
  if (err) p.close_all();
  return {p, err};
}

}  // namespace gort_test
