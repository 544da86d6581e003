// Live A/B routing (`serve --routing FILE`): per model name, variants that
// are versions of it, each with a share of the traffic, assigned sticky per
// unit (a customer) by the traffic split `storefuse abtest simulate` uses
// (storefuse/core/traffic_split.h), so a customer simulate puts in B is
// served by B. The file is YAML, read by the configs' parser (file:line in
// every error, unknown keys refused, aliases bounded); docs/serving.md:
//
//   models:
//     seed:
//       experiment: seed-ab-1
//       unit: customer_id            # the request parameter (default)
//       unit_header: X-Customer-Id   # else this header
//       variants:
//         - {name: A, version: 1, weight: 0.9}
//         - {name: B, version: 2, weight: 0.1}
//       shadow: {variant: B}         # optional
//
//   Routing r = Routing::load("routing.yaml");  // Error(Config) naming file:line
//   r.check(repository);                        // every version loaded
//   size_t v = r.find("seed")->choose("c-17");
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace storefuse::infer::serve {

class Repository;

struct RouteVariant {
  std::string name;     // in the response, the log and the metrics
  std::string version;  // a version of the model in the repository
  double weight = 0;    // share of the units, in [0, 1]
};

struct Route {
  std::string model;
  std::string experiment;             // the traffic split's experiment id
  std::string unit = "customer_id";   // the request parameter holding the unit id
  std::string unit_header;            // else this header ("" : none)
  std::vector<RouteVariant> variants;
  int shadow = -1;                    // index of the shadow variant, or -1

  // The variant of a unit. With exactly two variants named A and B, B iff
  // assignment_unit(experiment, unit) < weight(B): simulate's rule for
  // split_b. Otherwise the first variant whose cumulative weight, in the
  // listed order, exceeds the assignment unit. A request without a unit
  // ("") gets the first variant.
  size_t choose(std::string_view unit_id) const;
};

class Routing {
 public:
  // Reads and validates the file; Error(Io) if unreadable, Error(Config)
  // naming file:line and the key for anything else (unknown keys included).
  static Routing load(const std::string& path);
  static Routing parse(const std::string& text, const std::string& source);
  Routing(std::string source, std::map<std::string, Route> routes)
      : source_(std::move(source)), routes_(std::move(routes)) {}
  // Every routed model has every version its variants name loaded; else
  // Error(Config) naming the file, the key and what the repository holds.
  void check(const Repository& repository) const;
  const Route* find(const std::string& model) const;
  const std::map<std::string, Route>& routes() const { return routes_; }

 private:
  std::string source_;
  std::map<std::string, Route> routes_;
};

}  // namespace storefuse::infer::serve
