#!/usr/bin/env bash
# Usage: s2.sh <release build dir> <output dir> <go server binary>
# S2 (article 002's HTTP experiment): the four handler shapes (bench/s2_httpd.cpp and its Go
# twin bench/go/s2httpd) and nginx serving the same 1 KiB body from a file, under wrk -t1 at 100
# and 1,000 connections, servers at P=1 and P=2 (nginx: 1 and 2 workers). For each P the three
# servers run side by side (idle when not measured) and the runs alternate gort, Go for each
# handler, then nginx, so a slow spell of the machine hits all alike. Appends one JSON line per
# run to <output dir>/s2.jsonl: server, handler, procs, conns, and wrk's summary
# (tools/bench/s2_wrk.lua). GORT_BENCH_S2_SECONDS sets each run's length (default 2 s) and
# GORT_BENCH_S2_ROUNDS the rounds (default 2): 72 runs, about 2.5 minutes.
set -euo pipefail
build=$1
out=$2
gobin=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${GORT_BENCH_S2_SECONDS:-2}
rounds=${GORT_BENCH_S2_ROUNDS:-2}
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
: >"$out/s2.jsonl"
work=$(mktemp -d)
chmod 755 "$work"
pids=()
stop_all() {
  local p
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] || continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
  return 0
}
trap 'stop_all; rm -rf "$work"' EXIT

# The same body as the handlers': 1023 'x' and a newline.
mkdir -p "$work/www"
chmod 755 "$work/www"
printf '%*s\n' 1023 '' | tr ' ' x >"$work/www/body"
chmod 644 "$work/www/body"

# Starts "$@" with stdout to $1; waits for its "listening <addr>" line; sets $port. (Not in a
# command substitution: the server would hold its pipe open.)
start_server() {
  local log=$1
  shift
  "$@" >"$log" 2>"$log.err" </dev/null &
  pids+=($!)
  for _ in $(seq 1 200); do
    if grep -q '^listening ' "$log" 2>/dev/null; then
      port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$log" | head -1)
      return 0
    fi
    sleep 0.05
  done
  echo "s2: server did not start: $* ($(cat "$log.err"))" >&2
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_nginx() {
  local workers=$1
  port=$(free_port)
  local user=""
  [ "$(id -u)" -eq 0 ] && user="user root;"
  cat >"$work/nginx-$workers.conf" <<NGINX
$user
worker_processes $workers;
daemon off;
pid $work/nginx-$workers.pid;
error_log $work/nginx-$workers.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  default_type text/plain;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
    location = /body { }
  }
}
NGINX
  nginx -e "$work/nginx-$workers.early.err" -c "$work/nginx-$workers.conf" -p "$work" >/dev/null 2>"$work/nginx-$workers.start.err" </dev/null &
  pids+=($!)
  for _ in $(seq 1 200); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "s2: nginx did not start: $(cat "$work/nginx-$workers.start.err")" >&2
  return 1
}

# One wrk run; appends its line (or, when wrk fails, a line with "failed") to s2.jsonl.
measure() {
  local server=$1 handler=$2 procs=$3 conns=$4 url=$5 line
  if line=$(wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s -s "$root/tools/bench/s2_wrk.lua" "$url" |
            grep '^{'); then
    echo "{\"round\": $round, \"server\": \"$server\", \"handler\": \"$handler\", \"procs\": $procs, \"conns\": $conns, ${line#\{}" >>"$out/s2.jsonl"
  else
    echo "{\"round\": $round, \"server\": \"$server\", \"handler\": \"$handler\", \"procs\": $procs, \"conns\": $conns, \"failed\": true}" >>"$out/s2.jsonl"
    echo "s2: wrk failed on $server $handler P=$procs c=$conns" >&2
  fi
}

handlers="nodefer deferunlock deferrecover multidefer"
for round in $(seq 1 "$rounds"); do
  for procs in 1 2; do
    start_server "$work/gort-$procs.log" "$build/bench/gort_s2_httpd" 127.0.0.1:0 "$procs"
    gport=$port
    start_server "$work/go-$procs.log" env GOMAXPROCS="$procs" "$gobin" 127.0.0.1:0
    oport=$port
    start_nginx "$procs"
    nport=$port
    for conns in 100 1000; do
      echo "-- S2 round $round: P=$procs, $conns connections"
      for h in $handlers; do
        measure gort "$h" "$procs" "$conns" "http://127.0.0.1:$gport/$h"
        measure go "$h" "$procs" "$conns" "http://127.0.0.1:$oport/$h"
      done
      measure nginx static "$procs" "$conns" "http://127.0.0.1:$nport/body"
    done
    stop_all
  done
done
