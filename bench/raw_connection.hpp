#pragma once
// A TCP connection to a loopback server that sends exactly the bytes it is given, at the pace
// it is given them: what a hostile or careless HTTP client does (slow headers, idle sockets,
// endless chunked bodies) and an HTTP library will not. Used by bench/serve_abuse and the
// server's tests. POSIX only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <stdexcept>
#include <string>

namespace raw_http {

class Connection {
 public:
  /// Connects to 127.0.0.1:port; throws when it cannot.
  explicit Connection(int port) {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (socket_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<unsigned short>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      close(socket_);
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
  }
  Connection(Connection&& other) noexcept : socket_(other.socket_) { other.socket_ = -1; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (socket_ >= 0) close(socket_);
  }

  /// Sends all of `bytes`, waiting at most `seconds` for room; false when the peer closed or
  /// stopped reading.
  bool send_all(const std::string& bytes, double seconds = 5) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      if (!wait(POLLOUT, seconds)) return false;
      const ssize_t n = ::send(socket_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      sent += std::size_t(n);
    }
    return true;
  }

  /// Everything the server sends until it closes the connection or `seconds` pass.
  std::string receive_until_closed(double seconds) {
    std::string received;
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    char buffer[65536];
    while (std::chrono::steady_clock::now() < end) {
      if (!wait(POLLIN, std::chrono::duration<double>(end - std::chrono::steady_clock::now()).count())) break;
      const ssize_t n = ::recv(socket_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received.append(buffer, std::size_t(n));
    }
    return received;
  }

  /// Whether the server closed the connection (seen by receive_until_closed).
  bool closed() const { return closed_; }

 private:
  bool wait(short events, double seconds) {
    pollfd descriptor{socket_, events, 0};
    const int ready = poll(&descriptor, 1, int(seconds * 1000));
    return ready > 0;
  }

  int socket_ = -1;
  bool closed_ = false;
};

/// The status code of a raw HTTP reply ("HTTP/1.1 413 ..." gives 413), or 0.
inline int status_of(const std::string& reply) {
  if (reply.compare(0, 5, "HTTP/") != 0) return 0;
  const auto space = reply.find(' ');
  return space == std::string::npos ? 0 : std::atoi(reply.c_str() + space + 1);
}

/// The body of a raw HTTP reply: after the blank line, Content-Length bytes when it says.
inline std::string body_of(const std::string& reply) {
  const auto end = reply.find("\r\n\r\n");
  if (end == std::string::npos) return std::string();
  const auto length = reply.find("Content-Length: ");
  if (length == std::string::npos || length > end) return reply.substr(end + 4);
  return reply.substr(end + 4, std::size_t(std::atol(reply.c_str() + length + 16)));
}

}  // namespace raw_http
