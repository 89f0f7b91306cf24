// autorec-serve: an HTTP/JSON service over a model file saved by autorec-train.
//
//   GET  /health                      the model served, its size and fingerprint
//   GET  /recommend?user=ID&n=N       top-N unseen items for a known user
//   GET  /score?user=ID&item=ID       one predicted rating
//   POST /fold-in                     {"ratings": [{"item": ID, "rating": R}, ...], "n": N}:
//                                     a new user's top-N, without retraining
//                                     {"items": [ID, ...], "n": N}: the same for a model of
//                                     implicit feedback (EASE, Mult-DAE, Mult-VAE)
// A model of implicit feedback reports "score" (its ranking score) where a rating model
// reports "rating"; /health says which ("feedback": "ratings" or "implicit").
//
// SIGHUP reloads the model file: the new Scorer is built beside the old one and swapped in
// atomically, so requests in flight finish on the old model and none is dropped; a file that
// fails to load leaves the old model serving. SIGINT or SIGTERM stops the server.
// Errors are JSON {"error": ...}: 400 for malformed requests, 404 for unknown ids, 413 for
// bodies over the limit, 422 for values outside the model's range.

// Eigen first: httplib.h includes <resolv.h>, whose _res macro breaks Eigen's headers.
#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

namespace {

using json = nlohmann::json;
using autorec::Scorer;

constexpr std::size_t kMaxBody = 1 << 20;      // bytes of a POST body
constexpr std::size_t kMaxRatings = 10000;     // ratings a fold-in may bring
constexpr std::size_t kMaxCount = 1000;        // n of a top-N

struct Model {
  Scorer<float> scorer;
  std::string path;
  std::uint64_t fingerprint;
};

// The model being served; handlers take a reference-counted copy for each request.
class Current {
 public:
  std::shared_ptr<const Model> get() const { return std::atomic_load(&model_); }
  void set(std::shared_ptr<const Model> model) {
    std::atomic_store(&model_, std::move(model));
    ++reloads_;
  }
  long reloads() const { return reloads_ - 1; }

 private:
  std::shared_ptr<const Model> model_;
  std::atomic<long> reloads_{0};
};

std::shared_ptr<const Model> load(const std::string& path) {
  autorec::ModelFileContents<float> contents =
      autorec::parse_model_file<float>(autorec::read_model_bytes(path), path);
  const std::uint64_t fingerprint = std::visit([](const auto& saved) { return saved.fingerprint; }, contents);
  Scorer<float> scorer = std::visit([](auto&& saved) { return Scorer<float>(std::move(saved)); }, std::move(contents));
  return std::make_shared<const Model>(Model{std::move(scorer), path, fingerprint});
}

// A request error with its HTTP status.
struct HttpError {
  int status;
  std::string message;
};

void reply(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

// Runs `handle`, turning errors into JSON replies with their status.
template <typename Handle>
void guarded(httplib::Response& response, Handle&& handle) {
  try {
    reply(response, 200, handle());
  } catch (const HttpError& error) {
    reply(response, error.status, {{"error", error.message}});
  } catch (const autorec::UnknownId& error) {
    reply(response, 404, {{"error", error.what()}});
  } catch (const json::exception& error) {
    reply(response, 400, {{"error", std::string("bad JSON: ") + error.what()}});
  } catch (const std::invalid_argument& error) {
    reply(response, 422, {{"error", error.what()}});
  } catch (const std::exception& error) {
    reply(response, 500, {{"error", error.what()}});
  }
}

std::string parameter(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) throw HttpError{400, std::string("missing query parameter '") + name + "'"};
  return request.get_param_value(name);
}

std::size_t count_of(const std::string& text) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < 1 || std::size_t(value) > kMaxCount)
    throw HttpError{400, "n must be an integer in [1, " + std::to_string(kMaxCount) + "]"};
  return std::size_t(value);
}

// Item ids in JSON may be strings or integers.
std::string id_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  throw HttpError{400, "an item id must be a string or an integer"};
}

// What a score is called: a rating model's predicted rating, an implicit model's score.
const char* score_key(const Scorer<float>& scorer) { return scorer.predicts_ratings() ? "rating" : "score"; }

json list(const Scorer<float>& scorer, const std::vector<autorec::Recommendation>& top) {
  json items = json::array();
  for (const auto& r : top) items.push_back({{"item", scorer.item_ids().raw(r.item)}, {score_key(scorer), r.rating}});
  return items;
}

std::string hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// The (item, rating) pairs of a fold-in's "ratings".
std::vector<std::pair<std::string, float>> ratings_of(const json& ratings) {
  if (!ratings.is_array()) throw HttpError{400, "'ratings' must be an array"};
  if (ratings.empty()) throw HttpError{400, "'ratings' is empty"};
  if (ratings.size() > kMaxRatings) throw HttpError{413, "at most " + std::to_string(kMaxRatings) + " ratings per fold-in"};
  std::vector<std::pair<std::string, float>> given;
  for (const json& r : ratings) {
    if (!r.is_object() || !r.contains("item") || !r.contains("rating") || !r["rating"].is_number())
      throw HttpError{400, "each rating must be {\"item\": ID, \"rating\": number}"};
    given.emplace_back(id_of(r["item"]), r["rating"].get<float>());
  }
  return given;
}

