// Copyright 2026 The gort Authors.
//
// What the runtime's own packages (gort::http) do with a gort::net::conn beyond its public API.
// Internal.

#pragma once

#include <gort/net.hpp>

namespace gort::internal {
struct g;
}

namespace gort::net::internal {

struct conn_access {
  // start_when_readable starts gp (from new_goroutine, never run: it holds no stack) once c is
  // readable, its read deadline passes or it is closed (netpoll.hpp's poll_start_when_ready); at
  // once when c is closed already. Its reads on c then say which. REQUIRES: nobody reads c
  // meanwhile. Consumes gp. c (the object) may be destroyed by gp before this returns: only its
  // netfd, held here, is used after gp is published.
  static void start_when_readable(const conn& c, gort::internal::g* gp);
};

}  // namespace gort::net::internal
