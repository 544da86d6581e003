// POST /v1/outcomes: what happened after an answer (a purchase, a staff
// confirmation) arrives later than the answer. Each outcome is written to
// the prediction log as a row of its own, with the variant the routing gives
// its customer (the same sticky assignment), so that `storefuse abtest
// analyse --log` reads the served experiment directly.
#include <cmath>

#include "server.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"

namespace storefuse::infer::serve {

namespace {

constexpr size_t kMaxOutcomes = 10000;  // per request

std::string text_of(const json& j, const std::string& key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) throw Error(ErrorKind::Data, "'" + key + "' is missing", where);
    return {};
  }
  const json& v = j.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  throw Error(ErrorKind::Data, "'" + key + "' is not a string", where);
}

}  // namespace

std::string Server::outcomes(const std::string& body) {
  if (!options_.prediction_log)
    throw Error(ErrorKind::Usage, "the server writes no prediction log, so outcomes have nowhere to go", "/v1/outcomes",
                "start it with --prediction-log FILE.jsonl");
  const json j = parse_json(body, "outcomes request", {body.size() + 1, 4});
  if (!j.is_object()) throw Error(ErrorKind::Data, "the body is not a JSON object", "outcomes request");
  for (const auto& item : j.items())
    if (item.key() != "model" && item.key() != "outcomes")
      throw Error(ErrorKind::Data, "unknown field '" + item.key() + "'", "outcomes request",
                  "send {\"model\": ..., \"outcomes\": [{\"customer_id\", \"outcome\", \"request_id\"}]}");
  std::string model = text_of(j, "model", "outcomes request", false);
  if (model.empty()) {
    if (!options_.routing || options_.routing->routes().size() != 1)
      throw Error(ErrorKind::Data, "'model' is missing", "outcomes request", "name the routed model");
    model = options_.routing->routes().begin()->first;
  }
  const Route* route = options_.routing ? options_.routing->find(model) : nullptr;
  if (!route)
    throw Error(ErrorKind::Data, "model '" + model + "' is in no experiment (the routing file does not name it)",
                "outcomes request", "outcomes belong to a routed model");
  if (!j.contains("outcomes") || !j.at("outcomes").is_array())
    throw Error(ErrorKind::Data, "'outcomes' is not a list", "outcomes request");
  const json& list = j.at("outcomes");
  if (list.size() > kMaxOutcomes)
    throw Error(ErrorKind::Data, std::to_string(list.size()) + " outcomes, over the limit of " + std::to_string(kMaxOutcomes),
                "outcomes request", "send them in several requests");
  // Everything is checked before anything is logged: a bad entry logs none.
  std::vector<PredictionEntry> entries;
  const double now = unix_time_s();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "outcomes[" + std::to_string(i) + "]";
    const json& o = list[i];
    if (!o.is_object()) throw Error(ErrorKind::Data, "an outcome is not an object", where);
    for (const auto& item : o.items())
      if (item.key() != "customer_id" && item.key() != "outcome" && item.key() != "request_id")
        throw Error(ErrorKind::Data, "unknown field '" + item.key() + "'", where, "the fields are customer_id, outcome, request_id");
    PredictionEntry e;
    e.time_s = now;
    e.model = model;
    e.unit_id = text_of(o, "customer_id", where, true);
    if (e.unit_id.empty()) throw Error(ErrorKind::Data, "'customer_id' is empty", where);
    e.request_id = text_of(o, "request_id", where, false);
    if (!o.contains("outcome") || !o.at("outcome").is_number() || !std::isfinite(o.at("outcome").get<double>()))
      throw Error(ErrorKind::Data, "'outcome' is not a finite number", where);
    e.outcome = o.at("outcome").get<double>();
    const RouteVariant& v = route->variants[route->choose(e.unit_id)];
    e.experiment = route->experiment;
    e.variant = v.name;
    e.version = v.version;
    entries.push_back(std::move(e));
  }
  size_t logged = 0;
  for (PredictionEntry& e : entries) logged += options_.prediction_log->append(std::move(e)) ? 1 : 0;
  return json{{"logged", logged}, {"dropped", entries.size() - logged}}.dump();
}

}  // namespace storefuse::infer::serve
