#pragma once
// autorec-serve's HTTP connections: cpp-httplib's Server, with limits a slow, idle or greedy
// client cannot get around. cpp-httplib serves each connection from a fixed pool of threads
// and restarts its read timeout at every byte, so eight clients sending one header byte a
// second held every thread and /health waited over 60 s. Here:
//
//   - each connection has a thread of its own (HttpLimits::max_connections at most, spawned on
//     demand): a slow or idle client holds only its own thread, never one /health needs;
//     a connection over the cap is answered 503 and closed at once;
//   - a request (request line, headers and body) must arrive whole within request_timeout
//     of its first byte, however it is paced, and may bring at most max_request_bytes bytes
//     on the wire, whatever its transfer encoding: a trickle or a flood is cut off;
//   - an idle connection is closed after keep_alive_timeout, and one connection serves at
//     most keep_alive_requests requests;
//   - the listening socket is SO_REUSEADDR only: cpp-httplib also sets SO_REUSEPORT, which let
//     a second server start on a port in use and take half of its connections.
//
// Why not an event-driven server (Boost.Beast, libmicrohttpd): a blocked thread costs its
// stack's touched pages (a few KiB), so a few hundred connections cost little; what cpp-httplib
// lacked was a deadline per request and a thread per connection, both added here on its
// public and protected interface (Stream, TaskQueue, process_request).

// Eigen before httplib.h (its <resolv.h> defines _res, which breaks Eigen's headers).
#include <Eigen/Core>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

namespace autorec_serve {

struct HttpLimits {
  std::size_t max_connections = 512;          ///< served at once; one more is answered 503
  double request_timeout = 10;                ///< seconds from a request's first byte to its last
  double write_timeout = 5;                   ///< seconds a reply may wait for the client to read
  double keep_alive_timeout = 5;              ///< seconds a connection may sit idle between requests
  std::size_t keep_alive_requests = 100;      ///< requests one connection may make
  std::size_t max_body = std::size_t(1) << 20;  ///< bytes of a request body, after de-chunking
  /// Bytes of one request on the wire: the headers (64 KiB) and the body with its chunking.
  std::size_t max_request_bytes() const { return 2 * max_body + (std::size_t(64) << 10); }
};

using Clock = std::chrono::steady_clock;

inline Clock::time_point after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// A connection's socket with a deadline on reading the current request and a byte budget for
// it; reads are buffered (cpp-httplib reads request lines a byte at a time).
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(socket_t socket, const HttpLimits& limits, const std::atomic<bool>& stopping)
      : socket_(socket), limits_(limits), stopping_(stopping) {}

  /// Waits up to `seconds` for the next request's first byte; false when none came (idle,
  /// closed, or the server stopping).
  bool await_request(double seconds) {
    if (begin_ < end_) return start_request();
    const Clock::time_point deadline = after(seconds);
    while (!stopping_) {
      const int ready = wait_for(POLLIN, std::min(deadline, Clock::now() + std::chrono::milliseconds(200)));
      if (ready > 0) return start_request();
      if (ready < 0 || Clock::now() >= deadline) return false;
    }
    return false;
  }

  bool is_readable() const override { return begin_ < end_ || wait_for(POLLIN, Clock::now()) > 0; }
  bool is_writable() const override { return wait_for(POLLOUT, after(limits_.write_timeout)) > 0; }

  ssize_t read(char* out, size_t size) override {
    if (begin_ == end_ && !fill()) return -1;
    const std::size_t n = std::min(size, end_ - begin_);
    std::memcpy(out, buffer_ + begin_, n);
    begin_ += n;
    return ssize_t(n);
  }

