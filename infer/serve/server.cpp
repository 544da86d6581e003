#include "server.h"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "storefuse/core/error.h"
#include "storefuse/version.h"

namespace storefuse::infer::serve {

namespace {

std::vector<std::string> split_path(std::string_view target) {
  const size_t query = target.find('?');
  if (query != std::string_view::npos) target = target.substr(0, query);
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < target.size()) {
    while (i < target.size() && target[i] == '/') ++i;
    size_t j = i;
    while (j < target.size() && target[j] != '/') ++j;
    if (j > i) parts.emplace_back(target.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::string shape_json(const Shape& shape) {
  std::string out = "[";
  for (size_t d = 0; d < shape.size(); ++d) out += (d ? "," : "") + std::to_string(shape[d]);
  return out + "]";
}

std::string tensors_json(const std::vector<ValueInfo>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    const ValueInfo& v = values[i];
    out += std::string(i ? "," : "") + "{\"name\":" + json_quote(v.name) + ",\"datatype\":\"" + v2_datatype(v.dtype) +
           "\",\"shape\":" + shape_json(v.shape) + "}";
  }
  return out + "]";
}

}  // namespace

http::status status_of(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::Data:
    case ErrorKind::Unsupported:
    case ErrorKind::Usage: return http::status::bad_request;
    case ErrorKind::Io: return http::status::not_found;
    default: return http::status::internal_server_error;
  }
}

std::string error_message(const Error& e) {
  std::string m = e.problem();
  if (!e.where().empty()) m += " (" + e.where() + ")";
  if (!e.fix().empty()) m += "; " + e.fix();
  return m;
}

namespace {

int64_t parse_int(const std::string& text, int64_t fallback) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size() ? v : fallback;
}

}  // namespace

Server::Server(Repository& repository, Metrics& metrics, ServerOptions options)
    : repository_(repository),
      metrics_(metrics),
      options_(std::move(options)),
      media_pool_(static_cast<size_t>(std::max(1, options_.media_threads))) {}

void Server::log_access(const HttpRequest& request, const HttpResponse& response, const std::string& id, double ms) {
  if (!options_.access_log) return;
  std::lock_guard<std::mutex> lock(log_mutex_);
  std::fprintf(options_.access_log, "%s %s %.*s %u %zu %.3f\n", id.c_str(), std::string(request.method_string()).c_str(),
               static_cast<int>(request.target().size()), request.target().data(), response.result_int(),
               response.body().size(), ms);
  std::fflush(options_.access_log);
}

