#!/usr/bin/env python3
"""Greps the installed Go source for the functions, fields and names the articles mention.

Usage: go_source.py <GOROOT> > go-source.json

Each query gives the matching lines ("path:line: text", path under GOROOT/src), or, for a
struct or a function, its whole block from the declaration to the closing brace; an empty list
when nothing matches (the name is not in this Go version). tools/bench/claims.py judges the
articles' claims about Go's runtime on these lines.
"""
import glob
import json
import os
import re
import sys

# name: (kind, files under GOROOT/src (a glob), pattern or declared name)
QUERIES = {
    "deferproc": ("grep", "runtime/panic.go", r"^func deferproc\("),
    "deferprocStack": ("grep", "runtime/panic.go", r"^func deferprocStack\("),
    "deferreturn": ("grep", "runtime/panic.go", r"^func deferreturn\("),
    "deferinit": ("grep", "runtime/*.go", r"\bdeferinit\b"),
    "gopanic": ("func", "runtime/panic.go", "gopanic"),
    "newdefer": ("func", "runtime/panic.go", "newdefer"),
    "_defer": ("struct", "runtime/runtime2.go", "_defer"),
    "g": ("struct", "runtime/runtime2.go", "g"),
    "m": ("struct", "runtime/runtime2.go", "m"),
    "p": ("struct", "runtime/runtime2.go", "p"),
    "stack min": ("grep", "runtime/stack.go", r"_StackMin\s*=\s*\d+"),
    "adjustdefers": ("grep", "runtime/stack.go", r"^func adjustdefers\("),
    "adjustdefers body": ("func", "runtime/stack.go", "adjustdefers"),
    "deferreturn body": ("func", "runtime/panic.go", "deferreturn"),
    "reflectcall": ("grep", "runtime/panic.go", r"\breflectcall\("),
    "SetDeferStack": ("grep", "runtime/*.go", r"^func SetDeferStack\b"),
    "syscall/js.Defer": ("grep", "syscall/js/*.go", r"^func Defer\b"),
    "trace defer events": ("grep", "runtime/trace.go", r"traceEv\w*Defer\w*\s*="),
    "trace events": ("grep", "runtime/trace.go", r"^\s*traceEv\w+\s*=\s*\d+"),
    "gctrace line": ("grep", "runtime/mgc.go", r"print\(\"gc \""),
    "gctrace defer field": ("grep", "runtime/mgc.go", r"print\(.*\"defer:"),
    "ReadMemStats": ("grep", "runtime/mstats.go", r"^func ReadMemStats\("),
    "StackInuse": ("grep", "runtime/mstats.go", r"^\s*StackInuse\s"),
    "poolCleanup registered": ("grep", "sync/pool.go", r"runtime_registerPoolCleanup\(poolCleanup\)"),
    "defertrace GODEBUG": ("grep", "runtime/runtime1.go", r"\"defertrace\""),
    "deferstack GOEXPERIMENT": ("grep", "internal/goexperiment/*.go", r"DeferStack"),
    "deferinline pass": ("grep", "cmd/compile/internal/ssa/compile.go", r"\"deferinline\""),
    "deferPriority": ("grep", "runtime/*.go", r"\bdeferPriority\b|\brunqputpriority\b"),
    "Gosched to global queue": ("func", "runtime/proc.go", "goschedImpl"),
    "open-coded defer limit": ("grep", "cmd/compile/internal/walk/walk.go", r"maxOpenDefers\s*="),
    "ODEFER lowering": ("grep", "cmd/compile/internal/ssagen/ssa.go", r"case ir\.ODEFER\b"),
    "ODEFER in the parser": ("grep", "cmd/compile/internal/noder/*.go", r"\bir\.ODEFER\b"),
    "DeferStack field": ("grep", "cmd/compile/internal/*/*.go", r"\bDeferStack\b"),
    "_panic": ("struct", "runtime/runtime2.go", "_panic"),
    "deferproc body": ("func", "runtime/panic.go", "deferproc"),
    "deferproc1": ("grep", "runtime/*.go", r"\bdeferproc1\b"),
    "stackcopy": ("grep", "runtime/*.go", r"^func stackcopy\("),
    "copystack": ("grep", "runtime/stack.go", r"^func copystack\("),
    "newstack": ("grep", "runtime/stack.go", r"^func newstack\("),
    "GoSched": ("grep", "runtime/proc.go", r"^func GoSched\("),
    "Gosched": ("grep", "runtime/proc.go", r"^func Gosched\("),
    "deferpoolgc": ("grep", "runtime/*.go", r"\bdeferpoolgc\b"),
    "schedule": ("grep", "runtime/proc.go", r"^func schedule\("),
    "findrunnable": ("grep", "runtime/proc.go", r"^func find[Rr]unnable\("),
    "runqget body": ("func", "runtime/proc.go", "runqget"),
    "runqsteal": ("grep", "runtime/proc.go", r"^func runqsteal\("),
    "gcmarknewobject": ("grep", "runtime/*.go", r"^func gcmarknewobject\("),
    "gcDrain": ("grep", "runtime/*.go", r"^func gcDrain\("),
    "workbuf is not empty": ("grep", "runtime/*.go", r"throw\(\"workbuf is not empty\"\)"),
    "deferCleanup": ("grep", "runtime/*.go", r"^func deferCleanup\("),
    "netpoll parks": ("grep", "runtime/netpoll.go", r"gopark\(netpollblockcommit"),
    "morestack_noctxt": ("grep", "runtime/asm_amd64.s", r"^TEXT runtime·morestack_noctxt\b"),
    "syntax DeferStmt": ("grep", "cmd/compile/internal/syntax/*.go", r"\bDeferStmt\s+struct\b"),
    "syntax CallStmt": ("grep", "cmd/compile/internal/syntax/nodes.go",
                        r"\bCallStmt\s+struct\b|Tok\s+token\s*// Go or Defer"),
    "Mutex methods": ("grep", "sync/mutex.go", r"^func \(m \*Mutex\) \w+\("),
    "traceDefer functions": ("grep", "runtime/*.go", r"^func traceDefer\w*\("),
    "newproc runqput": ("grep", "runtime/proc.go", r"runqput\(\w+, newg, true\)"),
    "trace viewer pages": ("grep", "cmd/trace/main.go",
                           r"Goroutine analysis|Scheduler latency|Network blocking"),
    "fatalpanic call": ("grep", "runtime/panic.go", r"^\s*fatalpanic\("),
    "buildssa body": ("func", "cmd/compile/internal/ssagen/ssa.go", "buildssa"),
    "deferArgs": ("grep", "runtime/*.go", r"\bdefer[Aa]rgs\b"),
    "scanstack defers": ("grep", "runtime/mgcmark.go", r"d\.fn != nil|d\.sp [!=]= sp"),
    "g status names": ("grep", "runtime/runtime2.go", r"^\s*_G\w+\b"),
}


