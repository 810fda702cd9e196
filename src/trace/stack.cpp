// Copyright 2026 The gort Authors.
//
// The tracer's stack walk: DWARF CFI rules computed once per return address by libdw, cached,
// then applied with a few loads per frame.
//
// Why. With stacks on, skynet writes ~3 stacks per goroutine; glibc's backtrace() (libgcc's
// DWARF unwinder) interprets the CFI of every frame on every walk: ~20,000 instructions per
// stack, 16-20x the untraced run. Frame pointers are cheap to walk but cost the untraced program
// ~6% (-fno-omit-frame-pointer everywhere). A return address always has the same unwind rule, so
// the interpretation can be done once per address and the walk only applies the result.
//
// Rules. For x86-64 code at a call site the CFI says, in practice: CFA = %rsp + N or %rbp + N;
// the return address is saved at CFA + a (a = -8); %rbp is unchanged or saved at CFA + b. libdw
// (dwfl_module_eh_cfi, dwarf_cfi_addrframe, dwarf_frame_cfa, dwarf_frame_register) computes that
// row for pc - 1 (inside the call instruction); compute() turns it into a cfi::rule (8 bytes),
// or marks the pc `end` (a pc in g_main, every goroutine's first frame; or a return address the
// CFI says is undefined, as gort_start_fresh's .cfi_undefined rip does) or `unsupported` (a CFA
// or register given by a DWARF expression, a signal frame, no CFI, offsets that do not fit). No
// CFI is parsed here: libdw does that.
//
// Cache. cfi::table (stack.hpp): an open-addressed table of 8,192 (pc, rule) pairs, filled
// under a mutex and read without one: the rule is stored before the pc (release), a reader that
// sees the pc (acquire) sees the rule. Entries are never removed (code does not move; gort does
// not support dlclose of traced code). A pc that finds no free slot within 16 probes is
// computed again each time.
//
// Walk (cfi_backtrace, inline in stack.hpp). The starting point is the current %rip, %rsp and
// %rbp (one asm statement, so the three agree); each step computes the CFA from the rule, reads
// the return address (and %rbp if saved) and continues at the caller with %rsp = CFA. Every
// address read is checked to lie in the goroutine's stack [lo, hi), and the CFA must go up; a
// walk that would break either gives -1 (the caller falls back to backtrace()). The `end` frame
// is not recorded, as Go leaves runtime.goexit out of its trace stacks.

#include "trace/stack.hpp"

#include "sched/proc.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace gort::internal {

cfi::entry cfi::table[cfi::kTableSize];

namespace {

// DWARF register numbers on x86-64.
constexpr int kRegRbp = 6;
constexpr int kRegRsp = 7;

struct session {
  std::mutex lock;
  Dwfl* dwfl = nullptr;
  int reports = 0;  // module list reads, bounded (a pc outside every module re-reads it)
};

session& S() {
  static session* s = new session;  // never destroyed: a late trace event may still use it
  return *s;
}

// REQUIRES: S().lock.
bool report_modules(session& s) {
  if (s.reports >= 16) return s.dwfl != nullptr;
  ++s.reports;
  if (s.dwfl == nullptr) {
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = nullptr,
        .debuginfo_path = nullptr,
    };
    s.dwfl = dwfl_begin(&callbacks);
    if (s.dwfl == nullptr) return false;
  }
  dwfl_report_begin(s.dwfl);
  int rc = dwfl_linux_proc_report(s.dwfl, getpid());
  dwfl_report_end(s.dwfl, nullptr, nullptr);
  return rc == 0;
}

// offset_rule reads "saved at CFA + off" from a register's location description; false for
// anything else (same value, undefined, val_offset, expressions).
bool offset_rule(const Dwarf_Op* ops, std::size_t nops, std::int64_t* off) {
  std::size_t i = 0;
  if (nops == 0 || ops[0].atom != DW_OP_call_frame_cfa) return false;
  std::int64_t v = 0;
  for (i = 1; i < nops; ++i) {
    if (ops[i].atom == DW_OP_plus_uconst) {
      v += static_cast<std::int64_t>(ops[i].number);
    } else if (ops[i].atom == DW_OP_consts && i + 1 < nops && ops[i + 1].atom == DW_OP_plus) {
      v += static_cast<std::int64_t>(ops[i].number);
      ++i;
    } else if (ops[i].atom != DW_OP_nop) {
      return false;  // DW_OP_stack_value (val_offset) or an expression
    }
  }
  *off = v;
  return true;
}

bool fits8(std::int64_t off) {
  return off % 8 == 0 && off / 8 >= -128 && off / 8 <= 127;
}

