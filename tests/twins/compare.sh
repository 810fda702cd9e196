#!/usr/bin/env bash
# Usage: compare.sh <gort twin binary> <go twin source>
# Runs both twins and compares their output line by line. Exits 77 (skipped) without `go`.
set -uo pipefail
bin=$1 src=$2
if ! command -v go >/dev/null 2>&1; then
  echo "go is not on PATH: skipping the Go twin comparison"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOCACHE="${GOCACHE:-$work/gocache}" GOPATH="${GOPATH:-$work/gopath}" GOFLAGS=-mod=mod
"$bin" >"$work/gort.txt" || { echo "gort twin failed"; exit 1; }
(cd "$work" && go run "$src") >"$work/go.txt" || { echo "go twin failed"; exit 1; }
if diff -u "$work/go.txt" "$work/gort.txt"; then
  echo "twins agree: $(wc -l <"$work/go.txt") lines"
else
  echo "twins differ (- go, + gort)"
  exit 1
fi
