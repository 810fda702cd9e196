// Copyright 2026 The gort Authors.
//
// The server: accept loops, one goroutine per connection running a conn_engine over a
// gort::net::conn, connection tracking for shutdown (Go's Server.Serve, trackConn, Shutdown,
// closeIdleConns).
//
// Connection states. Each tracked connection has an atomic state, idle (accepted, or between
// requests) or active (a request header was read, until its response is done). A connection
// moving to idle stores idle and then loads in_shutdown; shutdown stores in_shutdown and then
// loads each state (all seq_cst): whichever comes second sees the other, so an idle connection is
// either closed by shutdown or closes itself, and an active one finishes its request (its response
// says "Connection: close", to_active having seen in_shutdown, or it sees in_shutdown at its next
// to_idle). As in Go, a request that arrives on an idle connection while shutdown closes it is
// lost: the client sees the connection close before any response.
//
// Idle connections hold no goroutine. A connection that finished a response with no pipelined
// bytes buffered goes to the netpoller (net's conn_access::start_when_readable) with a goroutine
// made but never started (a G, its callable inside: no stack), and its goroutine ends. The
// netpoller starts that goroutine when the next request's bytes come, the idle deadline passes
// (its first read then times out: a quiet close) or the connection is closed (shutdown, close);
// it serves with a new engine, or closes and untracks. So an idle connection costs its fd, the
// net objects, its tracking entry and a G, not a stack and buffers (docs/http.md has the numbers).
//
// Lifetime. The connection goroutines share the server's impl (a shared_ptr): a server object
// destroyed while connections are open closes them and its impl lives until the last one ends.
//
// Locking: impl::mu (a gort::mutex) guards the listener and connection lists and is never held
// while a connection's goroutine runs the engine; conns_changed is signalled when a connection
// ends, for shutdown's wait. Per request the engine takes no server lock (two atomics).

#include <algorithm>
#include <atomic>
#include <list>
#include <memory>
#include <mutex>

#include <gort/go.hpp>
#include <gort/http.hpp>
#include <gort/net.hpp>
#include <gort/sync.hpp>

#include "http/engine.hpp"
#include "net/conn_access.hpp"

namespace gort::http {

using internal::conn_state;

namespace {

// conn_io over a gort::net::conn.
class net_io final : public internal::conn_io {
 public:
  explicit net_io(const net::conn& c) : c_(c) {}
  std::pair<std::size_t, std::error_code> read(char* buf, std::size_t n) override {
    return c_.read(buf, n);
  }
  std::error_code write(const char* data, std::size_t n) override {
    return c_.write(data, n).second;
  }
  void set_read_deadline(internal::clock::time_point t) override { (void)c_.set_read_deadline(t); }
  void set_write_deadline(internal::clock::time_point t) override {
    (void)c_.set_write_deadline(t);
  }
  void close_write() override { (void)c_.close_write(); }

 private:
  const net::conn& c_;
};

}  // namespace

struct server::impl : std::enable_shared_from_this<server::impl> {
  struct tracked {
    net::conn c;
    std::atomic<conn_state> state{conn_state::idle};
  };

  serve_mux mux;
  std::atomic<bool> in_shutdown{false};
  mutex mu;
  cond conns_changed;
  std::vector<net::listener> listeners;  // guarded by mu
  std::list<tracked> conns;              // guarded by mu
  std::function<void(std::string_view)> error_log;
  internal::engine_config config;  // set by the first serve() from the server's fields
  bool configured = false;         // the first serve() copied the fields; guarded by mu

  // The engine's view of its connection's state.
  struct hooks final : internal::conn_hooks {
    impl* s;
    tracked* t;
    bool to_idle() override {
      t->state.store(conn_state::idle, std::memory_order_seq_cst);
      return !s->in_shutdown.load(std::memory_order_seq_cst);
    }
    bool to_active() override {
      t->state.store(conn_state::active, std::memory_order_seq_cst);
      return !s->in_shutdown.load(std::memory_order_seq_cst);
    }
    bool keep_alives() override { return !s->in_shutdown.load(std::memory_order_relaxed); }
    bool park_idle() override { return true; }
  };

  // What a connection's goroutine runs: its requests until it closes or goes idle.
  struct conn_main {
    std::shared_ptr<impl> s;
    std::list<tracked>::iterator it;
    bool resumed;
    void operator()() const { s->serve_conn(it, resumed); }
  };

