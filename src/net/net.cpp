// Copyright 2026 The gort Authors.
//
// gort::net (Go's net and internal/poll, for stream sockets): addresses, the fd object (netfd)
// with its reference count, conn, listener, listen, dial and file_conn. Waiting goes through the
// netpoller (src/netpoll/netpoll.hpp): every fd is made non-blocking and registered once; an
// operation tries its system call and, on EAGAIN, waits on the poll descriptor and tries again
// (Go's fd.Read loop around pd.waitRead).
//
// netfd's reference count (Go's fdMutex, simplified). `state` holds the number of operations in
// progress and a closed bit. Every operation takes a reference first (failing with err_closed once
// the bit is set); close sets the bit while holding a reference of its own, wakes the waiters
// (poll_evict) and drops its reference; whoever drops the last reference of a closed netfd
// unregisters and closes the fd. So the fd number is never closed while a system call may still
// use it (it could be reused by another open meanwhile), and close never waits for a blocked read.
// Reads are serialised by rmu and writes by wmu (gort::mutex: they park goroutines), as Go's
// fdMutex read and write locks: the poll descriptor has one reader slot and one writer slot.
//
// Addresses: "host:port" as Go's net.SplitHostPort; numeric hosts are parsed without the resolver;
// names go through getaddrinfo inside gort::blocking (a goroutine blocked in the resolver hands
// its P off). "tcp" listening on an empty host listens on [::] with IPV6_V6ONLY off (IPv4 and
// IPv6, as Go), falling back to 0.0.0.0 without IPv6; IPv4-mapped addresses print as IPv4.

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gort/go.hpp>
#include <gort/net.hpp>
#include <gort/sync.hpp>

#include "arch/syscall.hpp"
#include "net/conn_access.hpp"
#include "netpoll/netpoll.hpp"
#include "sched/lock.hpp"

namespace gort::net {
namespace internal {

using gort::internal::poll_desc;
using gort::internal::poll_read;
using gort::internal::poll_result;
using gort::internal::poll_write;

struct netfd {
  int sysfd = -1;
  int family = 0;  // AF_INET, AF_INET6, AF_UNIX; 0 for file_conn of a non-socket
  bool is_socket = false;
  std::string network;  // "tcp", "tcp4", "tcp6", "unix", "file"
  net::addr laddr, raddr;
  poll_desc* pd = nullptr;
  std::string unlink_path;  // a listening Unix socket's file, removed at close

  // Operations in progress (low 32 bits) and the closed bit; see the header comment.
  static constexpr std::uint64_t closed_bit = std::uint64_t{1} << 40;
  std::atomic<std::uint64_t> state{0};
  gort::mutex rmu, wmu;
  // TCP sockets with TCP_INQ on: each read also says how many bytes stayed queued (set before
  // the socket is shared, then read only).
  bool inq = false;
  // Guarded by rmu: the last read left the receive queue empty (inq said 0). The next read then
  // waits for the poller's edge instead of trying a read that would say EAGAIN (see conn::read).
  bool rdrained = false;

  netfd() = default;
  netfd(const netfd&) = delete;
  netfd& operator=(const netfd&) = delete;
  ~netfd() {
    // The last handle is gone, so no operation runs: close the fd if close() did not.
    if (incref_and_close()) decref();
  }

