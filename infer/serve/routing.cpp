#include "routing.h"

#include <cmath>
#include <set>
#include <sstream>

#include "repository.h"
#include "storefuse/core/error.h"
#include "storefuse/core/config.h"
#include "storefuse/core/traffic_split.h"

namespace storefuse::infer::serve {

namespace {

// Weights are decimals from a file: 0.9 + 0.1 need not be exactly 1.
constexpr double kWeightTolerance = 1e-9;

[[noreturn]] void fail(const config::Node& at, const std::string& problem, const std::string& fix = {}) {
  throw Error(ErrorKind::Config, "'" + at.path() + "' " + problem, at.origin().str(), fix);
}

std::string nonempty_string(const config::Node& n, const std::string& fix) {
  std::string s = n.as_string();
  if (s.empty()) fail(n, "is empty", fix);
  return s;
}

Route parse_route(const std::string& model, const config::Node& m) {
  m.check_keys({"experiment", "unit", "unit_header", "variants", "shadow"});
  Route r;
  r.model = model;
  r.experiment = nonempty_string(m["experiment"], "name the experiment, as abtest.online.experiment_id");
  if (m.has("unit")) r.unit = nonempty_string(m["unit"], "name the request parameter holding the unit id");
  if (m.has("unit_header")) r.unit_header = m["unit_header"].as_string();
  const config::Node& vs = m["variants"];
  if (!vs.is_sequence() || vs.size() == 0) fail(vs, "is not a non-empty list of variants");
  double total = 0;
  std::set<std::string> names;
  for (const config::Node& e : vs.elements()) {
    e.check_keys({"name", "version", "weight"});
    RouteVariant v;
    v.name = nonempty_string(e["name"], "name the variant (A, B, ...)");
    if (!names.insert(v.name).second) fail(e["name"], "names variant '" + v.name + "' a second time");
    const config::Node& version = e["version"];
    v.version = version.is_scalar() && !version.is_quoted() ? std::to_string(version.as_int(1)) : version.as_string();
    if (v.version.empty()) fail(version, "is empty", "a version directory of the model, as 1 or 2");
    v.weight = e["weight"].as_double(0.0, 1.0);
    total += v.weight;
    r.variants.push_back(std::move(v));
  }
  if (std::abs(total - 1.0) > kWeightTolerance) {
    std::ostringstream sum;
    sum << total;
    fail(vs, "has weights that sum to " + sum.str() + ", not 1", "give each variant its share; the shares add up to 1");
  }
  if (m.has("shadow")) {
    const config::Node& shadow = m["shadow"];
    shadow.check_keys({"variant"});
    const std::string name = shadow["variant"].as_string();
    for (size_t i = 0; i < r.variants.size(); ++i)
      if (r.variants[i].name == name) r.shadow = static_cast<int>(i);
    if (r.shadow < 0) fail(shadow["variant"], "names no variant ('" + name + "')");
    if (r.variants[static_cast<size_t>(r.shadow)].weight >= 1)
      fail(shadow["variant"], "names the variant that takes all the traffic: nothing is left to copy to it");
  }
  return r;
}

Routing from_node(const config::Node& root, const std::string& source) {
  if (!root.is_map()) throw Error(ErrorKind::Config, "the routing file is not a map with a 'models' key", source,
                                  "see docs/serving.md for its format");
  root.check_keys({"models"});
  const config::Node& models = root["models"];
  if (!models.is_map() || models.items().empty()) fail(models, "is not a map of model names");
  std::map<std::string, Route> routes;
  for (const auto& [name, m] : models.items()) routes.emplace(name, parse_route(name, m));
  return Routing(source, std::move(routes));
}

}  // namespace

size_t Route::choose(std::string_view unit_id) const {
  if (unit_id.empty() || variants.size() == 1) return 0;
  // A and B: abtest simulate's own rule, with B's weight as split_b.
  if (variants.size() == 2 && (variants[0].name == "A" || variants[0].name == "B") &&
      (variants[1].name == "A" || variants[1].name == "B") && variants[0].name != variants[1].name) {
    const size_t b = variants[0].name == "B" ? 0 : 1;
    return traffic::assign_variant(experiment, unit_id, variants[b].weight) == traffic::Variant::B ? b : 1 - b;
  }
  const double u = traffic::assignment_unit(experiment, unit_id);
  double cumulative = 0;
  for (size_t i = 0; i < variants.size(); ++i) {
    cumulative += variants[i].weight;
    if (u < cumulative) return i;
  }
  // Rounding left the sum a hair under 1: the last variant with a share.
  for (size_t i = variants.size(); i-- > 0;)
    if (variants[i].weight > 0) return i;
  return 0;
}

Routing Routing::load(const std::string& path) { return from_node(config::parse_file(path), path); }

Routing Routing::parse(const std::string& text, const std::string& source) {
  return from_node(config::parse_string(text, source), source);
}

void Routing::check(const Repository& repository) const {
  for (const auto& [model, route] : routes_) {
    std::string have;
    for (const auto& v : repository.versions(model)) have += (have.empty() ? "" : ", ") + v->version();
    for (size_t i = 0; i < route.variants.size(); ++i) {
      const RouteVariant& v = route.variants[i];
      if (repository.find(model, v.version)) continue;
      throw Error(ErrorKind::Config,
                  "variant '" + v.name + "' names version " + v.version + " of model '" + model + "', which is not loaded",
                  source_ + ": models." + model + ".variants[" + std::to_string(i) + "].version",
                  have.empty() ? "the repository has no model '" + model + "'" : "loaded versions: " + have);
    }
  }
}

const Route* Routing::find(const std::string& model) const {
  auto it = routes_.find(model);
  return it == routes_.end() ? nullptr : &it->second;
}

}  // namespace storefuse::infer::serve
