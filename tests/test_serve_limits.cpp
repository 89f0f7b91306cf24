// autorec-serve against hostile and careless clients (issue 28): slow and idle connections,
// bodies over the limit in any encoding, fold-ins over the cap, a second server on the same
// port, ids that are not UTF-8, and the bearer token. Each case failed before the limits of
// examples/http_limits.hpp; the server binary and model files come from CTest.
#include "autorec/data/rating_matrix.hpp"  // Eigen before httplib.h (its <resolv.h> defines _res)

#include "../bench/raw_connection.hpp"
#include "../examples/json_ids.hpp"
#include "serve_process.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using json = nlohmann::json;
using serve_test::body_of;
using serve_test::env;
using serve_test::Server;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The longest of `count` answers to GET `path` on fresh connections, each checked to be 200.
double slowest_answer(int port, const std::string& path, int count) {
  double slowest = 0;
  for (int i = 0; i < count; ++i) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    const auto start = std::chrono::steady_clock::now();
    const auto result = client.Get(path.c_str());
    slowest = std::max(slowest, seconds_since(start));
    REQUIRE(result);
    CHECK(result->status == 200);
  }
  return slowest;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("autorec-serve-limits-" + std::to_string(getpid()) + "-" + name))
      .string();
}

// A body of `n` ratings of items the model knows (the top of user 1's list).
std::string fold_in_body(int port, int n) {
  httplib::Client client("127.0.0.1", port);
  const json top = body_of(client.Get(("/recommend?user=1&n=" + std::to_string(n)).c_str()));
  json ratings = json::array();
  for (const json& item : top["items"]) ratings.push_back({{"item", item["item"]}, {"rating", 4}});
  return json{{"ratings", ratings}, {"n", 5}}.dump();
}

}  // namespace

TEST_CASE("Eight clients sending a byte a second and 200 idle connections do not delay /health or /score") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--request-timeout", "30"});
  std::vector<raw_http::Connection> idle;
  for (int i = 0; i < 200; ++i) idle.emplace_back(server.port());
  std::atomic<bool> done{false};
  std::vector<std::thread> slow;
  for (int i = 0; i < 8; ++i)
    slow.emplace_back([&] {
      raw_http::Connection connection(server.port());
      const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      for (std::size_t b = 0; !done && connection.send_all(request.substr(b % request.size(), 1)); ++b)
        for (int tick = 0; tick < 10 && !done; ++tick) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Before: cpp-httplib's 8 pooled threads were all held, and /health waited over 60 s.
  CHECK(slowest_answer(server.port(), "/health", 20) < 1.0);
  CHECK(slowest_answer(server.port(), "/score?user=1&item=1", 20) < 1.0);
  done = true;
  for (auto& thread : slow) thread.join();
}

TEST_CASE("A request sent a byte at a time is cut off at the request timeout") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--request-timeout", "1"});
  raw_http::Connection connection(server.port());
  const auto start = std::chrono::steady_clock::now();
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  for (std::size_t b = 0; seconds_since(start) < 6 && connection.send_all(request.substr(b % request.size(), 1)); ++b) {
    connection.receive_until_closed(0.2);
    if (connection.closed()) break;
  }
  CHECK(connection.closed());
  CHECK(seconds_since(start) < 3.0);
}

TEST_CASE("An idle connection is closed after the keep-alive timeout") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--keep-alive-timeout", "0.5"});
  raw_http::Connection connection(server.port());
  const auto start = std::chrono::steady_clock::now();
  CHECK(connection.receive_until_closed(5).empty());
  CHECK(connection.closed());
  CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("A connection over --max-connections is answered 503 with a JSON body, and served once one closes") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--max-connections", "3"});
  std::vector<raw_http::Connection> idle;
  for (int i = 0; i < 3; ++i) idle.emplace_back(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  httplib::Client client("127.0.0.1", server.port());
  const auto refused = client.Get("/health");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(json::parse(refused->body)["error"].get<std::string>().find("too many connections") != std::string::npos);
  idle.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(client.Get("/health")->status == 200);
}