  bool incref() noexcept {
    std::uint64_t s = state.load(std::memory_order_relaxed);
    do {
      if (s & closed_bit) return false;
    } while (!state.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                          std::memory_order_relaxed));
    return true;
  }
  bool incref_and_close() noexcept {
    std::uint64_t s = state.load(std::memory_order_relaxed);
    do {
      if (s & closed_bit) return false;
    } while (!state.compare_exchange_weak(s, (s + 1) | closed_bit, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    if (pd != nullptr) gort::internal::poll_evict(pd);
    return true;
  }
  void decref() noexcept {
    if (state.fetch_sub(1, std::memory_order_acq_rel) - 1 == closed_bit) destroy();
  }
  void destroy() noexcept {
    if (pd != nullptr) gort::internal::poll_close(pd);
    pd = nullptr;
    if (sysfd >= 0) ::close(sysfd);
    sysfd = -1;
    if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
  }
};

}  // namespace internal

namespace {

using gort::internal::poll_read;
using gort::internal::poll_result;
using gort::internal::poll_write;
using internal::netfd;
using internal::netfd_ref;

std::error_code sys_error(int e) noexcept {
  return {e, category()};
}

std::error_code poll_error(poll_result r) noexcept {
  switch (r) {
    case poll_result::closed:
      return err_closed;
    case poll_result::timeout:
      return err_timeout;
    case poll_result::error:
      return sys_error(EPERM);
    case poll_result::ready:
      break;
  }
  return {};
}

// Holds a reference on a netfd for one operation.
class op_ref {
 public:
  explicit op_ref(netfd* f) noexcept : f_(f != nullptr && f->incref() ? f : nullptr) {}
  ~op_ref() {
    if (f_ != nullptr) f_->decref();
  }
  explicit operator bool() const noexcept { return f_ != nullptr; }
  op_ref(const op_ref&) = delete;
  op_ref& operator=(const op_ref&) = delete;

 private:
  netfd* f_;
};

// ---------------------------------------------------------------------------------------------
// Addresses.

struct sockaddr_any {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family() const noexcept { return ss.ss_family; }
  sockaddr* sa() noexcept { return reinterpret_cast<sockaddr*>(&ss); }
  const sockaddr* sa() const noexcept { return reinterpret_cast<const sockaddr*>(&ss); }
};

std::string join_host_port(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string sockaddr_string(const sockaddr* sa, socklen_t len) {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  switch (sa->sa_family) {
    case AF_INET: {
      auto* in = reinterpret_cast<const sockaddr_in*>(sa);
      inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
      return join_host_port(buf, ntohs(in->sin_port));
    }
    case AF_INET6: {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
      int port = ntohs(in6->sin6_port);
      if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
        inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf);
        return join_host_port(buf, port);
      }
      inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
      std::string host = buf;
      if (in6->sin6_scope_id != 0) {
        char ifname[IF_NAMESIZE];
        host += '%';
        host += if_indextoname(in6->sin6_scope_id, ifname) != nullptr
                    ? ifname
                    : std::to_string(in6->sin6_scope_id);
      }
      return join_host_port(host, port);
    }
    case AF_UNIX: {
      auto* un = reinterpret_cast<const sockaddr_un*>(sa);
      std::size_t off = offsetof(sockaddr_un, sun_path);
      if (len <= off) return "";
      std::size_t n = len - off;
      if (un->sun_path[0] == '\0') {
        // An abstract name: "@" and the rest. Appended rather than "@" + std::string(...), whose
        // inlined insert GCC 12 flags with a false -Wrestrict (GCC bug 105329).
        if (n <= 1) return "";
        std::string s(1, '@');
        s.append(un->sun_path + 1, n - 1);
        return s;
      }
      return std::string(un->sun_path, strnlen(un->sun_path, n));
    }
  }
  return "";
}

net::addr sock_name(int fd, const std::string& network, bool peer) {
  sockaddr_any a;
  a.len = sizeof a.ss;
  int r = peer ? ::getpeername(fd, a.sa(), &a.len) : ::getsockname(fd, a.sa(), &a.len);
  if (r != 0) return net::addr(network, "");
  return net::addr(network, sockaddr_string(a.sa(), a.len));
}

enum class net_kind { tcp, tcp4, tcp6, unix_ };

// parse_network names the network's kind, or nothing for one gort::net does not know (the
// callers' unknown_network). A value rather than an out-parameter left unset on failure: GCC 12's
// -Wmaybe-uninitialized could not see that the callers never read it then.
std::optional<net_kind> parse_network(std::string_view network) {
  if (network == "tcp") return net_kind::tcp;
  if (network == "tcp4") return net_kind::tcp4;
  if (network == "tcp6") return net_kind::tcp6;
  if (network == "unix") return net_kind::unix_;
  return std::nullopt;
}

// split_host_port is Go's net.SplitHostPort.
std::error_code split_host_port(std::string_view hostport, std::string& host, std::string& port) {
  std::size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return make_error_code(errc::missing_port);
  if (!hostport.empty() && hostport[0] == '[') {
    std::size_t end = hostport.find(']');
    if (end == std::string_view::npos) return make_error_code(errc::missing_port);
    if (end + 1 == hostport.size()) return make_error_code(errc::missing_port);
    if (end + 1 != i) return make_error_code(errc::too_many_colons);
    host = std::string(hostport.substr(1, end - 1));
  } else {
    host = std::string(hostport.substr(0, i));
    if (host.find(':') != std::string::npos) return make_error_code(errc::too_many_colons);
  }
  port = std::string(hostport.substr(i + 1));
  return {};
}

std::error_code parse_port(const std::string& s, int& port) {
  if (s.empty() || s.size() > 5) return make_error_code(errc::bad_port);
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return make_error_code(errc::bad_port);
    v = v * 10 + (c - '0');
  }
  if (v > 65535) return make_error_code(errc::bad_port);
  port = v;
  return {};
}

bool family_ok(net_kind k, int family) {
  return k == net_kind::tcp || (k == net_kind::tcp4 && family == AF_INET) ||
         (k == net_kind::tcp6 && family == AF_INET6);
}

bool have_ipv6() {
  static const bool ok = [] {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  }();
  return ok;
}

sockaddr_any inet_any(int family, const void* ip, int port, std::uint32_t scope = 0) {
  sockaddr_any a;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&a.ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in->sin_addr, ip, 4);
    a.len = sizeof *in;
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in6->sin6_addr, ip, 16);
    in6->sin6_scope_id = scope;
    a.len = sizeof *in6;
  }
  return a;
}