// The item ids of a fold-in's "items".
std::vector<std::string> items_of(const json& items) {
  if (!items.is_array()) throw HttpError{400, "'items' must be an array of item ids"};
  if (items.empty()) throw HttpError{400, "'items' is empty"};
  if (items.size() > kMaxRatings) throw HttpError{413, "at most " + std::to_string(kMaxRatings) + " items per fold-in"};
  std::vector<std::string> given;
  for (const json& item : items) given.push_back(id_of(item));
  return given;
}

void add_routes(httplib::Server& server, Current& current) {
  server.Get("/health", [&](const httplib::Request&, httplib::Response& response) {
    guarded(response, [&] {
      const auto model = current.get();
      return json{{"status", "ok"},
                  {"model", model->path},
                  {"variant", autorec::to_string(model->scorer.variant())},
                  {"feedback", model->scorer.predicts_ratings() ? "ratings" : "implicit"},
                  {"network", model->scorer.describe()},
                  {"networks", model->scorer.network_count()},
                  {"users", model->scorer.user_count()},
                  {"items", model->scorer.item_count()},
                  {"fingerprint", hex(model->fingerprint)},
                  {"reloads", current.reloads()}};
    });
  });
  server.Get("/recommend", [&](const httplib::Request& request, httplib::Response& response) {
    guarded(response, [&] {
      const auto model = current.get();
      const std::string user = parameter(request, "user");
      const std::size_t n = request.has_param("n") ? count_of(request.get_param_value("n")) : 10;
      const auto top = model->scorer.recommend(user, autorec::TopN{n, {}, {}, true});
      return json{{"user", user}, {"items", list(model->scorer, top)}};
    });
  });
  server.Get("/score", [&](const httplib::Request& request, httplib::Response& response) {
    guarded(response, [&] {
      const auto model = current.get();
      const std::string user = parameter(request, "user"), item = parameter(request, "item");
      return json{{"user", user}, {"item", item}, {score_key(model->scorer), model->scorer.score(user, item)}};
    });
  });
  server.Post("/fold-in", [&](const httplib::Request& request, httplib::Response& response) {
    guarded(response, [&] {
      const auto model = current.get();
      const json body = json::parse(request.body);
      if (!body.is_object() || (body.contains("ratings") == body.contains("items")))
        throw HttpError{400, "expected {\"ratings\": [{\"item\": ID, \"rating\": R}, ...], \"n\": N} or, for "
                             "a model of implicit feedback, {\"items\": [ID, ...], \"n\": N}"};
      std::size_t n = 10;
      if (body.contains("n")) {
        if (!body["n"].is_number_integer()) throw HttpError{400, "n must be an integer"};
        n = count_of(std::to_string(body["n"].get<long long>()));
      }
      const auto folded = body.contains("items") ? model->scorer.fold_in_items(items_of(body["items"]))
                                                 : model->scorer.fold_in(ratings_of(body["ratings"]));
      return json{{"items", list(model->scorer, model->scorer.recommend(folded, autorec::TopN{n, {}, {}, true}))}};
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, host = "127.0.0.1";
  int port = 8080;
  CLI::App app{"Serve recommendations from an autorec model file over HTTP/JSON (SIGHUP reloads the file)."};
  app.add_option("--model", model_path, "model file written by autorec-train --save")->required()->check(CLI::ExistingFile);
  app.add_option("--port", port, "TCP port (0: any free port, printed on start)")->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Signals go to one thread that waits for them; the server's threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Requests run in parallel on the server's threads; a GEMM inside one must not start a
  // thread team of its own on top (measured with bench/serve_load.sh: fold-in p99 18 ms with, 1.2 ms without).
  Eigen::setNbThreads(1);
  Current current;
  try {
    current.set(load(model_path));
  } catch (const std::exception& error) {
    std::cerr << "autorec-serve: " << error.what() << "\n";
    return 1;
  }
  httplib::Server server;
  server.set_payload_max_length(kMaxBody);
  server.set_tcp_nodelay(true);  // small JSON replies: no 40 ms Nagle and delayed-ACK stalls
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  add_routes(server, current);
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    std::cerr << "autorec-serve: cannot listen on " << host << ":" << port << "\n";
    return 1;
  }
  const auto first = current.get();
  std::cout << "serving " << model_path << " (" << to_string(first->scorer.variant()) << "-AutoRec, "
            << first->scorer.user_count() << " users, " << first->scorer.item_count() << " items) on http://" << host
            << ":" << bound << std::endl;

  std::thread waiter([&] {
    for (;;) {
      int received = 0;
      if (sigwait(&signals, &received) != 0) continue;
      if (received != SIGHUP) break;
      try {
        current.set(load(model_path));
        std::cout << "reloaded " << model_path << std::endl;
      } catch (const std::exception& error) {
        std::cerr << "autorec-serve: reload failed, still serving the previous model: " << error.what() << std::endl;
      }
    }
    server.stop();
  });
  const bool ok = server.listen_after_bind();
  if (!ok) {  // the listener failed on its own: release the signal thread
    pthread_kill(waiter.native_handle(), SIGTERM);
  }
  waiter.join();
  std::cout << "stopped" << std::endl;
  return ok ? 0 : 1;
}