void Server::handle(HttpRequest&& request, Reply reply) {
  const auto start = Clock::now();
  std::string id(request["X-Request-Id"]);
  if (id.empty() || id.size() > 128) id = "r" + std::to_string(next_id_.fetch_add(1));
  // Every answer carries the request id and goes to the access log.
  auto shared_request = std::make_shared<HttpRequest>(std::move(request));
  Reply answer = [this, reply = std::move(reply), shared_request, id, start](HttpResponse&& res) {
    res.set("X-Request-Id", id);
    log_access(*shared_request, res, id, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    reply(std::move(res));
  };
  HttpRequest& req = *shared_request;
  auto respond = [&](http::status status, std::string body, const char* type = "application/json") {
    answer(make_response(req, status, std::move(body), type));
  };
  auto fail = [&](http::status status, const std::string& what) { respond(status, error_body(what)); };

  const std::vector<std::string> p = split_path(std::string_view(req.target().data(), req.target().size()));
  const bool get = req.method() == http::verb::get;
  const bool post = req.method() == http::verb::post;
  auto authorized = [&]() {
    if (options_.token.empty()) return true;
    if (req[http::field::authorization] == "Bearer " + options_.token) return true;
    answer([&] {
      auto res = make_response(req, http::status::unauthorized, error_body("this endpoint needs 'Authorization: Bearer <token>'"));
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }());
    return false;
  };

  try {
    if (p.size() == 1 && p[0] == "metrics" && get) return respond(http::status::ok, metrics_.text(), "text/plain; version=0.0.4");
    if (p.size() == 2 && p[0] == "v1" && p[1] == "visits:predict") {
      if (!post) return fail(http::status::method_not_allowed, "/v1/visits:predict takes POST");
      if (options_.token_for_infer && !authorized()) return;
      return visit(std::move(req), std::move(answer), id);
    }
    if (p.size() == 2 && p[0] == "v1" && p[1] == "outcomes") {
      if (!post) return fail(http::status::method_not_allowed, "/v1/outcomes takes POST");
      if (options_.token_for_infer && !authorized()) return;
      return respond(http::status::ok, outcomes(req.body()));
    }
    if (p.empty() || p[0] != "v2") return fail(http::status::not_found, "no such endpoint: " + std::string(req.target()));
    if (p.size() == 1 && get)
      return respond(http::status::ok, std::string("{\"name\":\"storefuse-infer\",\"version\":\"") + STOREFUSE_VERSION +
                                           "\",\"extensions\":[\"binary_tensor_data\",\"model_repository\",\"statistics\"]}");
    if (p.size() == 3 && p[1] == "health" && get) {
      if (p[2] == "live") return respond(http::status::ok, "{\"live\":true}");
      if (p[2] == "ready") {
        const bool r = ready();
        return respond(r ? http::status::ok : http::status::service_unavailable, r ? "{\"ready\":true}" : "{\"ready\":false}");
      }
    }
    if (p.size() >= 2 && p[1] == "repository") {
      if (!post) return fail(http::status::method_not_allowed, "the repository endpoints take POST");
      if (!authorized()) return;
      if (p.size() == 3 && p[2] == "index") {
        std::string out = "[";
        bool first = true;
        for (const RepositoryEntry& e : repository_.index()) {
          out += std::string(first ? "" : ",") + "{\"name\":" + json_quote(e.name) +
                 (e.version.empty() ? "" : ",\"version\":" + json_quote(e.version)) + ",\"state\":\"" + e.state + "\"" +
                 (e.reason.empty() ? "" : ",\"reason\":" + json_quote(e.reason)) + "}";
          first = false;
        }
        return respond(http::status::ok, out + "]");
      }
      if (p.size() == 5 && p[2] == "models" && p[4] == "load") {
        repository_.load(p[3]);  // throws: the old versions keep serving
        return respond(http::status::ok, "{}");
      }
      if (p.size() == 5 && p[2] == "models" && p[4] == "unload") {
        if (!repository_.unload(p[3])) return fail(http::status::not_found, "model '" + p[3] + "' is not loaded");
        return respond(http::status::ok, "{}");
      }
      return fail(http::status::not_found, "no such repository endpoint: " + std::string(req.target()));
    }
    if (p.size() >= 3 && p[1] == "models") {
      const std::string& model = p[2];
      std::string version;
      size_t rest = 3;
      if (p.size() >= 5 && p[3] == "versions") {
        version = p[4];
        rest = 5;
      }
      const std::string action = p.size() == rest + 1 ? p[rest] : p.size() == rest ? "" : "?";
      if (action == "infer" && post) {
        if (options_.token_for_infer && !authorized()) return;
        return infer(std::move(req), std::move(answer), id, model, version);
      }
      auto instance = repository_.find(model, version);
      if (action == "ready" && get) {
        return respond(instance ? http::status::ok : http::status::not_found,
                       "{\"name\":" + json_quote(model) + ",\"ready\":" + (instance ? "true" : "false") + "}");
      }
      if (action.empty() && get) {
        if (!instance)
          return fail(http::status::not_found, "no model '" + model + "'" + (version.empty() ? "" : " version " + version));
        std::string versions = "[";
        for (const auto& v : repository_.versions(model)) versions += (versions.size() > 1 ? "," : "") + json_quote(v->version());
        return respond(http::status::ok, "{\"name\":" + json_quote(model) + ",\"versions\":" + versions +
                                             "],\"platform\":\"storefuse_onnx\",\"inputs\":" +
                                             tensors_json(instance->model().inputs()) +
                                             ",\"outputs\":" + tensors_json(instance->model().outputs()) +
                                             ",\"parameters\":{\"max_batch_size\":" +
                                             std::to_string(instance->options().max_batch) + "}}");
      }
    }
    return fail(get || post ? http::status::not_found : http::status::method_not_allowed,
                "no such endpoint: " + std::string(req.method_string()) + " " + std::string(req.target()));
  } catch (const Error& e) {
    return fail(status_of(e), error_message(e));
  }
}

double unix_time_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void release_instance(boost::asio::io_context* context, std::shared_ptr<ModelInstance>& instance) {
  auto keep = std::move(instance);
  if (context && keep) boost::asio::post(*context, [keep = std::move(keep)] {});
}

std::optional<double> outcome_of(const std::map<std::string, std::string>& parameters) {
  auto it = parameters.find("outcome");
  if (it == parameters.end()) return std::nullopt;
  const std::string& text = it->second;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    throw Error(ErrorKind::Data, "parameter 'outcome' is not a number: '" + text + "'", "infer request",
                "send the outcome as a number, e.g. 1 or 0");
  return v;
}

std::shared_ptr<ModelInstance> Server::routed_instance(const Route& route, const std::map<std::string, std::string>& parameters,
                                             const HttpRequest& request, Answer& answer, ModelSeries*& series) {
  // The unit: the request parameter, else the header, else none (the first variant).
  auto unit = parameters.find(route.unit);
  if (unit != parameters.end()) {
    answer.unit_id = unit->second;
  } else if (!route.unit_header.empty()) {
    answer.unit_id = std::string(request[route.unit_header]);
  }
  const size_t chosen = route.choose(answer.unit_id);
  const RouteVariant& v = route.variants[chosen];
  answer.experiment = route.experiment;
  answer.variant = v.name;
  series = &metrics_.series(route.model, v.version, v.name);
  auto instance = repository_.find(route.model, v.version);
  if (!instance)
    throw Error(ErrorKind::Io, "version " + v.version + " of model '" + route.model + "' (variant " + v.name + ") is not loaded",
                "routing");
  if (route.shadow >= 0 && static_cast<size_t>(route.shadow) != chosen) {
    const RouteVariant& sv = route.variants[static_cast<size_t>(route.shadow)];
    answer.shadow_variant = sv.name;
    answer.shadow_series = &metrics_.series(route.model, sv.version, sv.name);
    answer.shadow = repository_.find(route.model, sv.version);
    if (!answer.shadow) answer.shadow_series->shadow_shed.fetch_add(1, std::memory_order_relaxed);
  }
  return instance;
}

void record(ModelSeries& s, const JobResult& r) {
  if (r.status == 200) {
    s.request_success.fetch_add(1, std::memory_order_relaxed);
    s.inference_count.fetch_add(static_cast<uint64_t>(r.outputs.empty() ? 0 : r.outputs.begin()->second.dim(0)),
                                std::memory_order_relaxed);
  } else if (r.status != 504) {  // a deadline missed is counted as a timeout, by the batcher
    s.request_failure.fetch_add(1, std::memory_order_relaxed);
  }
  const double total = r.queue_s + r.compute_s;
  s.queue_seconds.observe(r.queue_s);
  s.request_seconds.observe(total);
  s.queue_duration_us.fetch_add(static_cast<uint64_t>(r.queue_s * 1e6), std::memory_order_relaxed);
  s.compute_duration_us.fetch_add(static_cast<uint64_t>(r.compute_s * 1e6), std::memory_order_relaxed);
  s.request_duration_us.fetch_add(static_cast<uint64_t>(total * 1e6), std::memory_order_relaxed);
}

int64_t Server::timeout_us(const std::map<std::string, std::string>& parameters) const {
  auto t = parameters.find("timeout");  // Triton's: microseconds
  return t == parameters.end() ? options_.default_timeout_us : parse_int(t->second, options_.default_timeout_us);
}

void Server::infer(HttpRequest&& request, Reply reply, const std::string& request_id, const std::string& model,
                   const std::string& version) {
  const Route* route = version.empty() && options_.routing ? options_.routing->find(model) : nullptr;
  auto instance = route ? nullptr : repository_.find(model, version);
  auto fail = [&](http::status status, const std::string& what) {
    reply(make_response(request, status, error_body(what)));
  };
  if (!route && !instance)
    return fail(http::status::not_found, "no model '" + model + "'" + (version.empty() ? "" : " version " + version));
  ModelSeries* series = instance ? &instance->series() : nullptr;
  auto answer = std::make_shared<Answer>();
  answer->request_id = request_id;
  InferRequest parsed;
  int64_t rows = 0;
  std::vector<RequestedOutput> outputs;
  try {
    const std::string& body = request.body();
    size_t json_length = body.size();
    auto header = request.find("Inference-Header-Content-Length");
    if (header != request.end()) {
      const int64_t n = parse_int(std::string(header->value()), -1);
      if (n < 0) throw Error(ErrorKind::Data, "Inference-Header-Content-Length is not a byte count", "infer request");
      json_length = static_cast<size_t>(n);
    }
    parsed = parse_infer_request(body, json_length, options_.limits);
    answer->outcome = outcome_of(parsed.parameters);
    if (route) instance = routed_instance(*route, parsed.parameters, request, *answer, series);
    std::map<std::string, Tensor> inputs;
    for (InferInput& in : parsed.inputs) inputs.emplace(std::move(in.name), std::move(in.tensor));
    rows = instance->check_inputs(inputs);
    if (parsed.outputs.empty()) {
      for (const ValueInfo& v : instance->model().outputs()) outputs.push_back({v.name, parsed.binary_outputs});
    } else {
      for (RequestedOutput& o : parsed.outputs) {
        bool known = false;
        for (const ValueInfo& v : instance->model().outputs()) known = known || v.name == o.name;
        if (!known) throw Error(ErrorKind::Data, "the model has no output '" + o.name + "'", "infer request");
        o.binary = o.binary || parsed.binary_outputs;
        outputs.push_back(o);
      }
    }
    parsed.inputs.clear();
    if (answer->shadow) {
      answer->inputs = inputs;  // tensors share storage: no copy of the data
      answer->rows = rows;
    }
    Job job;
    job.inputs = std::move(inputs);
    job.rows = rows;
    job.admitted = Clock::now();
    if (const int64_t us = timeout_us(parsed.parameters); us > 0) job.deadline = job.admitted + std::chrono::microseconds(us);

    auto head = std::make_shared<HttpRequest>();
    head->version(request.version());
    head->keep_alive(request.keep_alive());
    job.done = [this, instance, series, answer, reply, head, outputs, id = parsed.id](JobResult&& r) mutable {
      HttpResponse res;
      if (r.status != 200) {
        res = make_response(*head, static_cast<http::status>(r.status), error_body(r.error));
      } else {
        InferResponse out;
        out.model_name = instance->name();
        out.model_version = instance->version();
        out.id = id;
        if (!answer->variant.empty()) {
          out.parameters["variant"] = answer->variant;
          out.parameters["experiment"] = answer->experiment;
        }
        for (const RequestedOutput& o : outputs) out.outputs.emplace_back(o, r.outputs.at(o.name));
        EncodedResponse e = encode_infer_response(out);
        res = make_response(*head, http::status::ok, std::move(e.body), e.has_binary ? "application/octet-stream" : "application/json");
        if (e.has_binary) res.set("Inference-Header-Content-Length", std::to_string(e.json_length));
      }
      finish(r, std::move(res), reply, instance, *series, answer, (r.queue_s + r.compute_s) * 1e3);
    };
    enqueue(*instance, *series, std::move(job), request, reply);
  } catch (const Error& e) {
    if (!series && route) series = &metrics_.series(model, route->variants[0].version, route->variants[0].name);
    if (series) series->request_failure.fetch_add(1, std::memory_order_relaxed);
    return fail(status_of(e), error_message(e));
  }
}

void Server::finish(JobResult& r, HttpResponse&& res, const Reply& reply, std::shared_ptr<ModelInstance>& instance,
                    ModelSeries& series, const std::shared_ptr<Answer>& answer, double latency_ms) {
  record(series, r);
  reply(std::move(res));
  // After the answer is on its way: the log entry, then the shadow copy.
  if (r.status == 200) {
    log_answer(*answer, *instance, answer->variant, false, latency_ms, std::move(r.outputs));
    if (answer->shadow) submit_shadow(answer);
  }
  release_instance(context_, instance);
  release_instance(context_, answer->shadow);
}

void Server::enqueue(ModelInstance& instance, ModelSeries& series, Job&& job, const HttpRequest& request,
                     const Reply& reply) {
  if (instance.submit(std::move(job))) return;
  series.request_rejected.fetch_add(1, std::memory_order_relaxed);
  reply(busy(request, "model '" + instance.name() + "' has " + std::to_string(instance.options().queue_capacity) +
                          " requests queued; try again"));
}

HttpResponse busy(const HttpRequest& request, const std::string& what) {
  auto res = make_response(request, http::status::service_unavailable, error_body(what));
  res.set(http::field::retry_after, "1");
  return res;
}

void Server::log_answer(const Answer& answer, const ModelInstance& instance, const std::string& variant, bool shadow,
                        double latency_ms, std::map<std::string, Tensor>&& outputs) {
  if (!options_.prediction_log) return;
  PredictionEntry e;
  e.time_s = unix_time_s();
  e.request_id = answer.request_id;
  e.model = instance.name();
  e.version = instance.version();
  e.unit_id = answer.unit_id;
  e.experiment = answer.experiment;
  e.variant = variant;
  e.shadow = shadow;
  e.latency_ms = latency_ms;
  e.outcome = answer.outcome;
  e.outputs = std::move(outputs);
  e.class_names = instance.class_names();
  options_.prediction_log->append(std::move(e));
}

void Server::submit_shadow(const std::shared_ptr<Answer>& answer) {
  ModelInstance& shadow = *answer->shadow;
  // Shed first under load: a shadow copy only takes the lower half of the queue.
  if (shadow.queued() * 2 >= static_cast<size_t>(shadow.options().queue_capacity)) {
    answer->shadow_series->shadow_shed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  try {
    shadow.check_inputs(answer->inputs);  // another version may declare other inputs
  } catch (const Error&) {
    answer->shadow_series->request_failure.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Job job;
  job.inputs = std::move(answer->inputs);
  job.rows = answer->rows;
  job.admitted = Clock::now();
  job.done = [this, answer, instance = answer->shadow](JobResult&& r) mutable {
    if (r.status == 200) {
      answer->shadow_series->shadow_success.fetch_add(1, std::memory_order_relaxed);
      log_answer(*answer, *instance, answer->shadow_variant, true, (r.queue_s + r.compute_s) * 1e3, std::move(r.outputs));
    } else {
      answer->shadow_series->request_failure.fetch_add(1, std::memory_order_relaxed);
    }
    release_instance(context_, instance);
  };
  if (!shadow.submit(std::move(job))) answer->shadow_series->shadow_shed.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace storefuse::infer::serve
