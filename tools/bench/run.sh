#!/usr/bin/env bash
# Usage: run.sh <release build dir> <output dir>
# Runs the article experiments (gort, the manual C++ baseline and the Go twins, one after the
# other in this one run), counts instructions with callgrind, runs the article probes, and writes
# <output dir>/REPORT.md with SVG charts. Raw results stay beside it.
set -euo pipefail
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
reps=${GORT_BENCH_REPETITIONS:-5}
s3_ms=${GORT_BENCH_S3_MS:-250}                   # per S3 configuration and round
s3_goroutines=${GORT_BENCH_S3_GOROUTINES:-1000}  # background goroutines in S3
skynet_leaves=${GORT_BENCH_SKYNET_LEAVES:-1000000}  # skynet's leaves (a power of 10)
export GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-$out/.gocache}" GOPATH="${GOPATH:-$out/.gopath}"

echo "== machine"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "mhz: $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "compiler: $(c++ --version | head -1)"
  echo "go: $(go version)"
  echo "valgrind: $(valgrind --version)"
} >"$out/machine.txt"
cat "$out/machine.txt"

# The Go twins of the S3 latency, idle and skynet programs, built once (not timed).
(cd "$root/bench/go" && go build -o "$out/go-s3" ./s3 && go build -o "$out/go-idle" ./idle &&
  go build -o "$out/go-skynet" ./skynet && go build -o "$out/go-gctrace" ./gctrace &&
  go build -o "$out/go-rtprobes" ./rtprobes && go build -o "$out/go-stw" ./stw &&
  go build -o "$out/go-traceprobe" ./traceprobe && go build -o "$out/go-spin" ./spin &&
  go build -o "$out/go-s2httpd" ./s2httpd)

# One skynet run: appends its JSON line to $1; a failure or a hang (killed after 120 s) is said
# on stderr and leaves no line, so the report shows fewer runs instead of the whole run stopping.
skynet() {
  local log=$1
  shift
  local status=0
  timeout 120 "$@" >>"$log" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "skynet run failed (exit status $status): ${*}" >&2
  fi
}

# gort (with the manual C++ baseline) and the Go twins take turns, one repetition each, so that
# a slow spell of this shared machine hits both sides alike; medians are taken over the rounds.
# Each round runs the benchmarks (defer and scheduler cases, gort_bench and `go test -bench`),
# the S3 latency programs (one JSON line per configuration) and the idle programs (under
# /usr/bin/time; "--" ends each run's lines) and skynet at P=1 and P=2 (one JSON line per run).
echo "== benchmarks, S3 latency, idle CPU, skynet: gort + manual C++ and the Go twins, alternating, $reps rounds"
rm -f "$out"/gort-*.json
: >"$out/go.txt"
: >"$out/s3-gort.jsonl"
: >"$out/s3-go.jsonl"
: >"$out/idle-gort.txt"
: >"$out/idle-go.txt"
: >"$out/skynet-gort.jsonl"
: >"$out/skynet-go.jsonl"
for round in $(seq 1 "$reps"); do
  echo "-- round $round of $reps: gort_bench (defer, scheduler, channel cases)"
  "$build/bench/gort_bench" --benchmark_min_time=0.2 --benchmark_format=json \
    --benchmark_out="$out/gort-$round.json" --benchmark_out_format=json >/dev/null
  echo "-- round $round of $reps: go test -bench (the Go twins)"
  (cd "$root/bench/go" && go test -run '^$' -bench . -benchmem -count 1 -benchtime 0.2s) >>"$out/go.txt"
  echo "-- round $round of $reps: S3 latency (gort, Go), idle CPU (gort, Go), skynet at P=1 and P=2"
  "$build/bench/gort_s3_latency" "$s3_ms" "$s3_goroutines" >>"$out/s3-gort.jsonl"
  "$out/go-s3" "$s3_ms" "$s3_goroutines" >>"$out/s3-go.jsonl"
  /usr/bin/time -a -o "$out/idle-gort.txt" -f "time: %e %U %S" "$build/bench/gort_idle" >>"$out/idle-gort.txt"
  echo "--" >>"$out/idle-gort.txt"
  /usr/bin/time -a -o "$out/idle-go.txt" -f "time: %e %U %S" "$out/go-idle" >>"$out/idle-go.txt"
  echo "--" >>"$out/idle-go.txt"
  for p in 1 2; do
    skynet "$out/skynet-gort.jsonl" "$build/bench/gort_skynet" "$p" "$skynet_leaves"
    skynet "$out/skynet-go.jsonl" env GOMAXPROCS="$p" "$out/go-skynet" "$skynet_leaves"
  done
