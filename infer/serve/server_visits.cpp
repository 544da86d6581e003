// POST /v1/visits:predict (visits.h): the request is parsed, its media
// decoded and its features computed on the media threads, never on the I/O
// thread; the model runs on the version's workers like any infer request
// (batching, deadlines, routing, metrics and the prediction log included).
#include <boost/asio/post.hpp>
#include <set>

#include "server.h"
#include "storefuse/core/error.h"
#include "visits.h"

namespace storefuse::infer::serve {

void Server::visit(HttpRequest&& request, Reply reply, const std::string& request_id) {
  if (visits_.fetch_add(1) >= options_.max_visits) {
    visits_.fetch_sub(1);
    return reply(busy(request, std::to_string(options_.max_visits) + " visits are being decoded; try again"));
  }
  auto held = std::make_shared<HttpRequest>(std::move(request));
  boost::asio::post(media_pool_, [this, held, reply = std::move(reply), request_id] {
    run_visit(*held, reply, request_id);
    visits_.fetch_sub(1);
  });
}

void Server::run_visit(const HttpRequest& request, const Reply& reply, const std::string& request_id) {
  auto fail = [&](http::status status, const std::string& what) {
    reply(make_response(request, status, error_body(what)));
  };
  ModelSeries* series = nullptr;
  try {
    const auto type = request[http::field::content_type];
    VisitRequest v = parse_visit(request.body(), std::string_view(type.data(), type.size()));
    if (v.model.empty()) {
      std::set<std::string> names;
      for (const RepositoryEntry& e : repository_.index())
        if (e.state == "READY") names.insert(e.name);
      if (names.size() != 1)
        return fail(http::status::bad_request, "the server has " + std::to_string(names.size()) +
                                                   " models: name one with \"model\" (or the form field model)");
      v.model = *names.begin();
    }
    auto answer = std::make_shared<Answer>();
    answer->request_id = request_id;
    answer->outcome = outcome_of(v.parameters);
    const Route* route = v.version.empty() && options_.routing ? options_.routing->find(v.model) : nullptr;
    std::shared_ptr<ModelInstance> instance =
        route ? routed_instance(*route, v.parameters, request, *answer, series) : repository_.find(v.model, v.version);
    if (!instance)
      return fail(http::status::not_found, "no model '" + v.model + "'" + (v.version.empty() ? "" : " version " + v.version));
    if (!series) series = &instance->series();
    const VisitModel& vm = visit_model(*instance);
    // The adapter feeds exactly the inputs the model declares, shaped by its spec.
    auto in = std::make_shared<VisitInputs>(vm.inputs(v.media));
    if (answer->shadow) {
      answer->inputs = in->feeds;  // storage shared
      answer->rows = in->rows;
    }
    Job job;
    job.inputs = std::move(in->feeds);
    job.rows = in->rows;
    job.admitted = Clock::now();
    if (const int64_t us = timeout_us(v.parameters); us > 0) job.deadline = job.admitted + std::chrono::microseconds(us);
    auto head = std::make_shared<HttpRequest>();
    head->version(request.version());
    head->keep_alive(request.keep_alive());
    job.done = [this, instance, series, answer, reply, head, in, id = v.id](JobResult&& r) mutable {
      HttpResponse res;
      if (r.status == 200) {
        try {
          json body = visit_model(*instance).answer(r.outputs, *in);
          body["model_name"] = instance->name();
          body["model_version"] = instance->version();
          if (!id.empty()) body["id"] = id;
          if (!answer->variant.empty())
            body["parameters"] = json{{"variant", answer->variant}, {"experiment", answer->experiment}};
          body["timing_ms"] = json{{"features", in->features_ms}, {"queue", r.queue_s * 1e3}, {"compute", r.compute_s * 1e3}};
          res = make_response(*head, http::status::ok, body.dump());
        } catch (const Error& e) {
          r.status = 500;
          res = make_response(*head, http::status::internal_server_error, error_body(error_message(e)));
        }
      } else {
        res = make_response(*head, static_cast<http::status>(r.status), error_body(r.error));
      }
      finish(r, std::move(res), reply, instance, *series, answer, (r.queue_s + r.compute_s) * 1e3 + in->features_ms);
    };
    enqueue(*instance, *series, std::move(job), request, reply);
  } catch (const Error& e) {
    if (series) series->request_failure.fetch_add(1, std::memory_order_relaxed);
    return fail(status_of(e), error_message(e));
  } catch (const std::exception& e) {  // never let a decoder's exception escape a media thread
    if (series) series->request_failure.fetch_add(1, std::memory_order_relaxed);
    return fail(http::status::internal_server_error, std::string("cannot answer the visit: ") + e.what());
  }
}

}  // namespace storefuse::infer::serve
