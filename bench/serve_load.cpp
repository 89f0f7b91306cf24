// A bounded load test of autorec-serve on loopback: `--clients` threads each send requests
// back to back for `--seconds`, one endpoint at a time; prints requests/s and the p50 and p99
// latency of each. Run it through bench/serve_load.sh, which starts and stops the server.
//
//   serve_load --model m.bin --port P [--seconds 5] [--clients 2]
#include "autorec/io/model_file.hpp"  // Eigen before httplib.h (its <resolv.h> defines _res)

#include <CLI/CLI.hpp>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <thread>

int main(int argc, char** argv) {
  std::string model;
  int port = 0, clients = 2;
  double seconds = 5;
  CLI::App app{"Load test of autorec-serve on loopback."};
  app.add_option("--model", model, "the model file the server serves (for its ids)")->required();
  app.add_option("--port", port, "the server's port")->required();
  app.add_option("--seconds", seconds, "per endpoint")->check(CLI::Range(0.1, 60.0))->capture_default_str();
  app.add_option("--clients", clients, "concurrent clients")->check(CLI::Range(1, 64))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto saved = autorec::load_model<float>(model);
  const auto& users = saved.users.raw_ids();
  const auto& items = saved.items.raw_ids();

  using Request = std::function<httplib::Result(httplib::Client&, std::size_t)>;
  const std::vector<std::pair<std::string, Request>> endpoints{
      {"GET /recommend n=10",
       [&](httplib::Client& c, std::size_t i) { return c.Get("/recommend?user=" + users[i % users.size()] + "&n=10"); }},
      {"GET /score",
       [&](httplib::Client& c, std::size_t i) {
         return c.Get("/score?user=" + users[i % users.size()] + "&item=" + items[(i * 7) % items.size()]);
       }},
      {"POST /fold-in 20 ratings, n=10",
       [&](httplib::Client& c, std::size_t i) {
         std::string body = "{\"n\": 10, \"ratings\": [";
         for (std::size_t r = 0; r < 20; ++r)
           body += (r ? "," : "") + std::string("{\"item\": \"") + items[(i * 31 + r * 101) % items.size()] +
                   "\", \"rating\": " + std::to_string(saved.rules.min_rating + float(r % 5) / 4 *
                                                                                  (saved.rules.max_rating - saved.rules.min_rating)) + "}";
         return c.Post("/fold-in", body + "]}", "application/json");
       }},
      {"GET /health", [](httplib::Client& c, std::size_t) { return c.Get("/health"); }}};

  std::cout << clients << " clients, " << seconds << " s per endpoint, keep-alive connections\n";
  for (const auto& [name, request] : endpoints) {
    std::vector<double> latencies;
    std::mutex mutex;
    std::atomic<long> failures{0};
    const auto start = std::chrono::steady_clock::now();
    const auto stop = start + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t)
      threads.emplace_back([&, t] {
        httplib::Client client("127.0.0.1", port);
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);
        std::vector<double> mine;
        for (std::size_t i = std::size_t(t) * 1000003; std::chrono::steady_clock::now() < stop; ++i) {
          const auto begin = std::chrono::steady_clock::now();
          const auto result = request(client, i);
          mine.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - begin).count());
          if (!result || result->status != 200) ++failures;
        }
        std::lock_guard<std::mutex> lock(mutex);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      });
    for (auto& thread : threads) thread.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) { return latencies[std::min(latencies.size() - 1, std::size_t(q * double(latencies.size())))]; };
    std::cout << std::left << std::setw(32) << name << std::right << std::fixed << std::setprecision(0) << std::setw(8)
              << double(latencies.size()) / elapsed << " requests/s   p50 " << std::setw(6) << at(0.5) << " us   p99 "
              << std::setw(6) << at(0.99) << " us   failures " << failures << "\n";
  }
  return 0;
}
