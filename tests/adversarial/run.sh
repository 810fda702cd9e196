#!/usr/bin/env bash
# Usage: run.sh <gort program> <its .cpp source> <sanitizer ('' or e.g. 'thread')> <go cache dir>
#
# Runs one adversarial program and checks it against the expectations written in its source,
# one per comment line (regexes are grep -E, matched against whole lines):
#   // expect exit N              the exit status
#   // expect stdout REGEX        some line of stdout matches
#   // expect stderr REGEX        some line of stderr matches
#   // expect no-stdout REGEX     no line of stdout matches (no-stderr: of stderr)
#   // env NAME=VALUE             set for the run (may repeat)
#   // skip-under SANITIZER       skip (exit 77) in a build with that sanitizer ('address', 'thread')
# `expect` and `env` lines hold for both twins; `expect-gort` / `env-gort` for the gort program
# only, `expect-go` / `env-go` for the Go twin only. The Go twin is go/<name>.go beside the
# source; when it exists and `go` is on PATH it runs too and must meet the shared expectations,
# so each expectation that claims Go's behaviour is checked against Go itself.
set -uo pipefail
bin=$1 src=$2 sanitizer=$3 gocache=$4
name=$(basename "$src" .cpp)
gosrc="$(cd "$(dirname "$src")" && pwd)/go/$name.go"

for s in $(sed -n 's|^// skip-under \(.*\)$|\1|p' "$src"); do
  if [[ ",$sanitizer," == *",$s,"* ]]; then
    echo "skipped under $s"
    exit 77
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# check <who> <exit status> <stdout file> <stderr file>: applies `expect` and `expect-<who>` lines.
check() {
  local who=$1 rc=$2 out=$3 err=$4 kind arg
  while IFS= read -r line; do
    kind=${line%% *}
    arg=${line#* }
    case $kind in
      exit)
        if [ "$rc" != "$arg" ]; then
          echo "$who: exit status $rc, want $arg"
          fail=1
        fi ;;
      stdout | stderr)
        local f=$out
        [ "$kind" = stderr ] && f=$err
        if ! grep -Eq -- "$arg" "$f"; then
          echo "$who: no line of $kind matches: $arg"
          fail=1
        fi ;;
      no-stdout | no-stderr)
        local g=$out
        [ "$kind" = no-stderr ] && g=$err
        if grep -Eq -- "$arg" "$g"; then
          echo "$who: a line of ${kind#no-} matches: $arg"
          fail=1
        fi ;;
      *)
        echo "bad expectation in $src: $line"
        fail=1 ;;
    esac
  done < <(sed -n -e 's|^// expect \(.*\)$|\1|p' -e "s|^// expect-$who \\(.*\\)\$|\\1|p" "$src")
}

# run <who> <command...>: runs with the `env` and `env-<who>` lines set, then checks.
run() {
  local who=$1
  shift
  local envs=()
  while IFS= read -r e; do envs+=("$e"); done \
    < <(sed -n -e 's|^// env \(.*\)$|\1|p' -e "s|^// env-$who \\(.*\\)\$|\\1|p" "$src")
  env "${envs[@]}" "$@" </dev/null >"$work/$who.out" 2>"$work/$who.err"
  local rc=$?
  check "$who" "$rc" "$work/$who.out" "$work/$who.err"
  if [ $fail -ne 0 ]; then
    echo "--- $who stdout"
    head -c 4000 "$work/$who.out"
    echo "--- $who stderr"
    head -c 4000 "$work/$who.err"
  fi
}

grep -q '^// expect exit ' "$src" || { echo "$src: no '// expect exit' line"; exit 1; }
ran="gort"
run gort "$bin"
if [ -f "$gosrc" ]; then
  if command -v go >/dev/null 2>&1; then
    export GOCACHE="$gocache" GOPATH="$work/gopath" GOFLAGS=-mod=mod GO111MODULE=off
    if (cd "$work" && go build -o "$work/go-twin" "$gosrc") >"$work/build.log" 2>&1; then
      run go "$work/go-twin"
      ran="gort and its Go twin"
    else
      echo "go twin did not build:"
      cat "$work/build.log"
      fail=1
    fi
  else
    echo "go is not on PATH: the Go twin $gosrc is not run"
  fi
fi
[ $fail -eq 0 ] && echo "ok: $name ($ran)"
exit $fail
