#!/usr/bin/env python3
# Copyright 2026 The gort Authors.
#
# The CPU profiler's overhead and accuracy (docs/pprof.md, "Measurements").
#
# Usage: tools/pprof_overhead.py <build-dir> [rounds] [procs] [leaves]
#   (build-dir: a Release build with bench/gort_pprof_overhead, e.g. build/release)
#
# Runs skynet without and with a 100 Hz CPU profile, alternating (off, on, off, on, ...) so that
# the machine's load drifts over both alike, and prints:
#   - the median wall time of each and their ratio (the profiler's overhead),
#   - per profiled run, the profile's total sampled CPU (go tool pprof's "Total samples") against
#     the process's user + system CPU while the profile ran (getrusage), and their ratio,
#   - the cost of one stack walk at about 25 frames, libunwind vs frame pointers,
#   - the defer heap profile's cost on a deferred call that goes to the heap, off / default / 1.
# Needs `go` on PATH for the sampled totals. Timing is a measurement here, never a test.
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def sampled_ns(path):
    top = subprocess.run(["go", "tool", "pprof", "-top", path], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"Total samples = ([0-9.]+)(ms|s|us)", top)
    if not m:
        raise SystemExit("no 'Total samples' in pprof output:\n" + top)
    scale = {"s": 1e9, "ms": 1e6, "us": 1e3}[m.group(2)]
    return float(m.group(1)) * scale


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__ or "usage: pprof_overhead.py <build-dir> [rounds] [procs] [leaves]")
    build = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    procs = sys.argv[3] if len(sys.argv) > 3 else "2"
    leaves = sys.argv[4] if len(sys.argv) > 4 else "1000000"
    exe = os.path.join(build, "bench", "gort_pprof_overhead")
    off, on, ratios = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cpu.pb.gz")
        for r in range(rounds):
            order = [False, True] if r % 2 == 0 else [True, False]
            for profile in order:
                res = run([exe, "skynet", procs, leaves, path if profile else "-"])
                if not res["ok"]:
                    raise SystemExit("skynet computed a wrong sum")
                if profile:
                    on.append(res["ns"])
                    ratios.append(sampled_ns(path) / res["cpu_ns"])
                else:
                    off.append(res["ns"])
    walk = run([exe, "walk", "20", "100000"])
    heap = run([exe, "heapdefer", "200000"])
    m_off, m_on = statistics.median(off), statistics.median(on)
    print(f"skynet {leaves} leaves, P={procs}, {rounds} rounds each, alternating")
    print(f"  profile off: median {m_off / 1e6:.1f} ms  (min {min(off) / 1e6:.1f})")
    print(f"  profile on : median {m_on / 1e6:.1f} ms  (min {min(on) / 1e6:.1f})")
    print(f"  overhead   : {100 * (m_on / m_off - 1):+.2f}% (medians), "
          f"{100 * (min(on) / min(off) - 1):+.2f}% (minimums)")
    print(f"  sampled CPU / process CPU: median {statistics.median(ratios):.3f}, "
          f"range {min(ratios):.3f}..{max(ratios):.3f}")
    print(f"  one stack walk at {walk['frames']} frames: libunwind {walk['libunwind_ns']} ns, "
          f"frame pointers {walk['frame_pointer_ns']} ns ({walk['fp_frames']} frames found)")
    print(f"  heap defer (600 B callable), ns per call: defer profile off {heap['off_ns']}, "
          f"default rate (512 KiB) {heap['default_ns']}, every allocation {heap['sampled_ns']}")


if __name__ == "__main__":
    main()
