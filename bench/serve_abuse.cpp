// Hostile clients against a running autorec-serve, with /health's latency measured while they
// run (issue 28): idle connections and clients that send one header byte a second, a chunked
// body far over the limit, and fold-ins of the largest accepted size. Prints, for each attack,
// the p50/p99/max latency of /health and /score, /recommend's throughput against the unloaded
// figure, and the server's peak memory (VmHWM) before and after. Run it through
// bench/serve_abuse.sh, which starts and stops the server.
//
//   serve_abuse --model m.bin --port P --pid PID [--idle 200] [--slow 8] [--seconds 5]
//               [--chunked-mib 300] [--fold-ins 8] [--max-fold-in 10000]
//
// Exits 1 when a request that should have been answered was not (not on timings: those vary
// with the machine and are for reading).
#include "autorec/io/model_file.hpp"  // Eigen before httplib.h (its <resolv.h> defines _res)
#include "raw_connection.hpp"

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  std::string model;
  int port = 0, pid = 0, idle = 200, slow = 8, fold_ins = 8;
  double seconds = 5, chunked_mib = 300;
  std::size_t max_fold_in = 10000;
};

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The server's peak resident memory in MiB (VmHWM), or -1 when /proc does not say.
double peak_mib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  return -1;
}

struct Probe {
  std::vector<double> latencies;  // ms
  long failures = 0;
  long recommended = 0;           // /recommend answers
  double seconds = 0;
};

// For `seconds`: one client asks /health and /score in turn on fresh connections, another
// asks /recommend back to back on a keep-alive connection.
Probe probe(const Settings& s, const std::vector<std::string>& users, const std::vector<std::string>& items) {
  Probe result;
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s.seconds));
  std::atomic<long> recommended{0}, failures{0};
  std::thread recommender([&] {
    httplib::Client client("127.0.0.1", s.port);
    client.set_keep_alive(true);
    for (std::size_t i = 0; Clock::now() < stop; ++i) {
      const auto r = client.Get(("/recommend?n=10&user=" + httplib::detail::encode_query_param(users[i % users.size()])).c_str());
      (r && r->status == 200 ? recommended : failures)++;
    }
  });
  for (std::size_t i = 0; Clock::now() < stop; ++i) {
    httplib::Client client("127.0.0.1", s.port);
    const std::string path = i % 2 ? "/health"
                                   : "/score?user=" + httplib::detail::encode_query_param(users[i % users.size()]) +
                                         "&item=" + httplib::detail::encode_query_param(items[i % items.size()]);
    const Clock::time_point begin = Clock::now();
    const auto r = client.Get(path.c_str());
    result.latencies.push_back(milliseconds_since(begin));
    if (!r || r->status != 200) ++failures;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  recommender.join();
  result.failures = failures;
  result.recommended = recommended;
  result.seconds = s.seconds;
  return result;
}

void print(const std::string& name, Probe p, double unloaded_rate, int pid) {
  std::sort(p.latencies.begin(), p.latencies.end());
  const auto at = [&](double q) {
    return p.latencies.empty() ? 0.0 : p.latencies[std::min(p.latencies.size() - 1, std::size_t(q * double(p.latencies.size())))];
  };
  const double rate = double(p.recommended) / p.seconds;
  std::cout << std::left << std::setw(34) << name << std::right << std::fixed << std::setprecision(1)
            << " /health,/score p50 " << std::setw(6) << at(0.5) << " ms  p99 " << std::setw(7) << at(0.99)
            << " ms  max " << std::setw(7) << (p.latencies.empty() ? 0.0 : p.latencies.back()) << " ms   /recommend "
            << std::setprecision(0) << std::setw(6) << rate << "/s";
  if (unloaded_rate > 0) std::cout << " (" << std::setprecision(0) << 100 * rate / unloaded_rate << "% of unloaded)";
  std::cout << "   failures " << p.failures << "   server peak " << std::setprecision(1) << peak_mib(pid) << " MiB"
            << std::endl;
}

