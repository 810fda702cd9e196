// Copyright 2026 The gort Authors.
//
// The network's hot system calls without glibc's cancellation wrappers. Internal.
//
// send, recvmsg and epoll_pwait2 are pthread cancellation points: glibc brackets each with
// __pthread_enable_asynccancel and __pthread_disable_asynccancel, a compare-and-swap loop on the
// thread's cancel word each. An echo round trip makes six of these calls: 174 of its 1,817
// user-space instructions and twelve locked read-modify-writes (callgrind, docs/net.md). gort's
// threads are never cancelled (an M cancelled mid-goroutine would abandon it; Go's runtime makes
// raw system calls too), so on x86-64 these go straight to the kernel. Under ASan and TSan the
// libc calls stay: their interceptors check the buffers and give TSan the happens-before edge of
// a descriptor.

#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define GORT_RAW_SYSCALLS 1
#else
#define GORT_RAW_SYSCALLS 0
#endif

namespace gort::internal {

#if GORT_RAW_SYSCALLS
// raw_syscall: the kernel's result, -errno on failure. The kernel clobbers rcx and r11.
inline long raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) noexcept {
  long ret;
  register long r10 asm("r10") = a4;
  register long r8 asm("r8") = a5;
  register long r9 asm("r9") = a6;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

// errno_result: libc's convention (-1 and errno) for a raw result.
inline long errno_result(long r) noexcept {
  if (r < 0 && r > -4096) {
    errno = static_cast<int>(-r);
    return -1;
  }
  return r;
}
#endif

inline ssize_t sys_send(int fd, const void* buf, std::size_t n, int flags) noexcept {
#if GORT_RAW_SYSCALLS
  return errno_result(
      raw_syscall(SYS_sendto, fd, reinterpret_cast<long>(buf), static_cast<long>(n), flags, 0, 0));
#else
  return ::send(fd, buf, n, flags);
#endif
}

inline ssize_t sys_recvmsg(int fd, msghdr* msg, int flags) noexcept {
#if GORT_RAW_SYSCALLS
  return errno_result(raw_syscall(SYS_recvmsg, fd, reinterpret_cast<long>(msg), flags, 0, 0, 0));
#else
  return ::recvmsg(fd, msg, flags);
#endif
}

// sys_epoll_pwait2 without a signal mask (the caller's mask stays).
inline int sys_epoll_pwait2(int epfd, epoll_event* events, int max,
                            const timespec* timeout) noexcept {
#if GORT_RAW_SYSCALLS
  return static_cast<int>(
      errno_result(raw_syscall(SYS_epoll_pwait2, epfd, reinterpret_cast<long>(events), max,
                               reinterpret_cast<long>(timeout), 0, 0)));
#else
  return ::epoll_pwait2(epfd, events, max, timeout, nullptr);
#endif
}

}  // namespace gort::internal
