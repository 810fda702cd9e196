// Copyright 2026 The gort Authors.
//
// with_labels' scope (include/gort/pprof.hpp): builds the merged, sorted, immutable label set
// and swaps it in as the current goroutine's (or thread's) labels; the ownership protocol and
// why the SIGPROF handler may read the pointer are in labels.hpp.

#include <algorithm>

#include <gort/pprof.hpp>

#include "pprof/labels.hpp"

namespace gort::internal {

constinit thread_local std::atomic<label_set*> thread_labels{nullptr};

namespace {

void set_current_labels(label_set* ls) noexcept {
  if (g* gp = current_g())
    gp->labels.store(ls, std::memory_order_relaxed);
  else
    thread_labels.store(ls, std::memory_order_relaxed);
}

}  // namespace
}  // namespace gort::internal

namespace gort::pprof::internal_labels {

using gort::internal::label_set;

scope::scope(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  label_set* cur = gort::internal::current_labels();
  auto* ls = new label_set;
  if (cur != nullptr) ls->labels = cur->labels;
  for (const auto& kv : labels) {
    auto it = std::find_if(ls->labels.begin(), ls->labels.end(),
                           [&](const auto& have) { return have.first == kv.first; });
    if (it != ls->labels.end())
      it->second = std::string(kv.second);
    else
      ls->labels.emplace_back(std::string(kv.first), std::string(kv.second));
  }
  std::sort(ls->labels.begin(), ls->labels.end());
  // The goroutine's reference to cur moves to this scope; ls's first reference is the goroutine's.
  previous_ = cur;
  gort::internal::set_current_labels(ls);
}

scope::~scope() {
  label_set* mine = gort::internal::current_labels();
  // The store comes first (labels.hpp: the signal handler must never see a released set).
  gort::internal::set_current_labels(static_cast<label_set*>(previous_));
  if (mine != nullptr) gort::internal::release(mine);
}

}  // namespace gort::pprof::internal_labels