// resolve turns (network, address) into socket addresses to try in order.
std::error_code resolve(net_kind k, std::string_view address, bool for_listen,
                        std::vector<sockaddr_any>& out) {
  out.clear();
  if (k == net_kind::unix_) {
    sockaddr_any a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.ss);
    un->sun_family = AF_UNIX;
    if (address.empty() || address.size() >= sizeof un->sun_path) return sys_error(EINVAL);
    std::memcpy(un->sun_path, address.data(), address.size());
    if (address[0] == '@') un->sun_path[0] = '\0';  // Linux abstract socket, as Go
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                   (address[0] == '@' ? 0 : 1));
    out.push_back(a);
    return {};
  }
  std::string host, port_s;
  if (std::error_code ec = split_host_port(address, host, port_s)) return ec;
  int port = 0;
  if (std::error_code ec = parse_port(port_s, port)) return ec;
  if (host.empty()) {
    if (for_listen) {
      if (k == net_kind::tcp4 || (k == net_kind::tcp && !have_ipv6())) {
        std::uint32_t any = htonl(INADDR_ANY);
        out.push_back(inet_any(AF_INET, &any, port));
      } else {
        out.push_back(inet_any(AF_INET6, &in6addr_any, port));
      }
    } else if (k == net_kind::tcp6) {
      out.push_back(inet_any(AF_INET6, &in6addr_loopback, port));
    } else {
      std::uint32_t lo = htonl(INADDR_LOOPBACK);
      out.push_back(inet_any(AF_INET, &lo, port));
    }
    return {};
  }
  unsigned char ip[16];
  if (inet_pton(AF_INET, host.c_str(), ip) == 1) {
    if (!family_ok(k, AF_INET)) return make_error_code(errc::no_suitable_address);
    out.push_back(inet_any(AF_INET, ip, port));
    return {};
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = k == net_kind::tcp4 ? AF_INET : k == net_kind::tcp6 ? AF_INET6 : AF_UNSPEC;
  bool numeric6 = host.find(':') != std::string::npos;
  if (numeric6) {
    if (k == net_kind::tcp4) return make_error_code(errc::no_suitable_address);
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_family = AF_INET6;
  }
  addrinfo* res = nullptr;
  auto lookup = [&] { return ::getaddrinfo(host.c_str(), nullptr, &hints, &res); };
  int r = numeric6 ? lookup() : gort::blocking(lookup);
  if (r != 0) {
    if (r == EAI_SYSTEM) return sys_error(errno);
    return make_error_code(errc::no_such_host);
  }
  std::vector<sockaddr_any> v4, v6;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET && family_ok(k, AF_INET)) {
      auto* in = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
      v4.push_back(inet_any(AF_INET, &in->sin_addr, port));
    } else if (ai->ai_family == AF_INET6 && family_ok(k, AF_INET6)) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
      v6.push_back(inet_any(AF_INET6, &in6->sin6_addr, port, in6->sin6_scope_id));
    }
  }
  ::freeaddrinfo(res);
  // Go prefers IPv4 for "tcp" (listen takes the first; dial tries IPv4 first, then IPv6).
  out = v4;
  out.insert(out.end(), v6.begin(), v6.end());
  if (out.empty()) return make_error_code(errc::no_suitable_address);
  if (for_listen) out.resize(1);
  return {};
}

