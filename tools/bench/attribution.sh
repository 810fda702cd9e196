#!/usr/bin/env bash
# Usage: attribution.sh <release build dir> <output dir>
# The attribution half of the report (issue 10 item 4; docs/report.md "Attribution"), run by
# tools/bench/run.sh after its rounds: it needs the Go binaries run.sh built into <output dir>
# (go-s3, go-skynet) and Go's S0 profile (go-bench.test, go-cpu.prof of
# BenchmarkLoopDeferPlain/100).
#   S0: gort's own profiler (GORT_DEBUG=cpuprofile) on gort_loop_plain(100), beside Go's
#       profile: go tool pprof -top, -traces (the report's flame graphs) and -svg.
#   S3: the latency programs traced (GORT_DEBUG=trace, runtime/trace), P=2, without background
#       and with the defer-heavy one, each trace through gort-trace summary --json.
#   Overhead: skynet 1M at P=2 and the S3 defer background, gort and Go, off / traced /
#       profiled, alternating, GORT_BENCH_OVERHEAD_ROUNDS rounds (3).
set -euo pipefail
build=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
s3_goroutines=${GORT_BENCH_S3_GOROUTINES:-1000}
skynet_leaves=${GORT_BENCH_SKYNET_LEAVES:-1000000}
echo "-- S0: gort_s0_profile under GORT_DEBUG=cpuprofile"
GORT_DEBUG=cpuprofile="$out/gort-cpu.prof" "$build/bench/gort_s0_profile" 1000 >"$out/s0-gort-profile.json"
go tool pprof -top -nodecount=80 "$build/bench/gort_s0_profile" "$out/gort-cpu.prof" \
  >"$out/pprof-gort-loopdefer.txt" 2>/dev/null
go tool pprof -traces "$build/bench/gort_s0_profile" "$out/gort-cpu.prof" \
  >"$out/pprof-gort-loopdefer-traces.txt" 2>/dev/null
go tool pprof -traces "$out/go-bench.test" "$out/go-cpu.prof" >"$out/pprof-go-loopdefer-traces.txt" 2>/dev/null
go tool pprof -svg "$build/bench/gort_s0_profile" "$out/gort-cpu.prof" >"$out/pprof-gort-loopdefer.svg" 2>/dev/null ||
  echo "go tool pprof -svg failed for gort's profile (graphviz?)"
go tool pprof -svg "$out/go-bench.test" "$out/go-cpu.prof" >"$out/pprof-go-loopdefer.svg" 2>/dev/null ||
  echo "go tool pprof -svg failed for Go's profile (graphviz?)"
# S3 from traces: P=2, without background and with the defer-heavy one, gort (GORT_DEBUG=trace)
# and Go (runtime/trace), each trace through gort-trace summary --json.
gort_trace="$build/tools/gort-trace/gort-trace"
s3t_ms=${GORT_BENCH_S3_TRACE_MS:-100}
for bg in none defer; do
  echo "-- S3 traced, P=2, background $bg (gort, Go)"
  GORT_DEBUG=trace="$out/s3-gort-$bg.trace" "$build/bench/gort_s3_latency" "$s3t_ms" "$s3_goroutines" \
    "2:$bg" >"$out/s3trace-gort-$bg.jsonl"
  "$out/go-s3" "$s3t_ms" "$s3_goroutines" "2:$bg" "$out/s3-go-$bg.trace" >"$out/s3trace-go-$bg.jsonl"
  for side in gort go; do
    "$gort_trace" summary --json --goroutines 0 "$out/s3-$side-$bg.trace" >"$out/s3trace-$side-$bg.summary.json" ||
      echo "gort-trace summary failed on s3-$side-$bg.trace"
    # the traces are large (tens of MB); the summaries are what the report reads
    [ -n "${GORT_BENCH_KEEP_TRACES:-}" ] || rm -f "$out/s3-$side-$bg.trace"
  done
done
# Overhead of tracing and profiling: skynet 1M at P=2 and the S3 defer background (P=2), gort
# and Go, off / traced / profiled, alternating in one run (GORT_BENCH_OVERHEAD_ROUNDS rounds);
# one JSON line per run, tagged with its mode by the wrapper below.
ov_rounds=${GORT_BENCH_OVERHEAD_ROUNDS:-3}
: >"$out/overhead.jsonl"
tagged() {  # tagged <workload> <impl> <mode> <command...>: the command's JSON lines, tagged
  local workload=$1 impl=$2 mode=$3 status=0 line
  shift 3
  line=$(timeout 120 "$@") || status=$?
  if [ "$status" -ne 0 ]; then
    echo "overhead run failed (exit status $status): ${*}" >&2
    return 0
  fi
  printf '%s\n' "$line" | sed "s/^{/{\"workload\": \"$workload\", \"impl_side\": \"$impl\", \"mode\": \"$mode\", /" \
    >>"$out/overhead.jsonl"
}
for round in $(seq 1 "$ov_rounds"); do
  echo "-- overhead round $round of $ov_rounds: skynet P=2 and the S3 defer background, off/trace/profile"
  tagged skynet gort off "$build/bench/gort_skynet" 2 "$skynet_leaves"
  tagged skynet go off env GOMAXPROCS=2 "$out/go-skynet" "$skynet_leaves"
  tagged skynet gort trace env GORT_DEBUG=trace="$out/ov.trace" "$build/bench/gort_skynet" 2 "$skynet_leaves"
  tagged skynet go trace env GOMAXPROCS=2 "$out/go-skynet" -trace "$out/ov.trace" "$skynet_leaves"
  tagged skynet gort profile env GORT_DEBUG=cpuprofile="$out/ov.prof" "$build/bench/gort_skynet" 2 "$skynet_leaves"
  tagged skynet go profile env GOMAXPROCS=2 "$out/go-skynet" -cpuprofile "$out/ov.prof" "$skynet_leaves"
  tagged s3bg gort off "$build/bench/gort_s3_latency" "$s3t_ms" "$s3_goroutines" 2:defer
  tagged s3bg go off "$out/go-s3" "$s3t_ms" "$s3_goroutines" 2:defer
  tagged s3bg gort trace env GORT_DEBUG=trace="$out/ov.trace" "$build/bench/gort_s3_latency" "$s3t_ms" "$s3_goroutines" 2:defer
  tagged s3bg go trace "$out/go-s3" "$s3t_ms" "$s3_goroutines" 2:defer "$out/ov.trace"
  tagged s3bg gort profile env GORT_DEBUG=cpuprofile="$out/ov.prof" "$build/bench/gort_s3_latency" "$s3t_ms" "$s3_goroutines" 2:defer
  tagged s3bg go profile env GO_S3_CPUPROFILE="$out/ov.prof" "$out/go-s3" "$s3t_ms" "$s3_goroutines" 2:defer
done
rm -f "$out/ov.trace" "$out/ov.prof"

