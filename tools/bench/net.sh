#!/usr/bin/env bash
# Usage: net.sh <release build dir> [rounds]
# The netpoller's benchmarks, gort and Go alternating in one run (issue 11's targets):
#   TCP echo round trip, one connection, 64 bytes, P=1 and P=2 (bench/net_bench.cpp,
#   bench/go/net_test.go): ns per round trip, median over the rounds, and gort/Go.
#   RSS per idle connection at 10,000 connections (bench/net_idle_conns.cpp, bench/go/netidle):
#   bytes per connection, median over the rounds, and gort/Go.
set -euo pipefail
build=$(cd "$1" && pwd)
rounds=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-$work/gocache}" GOPATH="${GOPATH:-$work/gopath}"
(cd "$root/bench/go" && go build -o "$work/go-netidle" ./netidle && go test -c -o "$work/go-bench" . >/dev/null)
for r in $(seq "$rounds"); do
  "$build/bench/gort_net_bench" --benchmark_filter=TCPEcho --benchmark_format=json \
    --benchmark_min_time=0.5 >"$work/gort-$r.json"
  "$work/go-bench" -test.run '^$' -test.bench TCPEcho -test.benchtime 0.5s >"$work/go-$r.txt"
  "$build/bench/gort_net_idle_conns" >>"$work/idle.jsonl"
  "$work/go-netidle" >>"$work/idle.jsonl"
done
python3 - "$work" "$rounds" <<'PY'
import json, re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
for p in (1, 2):
    g = [b["real_time"] for r in range(1, rounds + 1)
         for b in json.load(open(f"{work}/gort-{r}.json"))["benchmarks"] if b["name"] == f"BM_GortTCPEcho/{p}/real_time"]
    o = [float(m.group(1)) for r in range(1, rounds + 1)
         for m in re.finditer(rf"BenchmarkTCPEcho/P{p}\S*\s+\d+\s+([\d.]+) ns/op", open(f"{work}/go-{r}.txt").read())]
    if g and o:
        print(f"TCP echo 64 B, P={p}: gort {statistics.median(g):.0f} ns, Go {statistics.median(o):.0f} ns, "
              f"gort/Go {statistics.median(g) / statistics.median(o):.2f} ({rounds} rounds)")
lines = [json.loads(l) for l in open(f"{work}/idle.jsonl")]
for side in ("gort", "go"):
    v = [l["bytes_per_conn"] for l in lines if l["side"] == side]
    c = [l["conns"] for l in lines if l["side"] == side]
    print(f"idle conns ({side}): {statistics.median(v):.0f} bytes per connection at {min(c)} connections")
gv = statistics.median(l["bytes_per_conn"] for l in lines if l["side"] == "gort")
ov = statistics.median(l["bytes_per_conn"] for l in lines if l["side"] == "go")
print(f"idle conns gort/Go: {gv / ov:.2f}")
PY