int sock_type_flags() {
  return SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
}

// make_netfd wraps an open non-blocking fd; registers it with the netpoller. On failure the fd is
// closed.
std::pair<netfd_ref, std::error_code> make_netfd(int fd, int family, bool is_socket,
                                                 std::string network,
                                                 bool close_on_failure = true) {
  auto f = std::make_shared<netfd>();
  f->sysfd = fd;
  f->family = family;
  f->is_socket = is_socket;
  f->network = std::move(network);
  f->pd = gort::internal::poll_open(fd);
  if (f->pd == nullptr) {
    int e = errno;
    f->state.store(netfd::closed_bit, std::memory_order_relaxed);
    if (!close_on_failure) f->sysfd = -1;
    f->destroy();
    return {nullptr, sys_error(e)};
  }
  return {std::move(f), {}};
}

void set_nodelay_fd(int fd, bool on) {
  int v = on ? 1 : 0;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
}

// tcp_setup is what every TCP conn gets: TCP_NODELAY (Go's default) and TCP_INQ (Linux 4.18:
// recvmsg reports the bytes still queued, which lets a read that emptied the socket skip the
// next EAGAIN read; without it every read is tried first, as before).
void tcp_setup(netfd* f) {
  set_nodelay_fd(f->sysfd, true);
  int one = 1;
  f->inq = ::setsockopt(f->sysfd, IPPROTO_TCP, TCP_INQ, &one, sizeof one) == 0;
}

// recv_inq is read(2) on a socket with TCP_INQ on; *left gets the bytes still queued after the
// read, or -1 when the kernel sent no count.
ssize_t recv_inq(int fd, void* buf, std::size_t n, int* left) {
  iovec iov{buf, n};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  ssize_t k = gort::internal::sys_recvmsg(fd, &msg, 0);
  *left = -1;
  if (k < 0) return k;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_TCP && c->cmsg_type == TCP_CM_INQ &&
        c->cmsg_len >= CMSG_LEN(sizeof(int)))
      std::memcpy(left, CMSG_DATA(c), sizeof(int));
  }
  return k;
}

const char* network_name(net_kind k) {
  switch (k) {
    case net_kind::tcp:
      return "tcp";
    case net_kind::tcp4:
      return "tcp4";
    case net_kind::tcp6:
      return "tcp6";
    case net_kind::unix_:
      return "unix";
  }
  return "";
}

