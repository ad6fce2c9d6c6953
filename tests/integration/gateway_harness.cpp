#include "tests/integration/gateway_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>

extern char** environ;

namespace homebase::testing {

namespace fs = std::filesystem;

unsigned short free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

child_process::~child_process() {
  if (pid_ > 0) stop(SIGKILL, std::chrono::seconds(5));
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool child_process::start(const std::vector<std::string>& argv, const fs::path& stderr_file,
                          std::chrono::seconds timeout, std::string& error) {
  int out_pipe[2];
  if (pipe(out_pipe) != 0) {
    error = "pipe failed";
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  auto args = c_argv(argv);
  int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  stdout_fd_ = out_pipe[0];
  if (rc != 0) {
    pid_ = -1;
    error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return false;
  }
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    ssize_t n = read(stdout_fd_, &c, 1);
    if (n <= 0) break;
    if (c != '\n') {
      line.push_back(c);
      continue;
    }
    if (line.starts_with("LISTENING ")) {
      port_ = static_cast<unsigned short>(std::stoi(line.substr(10)));
      return true;
    }
    line.clear();
  }
  error = argv[0] + " did not print LISTENING in time; stderr: " + read_file(stderr_file);
  stop(SIGKILL);
  return false;
}

int child_process::stop(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    usleep(20'000);
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& argv, std::string& output) {
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  auto args = c_argv(argv);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    output = "cannot start " + argv[0];
    return -1;
  }
  output.clear();
  char buffer[65536];
  ssize_t n;
  while ((n = read(out_pipe[0], buffer, sizeof buffer)) > 0)
    output.append(buffer, static_cast<std::size_t>(n));
  close(out_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

// The gateways this test process started, by port: http_call adds their credentials. Values, not pointers:
// a test may move or destroy its gateway_process while the port is still in the table.
struct known_gateway {
  std::string scheme;
  bool with_credentials = true;
};
std::mutex gateways_mutex;
std::map<unsigned short, known_gateway> gateways;
std::map<std::string, std::string> token_cache;  // "port|client|scope" -> token

// "http://127.0.0.1:8080/fhir/x?y" -> port 8080 and path "/fhir/x".
bool split_local_url(const std::string& url, unsigned short& port, std::string& path) {
  auto host = url.find("://127.0.0.1:");
  if (host == std::string::npos) return false;
  auto p = host + 13;
  auto slash = url.find('/', p);
  try {
    port = static_cast<unsigned short>(std::stoi(url.substr(p, slash - p)));
  } catch (...) {
    return false;
  }
  path = slash == std::string::npos ? "/" : url.substr(slash, url.find('?', slash) - slash);
  return true;
}

std::string default_scope(const std::string& client_id) {
  if (client_id == "st-elsewhere-nicu" || client_id == "lakeside-cardiology")
    return "system/Bundle.c system/MessageHeader.c";
  if (client_id == "operator") return "system/*.cruds";
  if (client_id == "lincoln-usd") return "system/DocumentReference.r";
  return "system/*.rs system/Consent.cru system/DocumentReference.c";
}

}  // namespace

fs::path auth_fixture(const std::string& file) {
  return test_data("fixtures/auth/" + file);
}

std::string client_for(const std::string& method, const std::string& path) {
  if (path == "/auth/token" || path == "/fhir/metadata" || path == "/healthz" || path == "/readyz" ||
      path == "/.well-known/smart-configuration")
    return {};  // open routes
  if (method == "POST" &&
      (path == "/fhir/$process-message" || path == "/fhir/%24process-message" || path == "/fhir/Bundle"))
    return "st-elsewhere-nicu";
  if (path.starts_with("/admin") || path == "/auth/introspect" || path == "/metrics") return "operator";
  return "meadowbrook-app";
}

std::vector<std::string> bearer(const std::string& token) {
  return {"-H", "Authorization: Bearer " + token};
}

namespace {

// A token from the gateway at `scheme`://127.0.0.1:`port` (cached per port, client and scope).
std::string token_from(const std::string& scheme, unsigned short port, const std::string& client_id,
                       const std::string& scope_in, std::string* error) {
  auto scope = scope_in.empty() ? default_scope(client_id) : scope_in;
  auto key = std::to_string(port) + "|" + client_id + "|" + scope;
  {
    std::lock_guard lock(gateways_mutex);
    if (auto it = token_cache.find(key); it != token_cache.end()) return it->second;
  }
  auto jwks = read_file(auth_fixture(client_id + ".jwks.json"));
  std::string alg = jwks.find("ES384") != std::string::npos ? "ES384" : "RS384";
  std::string output;
  int rc = run(
      {"env", "NODE_TLS_REJECT_UNAUTHORIZED=0", node_binary(), test_data("tools/smart-client.mjs").string(),
       "token", "--key", auth_fixture(client_id + ".pem").string(), "--alg", alg, "--kid",
       client_id + "-test-1", "--client-id", client_id, "--token-url",
       scheme + "://127.0.0.1:" + std::to_string(port) + "/auth/token", "--scope", scope},
      output);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  if (rc != 0 || output.empty() || output.find_first_of(" \n{") != std::string::npos) {
    if (error) *error = "token request for " + client_id + " failed: " + output;
    return {};
  }
  std::lock_guard lock(gateways_mutex);
  token_cache[key] = output;
  return output;
}

}  // namespace

std::string access_token(const gateway_process& gw, const std::string& client_id, const std::string& scope,
                         std::string* error) {
  return token_from(gw.scheme, gw.process.port(), client_id, scope, error);
}

http_reply http_call(const std::string& method, const std::string& url, const fs::path& body_file,
                     const std::string& content_type, const std::vector<std::string>& extra_in) {
  auto extra = extra_in;
  unsigned short port = 0;
  std::string path;
  bool has_authorization = false;
  for (const auto& e : extra) has_authorization = has_authorization || e.starts_with("Authorization:");
  if (!has_authorization && split_local_url(url, port, path)) {
    std::optional<known_gateway> gw;
    {
      std::lock_guard lock(gateways_mutex);
      if (auto it = gateways.find(port); it != gateways.end() && it->second.with_credentials) gw = it->second;
    }
    auto client = client_for(method, path);
    if (gw && !client.empty()) {
      auto token = token_from(gw->scheme, port, client, {}, nullptr);
      if (!token.empty()) {
        auto b = bearer(token);
        extra.insert(extra.end(), b.begin(), b.end());
      }
    }
  }
  static std::mt19937_64 rng{std::random_device{}()};
  auto base =
      fs::temp_directory_path() / ("hb-curl-" + std::to_string(getpid()) + "-" + std::to_string(rng()));
  auto body_out = base.string() + ".body", headers_out = base.string() + ".headers";
  std::vector<std::string> argv{"curl", "-sS",       "-g", "-X",           method,       "-o", body_out,
                                "-D",   headers_out, "-w", "%{http_code}", "--max-time", "30"};
  if (!body_file.empty()) {
    argv.insert(argv.end(),
                {"--data-binary", "@" + body_file.string(), "-H", "Content-Type: " + content_type});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  std::string output;
  run(argv, output);
  http_reply reply;
  try {
    reply.status = std::stoi(output.substr(output.size() >= 3 ? output.size() - 3 : 0));
  } catch (...) {
    reply.status = 0;
  }
  reply.body = read_file(body_out);
  reply.headers = read_file(headers_out);
  std::error_code ec;
  fs::remove(body_out, ec);
  fs::remove(headers_out, ec);
  return reply;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

temp_dir::temp_dir() {
  auto pattern = (fs::temp_directory_path() / "homebase-test-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) != nullptr) path_ = buffer.data();
}

temp_dir::~temp_dir() {
  std::error_code ec;
  if (!path_.empty() && std::getenv("HOMEBASE_KEEP_TEST_DIRS") == nullptr) fs::remove_all(path_, ec);
}

fs::path test_data(const std::string& relative) {
  return fs::path(HOMEBASE_TEST_DATA_DIR) / relative;
}
std::string homebase_binary() {
  return HOMEBASE_BINARY;
}
std::string node_binary() {
  return "node";
}

bool medical_home_server::start(const temp_dir& dir, const medical_home_options& options,
                                std::string& error) {
  log = dir.path() / ("medical-home-" + std::to_string(options.port) + ".jsonl");
  std::vector<std::string> argv{node_binary(), test_data("tools/medical-home-server.mjs").string(),
                                "--port=" + std::to_string(options.port), "--log=" + log.string()};
  if (options.fail_first > 0) argv.push_back("--fail-first=" + std::to_string(options.fail_first));
  if (options.status > 0) argv.push_back("--status=" + std::to_string(options.status));
  if (options.require_token) argv.push_back("--require-token");
  if (!options.client_jwks.empty()) argv.push_back("--client-jwks=" + options.client_jwks);
  if (options.token_lifetime > 0)
    argv.push_back("--token-lifetime=" + std::to_string(options.token_lifetime));
  if (!options.tls_cert.empty())
    argv.insert(argv.end(), {"--tls-cert=" + options.tls_cert, "--tls-key=" + options.tls_key});
  if (!options.client_ca.empty()) argv.push_back("--client-ca=" + options.client_ca);
  if (options.fail_status > 0) argv.push_back("--fail-status=" + std::to_string(options.fail_status));
  if (!options.retry_after.empty()) argv.push_back("--retry-after=" + options.retry_after);
  if (options.hold > 0) argv.push_back("--hold=" + std::to_string(options.hold));
  scheme = options.tls_cert.empty() ? "http" : "https";
  return process.start(argv, dir.path() / "medical-home.stderr", std::chrono::seconds(60), error);
}

std::string medical_home_server::base() const {
  return scheme + "://127.0.0.1:" + std::to_string(process.port()) + "/fhir";
}

int medical_home_server::count(const std::string& type) const {
  auto reply = http_call("GET", base() + "/" + type + "?_summary=count");
  auto at = reply.body.find("\"total\":");
  if (reply.status != 200 || at == std::string::npos) return -1;
  return std::stoi(reply.body.substr(at + 8));
}

int medical_home_server::transaction_posts() const {
  auto reply = http_call("GET", "http://127.0.0.1:" + std::to_string(process.port()) + "/__requests");
  return reply.status == 200 ? std::stoi(reply.body) : -1;
}

std::string medical_home_server::token_url() const {
  return scheme + "://127.0.0.1:" + std::to_string(process.port()) + "/auth/token";
}

bool medical_home_server::revoke_tokens() const {
  auto reply = http_call("POST", "http://127.0.0.1:" + std::to_string(process.port()) + "/__revoke-tokens");
  return reply.status == 200;
}

bool gateway_process::start(const temp_dir& dir, const gateway_options& options, std::string& error,
                            bool rewrite_config) {
  config = dir.path() / "homebase.yaml";
  db = dir.path() / "homebase.db";
  log = dir.path() / "homebase.stderr";
  if (rewrite_config || !fs::exists(config)) {
    std::ostringstream y;
    y << "server:\n  listen_address: 127.0.0.1\n  port: 0\n  io_threads: 2\n  body_limit_bytes: "
      << options.body_limit << "\n  shutdown_deadline_ms: 5000\n";
    // No per-address limit unless a test sets one (YAML keys must not repeat).
    if (options.server_extra.find("per_address_rate:") == std::string::npos)
      y << "  per_address_rate: {per_second: 0}\n";
    y << options.server_extra;
    if (options.inflight_body_budget > 0)
      y << "  inflight_body_budget_bytes: " << options.inflight_body_budget << "\n";
    if (options.tls) y << "  tls:\n    certificate_file: server.pem\n    private_key_file: server.key\n";
    if (options.tls && !options.client_ca_file.empty())
      y << "    client_ca_file: " << options.client_ca_file << "\n";
    y << "store:\n  path: homebase.db\n"
      << "delivery:\n  base_backoff_ms: 100\n  max_backoff_ms: " << options.max_backoff_ms
      << "\n  max_attempts: " << options.max_attempts << "\n  request_timeout_ms: 5000\n"
      << options.delivery_extra;
    if (!options.delivery_ca_file.empty()) y << "  ca_file: " << options.delivery_ca_file << "\n";
    y << "partners:\n  - id: st-elsewhere-nicu\n    source_endpoints:\n"
      << "      - https://ehr.st-elsewhere-childrens.example.org/fhir\n";
    for (const auto& e : options.extra_partner_endpoints) y << "      - " << e << "\n";
    y << "    jwks_file: " << auth_fixture("st-elsewhere-nicu.jwks.json").string() << "\n"
      << "    rate_limit: {per_second: 0}\n"
      << options.partner_extra << options.extra_partners;
    if (!options.partner_validation.empty()) y << "    validation: " << options.partner_validation << "\n";
    if (!options.partner_concept_maps.empty()) {
      y << "    concept_maps:\n";
      for (const auto& m : options.partner_concept_maps) y << "      - " << m << "\n";
    }
    if (!options.partner_organization_npis.empty()) {
      y << "    organization_identifiers:\n";
      for (const auto& npi : options.partner_organization_npis)
        y << "      - system: http://hl7.org/fhir/sid/us-npi\n        value: \"" << npi << "\"\n";
    }
    y << "medical_homes:\n  - id: meadowbrook\n    name: Meadowbrook Pediatrics\n    fhir_base_url: "
      << options.medical_home_base << "\n    organization_identifiers:\n"
      << "      - system: http://hl7.org/fhir/sid/us-npi\n        value: \"" << options.organization_value
      << "\"\n";
    if (!options.explicit_patient_value.empty())
      y << "    patients:\n      - system: " << options.explicit_patient_system << "\n        value: \""
        << options.explicit_patient_value << "\"\n";
    y << options.medical_home_auth;
    if (!options.second_home_base.empty())
      y << "  - id: riverside\n    fhir_base_url: " << options.second_home_base
        << "\n    organization_identifiers:\n      - system: http://hl7.org/fhir/sid/us-npi\n        value: "
           "\""
        << options.second_home_npi << "\"\n";
    y << "auth:\n  development_mode: " << (options.development_mode ? "true" : "false")
      << "\n  failed_per_minute: 1000\n"
      << options.auth_extra;
    auto client = [&](const std::string& id, const std::string& kind, const std::string& tie,
                      const std::string& scopes) {
      y << "  - id: " << id << "\n    kind: " << kind << "\n"
        << tie << "    jwks_file: " << auth_fixture(id + ".jwks.json").string() << "\n    scopes: [" << scopes
        << "]\n"
        << "    rate_limit: {per_second: 0}\n";
    };
    y << "clients:\n";
    client("meadowbrook-app", "medical_home", "    medical_home: meadowbrook\n",
           "system/*.rs, system/Consent.cru, system/DocumentReference.c, system/Task.u");
    if (!options.second_home_base.empty())
      client("riverside-app", "medical_home", "    medical_home: riverside\n",
             "system/*.rs, system/Consent.cru, system/DocumentReference.c, system/Task.u");
    client("operator", "operator", "", "system/*.cruds");
    if (options.extra_config.find("id: lincoln-usd") != std::string::npos)
      client("lincoln-usd", "school", "    school: lincoln-usd\n", "system/DocumentReference.r");
    y << options.extra_clients;
    y << options.extra_config;
    write_file(config, y.str());
  }
  scheme = options.tls ? "https" : "http";
  if (!process.start({homebase_binary(), "--config", config.string()}, log, std::chrono::seconds(20), error))
    return false;
  std::lock_guard lock(gateways_mutex);
  gateways[process.port()] = {scheme, options.with_credentials};
  // A port used before by another gateway (another store, another token key): forget its tokens.
  auto prefix = std::to_string(process.port()) + "|";
  for (auto it = token_cache.lower_bound(prefix); it != token_cache.end() && it->first.starts_with(prefix);)
    it = token_cache.erase(it);
  return true;
}

std::string gateway_process::url(const std::string& path) const {
  return scheme + "://127.0.0.1:" + std::to_string(process.port()) + path;
}

}  // namespace homebase::testing