def block(lines, start):
    """Lines from start to the first line that is a closing brace at column 0."""
    out = []
    for line in lines[start:]:
        out.append(line)
        if line.startswith("}") and len(out) > 1:
            break
    return out


def run(goroot):
    src = os.path.join(goroot, "src")
    result = {}
    for name, (kind, pattern_files, what) in QUERIES.items():
        found = []
        for path in sorted(glob.glob(os.path.join(src, pattern_files))):
            if path.endswith("_test.go"):
                continue
            rel = os.path.relpath(path, src)
            with open(path, errors="replace") as f:
                lines = f.read().split("\n")
            if kind == "grep":
                rx = re.compile(what)
                found += ["%s:%d: %s" % (rel, i + 1, l.strip()) for i, l in enumerate(lines)
                          if rx.search(l)]
                continue
            decl = re.compile(r"^type %s struct \{" % re.escape(what) if kind == "struct"
                              else r"^func %s\(" % re.escape(what))
            for i, l in enumerate(lines):
                if decl.match(l):
                    found += ["%s:%d: %s" % (rel, i + 1 + k, b.strip())
                              for k, b in enumerate(block(lines, i))]
                    break
        result[name] = found
    return result


if __name__ == "__main__":
    json.dump(run(sys.argv[1]), sys.stdout, indent=1)
    print()