// compute returns the rule at return address pc (REQUIRES: S().lock).
using namespace cfi;

rule compute(session& s, std::uintptr_t pc) {
  const rule unsupported;
  if (s.dwfl == nullptr && !report_modules(s)) return unsupported;
  Dwarf_Addr at = pc - 1;
  Dwfl_Module* mod = dwfl_addrmodule(s.dwfl, at);
  if (mod == nullptr && report_modules(s)) mod = dwfl_addrmodule(s.dwfl, at);
  if (mod == nullptr) return unsupported;
  // g_main, every goroutine's first frame, is the outermost one recorded: its caller is the
  // trampoline, runtime code like Go's goexit, which the walk then need not visit.
  GElf_Off sym_off = 0;
  GElf_Sym sym;
  if (dwfl_module_addrinfo(mod, at, &sym_off, &sym, nullptr, nullptr, nullptr) != nullptr &&
      at - sym_off == reinterpret_cast<std::uintptr_t>(&g_main)) {
    rule end;
    end.flags = kEnd;
    return end;
  }
  Dwarf_Frame* frame = nullptr;
  Dwarf_Addr bias = 0;
  Dwarf_CFI* cfi = dwfl_module_eh_cfi(mod, &bias);
  if (cfi == nullptr || dwarf_cfi_addrframe(cfi, at - bias, &frame) != 0) {
    frame = nullptr;
    cfi = dwfl_module_dwarf_cfi(mod, &bias);
    if (cfi == nullptr || dwarf_cfi_addrframe(cfi, at - bias, &frame) != 0) return unsupported;
  }
  rule out;
  do {
    bool signal = false;
    int ra_reg = dwarf_frame_info(frame, nullptr, nullptr, &signal);
    if (ra_reg < 0 || signal) break;
    Dwarf_Op mem[3];
    Dwarf_Op* ops = nullptr;
    std::size_t nops = 0;
    if (dwarf_frame_register(frame, ra_reg, mem, &ops, &nops) != 0) break;
    if (nops == 0 && ops == mem) {  // return address undefined: the outermost frame
      out.flags = kEnd;
      break;
    }
    std::int64_t ra_off = 0;
    if (!offset_rule(ops, nops, &ra_off) || !fits8(ra_off) || ra_off >= 0) break;
    if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops != 1) break;
    int base = -1;
    std::int64_t cfa_off = 0;
    if (ops[0].atom == DW_OP_bregx) {
      base = static_cast<int>(ops[0].number);
      cfa_off = static_cast<std::int64_t>(ops[0].number2);
    } else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
      base = ops[0].atom - DW_OP_breg0;
      cfa_off = static_cast<std::int64_t>(ops[0].number);
    }
    if ((base != kRegRsp && base != kRegRbp) || cfa_off < INT32_MIN || cfa_off > INT32_MAX) break;
    rule r;
    r.cfa_off = static_cast<std::int32_t>(cfa_off);
    r.flags = base == kRegRbp ? kBaseRbp : 0;
    r.ra_off = static_cast<std::int8_t>(ra_off / 8);
    if (dwarf_frame_register(frame, kRegRbp, mem, &ops, &nops) != 0) break;
    if (!(nops == 0 && ops == nullptr)) {  // not "same value": must be saved at CFA + off
      std::int64_t rbp_off = 0;
      if (!offset_rule(ops, nops, &rbp_off) || !fits8(rbp_off) || rbp_off >= 0) break;
      r.flags |= kRbpSaved;
      r.rbp_off = static_cast<std::int8_t>(rbp_off / 8);
    }
    r.low = (r.flags & kRbpSaved) && r.rbp_off < r.ra_off ? r.rbp_off : r.ra_off;
    out = r;
  } while (false);
  std::free(frame);
  return out;
}

}  // namespace

void cfi_unwinder_init() {
  session& s = S();
  std::lock_guard lk(s.lock);
  if (s.dwfl == nullptr) report_modules(s);
}

cfi::rule cfi::fill(std::uintptr_t pc) {
  session& s = S();
  std::lock_guard lk(s.lock);
  std::size_t i = slot_of(pc);
  for (int probe = 0; probe < kProbes; ++probe, i = (i + 1) & (kTableSize - 1)) {
    std::uintptr_t k = table[i].pc.load(std::memory_order_relaxed);
    if (k == pc) return table[i].r;
    if (k == 0) {
      table[i].r = compute(s, pc);
      table[i].pc.store(pc, std::memory_order_release);
      return table[i].r;
    }
  }
  return compute(s, pc);
}

}  // namespace gort::internal
