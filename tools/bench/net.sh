#!/usr/bin/env bash
# Usage: net.sh <release build dir> [rounds]
# The netpoller's benchmarks, gort and Go alternating in one run (issue 11's targets):
#   TCP echo round trip, one connection, 64 bytes, P=1 and P=2 (bench/net_bench.cpp,
#   bench/go/net_test.go): ns per round trip (wall, and the process's CPU time, which the load
#   of other processes disturbs less), median and spread over the rounds, and gort/Go.
#   RSS per idle connection at 10,000 connections (bench/net_idle_conns.cpp, bench/go/netidle):
#   bytes per connection, median over the rounds, and gort/Go.
#   RSS per idle HTTP keep-alive connection at 10,000 connections (bench/http_idle_conns.cpp,
#   bench/go/httpidle: gort::http and net/http, both driven by gort_http_idle_conns's client).
# NET_BENCH_CHRT=1 runs the echo rounds at real-time priority (chrt -f 10, as root): no other
# process takes their CPUs, which on a loaded machine reproduces what a quiet one does to the
# echo (a woken thread runs at once; docs/net.md, the P=2 echo).
set -euo pipefail
rt=()
if [ -n "${NET_BENCH_CHRT:-}" ]; then rt=(chrt -f 10); fi
build=$(cd "$1" && pwd)
rounds=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-$work/gocache}" GOPATH="${GOPATH:-$work/gopath}"
(cd "$root/bench/go" && go build -o "$work/go-netidle" ./netidle && go build -o "$work/go-httpidle" ./httpidle &&
  go test -c -o "$work/go-bench" . >/dev/null)
for r in $(seq "$rounds"); do
  "${rt[@]}" "$build/bench/gort_net_bench" --benchmark_filter=TCPEcho --benchmark_format=json \
    --benchmark_min_time=0.5 >"$work/gort-$r.json"
  "${rt[@]}" "$work/go-bench" -test.run '^$' -test.bench TCPEcho -test.benchtime 0.5s >"$work/go-$r.txt"
  "$build/bench/gort_net_idle_conns" >>"$work/idle.jsonl"
  "$work/go-netidle" >>"$work/idle.jsonl"
  "$build/bench/gort_http_idle_conns" >>"$work/httpidle.jsonl"
  "$work/go-httpidle" "$build/bench/gort_http_idle_conns" >>"$work/httpidle.jsonl"
done
python3 - "$work" "$rounds" <<'PY'
import json, re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def spread(v):
    return f"{min(v):.0f}-{max(v):.0f}"
for p in (1, 2):
    gb = [b for r in range(1, rounds + 1)
          for b in json.load(open(f"{work}/gort-{r}.json"))["benchmarks"] if b["name"] == f"BM_GortTCPEcho/{p}/real_time"]
    g = [b["real_time"] for b in gb]
    gc = [b["proc_cpu_ns"] for b in gb if "proc_cpu_ns" in b]
    om = [m for r in range(1, rounds + 1)
          for m in re.finditer(rf"BenchmarkTCPEcho/P{p}\S*\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) cpu-ns/op)?",
                               open(f"{work}/go-{r}.txt").read())]
    o = [float(m.group(1)) for m in om]
    oc = [float(m.group(2)) for m in om if m.group(2)]
    if g and o:
        print(f"TCP echo 64 B, P={p}: wall gort {statistics.median(g):.0f} ns ({spread(g)}), "
              f"Go {statistics.median(o):.0f} ns ({spread(o)}), "
              f"gort/Go {statistics.median(g) / statistics.median(o):.2f} ({rounds} rounds)")
    if gc and oc:
        # Process CPU (every thread, user + system) per round trip: less sensitive to the load.
        print(f"TCP echo 64 B, P={p}: CPU gort {statistics.median(gc):.0f} ns ({spread(gc)}), "
              f"Go {statistics.median(oc):.0f} ns ({spread(oc)}), "
              f"gort/Go {statistics.median(gc) / statistics.median(oc):.2f}")
def idle(name, path, key="bytes_per_conn"):
    lines = [json.loads(l) for l in open(path)]
    for side in ("gort", "go"):
        v = [l[key] for l in lines if l["side"] == side]
        c = [l["conns"] for l in lines if l["side"] == side]
        print(f"{name} ({side}): {statistics.median(v):.0f} bytes per connection at {min(c)} connections"
              f" (spread {min(v):.0f}-{max(v):.0f})")
    gv = statistics.median(l[key] for l in lines if l["side"] == "gort")
    ov = statistics.median(l[key] for l in lines if l["side"] == "go")
    print(f"{name} gort/Go: {gv / ov:.2f}")
idle("idle conns", f"{work}/idle.jsonl")
idle("idle HTTP keep-alive conns", f"{work}/httpidle.jsonl")
idle("idle HTTP keep-alive conns, free memory given back", f"{work}/httpidle.jsonl", "bytes_per_conn_freed")
PY
