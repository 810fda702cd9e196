#!/bin/sh
# Copyright 2026 The gort Authors.
#
# gort-trace reads the traces gort writes: the trace tests' workload trace (P=4, defers, tasks,
# regions, logs, syscalls) passes `gort-trace check`, and `summary --json` totals its gort.defer
# logs as the workload made them (its calls, panics and recovers are known).
# Usage: gort_trace_reads_gort.sh <gort_trace_tests> <gort-trace> <python3> <trace file>
set -eu
TESTS=$1
TOOL=$2
PY=$3
TRACE=$4
GORT_WEBUI_TRACE="$TRACE" "$TESTS" --gtest_filter=Trace.WebuiTraceWritten >/dev/null ||
  { echo "writing the trace failed"; exit 1; }
"$TOOL" check "$TRACE"
"$TOOL" summary --json "$TRACE" >"$TRACE.json"
"$PY" - "$TRACE.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))["defers"]["total"]
calls = d.get("inline", 0) + d.get("pooled", 0) + d.get("heap", 0)
# The workload at scale 1: 4 producers x 1, the consumer 1, 4 lockers x (1 + 12 x 10), the
# panicker 1 (tests/trace/workload.hpp); one panic, recovered.
want = 4 + 1 + 4 * (1 + 12 * 10) + 1
if calls != want or d.get("panics") != 1 or d.get("recovers") != 1:
    sys.exit("gort-trace's defer totals %s: want %d calls, 1 panic, 1 recover" % (d, want))
print("defers by strategy:", d)
PYEOF
rm -f "$TRACE.json"