  void serve_conn(std::list<tracked>::iterator it, bool resumed) {
    std::shared_ptr<impl> keep = shared_from_this();
    bool idle = false;
    {
      struct untrack {
        impl* s;
        std::list<tracked>::iterator it;
        const bool& idle;
        ~untrack() {
          if (idle) return;
          (void)it->c.close();
          s->mu.lock();
          s->conns.erase(it);
          s->conns_changed.broadcast();
          s->mu.unlock();
        }
      } guard{this, it, idle};
      net_io io(it->c);
      hooks h;
      h.s = this;
      h.t = &*it;
      internal::conn_engine e(io, config, &h, it->c.remote_addr().string());
      idle = e.serve(resumed) == internal::serve_end::idle;
    }
    if (!idle) return;
    // Idle, nothing buffered, the idle deadline set: the next request starts a new goroutine,
    // which holds no stack until then; this one ends (its stack back to the cache). The new one
    // also runs at the deadline or when shutdown closes the connection, and its read says so.
    // From here `it` may be gone (the new goroutine can run and end at once).
    gort::internal::g* gp = gort::internal::spawn<conn_main>([&] {
      return conn_main{std::move(keep), it, true};
    });
    net::internal::conn_access::start_when_readable(it->c, gp);
  }

  // Closes the idle connections (all of them when `all`); mu held.
  void close_conns(bool all) {
    for (tracked& t : conns)
      if (all || t.state.load(std::memory_order_seq_cst) == conn_state::idle) (void)t.c.close();
  }

  void close_listeners() {
    for (net::listener& l : listeners) (void)l.close();
  }
};

server::server() : impl_(std::make_shared<impl>()) {}

server::~server() {
  if (impl_ == nullptr) return;
  impl_->in_shutdown.store(true);
  impl_->mu.lock();
  impl_->close_listeners();
  impl_->close_conns(true);
  impl_->mu.unlock();
}

void server::handle_func(std::string_view pattern, handler_func fn) {
  impl_->mux.handle_func(pattern, std::move(fn));
}

serve_mux& server::mux() {
  return impl_->mux;
}

std::error_code server::listen_and_serve(std::string_view addr) {
  if (impl_->in_shutdown.load()) return make_error_code(errc::server_closed);
  auto [ln, err] = net::listen("tcp", addr.empty() ? std::string_view(":80") : addr);
  if (err) return err;
  return serve(ln);
}

std::error_code server::serve(net::listener& ln) {
  impl& s = *impl_;
  s.mu.lock();
  if (s.in_shutdown.load()) {
    s.mu.unlock();
    (void)ln.close();
    return make_error_code(errc::server_closed);
  }
  if (!s.configured) {
    // The first serve reads the fields; connections of every listener share them (a second
    // serve, on another listener, must not change what running connections read).
    s.configured = true;
    s.error_log = error_log;
    s.config.read_header_timeout = read_header_timeout;
    s.config.read_timeout = read_timeout;
    s.config.write_timeout = write_timeout;
    s.config.idle_timeout = idle_timeout;
    s.config.max_header_bytes = max_header_bytes;
    s.config.mux = &s.mux;
    s.config.error_log = &s.error_log;
  }
  s.listeners.push_back(ln);
  s.mu.unlock();

  std::error_code result;
  for (;;) {
    auto [c, err] = ln.accept();
    if (err) {
      result = s.in_shutdown.load() ? make_error_code(errc::server_closed) : err;
      break;
    }
    s.mu.lock();
    if (s.in_shutdown.load()) {
      s.mu.unlock();
      (void)c.close();
      result = make_error_code(errc::server_closed);
      break;
    }
    s.conns.emplace_back();
    auto it = std::prev(s.conns.end());
    it->c = std::move(c);
    s.mu.unlock();
    gort::go(impl::conn_main{impl_, it, false});
  }
  (void)ln.close();
  s.mu.lock();
  s.listeners.erase(std::remove(s.listeners.begin(), s.listeners.end(), ln), s.listeners.end());
  s.mu.unlock();
  return result;
}

void server::shutdown() {
  impl& s = *impl_;
  s.in_shutdown.store(true, std::memory_order_seq_cst);
  s.mu.lock();
  s.close_listeners();
  // Each time a connection ends, close the ones that went idle meanwhile (an active connection
  // that finishes its request closes itself at to_idle, which then reads in_shutdown).
  while (!s.conns.empty()) {
    s.close_conns(false);
    s.conns_changed.wait(s.mu);
  }
  s.mu.unlock();
}

void server::close() {
  impl& s = *impl_;
  s.in_shutdown.store(true, std::memory_order_seq_cst);
  s.mu.lock();
  s.close_listeners();
  s.close_conns(true);
  s.mu.unlock();
}

std::string server::addr() const {
  std::lock_guard<mutex> l(impl_->mu);
  return impl_->listeners.empty() ? std::string() : impl_->listeners.front().addr().string();
}

std::size_t server::open_connections() const {
  std::lock_guard<mutex> l(impl_->mu);
  return impl_->conns.size();
}

}  // namespace gort::http
