#!/usr/bin/env bash
# Usage: run.sh <gort source> <gort build dir> <work dir>
# Installs the built gort into a prefix, then builds and runs tests/consumer twice: with
# find_package(gort) and with add_subdirectory(<gort source>).
set -euo pipefail
src=$1 build=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$src/tests/consumer" -B "$work/find" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/find" >/dev/null
"$work/find/consumer"
cmake -S "$src/tests/consumer" -B "$work/subdir" "${gen[@]}" -DGORT_CONSUMER_USE_SUBDIRECTORY=ON \
  -DGORT_CONSUMER_SOURCE="$src" >/dev/null
cmake --build "$work/subdir" >/dev/null
"$work/subdir/consumer"
echo "consumer: find_package and add_subdirectory both work"