TEST_CASE("A chunked body over the limit is refused 413 with a JSON body before it is read in full") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--max-body", "65536"});
  raw_http::Connection connection(server.port());
  REQUIRE(connection.send_all("POST /fold-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  std::size_t sent = 0;
  while (sent < (std::size_t(64) << 20) && connection.send_all(chunk, 1)) sent += 0x4000;
  const std::string reply = connection.receive_until_closed(5);
  INFO(reply.substr(0, 300));
  CHECK(raw_http::status_of(reply) == 413);
  CHECK(json::parse(raw_http::body_of(reply))["error"].get<std::string>().find("over 65536 bytes") != std::string::npos);
  CHECK(sent < (std::size_t(64) << 20));  // before: all 300 MiB were read, then answered 400
}

TEST_CASE("A body whose Content-Length is over the limit is refused 413 without reading it") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--max-body", "65536"});
  raw_http::Connection connection(server.port());
  REQUIRE(connection.send_all("POST /fold-in HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n{"));
  const auto start = std::chrono::steady_clock::now();
  const std::string reply = connection.receive_until_closed(5);
  CHECK(raw_http::status_of(reply) == 413);
  CHECK(json::parse(raw_http::body_of(reply)).contains("error"));
  CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("A fold-in sent with a form content type (curl -d) above 8 KiB is read as JSON") {
  Server server(env("AUTOREC_SERVE_MODEL"));
  const std::string body = fold_in_body(server.port(), 400);
  REQUIRE(body.size() > 8192);
  httplib::Client client("127.0.0.1", server.port());
  const auto result = client.Post("/fold-in", body, "application/x-www-form-urlencoded");
  REQUIRE(result);
  CHECK(result->status == 200);  // before: 413 with an empty body
  CHECK(json::parse(result->body)["items"].size() == 5);
}

TEST_CASE("A fold-in of more ratings than --max-fold-in is refused 413, and one of the cap is answered") {
  Server server(env("AUTOREC_SERVE_MODEL"), {"--max-fold-in", "20"});
  httplib::Client client("127.0.0.1", server.port());
  const auto over = client.Post("/fold-in", fold_in_body(server.port(), 21), "application/json");
  REQUIRE(over);
  CHECK(over->status == 413);
  CHECK(json::parse(over->body)["error"].get<std::string>().find("at most 20 ratings") != std::string::npos);
  CHECK(client.Post("/fold-in", fold_in_body(server.port(), 20), "application/json")->status == 200);
}

TEST_CASE("A fold-in of every item of the catalogue is answered") {
  Server server(env("AUTOREC_SERVE_MODEL"));
  httplib::Client client("127.0.0.1", server.port());
  const int items = body_of(client.Get("/health"))["items"];
  const auto result = client.Post("/fold-in", fold_in_body(server.port(), std::min(items, 1000)), "application/json");
  REQUIRE(result);
  CHECK(result->status == 200);
}

TEST_CASE("A second autorec-serve on a port in use exits with an error instead of sharing it") {
  Server server(env("AUTOREC_SERVE_MODEL"));
  const std::string command = "timeout 20 " + env("AUTOREC_SERVE") + " --model " + env("AUTOREC_SERVE_MODEL") +
                              " --port " + std::to_string(server.port()) + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);  // before: it started (SO_REUSEPORT) and took half the connections
}

TEST_CASE("Every error is a JSON body, those cpp-httplib answers itself too") {
  Server server(env("AUTOREC_SERVE_MODEL"));
  httplib::Client client("127.0.0.1", server.port());
  const auto missing = client.Get("/no-such-endpoint");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body).contains("error"));
  const auto long_uri = client.Get(("/score?user=" + std::string(10000, 'x')).c_str());
  REQUIRE(long_uri);
  CHECK(long_uri->status == 414);
  CHECK(json::parse(long_uri->body).contains("error"));
  raw_http::Connection connection(server.port());
  REQUIRE(connection.send_all("NONSENSE\r\n\r\n"));
  const std::string reply = connection.receive_until_closed(5);
  CHECK(raw_http::status_of(reply) == 400);
  CHECK(json::parse(raw_http::body_of(reply)).contains("error"));
}

