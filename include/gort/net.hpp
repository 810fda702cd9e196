// Copyright 2026 The gort Authors.
//
// Network connections (Go's net package): TCP over IPv4 and IPv6, and Unix stream sockets.
// Inside gort::run, a call that has to wait (accept, dial's connect, read, write) parks the
// goroutine on the netpoller (src/netpoll/, epoll): the thread goes on running other goroutines,
// and a goroutine waiting on the network is not a deadlock. Outside gort::run the same calls block
// the calling thread. docs/net.md explains the design and lists the deviations from Go.
//
// Example:
//
//   gort::run([] {
//     auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");   // ":0": any free port
//     if (err) return;
//     gort::go([ln] {
//       auto [c, err] = ln.accept();                              // parks until a client comes
//       if (err) return;
//       char buf[512];
//       for (;;) {
//         auto [n, rerr] = c.read(buf, sizeof buf);
//         if (n > 0 && c.write(buf, n).second) break;           // echo; stop on a write error
//         if (rerr) break;                                        // gort::net::eof at the end
//       }
//       c.close();
//     });
//     auto [c, derr] = gort::net::dial("tcp", ln.addr());
//     c.set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(5));
//     c.write("ping");
//     ...
//   });
//
// Errors: every call that can fail returns a std::error_code (Go's `err`). Its message() is Go's
// text: "EOF" (gort::net::eof), "use of closed network connection" (gort::net::err_closed),
// "i/o timeout" (gort::net::err_timeout, which also compares equal to std::errc::timed_out) and
// the system's errors as Go spells them ("connection refused", "connection reset by peer",
// "broken pipe"), which compare equal to the matching std::errc.
//
// Thread safety: listener and conn are handles with reference semantics (copies refer to the same
// socket, like Go's interface values), cheap to copy; any goroutine or thread may call any method
// at once (one reader and one writer at a time may wait; concurrent reads are serialised as in
// Go's internal/poll). The socket closes at close() or when the last handle goes.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <gort/detail/duration.hpp>

namespace gort::net {

// errc lists gort::net's own errors (the system's come as errno values).
enum class errc {
  eof = 0x10000,       // "EOF": the peer closed its side (Go's io.EOF)
  closed,              // "use of closed network connection" (Go's net.ErrClosed)
  timeout,             // "i/o timeout" (Go's os.ErrDeadlineExceeded); == std::errc::timed_out
  missing_port,        // "missing port in address"
  too_many_colons,     // "too many colons in address"
  bad_port,            // "invalid port"
  unknown_network,     // "unknown network"
  no_such_host,        // "no such host"
  no_suitable_address  // "no suitable address found"
};

// category is the error category of gort::net's error codes: errc values and errno values (for
// which message() prints Go's lowercase text and default_error_condition gives the std::errc).
const std::error_category& category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// The errors to compare against: `if (err == gort::net::eof)`.
inline const std::error_code eof = make_error_code(errc::eof);
inline const std::error_code err_closed = make_error_code(errc::closed);
inline const std::error_code err_timeout = make_error_code(errc::timeout);

namespace internal {
struct netfd;
using netfd_ref = std::shared_ptr<netfd>;
struct conn_access;  // the runtime's own uses of a conn (src/net/conn_access.hpp)
}  // namespace internal

// addr is a socket address as Go's net.Addr: network() ("tcp", "unix") and string()
// ("127.0.0.1:80",
// "[::1]:8080", "/tmp/sock"). Converts to std::string_view, so it can be passed to dial.
class addr {
 public:
  addr() = default;
  addr(std::string network, std::string address)
      : network_(std::move(network)), str_(std::move(address)) {}
  const std::string& network() const noexcept { return network_; }
  const std::string& string() const noexcept { return str_; }
  // port is the TCP port (0 for a Unix address); host the address without it (for TCP, an IPv6
  // address without its brackets).
  int port() const noexcept;
  std::string host() const;
  operator std::string_view() const noexcept { return str_; }
  friend bool operator==(const addr&, const addr&) = default;

 private:
  std::string network_;
  std::string str_;
};
std::ostream& operator<<(std::ostream& os, const addr& a);

using time_point = std::chrono::steady_clock::time_point;

// conn is a stream connection (Go's net.Conn, with TCPConn's close_write and set_nodelay). A
// default-constructed conn refers to nothing: its calls return err_closed.
class conn {
 public:
  conn() = default;

