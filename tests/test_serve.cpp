// autorec-serve end to end: start it on a loopback port, query every endpoint, reload a new
// model under load without dropping a request, survive a broken reload, and stop on SIGTERM.
// The server binary and two model files come from CTest (see tests/CMakeLists.txt).
#include "autorec/data/rating_matrix.hpp"  // Eigen before httplib.h (its <resolv.h> defines _res)

#include "serve_process.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using json = nlohmann::json;

namespace {

using serve_test::body_of;
using serve_test::env;
using serve_test::Server;

void copy_over(const std::string& from, const std::string& to) {  // atomically, as a deploy would
  std::filesystem::copy_file(from, to + ".new", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".new", to);
}

}  // namespace

TEST_CASE("autorec-serve answers every endpoint, reloads under load without dropping a request, and stops") {
  const std::string model = std::filesystem::temp_directory_path() / ("autorec-serve-" + std::to_string(getpid()) + ".bin");
  copy_over(env("AUTOREC_SERVE_MODEL"), model);
  Server server(model);
  httplib::Client client("127.0.0.1", server.port());

  const json health = body_of(client.Get("/health"));
  CHECK(health["status"] == "ok");
  CHECK(health["users"] == 610);
  const std::string first_network = health["network"];

  auto result = client.Get("/recommend?user=1&n=5");
  REQUIRE(result);
  CHECK(result->status == 200);
  const json top = json::parse(result->body);
  CHECK(top["items"].size() == 5);
  CHECK(top["items"][0]["rating"].get<double>() >= top["items"][4]["rating"].get<double>());

  result = client.Get("/score?user=1&item=" + top["items"][0]["item"].get<std::string>());
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(json::parse(result->body)["rating"].get<double>() ==
        doctest::Approx(top["items"][0]["rating"].get<double>()).epsilon(1e-5));

  result = client.Post("/fold-in", R"({"ratings": [{"item": 1, "rating": 5}, {"item": "260", "rating": 4.5}], "n": 4})",
                       "application/json");
  REQUIRE(result);
  CHECK(result->status == 200);
  const json folded = json::parse(result->body);
  CHECK(folded["items"].size() == 4);
  for (const json& item : folded["items"]) CHECK((item["item"] != "1" && item["item"] != "260"));

  // Clear 4xx errors.
  CHECK(client.Get("/recommend?user=nobody")->status == 404);
  CHECK(client.Get("/recommend")->status == 400);
  CHECK(client.Get("/recommend?user=1&n=0")->status == 400);
  CHECK(client.Get("/recommend?user=1&n=12abc")->status == 400);
  CHECK(client.Get("/score?user=1&item=no-such-item")->status == 404);
  CHECK(client.Post("/fold-in", "{not json", "application/json")->status == 400);
  CHECK(client.Post("/fold-in", R"({"ratings": "five"})", "application/json")->status == 400);
  CHECK(client.Post("/fold-in", R"({"ratings": [{"item": 1, "rating": 50}]})", "application/json")->status == 422);
  CHECK(client.Post("/fold-in", R"({"ratings": [{"item": "nope", "rating": 3}]})", "application/json")->status == 404);
  CHECK(client.Post("/fold-in", std::string(2 << 20, ' '), "application/json")->status == 413);
  const json error = body_of(client.Get("/recommend?user=nobody"));
  CHECK(error["error"] == "unknown user 'nobody'");

  // Reload a different model while requests keep coming.
  std::atomic<bool> done{false};
  std::atomic<long> answered{0}, failed{0};
  std::thread load([&] {
    httplib::Client loader("127.0.0.1", server.port());
    while (!done) {
      const auto r = loader.Get("/recommend?user=1&n=10");
      (r && r->status == 200 ? answered : failed)++;
    }
  });
  copy_over(env("AUTOREC_SERVE_OTHER_MODEL"), model);
  server.signal(SIGHUP);
  std::string network = first_network;
  for (int wait = 0; wait < 300 && network == first_network; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    network = body_of(client.Get("/health"))["network"];
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  done = true;
  load.join();
  CHECK(network != first_network);
  CHECK(failed == 0);
  CHECK(answered > 0);
  CHECK(body_of(client.Get("/health"))["reloads"] == 1);

  // A broken file on reload leaves the model serving.
  { std::ofstream(model, std::ios::trunc) << "not a model"; }
  server.signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto after = client.Get("/health");
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(json::parse(after->body)["network"] == network);

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  std::filesystem::remove(model);
}

TEST_CASE("autorec-serve serves an ensemble's model file: its networks counted, scores and fold-in answered") {
  Server server(env("AUTOREC_SERVE_ENSEMBLE_MODEL"));
  httplib::Client client("127.0.0.1", server.port());
  const json health = body_of(client.Get("/health"));
  CHECK(health["networks"] == 2);
  CHECK(body_of(client.Get("/recommend?user=1&n=5"))["items"].size() == 5);
  const json score = body_of(client.Get("/score?user=1&item=1"));
  CHECK(score["rating"].get<double>() >= 0.5);
  CHECK(score["rating"].get<double>() <= 5.0);
  const auto folded = client.Post("/fold-in", R"({"ratings": [{"item": 1, "rating": 5}, {"item": "260", "rating": 4.5}], "n": 4})",
                                  "application/json");
  REQUIRE(folded);
  CHECK(folded->status == 200);
  CHECK(json::parse(folded->body)["items"].size() == 4);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("autorec-serve serves an EASE model of implicit feedback: scores, and fold-in from a list of items") {
  Server server(env("AUTOREC_SERVE_IMPLICIT_MODEL"));
  httplib::Client client("127.0.0.1", server.port());
  const json health = body_of(client.Get("/health"));
  CHECK(health["feedback"] == "implicit");
  CHECK(health["network"].get<std::string>().find("EASE") == 0);
  const json top = body_of(client.Get("/recommend?user=user0&n=3"));
  REQUIRE(top["items"].size() == 3);
  CHECK(top["items"][0].contains("score"));
  CHECK(body_of(client.Get("/score?user=user0&item=item21")).contains("score"));
  const auto folded = client.Post("/fold-in", R"({"items": ["item3", "item4", "item1", "item3"], "n": 4})", "application/json");
  REQUIRE(folded);
  CHECK(folded->status == 200);
  const json items = json::parse(folded->body)["items"];
  REQUIRE(items.size() == 4);
  for (const json& item : items)
    for (const char* given : {"item3", "item4", "item1"}) CHECK(item["item"] != given);
  const auto rated = client.Post("/fold-in", R"({"ratings": [{"item": "item3", "rating": 4}]})", "application/json");
  REQUIRE(rated);
  CHECK(rated->status == 422);
  CHECK(json::parse(rated->body)["error"].get<std::string>().find("without ratings") != std::string::npos);
  const auto unknown = client.Post("/fold-in", R"({"items": ["no-such-item"]})", "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  const auto both = client.Post("/fold-in", R"({"items": ["item3"], "ratings": []})", "application/json");
  REQUIRE(both);
  CHECK(both->status == 400);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("autorec-serve refuses a fold-in from items alone for a rating model") {
  Server server(env("AUTOREC_SERVE_ENSEMBLE_MODEL"));
  httplib::Client client("127.0.0.1", server.port());
  CHECK(body_of(client.Get("/health"))["feedback"] == "ratings");
  const auto folded = client.Post("/fold-in", R"({"items": ["1", "260"]})", "application/json");
  REQUIRE(folded);
  CHECK(folded->status == 422);
  CHECK(json::parse(folded->body)["error"].get<std::string>().find("predicts ratings") != std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}