TEST_CASE("With --token-file every endpoint but /health needs the bearer token") {
  const std::string token_file = temp_path("token");
  { std::ofstream(token_file) << "s3cret-token\n"; }
  Server server(env("AUTOREC_SERVE_MODEL"), {"--token-file", token_file});
  httplib::Client client("127.0.0.1", server.port());
  CHECK(client.Get("/health")->status == 200);
  const auto refused = client.Get("/recommend?user=1");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(json::parse(refused->body)["error"].get<std::string>().find("Bearer") != std::string::npos);
  CHECK(client.Get("/recommend?user=1", {{"Authorization", "Bearer s3cret-tokeN"}})->status == 401);
  CHECK(client.Get("/recommend?user=1", {{"Authorization", "Bearer s3cret-token-and-more"}})->status == 401);
  CHECK(client.Get("/recommend?user=1", {{"Authorization", "Bearer s3cret-token"}})->status == 200);
  CHECK(client.Post("/fold-in", {{"Authorization", "Bearer wrong"}}, "{}", "application/json")->status == 401);
  std::filesystem::remove(token_file);
}

TEST_CASE("An empty token file is refused at start") {
  const std::string token_file = temp_path("empty-token");
  { std::ofstream(token_file) << "\n"; }
  const std::string command = "timeout 20 " + env("AUTOREC_SERVE") + " --model " + env("AUTOREC_SERVE_MODEL") +
                              " --port 0 --token-file " + token_file + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  std::filesystem::remove(token_file);
}

TEST_CASE("Ids that are not UTF-8 are written as their Latin-1 reading and read back from it") {
  using autorec_serve::json_text;
  CHECK(autorec_serve::is_utf8("Caf\xc3\xa9"));
  CHECK_FALSE(autorec_serve::is_utf8("Caf\xe9"));
  CHECK_FALSE(autorec_serve::is_utf8("\xc0\xaf"));          // an overlong '/'
  CHECK_FALSE(autorec_serve::is_utf8("\xed\xa0\x80"));      // a surrogate
  CHECK(json_text("Caf\xe9") == "Caf\xc3\xa9");
  CHECK(json_text("Caf\xc3\xa9") == "Caf\xc3\xa9");
  CHECK(autorec_serve::latin1_bytes("Caf\xc3\xa9") == std::string("Caf\xe9"));
  CHECK_FALSE(autorec_serve::latin1_bytes("\xe2\x82\xac").has_value());  // the euro sign is not Latin-1
  autorec::IdMap ids;
  ids.insert("Caf\xe9");
  ids.insert("Caf\xc3\xa9 au lait");
  CHECK(autorec_serve::raw_id(ids, "Caf\xc3\xa9") == "Caf\xe9");
  CHECK(autorec_serve::raw_id(ids, "Caf\xc3\xa9 au lait") == "Caf\xc3\xa9 au lait");
  CHECK(autorec_serve::raw_id(ids, "nobody") == "nobody");
}

TEST_CASE("A model whose ids are Latin-1 is served: every list is valid JSON and its ids can be asked for") {
  const std::string data = temp_path("latin1.csv"), model = temp_path("latin1.bin");
  {
    std::ofstream out(data, std::ios::binary);
    for (int u = 0; u < 40; ++u)
      for (int i = 0; i < 30; ++i)
        if ((u * 7 + i * 3) % 4 != 0) out << "Jos\xe9" << u << ",Caf\xe9 " << i << "," << 1 + (u + i) % 5 << "\n";
  }
  const std::string train = env("AUTOREC_TRAIN") + " --data " + data + " --hidden 8 --epochs 3 --save " + model +
                            " > /dev/null 2>&1";
  REQUIRE(std::system(train.c_str()) == 0);
  Server server(model);
  httplib::Client client("127.0.0.1", server.port());
  const auto top = client.Get("/recommend?user=Jos%C3%A90&n=3");  // before: 400 "invalid UTF-8 byte" or an empty 500
  REQUIRE(top);
  CHECK(top->status == 200);
  const json list = json::parse(top->body);
  CHECK(list["user"] == "Jos\xc3\xa9" "0");
  REQUIRE(list["items"].size() == 3);
  const std::string item = list["items"][0]["item"];
  CHECK(item.rfind("Caf\xc3\xa9 ", 0) == 0);
  const auto score = client.Get(("/score?user=Jos%C3%A90&item=" + httplib::detail::encode_query_param(item)).c_str());
  REQUIRE(score);
  CHECK(score->status == 200);
  const auto unknown = client.Get("/recommend?user=%E9t%E9");  // raw Latin-1 bytes in the URL: named, as JSON
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(json::parse(unknown->body).contains("error"));
  std::filesystem::remove(data);
  std::filesystem::remove(model);
}
