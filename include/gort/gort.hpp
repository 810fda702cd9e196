// Copyright 2026 The gort Authors.
//
// gort: Go's runtime semantics for C++20. The umbrella header; see shared/API.md for the
// contract and docs/ARCHITECTURE.md for how the parts fit.

#pragma once

#include <gort/chan.hpp>
#include <gort/frame.hpp>
#include <gort/go.hpp>
#include <gort/http.hpp>
#include <gort/net.hpp>
#include <gort/panic.hpp>
#include <gort/pprof.hpp>
#include <gort/select.hpp>
#include <gort/stats.hpp>
#include <gort/sync.hpp>
#include <gort/time.hpp>
#include <gort/trace.hpp>
