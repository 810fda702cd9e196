// Copyright 2026 The gort Authors.
//
// Clang's thread-safety annotations (-Wthread-safety) under gort's names: a lock type is a
// capability, a field says which lock guards it, a function says which locks it needs, takes or
// drops. The `clang` preset builds with -Werror=thread-safety, so a field read without its lock
// held (as far as the analysis can follow) fails that build. Under GCC, and under clang without
// the attributes, every macro is empty: annotations cost nothing and change nothing. Internal.
//
// The analysis is per function and does not follow a lock handed to another function through a
// void* (park's unlock function drops on g0 the lock the goroutine took). Such a function says so
// with GORT_NO_THREAD_SAFETY_ANALYSIS and a one-line reason; it is the exception, not the way to
// quiet a warning.

#pragma once

#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(capability)
#define GORT_THREAD_SAFETY_ATTR(x) __attribute__((x))
#endif
#endif
#if !defined(GORT_THREAD_SAFETY_ATTR)
#define GORT_THREAD_SAFETY_ATTR(x)
#endif

// A class whose objects are locks ("mutex" in the analysis' messages).
#define GORT_CAPABILITY(name) GORT_THREAD_SAFETY_ATTR(capability(name))
// A RAII class that holds a capability for its lifetime (lock_guard).
#define GORT_SCOPED_CAPABILITY GORT_THREAD_SAFETY_ATTR(scoped_lockable)
// A field read or written only with the lock held.
#define GORT_GUARDED_BY(lock) GORT_THREAD_SAFETY_ATTR(guarded_by(lock))
// A pointer field whose pointee is read or written only with the lock held.
#define GORT_PT_GUARDED_BY(lock) GORT_THREAD_SAFETY_ATTR(pt_guarded_by(lock))
// The function needs the locks held on entry (and leaves them held).
#define GORT_REQUIRES(...) GORT_THREAD_SAFETY_ATTR(requires_capability(__VA_ARGS__))
// The function takes the locks (no argument: `this`) and returns with them held.
#define GORT_ACQUIRE(...) GORT_THREAD_SAFETY_ATTR(acquire_capability(__VA_ARGS__))
// The function drops the locks (no argument: `this`), held on entry.
#define GORT_RELEASE(...) GORT_THREAD_SAFETY_ATTR(release_capability(__VA_ARGS__))
// The function takes the lock when it returns `result`.
#define GORT_TRY_ACQUIRE(...) GORT_THREAD_SAFETY_ATTR(try_acquire_capability(__VA_ARGS__))
// The function must be called without the locks held (it takes them itself).
#define GORT_EXCLUDES(...) GORT_THREAD_SAFETY_ATTR(locks_excluded(__VA_ARGS__))
// The function returns a reference to the given lock (an accessor).
#define GORT_RETURN_CAPABILITY(x) GORT_THREAD_SAFETY_ATTR(lock_returned(x))
// The analysis cannot follow this function (say why next to it).
#define GORT_NO_THREAD_SAFETY_ANALYSIS GORT_THREAD_SAFETY_ATTR(no_thread_safety_analysis)
