// notify_socket: the service manager's end of the sd_notify protocol, for tests. Binds a unix datagram
// socket at a path (what NOTIFY_SOCKET names) and keeps every datagram it receives, in order, on a thread
// of its own, so that a sender never finds the queue full (sd_notify's send blocks then).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace homebase::testing {

class notify_socket {
 public:
  explicit notify_socket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    bound_ = fd_ >= 0 && path.string().size() < sizeof(address.sun_path) &&
             ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    if (bound_) reader_ = std::thread([this] { read_loop(); });
  }
  ~notify_socket() {
    done_ = true;
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  [[nodiscard]] bool bound() const { return bound_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Every datagram so far.
  [[nodiscard]] std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // Waits until `done(messages)` holds or the timeout passed; returns its last value.
  bool wait_until(const std::function<bool(const std::vector<std::string>&)>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(messages_); });
  }

 private:
  void read_loop() {
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buffer[4096];
      auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n < 0) continue;
      {
        std::lock_guard lock(mutex_);
        messages_.emplace_back(buffer, static_cast<std::size_t>(n));
      }
      changed_.notify_all();
    }
  }

  std::filesystem::path path_;
  int fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> done_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

// How many of `messages` are exactly `text`.
inline int count_of(const std::vector<std::string>& messages, const std::string& text) {
  int n = 0;
  for (const auto& m : messages) n += m == text ? 1 : 0;
  return n;
}

}  // namespace homebase::testing
