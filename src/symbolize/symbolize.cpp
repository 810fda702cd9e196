// Copyright 2026 The gort Authors.
//
// The symbolizer: pc -> (function, file, line) frames, on elfutils' libdw.
//
//   Session. One Dwfl for the process, made at the first call: dwfl_linux_proc_report reads
//   /proc/self/maps and reports every loaded ELF object; the standard callbacks find each one's
//   debug information (in the file itself, or through its build-id / .gnu_debuglink). A pc that no
//   reported module holds makes us report the maps again once per distinct miss, up to a limit
//   (a library dlopen'ed after the first call), then it is cached as unknown.
//
//   One pc. dwfl_addrmodule finds the module; dwfl_module_addrdie the compilation unit's DIE;
//   dwarf_getscopes the DIEs that contain pc, innermost first. Each DW_TAG_inlined_subroutine in
//   that list is a frame, the DW_TAG_subprogram after the last one the outermost frame. Frame i's
//   line is, for the innermost, the line table's (dwfl_module_getsrc), for the others the
//   DW_AT_call_file/DW_AT_call_line of the inlined DIE just inside it (where the call was written).
//   Names: for the outermost frame (the function that holds pc) the ELF symbol table's name
//   (dwfl_module_addrinfo), demangled: complete, where DWARF may lack a linkage name (GCC gives
//   none to templates instantiated on lambdas). For inlined frames DW_AT_linkage_name (through
//   DW_AT_abstract_origin / DW_AT_specification) demangled, else DW_AT_name.
//
//   Cache. std::unordered_map from pc to its frames, under the one mutex that also guards the
//   Dwfl (libdw's sessions are not thread-safe). Entries are never evicted: a profile touches a
//   few thousand distinct pcs.
//
// Rejected: addr2line in a child process (what crash.cpp does, because a crashing process cannot
// be trusted to run libdw): a fork per write and text parsing, for no gain here. libbacktrace:
// not packaged by Debian as a library.

#include "symbolize/symbolize.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace gort::internal {
namespace {

std::string demangle(const char* name) {
  if (name == nullptr) return {};
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string s(out);
  std::free(out);
  return s;
}

// The name of a subprogram or inlined-subroutine DIE: demangled linkage name, else plain name.
std::string die_function_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  const char* linkage = nullptr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) != nullptr)
    linkage = dwarf_formstring(&attr);
  if (linkage != nullptr) return demangle(linkage);
  if (dwarf_attr_integrate(die, DW_AT_name, &attr) != nullptr) {
    const char* name = dwarf_formstring(&attr);
    if (name != nullptr) return name;
  }
  return {};
}

class symbolizer {
 public:
  std::vector<symbol> lookup(std::uintptr_t pc) {
    auto it = cache_.find(pc);
    if (it != cache_.end()) return it->second;
    std::vector<symbol> frames = resolve(pc);
    cache_.emplace(pc, frames);
    return frames;
  }

  ~symbolizer() {
    if (dwfl_ != nullptr) dwfl_end(dwfl_);
  }

  std::mutex mu;  // guards everything below (and every call into libdw)

 private:
  bool report() {
    if (dwfl_ == nullptr) {
      dwfl_ = dwfl_begin(&callbacks_);
      if (dwfl_ == nullptr) return false;
    }
    dwfl_report_begin(dwfl_);
    int rc = dwfl_linux_proc_report(dwfl_, getpid());
    dwfl_report_end(dwfl_, nullptr, nullptr);
    return rc == 0;
  }

  Dwfl_Module* module(std::uintptr_t pc) {
    if (dwfl_ == nullptr && !report()) return nullptr;
    Dwfl_Module* mod = dwfl_addrmodule(dwfl_, pc);
    if (mod == nullptr && rereports_ < kMaxRereports && rereported_.insert(pc).second) {
      ++rereports_;
      if (report()) mod = dwfl_addrmodule(dwfl_, pc);
    }
    return mod;
  }