// `count` idle sockets and `slow` clients sending one header byte a second, held while `during` runs.
template <typename During>
auto with_slow_clients(const Settings& s, During&& during) {
  std::vector<raw_http::Connection> idle;
  for (int i = 0; i < s.idle; ++i) idle.emplace_back(s.port);
  std::atomic<bool> done{false};
  std::vector<std::thread> slow;
  for (int i = 0; i < s.slow; ++i)
    slow.emplace_back([&] {
      raw_http::Connection connection(s.port);
      const std::string header = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      for (std::size_t b = 0; !done && connection.send_all(header.substr(b % header.size(), 1), 1); ++b)
        for (int tick = 0; tick < 10 && !done; ++tick) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto result = during();
  done = true;
  for (auto& thread : slow) thread.join();
  return result;
}

// Sends a chunked body of `mib` MiB (or until the server stops reading); the reply's status.
int chunked_attack(const Settings& s, std::size_t& sent) {
  raw_http::Connection connection(s.port);
  connection.send_all("POST /fold-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  sent = 0;
  while (double(sent) < s.chunked_mib * 1048576 && connection.send_all(chunk, 1)) sent += 0x10000;
  return raw_http::status_of(connection.receive_until_closed(10));
}

// The body of a fold-in of `count` items: {"items": [...]} for a model of implicit feedback
// (`rating` 0), else {"ratings": [...]} each rated `rating`.
std::string fold_in_body(const std::vector<std::string>& items, std::size_t count, float rating) {
  nlohmann::json entries = nlohmann::json::array();
  for (std::size_t i = 0; i < count; ++i)
    entries.push_back(rating == 0 ? nlohmann::json(items[i]) : nlohmann::json{{"item", items[i]}, {"rating", rating}});
  return nlohmann::json{{"n", 10}, {rating == 0 ? "items" : "ratings", entries}}.dump(-1, ' ', false,
                                                                                     nlohmann::json::error_handler_t::replace);
}

// `s.fold_ins` concurrent fold-ins of the largest accepted size; their slowest answer (ms).
double fold_in_attack(const Settings& s, const std::vector<std::string>& items, float rating, long& failures) {
  const std::string ratings = fold_in_body(items, std::min(s.max_fold_in, items.size()), rating);
  std::vector<std::thread> threads;
  std::mutex mutex;
  double slowest = 0;
  for (int t = 0; t < s.fold_ins; ++t)
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", s.port);
      client.set_read_timeout(600, 0);
      const Clock::time_point begin = Clock::now();
      const auto r = client.Post("/fold-in", ratings, "application/json");
      std::lock_guard<std::mutex> lock(mutex);
      slowest = std::max(slowest, milliseconds_since(begin));
      if (!r || r->status != 200) ++failures;
    });
  for (auto& thread : threads) thread.join();
  return slowest;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Hostile clients against a running autorec-serve, with /health's latency while they run."};
  app.add_option("--model", s.model, "the model file the server serves (for its ids)")->required();
  app.add_option("--port", s.port, "the server's port")->required();
  app.add_option("--pid", s.pid, "the server's process id (for its peak memory)")->required();
  app.add_option("--idle", s.idle, "idle connections held open")->capture_default_str();
  app.add_option("--slow", s.slow, "clients sending one header byte a second")->capture_default_str();
  app.add_option("--seconds", s.seconds, "each probe's length")->check(CLI::Range(0.2, 600.0))->capture_default_str();
  app.add_option("--chunked-mib", s.chunked_mib, "MiB of the chunked body sent")->capture_default_str();
  app.add_option("--fold-ins", s.fold_ins, "concurrent fold-ins of the largest accepted size")->capture_default_str();
  app.add_option("--max-fold-in", s.max_fold_in, "the server's --max-fold-in")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  autorec::ModelFileContents<float> contents =
      autorec::parse_model_file<float>(autorec::read_model_bytes(s.model), s.model);
  const auto users = std::visit([](const auto& saved) { return saved.users.raw_ids(); }, contents);
  const auto items = std::visit([](const auto& saved) { return saved.items.raw_ids(); }, contents);
  const auto* network = std::get_if<autorec::SavedModel<float>>(&contents);
  const float rating = network && network->rules.predicts_ratings() ? network->rules.max_rating : 0;  // 0: implicit

  std::cout << "server peak before: " << std::fixed << std::setprecision(1) << peak_mib(s.pid) << " MiB" << std::endl;
  const Probe unloaded = probe(s, users, items);
  const double unloaded_rate = double(unloaded.recommended) / unloaded.seconds;
  print("unloaded", unloaded, 0, s.pid);
  long failures = unloaded.failures;

  const Probe loaded = with_slow_clients(s, [&] { return probe(s, users, items); });
  print(std::to_string(s.idle) + " idle + " + std::to_string(s.slow) + " slow connections", loaded, unloaded_rate, s.pid);
  failures += loaded.failures;

  std::size_t sent = 0;
  Probe during_chunked;
  std::thread attacker([&] {
    const int status = chunked_attack(s, sent);
    std::cout << "chunked body of " << s.chunked_mib << " MiB: answered " << status << " after "
              << std::setprecision(1) << double(sent) / 1048576 << " MiB sent" << std::endl;
    if (status != 413) ++failures;
  });
  during_chunked = probe(s, users, items);
  attacker.join();
  print("during the chunked body", during_chunked, unloaded_rate, s.pid);
  failures += during_chunked.failures;

  long fold_in_failures = 0;
  double slowest = 0;
  std::thread folder([&] { slowest = fold_in_attack(s, items, rating, fold_in_failures); });
  const Probe during_fold_ins = probe(s, users, items);
  folder.join();
  std::cout << s.fold_ins << " concurrent fold-ins of " << std::min(s.max_fold_in, items.size())
            << " items each: slowest " << std::setprecision(1) << slowest << " ms, failures " << fold_in_failures
            << std::endl;
  print("during the fold-ins", during_fold_ins, unloaded_rate, s.pid);
  failures += during_fold_ins.failures + fold_in_failures;
  std::cout << "requests not answered as they should be: " << failures << std::endl;
  return failures == 0 ? 0 : 1;
}
