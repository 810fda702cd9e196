#!/usr/bin/env python3
"""Checks gort-trace's SVG: well-formed XML, one labelled row per P, goroutine rectangles and
the latency histogram.  Usage: check_svg.py FILE PROCS"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def main():
    path, procs = sys.argv[1], int(sys.argv[2])
    root = ET.parse(path).getroot()  # fails on malformed XML
    if root.tag != NS + "svg":
        sys.exit(f"root is {root.tag}")
    texts = [t.text or "" for t in root.iter(NS + "text")]
    rows = sorted(t for t in texts if t.startswith("P") and t[1:].isdigit())
    want = sorted(f"P{i}" for i in range(procs))
    if rows != want:
        sys.exit(f"P rows {rows}, want {want}")
    runs = [r for r in root.iter(NS + "rect")
            if r.find(NS + "title") is not None and r.find(NS + "title").text.startswith("G")]
    if not runs:
        sys.exit("no goroutine rectangles")
    if not any("scheduler latency" in t for t in texts):
        sys.exit("no latency histogram")
    print(f"ok: {len(rows)} P rows, {len(runs)} goroutine rectangles")


main()
