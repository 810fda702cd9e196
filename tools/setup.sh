#!/usr/bin/env bash
# Installs what gort's build, tests and report need on a Debian machine. Idempotent: installs
# only what is missing, so a second run does nothing. Needs root (or sudo) when something is
# missing.
set -euo pipefail

# package -> a file or command that proves it is installed
declare -A need=(
  [cmake]=/usr/bin/cmake
  [ninja-build]=/usr/bin/ninja
  [g++]=/usr/bin/g++
  [make]=/usr/bin/make
  [libgtest-dev]=/usr/include/gtest/gtest.h
  [libgmock-dev]=/usr/include/gmock/gmock.h
  [libbenchmark-dev]=/usr/include/benchmark/benchmark.h
  [valgrind]=/usr/bin/valgrind
  [golang-go]=/usr/bin/go
  [python3]=/usr/bin/python3
  [clang-format]=/usr/bin/clang-format
  [clang]=/usr/bin/clang++
  [linux-perf]=/usr/bin/perf
  [time]=/usr/bin/time
  [libdw-dev]=/usr/include/elfutils/libdwfl.h
  [libunwind-dev]=/usr/include/x86_64-linux-gnu/libunwind.h
  [zlib1g-dev]=/usr/include/zlib.h
  [graphviz]=/usr/bin/dot
  [libhttp-parser-dev]=/usr/include/http_parser.h
  [nginx]=/usr/sbin/nginx
  [wrk]=/usr/bin/wrk
  [curl]=/usr/bin/curl  # tests/trace/webui.sh fetches go tool trace's pages
)
missing=()
for pkg in "${!need[@]}"; do
  [ -e "${need[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Two tries: a mirror hiccup on a fresh machine should not fail the build.
for try in 1 2; do
  if "${sudo[@]}" apt-get update -qq &&
     "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    break
  fi
  [ "$try" = 2 ] && { echo "setup: apt-get failed twice" >&2; exit 1; }
  sleep 5
done
for pkg in "${missing[@]}"; do
  [ -e "${need[$pkg]}" ] || { echo "setup: $pkg did not install ${need[$pkg]}" >&2; exit 1; }
done
echo "setup: done"
