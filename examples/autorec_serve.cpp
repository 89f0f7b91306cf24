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
// Every reply is JSON; errors are {"error": ...}: 400 for malformed requests, 401 without the
// bearer token (--token-file), 404 for unknown ids, 413 for bodies or fold-ins over the
// limits, 422 for values outside the model's range, 503 over the connection cap.
// The limits a client cannot get around (slow, idle or oversized requests, any transfer
// encoding) are in http_limits.hpp and docs/serving.md.

// Eigen first: httplib.h includes <resolv.h>, whose _res macro breaks Eigen's headers.
#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"
#include "http_limits.hpp"
#include "json_ids.hpp"

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

namespace {

using json = nlohmann::json;
using autorec::Scorer;
using autorec_serve::HttpLimits;
using autorec_serve::LimitedServer;

constexpr std::size_t kMaxCount = 1000;  // n of a top-N

struct ServeOptions {
  HttpLimits http;
  std::size_t max_fold_in = 10000;  ///< ratings or items one fold-in may bring (and at most the catalogue)
  std::string token;                ///< bearer token every request but /health must carry; empty: none
};

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

// JSON text, whatever bytes its strings hold (an id or an error quoting one may not be
// UTF-8): such bytes become U+FFFD rather than an exception and an empty reply.
void reply(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
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

// Item ids in JSON may be strings or integers; the raw id of the model they name.
std::string id_of(const json& value, const autorec::IdMap& ids) {
  if (value.is_string()) return autorec_serve::raw_id(ids, value.get<std::string>());
  if (value.is_number_integer()) return value.dump();
  throw HttpError{400, "an item id must be a string or an integer"};
}

// What a score is called: a rating model's predicted rating, an implicit model's score.
const char* score_key(const Scorer<float>& scorer) { return scorer.predicts_ratings() ? "rating" : "score"; }

json list(const Scorer<float>& scorer, const std::vector<autorec::Recommendation>& top) {
  json items = json::array();
  for (const auto& r : top)
    items.push_back({{"item", autorec_serve::json_text(scorer.item_ids().raw(r.item))}, {score_key(scorer), r.rating}});
  return items;
}

std::string hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// A fold-in's "ratings" or "items": a non-empty array of at most `cap` entries.
void check_entries(const json& entries, const char* name, std::size_t cap) {
  if (!entries.is_array()) throw HttpError{400, std::string("'") + name + "' must be an array"};
  if (entries.empty()) throw HttpError{400, std::string("'") + name + "' is empty"};
  if (entries.size() > cap)
    throw HttpError{413, "at most " + std::to_string(cap) + " " + name + " per fold-in (--max-fold-in, and at most "
                         "the model's items)"};
}

// The (item, rating) pairs of a fold-in's "ratings".
std::vector<std::pair<std::string, float>> ratings_of(const json& ratings, const autorec::IdMap& ids, std::size_t cap) {
  check_entries(ratings, "ratings", cap);
  std::vector<std::pair<std::string, float>> given;
  for (const json& r : ratings) {
    if (!r.is_object() || !r.contains("item") || !r.contains("rating") || !r["rating"].is_number())
      throw HttpError{400, "each rating must be {\"item\": ID, \"rating\": number}"};
    given.emplace_back(id_of(r["item"], ids), r["rating"].get<float>());
  }
  return given;
}

// The item ids of a fold-in's "items".
std::vector<std::string> items_of(const json& items, const autorec::IdMap& ids, std::size_t cap) {
  check_entries(items, "items", cap);
  std::vector<std::string> given;
  for (const json& item : items) given.push_back(id_of(item, ids));
  return given;
}

// The body of a POST, read whatever its transfer encoding or content type, refused (413,
// connection closed after the reply) once it passes `limit` bytes: cpp-httplib's own limit
// skips chunked bodies and caps form-encoded ones at 8 KiB.
std::string body_of(const httplib::Request& request, const httplib::ContentReader& read, std::size_t limit) {
  const auto too_large = [&] {
    LimitedServer::close_after_reply();
    return HttpError{413, "the request body is over " + std::to_string(limit) + " bytes"};
  };
  if (request.has_header("Content-Length") &&
      std::strtoull(request.get_header_value("Content-Length").c_str(), nullptr, 10) > limit)
    throw too_large();
  if (request.is_multipart_form_data()) {
    LimitedServer::close_after_reply();
    throw HttpError{415, "send the fold-in as a JSON body, not multipart/form-data"};
  }
  std::string body;
  bool over = false;
  const bool read_whole = read([&](const char* data, std::size_t size) {
    over = body.size() + size > limit;
    if (!over) body.append(data, size);
    return !over;
  });
  if (over) throw too_large();
  if (!read_whole) {
    LimitedServer::close_after_reply();
    throw HttpError{400, "the request body was cut short"};
  }
  return body;
}

// Parses a JSON body of at most `values` values (a 1 MiB body of small numbers would
// otherwise become a tree of ~8 MiB): past that, 413 before the tree grows.
json parse_bounded(const std::string& body, std::size_t values) {
  std::size_t seen = 0;
  const json::parser_callback_t count = [&](int, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::value || event == json::parse_event_t::object_start ||
        event == json::parse_event_t::array_start)
      if (++seen > values) throw HttpError{413, "the fold-in has more entries than it may bring"};
    return true;
  };
  return json::parse(body, count);
}

// Handles POST /fold-in on `model`.
json fold_in(const Model& model, const std::string& body, const ServeOptions& options) {
  const Scorer<float>& scorer = model.scorer;
  const std::size_t cap = std::min<std::size_t>(options.max_fold_in, std::size_t(scorer.item_count()));
  const json request = parse_bounded(body, 3 * cap + 16);  // {"item", "rating"} objects: 3 values each
  if (!request.is_object() || (request.contains("ratings") == request.contains("items")))
    throw HttpError{400, "expected {\"ratings\": [{\"item\": ID, \"rating\": R}, ...], \"n\": N} or, for a "
                         "model of implicit feedback, {\"items\": [ID, ...], \"n\": N}"};
  std::size_t n = 10;
  if (request.contains("n")) {
    if (!request["n"].is_number_integer()) throw HttpError{400, "n must be an integer"};
    n = count_of(std::to_string(request["n"].get<long long>()));
  }
  const auto folded = request.contains("items") ? scorer.fold_in_items(items_of(request["items"], scorer.item_ids(), cap))
                                                : scorer.fold_in(ratings_of(request["ratings"], scorer.item_ids(), cap));
  return json{{"items", list(scorer, scorer.recommend(folded, autorec::TopN{n, {}, {}, true}))}};
}

json health(const Current& current) {
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
}

void add_routes(httplib::Server& server, Current& current, const ServeOptions& options) {
  server.Get("/health", [&](const httplib::Request&, httplib::Response& response) {
    guarded(response, [&] { return health(current); });
  });
  server.Get("/recommend", [&](const httplib::Request& request, httplib::Response& response) {
    guarded(response, [&] {
      const auto model = current.get();
      const std::string user = autorec_serve::raw_id(model->scorer.user_ids(), parameter(request, "user"));
      const std::size_t n = request.has_param("n") ? count_of(request.get_param_value("n")) : 10;
      const auto top = model->scorer.recommend(user, autorec::TopN{n, {}, {}, true});
      return json{{"user", autorec_serve::json_text(user)}, {"items", list(model->scorer, top)}};
    });
  });
  server.Get("/score", [&](const httplib::Request& request, httplib::Response& response) {
    guarded(response, [&] {
      const auto model = current.get();
      const std::string user = autorec_serve::raw_id(model->scorer.user_ids(), parameter(request, "user"));
      const std::string item = autorec_serve::raw_id(model->scorer.item_ids(), parameter(request, "item"));
      return json{{"user", autorec_serve::json_text(user)},
                  {"item", autorec_serve::json_text(item)},
                  {score_key(model->scorer), model->scorer.score(user, item)}};
    });
  });
  server.Post("/fold-in", [&](const httplib::Request& request, httplib::Response& response,
                              const httplib::ContentReader& read) {
    guarded(response, [&] {
      const std::string body = body_of(request, read, options.http.max_body);
      return fold_in(*current.get(), body, options);
    });
  });
}

// Compares in time that depends on the token's length only, not on where they differ.
bool same_token(const std::string& given, const std::string& token) {
  unsigned char differ = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i) differ |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  return differ == 0;
}

