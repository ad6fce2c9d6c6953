// gateway_harness: starts real processes for integration tests, on 127.0.0.1 only:
//   - the `homebase` binary with a config written into a fresh temporary directory (port 0, own store);
//   - the test-only medical-home FHIR server (tests/tools/medical-home-server.mjs, medplum in-memory,
//     strict validation), optionally with fault injection.
// Each process prints "LISTENING <port>"; the harness waits for it (bounded) and kills what it started
// when it goes out of scope. HTTP calls go through curl so that tests speak real HTTP/1.1 (and TLS).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace homebase::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed), for a helper process
// that must be told its port before it starts.
unsigned short free_port();

class child_process {
 public:
  child_process() = default;
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Starts argv[0] with argv; stdout is read for the LISTENING line, stderr goes to `stderr_file`.
  // Returns false (with the reason in `error`) when the process did not announce a port in time.
  bool start(const std::vector<std::string>& argv, const std::filesystem::path& stderr_file,
             std::chrono::seconds timeout, std::string& error);
  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // Sends `signal` and waits (bounded) for the exit; returns the exit status, or -1.
  int stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(20));
  [[nodiscard]] bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  unsigned short port_ = 0;
};

struct http_reply {
  int status = 0;
  std::string body;
  std::string headers;
};

// curl wrapper. `body_file` empty: no body. `extra` are more curl arguments.
http_reply http_call(const std::string& method, const std::string& url,
                     const std::filesystem::path& body_file = {},
                     const std::string& content_type = "application/fhir+json",
                     const std::vector<std::string>& extra = {});

// Runs a command (no shell), returns its exit status and fills `output` with stdout+stderr.
int run(const std::vector<std::string>& argv, std::string& output);

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& text);

// A fresh directory under the system temp dir, removed at destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Paths of the project's test material.
std::filesystem::path test_data(const std::string& relative);  // under tests/
std::string homebase_binary();
std::string node_binary();

struct medical_home_options {
  int fail_first = 0;
  int status = 0;
  unsigned short port = 0;
  // SMART Backend Services (tests/tools/README.md): tokens required, assertions checked against this JWKS.
  bool require_token = false;
  std::string client_jwks{};  // --client-jwks FILE
  int token_lifetime = 0;     // --token-lifetime SECONDS when > 0
  // HTTPS (both set), and mutual TLS with client certificates from `client_ca` (when set).
  std::string tls_cert{};
  std::string tls_key{};
  std::string client_ca{};
  int fail_status = 0;        // --fail-status: the --fail-first answers' status when > 0 (default 503)
  std::string retry_after{};  // --retry-after: their Retry-After (SECONDS, date:SECONDS or none)
  int hold = 0;               // --hold: hold transaction POSTs until this many are in flight together
};

// A started medical-home server; `log` has one JSON line per request it received.
struct medical_home_server {
  child_process process;
  std::filesystem::path log;
  std::string scheme = "http";
  bool start(const temp_dir& dir, const medical_home_options& options, std::string& error);
  [[nodiscard]] std::string base() const;
  // How many resources of `type` it holds (GET [base]/type?_summary=count).
  [[nodiscard]] int count(const std::string& type) const;
  [[nodiscard]] int transaction_posts() const;
  // With require_token: its token URL ([base without /fhir]/auth/token); revokes every token issued so far.
  [[nodiscard]] std::string token_url() const;
  [[nodiscard]] bool revoke_tokens() const;
};

