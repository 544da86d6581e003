// The A/B report: report.json (every number), report.md and a self-contained
// report.html (inline CSS and SVG, no script, no network), each written
// atomically. The verdict and its reasons come first in each.
//
//   Report rep{"offline", settings, &offline_result, nullptr, verdict};
//   write_report("reports/abtest", rep);
#pragma once

#include <filesystem>
#include <string>

#include "storefuse/abtest/decision.h"
#include "storefuse/abtest/offline.h"
#include "storefuse/abtest/online.h"
#include "storefuse/abtest/settings.h"
#include "storefuse/core/json.h"

namespace storefuse::abtest {

struct Report {
  std::string mode;                     // offline | simulate | analyse
  Settings settings;
  const OfflineResult* offline = nullptr;  // offline and simulate
  const OnlineResult* online = nullptr;    // simulate and analyse
  Verdict verdict;
  std::string log_path;                 // the online log analysed or written, if any
};

json to_json(const Report& report);
std::string to_markdown(const Report& report);
std::string to_html(const Report& report);

// Writes report.json, report.md and report.html into `dir` (created).
void write_report(const std::filesystem::path& dir, const Report& report);

}  // namespace storefuse::abtest
