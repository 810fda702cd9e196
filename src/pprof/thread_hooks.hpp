// Copyright 2026 The gort Authors.
//
// What the scheduler tells the CPU profiler (src/pprof/cpu.cpp). Internal.
#pragma once

namespace gort::internal {

// profile_thread_start registers the calling runtime thread (an M, the thread of gort::run) for a
// per-thread CPU timer, and arms one at once when a profile runs. Allocates; takes the
// profiler's thread lock (a leaf). Call on the thread, before it runs goroutines.
void profile_thread_start();

// profile_thread_exit deletes the calling thread's timer and unregisters it. Call on the thread
// before it ends (or before it stops being a runtime thread).
void profile_thread_exit();

// profile_run_start starts the CPU profile GORT_DEBUG=cpuprofile=<path> asks for, if any (a
// failure is one message on stderr; the run goes on); profile_run_end stops and writes it.
void profile_run_start();
void profile_run_end();

// Test hook: the sampling rate of the next profile (Go's runtime.SetCPUProfileRate); <= 0 goes
// back to 100 Hz.
void set_cpu_profile_hz_for_testing(int hz);

}  // namespace gort::internal