struct gateway_options {
  std::string medical_home_base{};                     // fhir_base_url of the one configured medical home
  std::string organization_value = "1234567893";       // NPI the home is recognised by
  std::vector<std::string> extra_partner_endpoints{};  // more MessageHeader.source.endpoint values accepted
  std::string explicit_patient_system{};               // an explicit child -> medical home mapping
  std::string explicit_patient_value{};
  int max_attempts = 4;          // delivery.max_attempts (0: no limit by count)
  int max_backoff_ms = 400;      // delivery.max_backoff_ms (base_backoff_ms is 100)
  std::string delivery_extra{};  // more YAML keys of delivery:, indented 2 ("  window: 8\n")
  int body_limit = 4 * 1024 * 1024;
  bool tls = false;
  std::string second_home_base{};  // a second medical home ("riverside"), when not empty
  std::string second_home_npi{};
  std::string second_home_id = "riverside";  // its id (the riverside-app client is tied to it)
  std::string second_home_name{};            // its name, when not empty
  long inflight_body_budget = 0;             // server.inflight_body_budget_bytes when > 0
  std::string partner_validation{};          // partners[0].validation (strict | lenient) when not empty
  std::vector<std::string> partner_concept_maps{};  // partners[0].concept_maps (ConceptMap files)
  std::string extra_config{};                       // more top-level YAML appended as is (e.g. coordination:)
  std::vector<std::string> partner_organization_npis{};  // partners[0].organization_identifiers (us-npi)
  // Trust. By default the gateway runs with real credentials, as in production: its clients are those of
  // tests/fixtures/auth (partner st-elsewhere-nicu, meadowbrook-app and, with a second home,
  // riverside-app, operator, and lincoln-usd when extra_config configures that school), and http_call adds
  // an access token for the client the path needs (with_credentials).
  bool development_mode = false;  // auth.development_mode: requests without credentials are served
  bool with_credentials = true;   // http_call to this gateway adds `Authorization: Bearer` by path
  std::string partner_extra{};    // more YAML keys of partners[0], indented 4 ("    events: [x]\n")
  std::string extra_partners{};   // more YAML items of partners:, indented 2 ("  - id: ...\n")
  std::string extra_clients{};    // more YAML items of clients:, indented 2 ("  - id: ...\n")
  std::string auth_extra{};       // more YAML keys of auth:, indented 2
  std::string server_extra{};     // more YAML keys of server:, indented 2
  // YAML appended to the first medical home (meadowbrook), its keys indented by 4 spaces, e.g.
  // "    auth:\n      bearer_token: t\n" (medical_homes[].auth).
  std::string medical_home_auth{};
  std::string delivery_ca_file{};  // delivery.ca_file (trust anchors for an https medical home)
  std::string client_ca_file{};    // server.tls.client_ca_file (mutual TLS) when not empty and tls is on
};

struct gateway_process {
  child_process process;
  std::filesystem::path config;
  std::filesystem::path db;
  std::filesystem::path log;
  std::string scheme = "http";
  // Writes the config (first start only, unless `rewrite_config`), starts the binary.
  bool start(const temp_dir& dir, const gateway_options& options, std::string& error,
             bool rewrite_config = true);
  [[nodiscard]] std::string url(const std::string& path) const;
};

// The test keys' directory (tests/fixtures/auth) and the JWKS file of one of its clients.
std::filesystem::path auth_fixture(const std::string& file);

// An access token for `client_id` (a client of tests/fixtures/auth) from the gateway's token endpoint: a
// client assertion signed by npm jose (tests/tools/smart-client.mjs), exchanged at POST /auth/token.
// Cached per gateway port, client and scope. Empty when the gateway refused (the reason in `error`).
std::string access_token(const gateway_process& gw, const std::string& client_id,
                         const std::string& scope = {}, std::string* error = nullptr);
// curl arguments that send `token` as a bearer token.
std::vector<std::string> bearer(const std::string& token);
// The client http_call authenticates as for a request (role by path): partners post messages and documents,
// the operator calls /admin, /auth/introspect and /metrics, meadowbrook-app the rest of the FHIR API; "" for
// the open routes (metadata, smart-configuration, token, health).
std::string client_for(const std::string& method, const std::string& path);

// Polls `predicate` every 50 ms until true or the timeout; returns its last value.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    struct timespec ts {
      0, 50'000'000
    };
    nanosleep(&ts, nullptr);
  }
}

}  // namespace homebase::testing