int listen_backlog() {
  static const int n = [] {
    int v = SOMAXCONN;
    if (FILE* f = std::fopen("/proc/sys/net/core/somaxconn", "re")) {
      if (std::fscanf(f, "%d", &v) != 1 || v <= 0) v = SOMAXCONN;
      std::fclose(f);
    }
    return v > 65535 ? 65535 : v;
  }();
  return n;
}

// write_nosigpipe writes to a non-socket fd (a pipe) with SIGPIPE blocked on this thread, and
// takes the SIGPIPE the write raised off the pending set, so that a pipe whose reader went away
// gives EPIPE instead of killing the process (Go ignores SIGPIPE for such fds too).
ssize_t write_nosigpipe(int fd, const void* buf, std::size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  ssize_t r = ::write(fd, buf, n);
  int e = errno;
  if (r < 0 && e == EPIPE && !was_pending) {
    struct timespec zero {};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = e;
  return r;
}

std::int64_t to_nanotime(time_point t) noexcept {
  if (t == time_point{}) return 0;
  // steady_clock is CLOCK_MONOTONIC, the clock of nanotime.
  std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  if (ns <= gort::internal::nanotime()) return -1;
  return ns;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// addr

int addr::port() const noexcept {
  if (network_.rfind("tcp", 0) != 0) return 0;
  std::size_t i = str_.rfind(':');
  if (i == std::string::npos) return 0;
  int v = 0;
  for (std::size_t j = i + 1; j < str_.size(); ++j) {
    if (str_[j] < '0' || str_[j] > '9') return 0;
    v = v * 10 + (str_[j] - '0');
  }
  return v;
}

std::string addr::host() const {
  if (network_.rfind("tcp", 0) != 0) return str_;
  std::string h, p;
  if (split_host_port(str_, h, p)) return str_;
  return h;
}

std::ostream& operator<<(std::ostream& os, const addr& a) {
  return os << a.string();
}

// ---------------------------------------------------------------------------------------------
// conn

std::pair<std::size_t, std::error_code> conn::read(void* buf, std::size_t n) const {
  netfd* f = fd_.get();
  op_ref ref(f);
  if (!ref) return {0, err_closed};
  std::lock_guard<gort::mutex> serial(f->rmu);
  if (n == 0) return {0, {}};
  // The last read left the socket empty: any byte that came since raised an edge, which the
  // poll descriptor holds as a notice (or will: it wakes the wait). So wait first, keeping that
  // notice (no poll_prepare, which forgets notices from before the call): the read it saves
  // would say EAGAIN. A stale notice costs one such read, as without this.
  bool wait_first = f->rdrained;
  f->rdrained = false;
  if (!wait_first) {
    if (poll_result r = gort::internal::poll_prepare(f->pd, poll_read); r != poll_result::ready)
      return {0, poll_error(r)};
  }
  for (;;) {
    if (wait_first) {
      wait_first = false;
      poll_result r = gort::internal::poll_wait(f->pd, poll_read);
      if (r != poll_result::ready) {
        f->rdrained = true;  // still empty as far as we know; the edge notice is kept
        return {0, poll_error(r)};
      }
    }
    int left = -1;
    ssize_t k = f->inq ? recv_inq(f->sysfd, buf, n, &left) : ::read(f->sysfd, buf, n);
    if (k > 0) {
      f->rdrained = left == 0;
      return {static_cast<std::size_t>(k), {}};
    }
    if (k == 0) return {0, eof};
    int e = errno;
    if (e == EINTR) continue;
    if (e == EAGAIN) {
      poll_result r = gort::internal::poll_wait(f->pd, poll_read);
      if (r == poll_result::ready) continue;
      f->rdrained = true;
      return {0, poll_error(r)};
    }
    return {0, sys_error(e)};
  }
}

void internal::conn_access::start_when_readable(const conn& c, gort::internal::g* gp) {
  // The started goroutine may run, close c and drop c's owner before this returns (another P):
  // hold the netfd itself, and the operation reference keeps pd this fd's meanwhile.
  netfd_ref keep = c.fd_;
  netfd* f = keep.get();
  op_ref ref(f);
  if (!ref || f->pd == nullptr) return gort::internal::start_goroutine(gp);
  gort::internal::poll_start_when_ready(f->pd, poll_read, gp);
}

std::pair<std::size_t, std::error_code> conn::write(const void* buf, std::size_t n) const {
  netfd* f = fd_.get();
  op_ref ref(f);
  if (!ref) return {0, err_closed};
  std::lock_guard<gort::mutex> serial(f->wmu);
  if (poll_result r = gort::internal::poll_prepare(f->pd, poll_write); r != poll_result::ready)
    return {0, poll_error(r)};
  const char* p = static_cast<const char*>(buf);
  std::size_t done = 0;
  while (done < n) {
    ssize_t k = f->is_socket ? gort::internal::sys_send(f->sysfd, p + done, n - done, MSG_NOSIGNAL)
                             : write_nosigpipe(f->sysfd, p + done, n - done);
    if (k > 0) {
      done += static_cast<std::size_t>(k);
      continue;
    }
    int e = k == 0 ? EIO : errno;
    if (e == EINTR) continue;
    if (e == EAGAIN) {
      poll_result r = gort::internal::poll_wait(f->pd, poll_write);
      if (r == poll_result::ready) continue;
      return {done, poll_error(r)};
    }
    return {done, sys_error(e)};
  }
  return {done, {}};
}

std::error_code conn::close() const {
  netfd* f = fd_.get();
  if (f == nullptr || !f->incref_and_close()) return err_closed;
  f->decref();
  return {};
}

namespace {
std::error_code shutdown_fd(netfd* f, int how) {
  op_ref ref(f);
  if (!ref) return err_closed;
  if (!f->is_socket) return sys_error(ENOTSOCK);
  if (::shutdown(f->sysfd, how) != 0) return sys_error(errno);
  return {};
}

std::error_code set_deadline_fd(netfd* f, time_point t, int mode) {
  op_ref ref(f);
  if (!ref) return err_closed;
  gort::internal::poll_set_deadline(f->pd, to_nanotime(t), mode);
  return {};
}
}  // namespace

std::error_code conn::close_write() const {
  return shutdown_fd(fd_.get(), SHUT_WR);
}
std::error_code conn::close_read() const {
  return shutdown_fd(fd_.get(), SHUT_RD);
}

std::error_code conn::set_read_deadline(time_point t) const {
  return set_deadline_fd(fd_.get(), t, poll_read);
}
std::error_code conn::set_write_deadline(time_point t) const {
  return set_deadline_fd(fd_.get(), t, poll_write);
}
std::error_code conn::set_deadline(time_point t) const {
  return set_deadline_fd(fd_.get(), t, poll_read + poll_write);
}

addr conn::local_addr() const {
  return fd_ ? fd_->laddr : addr();
}
addr conn::remote_addr() const {
  return fd_ ? fd_->raddr : addr();
}

std::error_code conn::set_nodelay(bool on) const {
  netfd* f = fd_.get();
  op_ref ref(f);
  if (!ref) return err_closed;
  if (f->family != AF_INET && f->family != AF_INET6) return sys_error(EOPNOTSUPP);
  int v = on ? 1 : 0;
  if (::setsockopt(f->sysfd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) != 0) return sys_error(errno);
  return {};
}

int conn::fd() const noexcept {
  if (!fd_ || (fd_->state.load(std::memory_order_relaxed) & netfd::closed_bit)) return -1;
  return fd_->sysfd;
}

// ---------------------------------------------------------------------------------------------
// listener

std::pair<conn, std::error_code> listener::accept() const {
  netfd* f = fd_.get();
  op_ref ref(f);
  if (!ref) return {conn(), err_closed};
  std::lock_guard<gort::mutex> serial(f->rmu);
  std::chrono::milliseconds backoff{0};
  for (;;) {
    if (poll_result r = gort::internal::poll_prepare(f->pd, poll_read); r != poll_result::ready)
      return {conn(), poll_error(r)};
    sockaddr_any peer;
    peer.len = sizeof peer.ss;
    int nfd = ::accept4(f->sysfd, peer.sa(), &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (nfd < 0) {
      int e = errno;
      if (e == EINTR || e == ECONNABORTED) continue;
      if (e == EAGAIN) {
        poll_result r = gort::internal::poll_wait(f->pd, poll_read);
        if (r == poll_result::ready) continue;
        return {conn(), poll_error(r)};
      }
      if (e == EMFILE || e == ENFILE) {
        // Out of descriptors: wait for some to be closed rather than spin (net/http's Serve).
        backoff = backoff.count() == 0 ? std::chrono::milliseconds(5) : backoff * 2;
        if (backoff > std::chrono::seconds(1)) backoff = std::chrono::seconds(1);
        gort::sleep(backoff);
        continue;
      }
      return {conn(), sys_error(e)};
    }
    auto [nf, ec] = make_netfd(nfd, f->family, true, f->network);
    if (ec) return {conn(), ec};
    if (f->family == AF_INET || f->family == AF_INET6) tcp_setup(nf.get());
    nf->laddr = sock_name(nfd, f->network, false);
    nf->raddr = net::addr(f->network, sockaddr_string(peer.sa(), peer.len));
    return {conn(std::move(nf)), {}};
  }
}

std::error_code listener::close() const {
  netfd* f = fd_.get();
  if (f == nullptr || !f->incref_and_close()) return err_closed;
  f->decref();
  return {};
}

net::addr listener::addr() const {
  return fd_ ? fd_->laddr : net::addr();
}

int listener::fd() const noexcept {
  if (!fd_ || (fd_->state.load(std::memory_order_relaxed) & netfd::closed_bit)) return -1;
  return fd_->sysfd;
}

// ---------------------------------------------------------------------------------------------
// listen, dial, file_conn

std::pair<listener, std::error_code> listen(std::string_view network, std::string_view address) {
  std::optional<net_kind> kind = parse_network(network);
  if (!kind) return {listener(), make_error_code(errc::unknown_network)};
  net_kind k = *kind;
  std::vector<sockaddr_any> addrs;
  if (std::error_code ec = resolve(k, address, true, addrs)) return {listener(), ec};
  sockaddr_any& a = addrs.front();
  int fd = ::socket(a.family(), sock_type_flags(), 0);
  if (fd < 0) return {listener(), sys_error(errno)};
  if (a.family() != AF_UNIX) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (a.family() == AF_INET6) {
    int v6only = k == net_kind::tcp6 ? 1 : 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (::bind(fd, a.sa(), a.len) != 0 || ::listen(fd, listen_backlog()) != 0) {
    int e = errno;
    ::close(fd);
    return {listener(), sys_error(e)};
  }
  auto [f, ec] = make_netfd(fd, a.family(), true, network_name(k));
  if (ec) return {listener(), ec};
  f->laddr = sock_name(fd, f->network, false);
  if (k == net_kind::unix_) {
    f->laddr = net::addr("unix", std::string(address));
    if (address[0] != '@') f->unlink_path = std::string(address);
  }
  return {listener(std::move(f)), {}};
}

namespace {

// connect_one makes a socket for `a` and connects it (non-blocking: waits on the netpoller for
// writability, Go's netFD.connect), giving up at `deadline` (nanotime, 0: none).
std::pair<netfd_ref, std::error_code> connect_one(net_kind k, const sockaddr_any& a,
                                                  std::int64_t deadline) {
  int fd = ::socket(a.family(), sock_type_flags(), 0);
  if (fd < 0) return {nullptr, sys_error(errno)};
  auto [f, ec] = make_netfd(fd, a.family(), true, network_name(k));
  if (ec) return {nullptr, ec};
  netfd* nf = f.get();
  auto fail = [&](std::error_code e) -> std::pair<netfd_ref, std::error_code> {
    nf->incref_and_close();
    nf->decref();
    return {nullptr, e};
  };
  int r;
  do {
    r = ::connect(fd, a.sa(), a.len);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    int e = errno;
    if (e != EINPROGRESS && e != EALREADY && e != EAGAIN) return fail(sys_error(e));
    if (deadline != 0) gort::internal::poll_set_deadline(nf->pd, deadline, poll_write);
    for (;;) {
      poll_result pr = gort::internal::poll_wait(nf->pd, poll_write);
      if (pr != poll_result::ready) return fail(poll_error(pr));
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) return fail(sys_error(errno));
      if (soerr == 0) break;
      if (soerr == EINPROGRESS || soerr == EALREADY || soerr == EINTR) continue;
      return fail(sys_error(soerr));
    }
    if (deadline != 0) gort::internal::poll_set_deadline(nf->pd, 0, poll_write);
  }
  if (a.family() != AF_UNIX) tcp_setup(nf);
  nf->laddr = sock_name(fd, nf->network, false);
  nf->raddr = a.family() == AF_UNIX ? net::addr("unix", sockaddr_string(a.sa(), a.len))
                                    : sock_name(fd, nf->network, true);
  return {std::move(f), {}};
}

std::pair<conn, std::error_code> dial_until(std::string_view network, std::string_view address,
                                            std::int64_t deadline) {
  std::optional<net_kind> kind = parse_network(network);
  if (!kind) return {conn(), make_error_code(errc::unknown_network)};
  net_kind k = *kind;
  std::vector<sockaddr_any> addrs;
  if (std::error_code ec = resolve(k, address, false, addrs)) return {conn(), ec};
  std::error_code first;
  for (const sockaddr_any& a : addrs) {
    if (deadline != 0 && deadline <= gort::internal::nanotime()) {
      if (!first) first = err_timeout;
      break;
    }
    auto [f, ec] = connect_one(k, a, deadline);
    if (!ec) return {conn(std::move(f)), {}};
    if (!first) first = ec;
  }
  return {conn(), first};
}

}  // namespace

std::pair<conn, std::error_code> dial(std::string_view network, std::string_view address) {
  return dial_until(network, address, 0);
}

std::pair<conn, std::error_code> dial(std::string_view network, std::string_view address,
                                      std::chrono::nanoseconds timeout) {
  if (timeout.count() <= 0) return dial_until(network, address, 0);  // Go: no timeout
  std::int64_t now = gort::internal::nanotime();
  std::int64_t deadline;
  if (__builtin_add_overflow(now, static_cast<std::int64_t>(timeout.count()), &deadline))
    deadline = 0;
  return dial_until(network, address, deadline);
}

std::pair<conn, std::error_code> file_conn(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return {conn(), sys_error(errno)};
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) return {conn(), sys_error(errno)};
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  bool sock = S_ISSOCK(st.st_mode);
  int family = 0;
  if (sock) {
    sockaddr_any a;
    a.len = sizeof a.ss;
    if (::getsockname(fd, a.sa(), &a.len) == 0) family = a.family();
  }
  std::string network = family == AF_INET || family == AF_INET6 ? "tcp"
                        : family == AF_UNIX                     ? "unix"
                                                                : "file";
  auto [f, ec] = make_netfd(fd, family, sock, network, false);
  if (ec) return {conn(), ec};
  if (sock) {
    f->laddr = sock_name(fd, network, false);
    f->raddr = sock_name(fd, network, true);
  }
  return {conn(std::move(f)), {}};
}

}  // namespace gort::net