done

# S2: article 002's handler shapes on gort's HTTP server and Go's net/http, nginx beside, under
# wrk (2 rounds of 36 runs of 2 s: about 2.5 minutes).
echo "== S2: HTTP handlers under wrk (gort, Go net/http, nginx), alternating"
"$root/tools/bench/s2.sh" "$build" "$out" "$out/go-s2httpd"

# Go's S0/S1 pairs with open-coded defers disabled (-d=noopendefer: every defer through a record,
# as before Go 1.14), for the articles' figures that look like pre-1.14 ones.
echo "== Go defers without open coding (-gcflags=-d=noopendefer)"
(cd "$root/bench/go" && go test -gcflags=-d=noopendefer -run '^$' -bench '^Benchmark(No)?Defer(N1|N3)?$' \
  -benchmem -count "$reps" -benchtime 0.2s) >"$out/go-noopendefer.txt"

echo "== callgrind instruction counts"
: >"$out/callgrind.txt"
for c in gort/1 manual/1 gort/3 manual/3 gort/8 manual/8 gort/10 manual/10 gort/50 manual/50 \
         gort-loop/10 manual-loop/10 gort-loop/100 manual-loop/100 \
         gort-loop-plain/100 manual-loop-plain/100; do
  echo "-- callgrind: $c"
  counts=()
  for n in 1000 3000; do
    counts+=("$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$build/bench/gort_callgrind_driver" "$c" "$n" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')")
  done
  echo "$c ${counts[0]} ${counts[1]}" >>"$out/callgrind.txt"
done

echo "== article probes"
"$build/bench/gort_article_probes" >"$out/probes-gort.txt"
(cd "$root/bench/go/probes" && go run probes.go) >"$out/probes-go.txt"
(cd "$root/bench/go/probes" && go build -gcflags=-d=defer -o /dev/null probes.go) >"$out/probes-go-defer.txt" 2>&1
(cd "$root/bench/go/probes" && go build -gcflags='-m -l' -o /dev/null probes.go) >"$out/probes-go-escape.txt" 2>&1
(cd "$root/bench/go/probes" && go build -gcflags='-m=2' -o /dev/null probes.go) >"$out/probes-go-inline.txt" 2>&1
(cd "$root/bench/go/probes" && go build -gcflags='-S' -o /dev/null probes.go) >"$out/probes-go-asm.txt" 2>&1
"$out/go-rtprobes" >"$out/probes-go-runtime.txt"
(cd "$root/bench/go" && CGO_ENABLED=1 go run ./cgoprobe) >"$out/probes-go-cgo.txt" 2>&1 ||
  echo "cgo probe failed: $(tail -1 "$out/probes-go-cgo.txt")"
# Stop-the-world pauses with 10,000 goroutines parked with 0, 3 or 10 pending defers.
echo "-- STW pauses with 10,000 parked goroutines"
GODEBUG=gctrace=1 "$out/go-stw" >"$out/stw.jsonl" 2>"$out/stw-gctrace.txt"
# The events Go's tracer records for a defer-heavy program (go tool trace -d).
echo "-- go tool trace of a defer-heavy program"
"$out/go-traceprobe" "$out/go-trace.out"
go tool trace -d "$out/go-trace.out" >"$out/trace-events.txt" 2>/dev/null
# Article 003's trace chapter: its hotDeferHandler under runtime/trace; the events (runnable
# delays) and the trace viewer's own profiles (the web UI's scheduler latency, synchronization,
# syscall and network blocking profiles, headless), each as go tool pprof -top.
echo "-- go tool trace of article 003's hotDeferHandler: events and the viewer's profiles"
"$out/go-traceprobe" "$out/go-trace-hot.out" hot
go tool trace -d "$out/go-trace-hot.out" >"$out/trace-hot-events.txt" 2>/dev/null
for view in sched sync syscall net; do
  go tool trace -pprof="$view" "$out/go-trace-hot.out" >"$out/trace-hot-$view.pprof" 2>/dev/null
  go tool pprof -top -nodecount=40 "$out/trace-hot-$view.pprof" >"$out/trace-hot-$view.txt" 2>&1 || true
done
# Preemption: a goroutine spinning without calls on GOMAXPROCS=1 while main sleeps 1 ms; then
# the same with asynchronous preemption off (a hang, cut by the timeout, says the spinner kept
# the P).
echo "-- GOMAXPROCS=1 spin probe (preemption)"
status=0
timeout 10 "$out/go-spin" >"$out/spin.txt" || status=$?
echo "exit-status: $status" >>"$out/spin.txt"
status=0
timeout 3 env GODEBUG=asyncpreemptoff=1 "$out/go-spin" >"$out/spin-asyncpreemptoff.txt" || status=$?
echo "exit-status: $status" >>"$out/spin-asyncpreemptoff.txt"
# The compiler's own offsets of the installed runtime's g and _defer: go_asm.h, written when the
# runtime package is compiled (go build -a -work keeps it).
echo "-- go_asm.h of the installed runtime (offsets of g and _defer)"
work=$(go build -a -work runtime 2>&1 | sed -n 's/^WORK=//p')
grep -h -E '^#define (g|_defer)_' "$(grep -l '^#define g__defer ' "$work"/*/go_asm.h | head -1)" \
  >"$out/go-asmhdr.txt"
rm -rf "$work"
# Where Go's CPU time goes in a defer-heavy benchmark: go tool pprof -top of a CPU profile.
echo "-- pprof: BenchmarkLoopDeferPlain/100"
(cd "$root/bench/go" && go test -run '^$' -bench '^BenchmarkLoopDeferPlain$/^100$' -benchtime 0.5s \
  -cpuprofile "$out/go-cpu.prof" -o "$out/go-bench.test" >/dev/null)
go tool pprof -top -nodecount=60 "$out/go-bench.test" "$out/go-cpu.prof" >"$out/pprof-go-loopdefer.txt" 2>/dev/null
# GC counts under GODEBUG=gctrace=1: one JSON line per mode in gctrace.jsonl, the runtime's gc
# lines in gctrace-<mode>.txt.
: >"$out/gctrace.jsonl"
for mode in nodefer closure loopplain looparg; do
  echo "-- gctrace: $mode"
  GODEBUG=gctrace=1 "$out/go-gctrace" "$mode" >>"$out/gctrace.jsonl" 2>"$out/gctrace-$mode.txt"
done
# Article 000's recipes, run as written: its grep for the gc lines (`grep "gc \d+"`) on a
# gctrace log, and what `-gcflags="-l"` means (go tool compile -help).
{
  echo "gc lines: $(grep -c '^gc ' "$out/gctrace-looparg.txt" || true)"
  echo "matched by grep \"gc \\d+\": $(grep "gc \d+" "$out/gctrace-looparg.txt" 2>/dev/null | wc -l)"
  echo "compile -l: $(go tool compile -help 2>&1 | sed -n 's/^[[:space:]]*-l[[:space:]]\{1,\}//p')"
  # article 002's 10,000 files opened in a loop against the descriptor limit; the flags
  # article 003's recipes pass to go tool pprof and go tool trace
  echo "open files limit: $(ulimit -n)"
  echo "pprof flags: $(go tool pprof -h 2>&1 | sed -n 's/^[[:space:]]*\(-http\|-seconds\)[[:space:]].*/\1/p' | tr '\n' ' ')"
  echo "trace flags: $(go tool trace -h 2>&1 | sed -n 's/^[[:space:]]*\(-http\)=.*/\1/p' | tr '\n' ' ')"
  # the length of runtime.deferproc's code (article 003's gdb snapshot stops at deferproc+0x1a2)
  echo "deferproc bytes: $(go tool nm -size "$out/go-bench.test" | awk '$4 == "runtime.deferproc" {print $2}')"
  # article 003's //go:build debug file (its criticalOp with defer logDefer): the files go list
  # builds with and without -tags=debug
  tagdir=$(mktemp -d)
  printf 'module tagprobe\n\ngo 1.19\n' >"$tagdir/go.mod"
  printf '//go:build debug\n// +build debug\n\npackage main\n\nfunc logDefer(string) {}\n\nfunc criticalOp() {\n\tdefer logDefer("criticalOp")\n}\n' >"$tagdir/debug.go"
  printf 'package main\n\nfunc main() {}\n' >"$tagdir/main.go"
  echo "files with -tags=debug: $(cd "$tagdir" && go list -tags=debug -f '{{join .GoFiles " "}}' . 2>&1)"
  echo "files without tags: $(cd "$tagdir" && go list -f '{{join .GoFiles " "}}' . 2>&1)"
  rm -rf "$tagdir"
} >"$out/article-recipes.txt"
(cd "$root/bench/go/probes" && CGO_ENABLED=1 go run -race probes.go) >"$out/probes-go-race.txt" 2>&1 ||
  echo "go run -race failed: $(tail -1 "$out/probes-go-race.txt")"

echo "== greps of the installed Go source (the functions, fields and names the articles mention)"
python3 "$root/tools/bench/go_source.py" "$(go env GOROOT)" >"$out/go-source.json"

echo "== profile of the defer machinery (perf, cpu-clock, DWARF call graphs)"
rm -f "$out"/perf-*.script
for b in BM_GortDeferN/50 BM_GortLoopDefer/100 BM_GortPanicRecover/10; do
  echo "-- perf: $b"
  name=$(echo "$b" | tr '/' '_')
  if perf record -q -e cpu-clock -F 2000 --call-graph dwarf,16384 -o "$out/perf.data" \
       "$build/bench/gort_bench" --benchmark_min_time=0.3 --benchmark_filter="^$b\$" \
       >/dev/null 2>"$out/perf.err"; then
    perf script -i "$out/perf.data" 2>/dev/null >"$out/perf-$name.script" || true
  else
    echo "perf unavailable: $(head -1 "$out/perf.err")"
  fi
  rm -f "$out/perf.data"
done

# What `--call-graph dwarf,8192` sets (article 000 calls 8192 a depth limit): the event's
# attributes (perf evlist -v), the user-stack dumps of the samples (perf report -D) and perf's
# message for a value over its maximum.
echo "-- perf: what --call-graph dwarf,8192 sets"
if perf record -q -e cpu-clock --call-graph dwarf,8192 -o "$out/perf.data" "$out/go-spin" \
     >/dev/null 2>"$out/perf.err"; then
  {
    perf evlist -v -i "$out/perf.data" 2>/dev/null | tr ',' '\n' | sed 's/^ *//'
    perf report -D -i "$out/perf.data" 2>/dev/null | grep -m 200 'ustack: size' |
      sed 's/^\.\.\. */sample /'
    echo "over the maximum: $(perf record -q -e cpu-clock --call-graph dwarf,70000 -o /dev/null true 2>&1 |
      grep -m1 -i 'size')"
  } >"$out/perf-dwarf.txt"
else
  echo "perf unavailable: $(head -1 "$out/perf.err")" >"$out/perf-dwarf.txt"
fi
rm -f "$out/perf.data"

# The attribution half (issue 10 item 4, docs/report.md "Attribution"): S0's CPU profiles, S3
# from traces, tracing/profiling overhead (about 1.5 minutes).
echo "== attribution: S0 CPU profiles (gort's profiler, Go's), S3 traces, tracing/profiling overhead"
"$root/tools/bench/attribution.sh" "$build" "$out"

echo "== report"
python3 "$root/tools/bench/report.py" "$out" "$root"
echo "report: $out/REPORT.md"