  // read reads up to n bytes into buf, waiting (parking the goroutine) until at least one byte,
  // the end of the stream or an error comes. Returns (bytes read, error): (0, eof) at the end of
  // the stream; (0, err_timeout) when the read deadline passed; (0, err_closed) once close() was
  // called (also by another goroutine while this one waits). n == 0 returns (0, {}) at once.
  std::pair<std::size_t, std::error_code> read(void* buf, std::size_t n) const;
  // write writes all n bytes, waiting as needed; returns (n, {}) or the bytes written before the
  // error (err_timeout once the write deadline passed, err_closed, "broken pipe", ...). Writing to
  // a peer that closed does not raise SIGPIPE.
  std::pair<std::size_t, std::error_code> write(const void* buf, std::size_t n) const;
  std::pair<std::size_t, std::error_code> write(std::string_view s) const {
    return write(s.data(), s.size());
  }

  // close closes the connection; goroutines waiting in read or write on it return err_closed.
  // A second close returns err_closed.
  std::error_code close() const;
  // close_write shuts down the sending side (TCP half-close: the peer reads eof); reads go on.
  std::error_code close_write() const;
  // close_read shuts down the receiving side.
  std::error_code close_read() const;

  // set_read_deadline makes reads fail with err_timeout once t has passed, also a read already
  // waiting; time_point{} (the zero time, as Go's time.Time{}) removes the deadline. A deadline in
  // the past makes the next read fail at once. set_write_deadline does the same for writes, and
  // set_deadline for both. Returns err_closed on a closed conn.
  std::error_code set_read_deadline(time_point t) const;
  std::error_code set_write_deadline(time_point t) const;
  std::error_code set_deadline(time_point t) const;

  addr local_addr() const;
  addr remote_addr() const;

  // set_nodelay switches Nagle's algorithm off (true, the default of every TCP conn, as in Go) or
  // on. Returns an error on a conn that is not TCP.
  std::error_code set_nodelay(bool on) const;

  // fd is the file descriptor (-1 when closed or empty); the socket stays owned by the conn.
  int fd() const noexcept;

  explicit operator bool() const noexcept { return fd_ != nullptr; }
  friend bool operator==(const conn& a, const conn& b) noexcept { return a.fd_ == b.fd_; }

  explicit conn(internal::netfd_ref fd) : fd_(std::move(fd)) {}

 private:
  friend struct internal::conn_access;
  internal::netfd_ref fd_;
};

// listener accepts connections (Go's net.Listener).
class listener {
 public:
  listener() = default;

  // accept waits (parks) for the next connection. Returns err_closed once close() was called,
  // also in a goroutine already waiting. When the process is out of file descriptors (EMFILE,
  // ENFILE) it waits and retries, 5 ms doubling to 1 s between tries, as net/http's server does.
  std::pair<conn, std::error_code> accept() const;
  // close stops listening (a Unix socket's file is removed); waiting accepts return err_closed.
  std::error_code close() const;
  // addr is the address listened on, with the port the system picked for ":0".
  net::addr addr() const;
  int fd() const noexcept;

  explicit operator bool() const noexcept { return fd_ != nullptr; }
  friend bool operator==(const listener& a, const listener& b) noexcept { return a.fd_ == b.fd_; }

  explicit listener(internal::netfd_ref fd) : fd_(std::move(fd)) {}

 private:
  internal::netfd_ref fd_;
};

// listen listens on `address` (Go's net.Listen). network: "tcp", "tcp4", "tcp6" with "host:port"
// ("127.0.0.1:8080", "[::1]:0", ":8080" for every address, IPv4 and IPv6), or "unix" with a path.
// A host name is resolved (getaddrinfo, as a blocking call). The backlog is the system's maximum.
std::pair<listener, std::error_code> listen(std::string_view network, std::string_view address);

// dial connects to `address` (Go's net.Dial): the connect is non-blocking and the goroutine parks
// until it completes. A host name is resolved and each of its addresses tried in turn. The
// timeout overload (Go's net.DialTimeout) gives up with err_timeout after `timeout` in all.
std::pair<conn, std::error_code> dial(std::string_view network, std::string_view address);
std::pair<conn, std::error_code> dial(std::string_view network, std::string_view address,
                                      std::chrono::nanoseconds timeout);
template <gort::internal::coarse_duration D>
std::pair<conn, std::error_code> dial(std::string_view network, std::string_view address,
                                      D timeout) {
  return dial(network, address, gort::internal::saturated_ns(timeout));
}

// file_conn makes any file descriptor that supports non-blocking I/O (a pipe end, an eventfd, a
// socket, a terminal) into a conn whose read, write, close and deadlines go through the netpoller
// (Go's os.NewFile for pipes, net.FileConn for sockets). The conn owns fd from now on (closing the
// conn closes it) and sets it non-blocking. local_addr and remote_addr are empty unless fd is a
// socket. Errors: EBADF for a bad fd, EPERM for a file epoll cannot watch (a regular file).
std::pair<conn, std::error_code> file_conn(int fd);

}  // namespace gort::net

template <>
struct std::is_error_code_enum<gort::net::errc> : std::true_type {};