  static std::string elf_name(Dwfl_Module* mod, std::uintptr_t pc) {
    GElf_Off offset = 0;
    GElf_Sym sym;
    return demangle(dwfl_module_addrinfo(mod, pc, &offset, &sym, nullptr, nullptr, nullptr));
  }

  std::vector<symbol> resolve(std::uintptr_t pc) {
    std::vector<symbol> frames;
    Dwfl_Module* mod = module(pc);
    if (mod == nullptr) return {symbol{}};

    // The innermost line, from the line table.
    symbol leaf;
    if (Dwfl_Line* line = dwfl_module_getsrc(mod, pc)) {
      int lineno = 0;
      const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
      if (file != nullptr) leaf.file = file;
      leaf.line = lineno;
    }

    Dwarf_Addr bias = 0;
    Dwarf_Die* cudie = dwfl_module_addrdie(mod, pc, &bias);
    Dwarf_Die* scopes = nullptr;
    int nscopes = cudie != nullptr ? dwarf_getscopes(cudie, pc - bias, &scopes) : 0;
    Dwarf_Files* files = nullptr;
    size_t nfiles = 0;
    if (cudie != nullptr && dwarf_getsrcfiles(cudie, &files, &nfiles) != 0) files = nullptr;

    symbol cur = leaf;
    bool have_function = false;
    for (int i = 0; i < nscopes; ++i) {
      Dwarf_Die* die = &scopes[i];
      int tag = dwarf_tag(die);
      if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
      if (tag == DW_TAG_subprogram) {
        // The function that holds pc: the ELF symbol's name is complete where DWARF's may not
        // be (GCC gives no linkage name to functions of lambda-typed templates).
        cur.function = elf_name(mod, pc);
        if (cur.function.empty()) cur.function = die_function_name(die);
        have_function = true;
        break;
      }
      cur.function = die_function_name(die);
      // Inlined: this frame is done; the next one out is at the call site.
      frames.push_back(cur);
      cur = symbol{};
      Dwarf_Attribute attr;
      Dwarf_Word value = 0;
      if (dwarf_attr(die, DW_AT_call_line, &attr) != nullptr && dwarf_formudata(&attr, &value) == 0)
        cur.line = static_cast<int>(value);
      if (files != nullptr && dwarf_attr(die, DW_AT_call_file, &attr) != nullptr &&
          dwarf_formudata(&attr, &value) == 0 && value < nfiles) {
        const char* f = dwarf_filesrc(files, value, nullptr, nullptr);
        if (f != nullptr) cur.file = f;
      }
      have_function = false;
    }
    std::free(scopes);

    if (!have_function || cur.function.empty()) cur.function = elf_name(mod, pc);  // no DWARF
    frames.push_back(cur);
    return frames;
  }

  char* debuginfo_path_ = nullptr;
  Dwfl_Callbacks callbacks_ = {dwfl_linux_proc_find_elf, dwfl_standard_find_debuginfo, nullptr,
                               &debuginfo_path_};
  Dwfl* dwfl_ = nullptr;
  std::unordered_map<std::uintptr_t, std::vector<symbol>> cache_;
  std::unordered_set<std::uintptr_t> rereported_;
  // Each distinct unknown pc re-reads /proc/self/maps once, up to this many times in all (a
  // garbage pc from a broken stack must not make every lookup re-read the maps).
  static constexpr int kMaxRereports = 64;
  int rereports_ = 0;
};

symbolizer& the_symbolizer() {
  // Leaked on purpose: profiles may be written from atexit-time code after statics are gone.
  static symbolizer* s = new symbolizer;
  return *s;
}

}  // namespace

std::vector<symbol> symbolize(std::uintptr_t pc) {
  symbolizer& s = the_symbolizer();
  std::lock_guard lock(s.mu);
  return s.lookup(pc);
}

std::vector<std::vector<symbol>> symbolize(std::span<const std::uintptr_t> pcs) {
  symbolizer& s = the_symbolizer();
  std::vector<std::vector<symbol>> out;
  out.reserve(pcs.size());
  std::lock_guard lock(s.mu);
  for (std::uintptr_t pc : pcs) out.push_back(s.lookup(pc));
  return out;
}

}  // namespace gort::internal
