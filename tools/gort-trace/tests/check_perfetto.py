#!/usr/bin/env python3
"""Checks gort-trace's Perfetto / Chrome trace-event JSON.

Usage: check_perfetto.py FILE PROCS STARTS LOGS REGION
  PROCS   number of P tracks expected (thread names "P0".."P<n-1>" in process "Ps")
  STARTS  number of goroutine-run slices expected on the P tracks
  LOGS    number of user-log instants expected
  REGION  name of a user region that must appear as a slice
Exits 1 with the first mismatch.
"""
import json
import sys


def main():
    path, procs, starts, logs, region = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(
        sys.argv[4]), sys.argv[5]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)  # fails on malformed JSON
    evs = doc["traceEvents"]
    for e in evs:
        for k in ("ph", "pid"):
            if k not in e:
                sys.exit(f"event without {k}: {e}")
        if e["ph"] in ("X", "i", "s", "f", "b", "e") and not isinstance(e.get("ts"), (int, float)):
            sys.exit(f"event without a numeric ts: {e}")
        if e["ph"] == "X" and not (isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0):
            sys.exit(f"slice without a duration: {e}")
    procs_pid = [e["pid"] for e in evs if e["ph"] == "M" and e["name"] == "process_name"
                 and e["args"]["name"] == "Ps"]
    if len(procs_pid) != 1:
        sys.exit("no process named Ps")
    pp = procs_pid[0]
    tracks = sorted(e["args"]["name"] for e in evs
                    if e["ph"] == "M" and e["name"] == "thread_name" and e["pid"] == pp
                    and e["args"]["name"].startswith("P"))
    want = sorted(f"P{i}" for i in range(procs))
    if tracks != want:
        sys.exit(f"P tracks {tracks}, want {want}")
    runs = [e for e in evs if e["ph"] == "X" and e["pid"] == pp and e.get("cat") == "goroutine"]
    if len(runs) != starts:
        sys.exit(f"{len(runs)} goroutine slices, want {starts}")
    if any(not e["name"].startswith("G") for e in runs):
        sys.exit("a goroutine slice not named G<id>")
    # Runs on one P never overlap.
    by_p = {}
    for e in runs:
        by_p.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
    for tid, spans in by_p.items():
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            if b0 < a1 - 1e-6:
                sys.exit(f"overlapping runs on P track {tid}: {a0}-{a1} and {b0}-{b1}")
    starts_f = {e["id"] for e in evs if e["ph"] == "s"}
    ends_f = {e["id"] for e in evs if e["ph"] == "f"}
    if not starts_f or starts_f != ends_f:
        sys.exit(f"flow arrows unpaired or missing: {len(starts_f)} starts, {len(ends_f)} ends")
    n_logs = sum(1 for e in evs if e["ph"] == "i" and e.get("cat") == "log")
    if n_logs != logs:
        sys.exit(f"{n_logs} user-log instants, want {logs}")
    if not any(e["ph"] == "X" and e.get("cat") == "region" and e["name"] == region for e in evs):
        sys.exit(f"no slice for region {region}")
    print(f"ok: {len(evs)} events, {len(tracks)} P tracks, {len(runs)} runs, "
          f"{len(starts_f)} flows, {n_logs} logs")


main()