// What an error status cpp-httplib sets on its own means.
std::string status_text(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "no such endpoint";
    case 405: return "method not allowed";
    case 413: return "request too large";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    default: return "HTTP status " + std::to_string(status);
  }
}

// Errors cpp-httplib answers itself (a bad request line, an unknown path, a URI or header over
// its limits) get a JSON body too; the bearer token is checked before any route but /health.
void add_guards(httplib::Server& server, const ServeOptions& options) {
  server.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty()) return;  // a handler's own error
    reply(response, response.status, {{"error", status_text(response.status)}});
    LimitedServer::close_after_reply();  // after a malformed request, what follows is not a request
  });
  if (options.token.empty()) return;
  server.set_pre_routing_handler([&options](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string header = request.get_header_value("Authorization");
    const std::string scheme = "Bearer ";
    if (header.compare(0, scheme.size(), scheme) == 0 && same_token(header.substr(scheme.size()), options.token))
      return httplib::Server::HandlerResponse::Unhandled;
    response.set_header("WWW-Authenticate", "Bearer");
    reply(response, 401, {{"error", "this server needs 'Authorization: Bearer TOKEN' (the token of --token-file)"}});
    return httplib::Server::HandlerResponse::Handled;
  });
}

// The token in `path`: its first line, without the line break; refused when empty.
std::string read_token(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) throw std::runtime_error(path + ": cannot read the token file");
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.empty()) throw std::runtime_error(path + ":1: the token is empty");
  return token;
}

