// keep_alive_client: one HTTP/1.1 connection to a gateway on 127.0.0.1 that stays open across requests
// (plain TCP or TLS, any certificate accepted), for the tests that must see what happens to a connection
// that was open before a config reload. Synchronous (Boost.Beast), with socket timeouts on every read and
// write so a test cannot hang. One thread per client.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace homebase::testing {

struct keep_alive_reply {
  int status = 0;          // 0: the connection failed (see error)
  bool keep_alive = true;  // false: the server said Connection: close
  std::string body;
  std::string error;
};

class keep_alive_client {
 public:
  keep_alive_client(unsigned short port, bool tls);
  ~keep_alive_client();
  keep_alive_client(const keep_alive_client&) = delete;
  keep_alive_client& operator=(const keep_alive_client&) = delete;

  // Connects (and handshakes); false with the reason in `error`.
  bool connect(std::string& error);
  // One request on the open connection.
  keep_alive_reply request(const std::string& method, const std::string& target, const std::string& body = {},
                           const std::vector<std::pair<std::string, std::string>>& headers = {});
  // TLS: the SHA-256 fingerprint (hex) of the certificate the server presented on this connection.
  [[nodiscard]] std::string peer_certificate_sha256() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace homebase::testing
