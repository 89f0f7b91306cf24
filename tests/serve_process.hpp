#pragma once
// autorec-serve as a child process for the tests: started on a loopback port (its first output
// line names it), signalled, waited for. The binary comes from CTest (AUTOREC_SERVE).
#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace serve_test {

using json = nlohmann::json;

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  REQUIRE_MESSAGE(value != nullptr, name << " is not set (run this test through CTest)");
  return value;
}

// The server as a child process, with `options` after --model and --port 0.
class Server {
 public:
  explicit Server(const std::string& model, const std::vector<std::string>& options = {}) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string binary = env("AUTOREC_SERVE");
    std::vector<std::string> args{binary, "--model", model, "--port", "0"};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    output_ = fdopen(out[0], "r");
    char line[512] = {};
    REQUIRE(std::fgets(line, sizeof line, output_) != nullptr);
    const std::string text = line;
    INFO(text);
    const auto colon = text.rfind(':');
    REQUIRE(colon != std::string::npos);
    port_ = std::stoi(text.substr(colon + 1));
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (output_) std::fclose(output_);
  }
  int port() const { return port_; }
  void signal(int s) { kill(pid_, s); }
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* output_ = nullptr;
  int port_ = 0;
};

inline json body_of(const httplib::Result& result) {
  REQUIRE(result);
  return json::parse(result->body);
}

}  // namespace serve_test