  // Sends what the socket takes now, after waiting up to the write timeout for room: never a
  // blocking send, which a client that stops reading would hold forever.
  ssize_t write(const char* data, size_t size) override {
    for (;;) {
      if (wait_for(POLLOUT, after(limits_.write_timeout)) <= 0) return -1;
      const ssize_t n = send(socket_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(getsockname, ip, port); }
  socket_t socket() const override { return socket_; }

 private:
  bool start_request() {
    deadline_ = after(limits_.request_timeout);
    budget_ = limits_.max_request_bytes();
    return true;
  }

  // Reads what the socket has, waiting no later than the request's deadline; false past the
  // deadline or the budget, or when the peer closed.
  bool fill() {
    begin_ = end_ = 0;
    if (budget_ == 0) return false;
    for (;;) {  // in slices, so that a stopping server is not kept waiting
      if (stopping_) return false;
      const int ready = wait_for(POLLIN, std::min(deadline_, Clock::now() + std::chrono::milliseconds(200)));
      if (ready > 0) break;
      if (ready < 0 || Clock::now() >= deadline_) return false;
    }
    for (;;) {
      const ssize_t n = recv(socket_, buffer_, std::min(sizeof buffer_, budget_), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      end_ = std::size_t(n);
      budget_ -= end_;
      return true;
    }
  }

  // poll() until `events` or `deadline`: > 0 ready, 0 timed out, < 0 error or hang-up alone.
  int wait_for(short events, Clock::time_point deadline) const {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd descriptor{socket_, events, 0};
      const int ready = poll(&descriptor, 1, int(std::max<long long>(0, std::min<long long>(left, 1 << 30))));
      if (ready < 0 && errno == EINTR) continue;
      if (ready > 0 && !(descriptor.revents & events)) return -1;
      return ready;
    }
  }

  template <typename Query>
  void address(Query query, std::string& ip, int& port) const {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    ip.clear();
    port = 0;
    if (query(socket_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
      inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      port = ntohs(v4->sin_port);
    } else if (storage.ss_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      port = ntohs(v6->sin6_port);
    }
    ip = text;
  }

  socket_t socket_;
  const HttpLimits& limits_;
  const std::atomic<bool>& stopping_;
  Clock::time_point deadline_ = Clock::now();
  std::size_t budget_ = 0;
  char buffer_[4096];
  std::size_t begin_ = 0, end_ = 0;
};

// A thread for each connection, started on demand; shutdown() waits for them all. The count
// lives in shared state so that a finishing thread never touches a queue already destroyed.
class ThreadPerConnection : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> task) override {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      ++state_->running;
    }
    auto run = [state = state_, task = std::move(task)] {
      task();
      std::lock_guard<std::mutex> lock(state->mutex);
      if (--state->running == 0) state->idle.notify_all();
    };
    try {
      std::thread(run).detach();
    } catch (const std::system_error&) {  // no thread to be had: serve it on the listener's
      run();
    }
  }
  void shutdown() override {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->idle.wait(lock, [&] { return state_->running == 0; });
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable idle;
    std::size_t running = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

class LimitedServer : public httplib::Server {
 public:
  explicit LimitedServer(const HttpLimits& limits) : limits_(limits) {
    new_task_queue = [] { return new ThreadPerConnection; };
    set_payload_max_length(limits.max_body);
    set_socket_options([](socket_t socket) {
      const int yes = 1;
      setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
  }
  ~LimitedServer() override { stopping_ = true; }

  const HttpLimits& limits() const { return limits_; }

  /// Called from a handler: the connection closes after this reply (the rest of an
  /// oversized body is not read).
  static void close_after_reply() { close_after_reply_flag() = true; }

  /// Stops listening and ends every connection at its next wait (within 200 ms).
  void shut_down() {
    stopping_ = true;
    stop();
  }

 private:
  static bool& close_after_reply_flag() {
    thread_local bool flag = false;
    return flag;
  }

  bool process_and_close_socket(socket_t socket) override {
    const std::size_t open = ++open_;
    bool ok = true;
    if (open > limits_.max_connections) {
      static const char busy[] =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 50\r\n"
          "Connection: close\r\n\r\n{\"error\": \"too many connections: try again later\"}";
      static_assert(sizeof "{\"error\": \"too many connections: try again later\"}" - 1 == 50);
      ok = send(socket, busy, sizeof busy - 1, MSG_NOSIGNAL) > 0;
    } else {
      ok = serve_connection(socket);
    }
    --open_;
    ::shutdown(socket, SHUT_RDWR);
    close(socket);
    return ok;
  }

  bool serve_connection(socket_t socket) {
    DeadlineStream stream(socket, limits_, stopping_);
    bool ok = true;
    for (std::size_t served = 0; served < limits_.keep_alive_requests; ++served) {
      if (!is_running() || !stream.await_request(limits_.keep_alive_timeout)) break;
      close_after_reply_flag() = false;
      bool closed = false;
      ok = process_request(stream, served + 1 == limits_.keep_alive_requests, closed, nullptr);
      if (close_after_reply_flag()) {
        linger(socket);
        break;
      }
      if (!ok || closed) break;
    }
    return ok;
  }

  // After a reply that left part of the request unread (an oversized body): stop sending,
  // then read and drop what the client still sends, for a moment and a bounded amount, so that
  // closing does not reset the connection before the client has read the reply.
  void linger(socket_t socket) {
    ::shutdown(socket, SHUT_WR);
    const Clock::time_point end = after(0.5);
    char sink[16384];
    for (std::size_t dropped = 0; dropped < limits_.max_request_bytes() && Clock::now() < end;) {
      pollfd descriptor{socket, POLLIN, 0};
      if (poll(&descriptor, 1, 50) <= 0) continue;
      const ssize_t n = recv(socket, sink, sizeof sink, 0);
      if (n <= 0) break;
      dropped += std::size_t(n);
    }
  }

  HttpLimits limits_;
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace autorec_serve
