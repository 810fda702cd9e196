#!/bin/sh
# Builds tests/go/workload.go and writes its traces under GOMAXPROCS 1, 2 and 4 into OUTDIR,
# with `go tool trace -d` dumps beside them (the tests compare gort-trace's reading with Go's).
# Usage: generate.sh WORKLOAD.go OUTDIR.   Exit 77 (skipped) when go is not installed.
set -eu
src=$1
out=$2
if ! command -v go >/dev/null 2>&1; then
  echo "go is not on PATH (tools/setup.sh installs it): skipping" >&2
  exit 77
fi
mkdir -p "$out"
# Go's build cache under $HOME when there is one, else beside the traces.
case "$(go env GOCACHE 2>/dev/null)" in
  /*) ;;
  *) export GOCACHE="$out/gocache" ;;
esac
# A module-less build of one file; GOFLAGS from the environment could ask for -mod=vendor.
GOFLAGS= GO111MODULE=off go build -o "$out/workload" "$src"
for p in 1 2 4; do
  rm -f "$out/go-p$p.trace" "$out/go-p$p.dump"
  GOMAXPROCS=$p "$out/workload" "$out/go-p$p.trace" >/dev/null
  go tool trace -d "$out/go-p$p.trace" >"$out/go-p$p.dump" 2>/dev/null
  echo "$out/go-p$p.trace: $(wc -c <"$out/go-p$p.trace") bytes, $(wc -l <"$out/go-p$p.dump") events"
done
