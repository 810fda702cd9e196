#!/bin/sh
# Copyright 2026 The gort Authors.
#
# go tool trace's web UI serves its pages for a gort trace: start it on a free port, read the
# URL it prints, fetch the pages a user opens (the timeline's data, goroutine analysis, the
# network / sync / syscall / scheduler-latency profiles, user tasks and regions) and require
# HTTP 200 and a non-empty body from each.
# Usage: webui.sh <go> <trace file> [gort_trace_tests]  (with the test binary: it writes the
# trace first, through its Trace.WebuiTraceWritten test)
set -eu
GO=$1
TRACE=$2
if [ $# -ge 3 ]; then
  GORT_WEBUI_TRACE="$TRACE" "$3" --gtest_filter=Trace.WebuiTraceWritten >/dev/null || { echo "writing the trace failed"; exit 1; }
fi
LOG=$(mktemp)
"$GO" tool trace -http=127.0.0.1:0 "$TRACE" >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
URL=""
i=0
while [ $i -lt 200 ]; do
  URL=$(sed -n 's/.*Trace viewer is listening on \(http:[^ ]*\).*/\1/p' "$LOG")
  [ -n "$URL" ] && break
  if ! kill -0 $PID 2>/dev/null; then cat "$LOG"; echo "go tool trace exited"; exit 1; fi
  sleep 0.1
  i=$((i + 1))
done
[ -n "$URL" ] || { cat "$LOG"; echo "no URL printed"; exit 1; }
for page in / /goroutines /io /block /syscall /sched /usertasks /userregions /jsontrace \
            "/goroutine?id=1"; do
  OUT=$(mktemp)
  CODE=$(curl -s -o "$OUT" -w '%{http_code}' "$URL$page")
  SIZE=$(wc -c <"$OUT")
  rm -f "$OUT"
  if [ "$CODE" != 200 ] || [ "$SIZE" -eq 0 ]; then
    echo "FAIL $page: HTTP $CODE, $SIZE bytes"; exit 1
  fi
  echo "ok $page ($SIZE bytes)"
done