void add_limit_options(CLI::App& app, ServeOptions& options) {
  HttpLimits& http = options.http;
  app.add_option("--max-connections", http.max_connections, "connections served at once (one more is answered 503)")
      ->check(CLI::Range(std::size_t(1), std::size_t(100000)))->capture_default_str();
  app.add_option("--request-timeout", http.request_timeout,
                 "seconds a request may take to arrive whole, headers and body, however paced")
      ->check(CLI::Range(0.01, 3600.0))->capture_default_str();
  app.add_option("--write-timeout", http.write_timeout, "seconds a reply may wait for the client to read it")
      ->check(CLI::Range(0.01, 3600.0))->capture_default_str();
  app.add_option("--keep-alive-timeout", http.keep_alive_timeout, "seconds an idle connection stays open")
      ->check(CLI::Range(0.01, 3600.0))->capture_default_str();
  app.add_option("--keep-alive-requests", http.keep_alive_requests, "requests one connection may make")
      ->check(CLI::Range(std::size_t(1), std::size_t(1000000)))->capture_default_str();
  app.add_option("--max-body", http.max_body, "bytes of a request body, any transfer encoding (413 above)")
      ->check(CLI::Range(std::size_t(64), std::size_t(1) << 30))->capture_default_str();
  app.add_option("--max-fold-in", options.max_fold_in,
                 "ratings or items one fold-in may bring (413 above; never more than the model's items)")
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 24))->capture_default_str();
}

// Runs the server until SIGINT or SIGTERM; SIGHUP reloads the model. The exit status.
int run(LimitedServer& server, Current& current, const std::string& model_path, sigset_t& signals, int bound,
        const std::string& host) {
  const auto first = current.get();
  const std::string kind = first->scorer.predicts_ratings() ? std::string(to_string(first->scorer.variant())) + "-AutoRec"
                                                            : "top-N from implicit feedback";
  std::cout << "serving " << model_path << " (" << kind << ", "
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
    server.shut_down();
  });
  const bool ok = server.listen_after_bind();
  if (!ok) pthread_kill(waiter.native_handle(), SIGTERM);  // the listener failed on its own
  waiter.join();
  std::cout << "stopped" << std::endl;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, host = "127.0.0.1", token_file;
  int port = 8080;
  ServeOptions options;
  CLI::App app{"Serve recommendations from an autorec model file over HTTP/JSON (SIGHUP reloads the file)."};
  app.add_option("--model", model_path, "model file written by autorec-train --save")->required()->check(CLI::ExistingFile);
  app.add_option("--port", port, "TCP port (0: any free port, printed on start)")->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  app.add_option("--token-file", token_file,
                 "file whose first line is a bearer token every request but /health must carry")
      ->check(CLI::ExistingFile);
  add_limit_options(app, options);
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
    if (!token_file.empty()) options.token = read_token(token_file);
    current.set(load(model_path));
  } catch (const std::exception& error) {
    std::cerr << "autorec-serve: " << error.what() << "\n";
    return 1;
  }
  LimitedServer server(options.http);
  server.set_tcp_nodelay(true);  // small JSON replies: no 40 ms Nagle and delayed-ACK stalls
  add_guards(server, options);
  add_routes(server, current, options);
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    std::cerr << "autorec-serve: cannot listen on " << host << ":" << port
              << " (is another server on that port, or is the address not this machine's?)\n";
    return 1;
  }
  return run(server, current, model_path, signals, bound, host);
}
