#!/usr/bin/env bash
# Usage: run.sh <gort source> <gort build dir> <work dir>
# Installs the built gort into a prefix, then builds and runs tests/consumer twice: with
# find_package(gort) and with add_subdirectory(<gort source>). Each time, consumer_overflow must die
# of Go's stack overflow report: the consumer's code was compiled with the stack-clash probes that
# gort::gort's interface carries.
set -euo pipefail
src=$1 build=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
check_overflow() {
  local rc=0
  "$1" >"$work/overflow.out" 2>"$work/overflow.err" || rc=$?
  if [ "$rc" != 2 ] || ! grep -q '^fatal error: stack overflow$' "$work/overflow.err"; then
    echo "$1: exit status $rc, want 2 with 'fatal error: stack overflow' (compiled without" \
      "-fstack-clash-protection?)"
    cat "$work/overflow.out" "$work/overflow.err"
    exit 1
  fi
}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$src/tests/consumer" -B "$work/find" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/find" >/dev/null
"$work/find/consumer"
check_overflow "$work/find/consumer_overflow"
cmake -S "$src/tests/consumer" -B "$work/subdir" "${gen[@]}" -DGORT_CONSUMER_USE_SUBDIRECTORY=ON \
  -DGORT_CONSUMER_SOURCE="$src" >/dev/null
cmake --build "$work/subdir" >/dev/null
"$work/subdir/consumer"
check_overflow "$work/subdir/consumer_overflow"
echo "consumer: find_package and add_subdirectory both work"
