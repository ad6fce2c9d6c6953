#include "gateway/cli/replay_command.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <exception>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/delivery/http_client.hpp"

namespace homebase::gateway::cli {

namespace asio = boost::asio;

namespace {

struct replay_options {
  std::string url;
  std::vector<std::string> statuses;
  std::string medical_home, received_from, received_to, message;
  config::destination_auth auth;
  config::delivery_settings delivery;
};

// The text of a JSON answer's first OperationOutcome.issue diagnostics, or the body's start.
std::string diagnostics_of(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("issue") && doc["issue"].IsArray()) {
    std::string out;
    for (const auto& issue : doc["issue"].GetArray())
      if (issue.IsObject() && issue.HasMember("diagnostics") && issue["diagnostics"].IsString())
        out += (out.empty() ? "" : "; ") + std::string(issue["diagnostics"].GetString());
    if (!out.empty()) return out;
  }
  return body.substr(0, 300);
}

// "requeued N deliveries of M messages (status=dead medical-home=...)" from $replay's Parameters.
std::string replay_summary(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("parameter") || !doc["parameter"].IsArray())
    return body;
  std::int64_t requeued = 0, messages = 0;
  std::string criteria;
  for (const auto& p : doc["parameter"].GetArray()) {
    if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString()) continue;
    std::string name = p["name"].GetString();
    for (auto m = p.MemberBegin(); m != p.MemberEnd(); ++m) {
      std::string_view key = m->name.GetString();
      if (!key.starts_with("value")) continue;
      if (name == "requeued" && m->value.IsInt64())
        requeued = m->value.GetInt64();
      else if (name == "messages" && m->value.IsInt64())
        messages = m->value.GetInt64();
      else if (m->value.IsString())
        criteria += (criteria.empty() ? "" : " ") + name + "=" + m->value.GetString();
    }
  }
  return "requeued " + std::to_string(requeued) + " deliveries of " + std::to_string(messages) +
         " messages (" + criteria + ")";
}

std::string parameters_body(const replay_options& o) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  auto param = [&w](const char* name, const char* type, const std::string& value) {
    w.StartObject();
    w.Key("name");
    w.String(name);
    w.Key(type);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    w.EndObject();
  };
  w.StartObject();
  w.Key("resourceType");
  w.String("Parameters");
  w.Key("parameter");
  w.StartArray();
  for (const auto& s : o.statuses) param("status", "valueCode", s);
  if (!o.medical_home.empty()) param("medical-home", "valueString", o.medical_home);
  if (!o.received_from.empty()) param("received-from", "valueString", o.received_from);
  if (!o.received_to.empty()) param("received-to", "valueString", o.received_to);
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

// Parses the arguments; an error text when they are not usable.
std::optional<std::string> parse(std::span<const std::string> args, replay_options& o) {
  std::map<std::string, std::string*> values = {
      {"--url", &o.url},
      {"--medical-home", &o.medical_home},
      {"--received-from", &o.received_from},
      {"--received-to", &o.received_to},
      {"--message", &o.message},
      {"--client-id", &o.auth.client_id},
      {"--key", &o.auth.private_key_file},
      {"--kid", &o.auth.key_id},
      {"--alg", &o.auth.algorithm},
      {"--scope", &o.auth.scope},
      {"--token-url", &o.auth.token_url},
      {"--ca-file", &o.delivery.ca_file},
  };
  o.auth.algorithm.clear();
  o.auth.scope = "system/*.rs";
  std::string timeout;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (i + 1 >= args.size()) return "option '" + arg + "' needs a value (or is unknown)";
    const auto& value = args[++i];
    if (arg == "--status") {
      std::string_view rest = value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string code(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (code != "dead" && code != "retrying" && code != "sent")
          return "--status '" + code + "': use dead, retrying or sent";
        o.statuses.push_back(code);
      }
    } else if (arg == "--timeout") {
      timeout = value;
    } else if (auto it = values.find(arg); it != values.end()) {
      if (arg != "--scope" && !it->second->empty()) return "option '" + arg + "' is given twice";
      *it->second = value;
    } else {
      return "unknown option '" + arg + "'";
    }
  }
  if (o.url.empty()) return "--url is required (the gateway's base URL)";
  delivery::parsed_url parsed;
  if (!delivery::parse_url(o.url, parsed)) return "--url '" + o.url + "' is not http(s)://host[:port][/path]";
  while (!o.url.empty() && o.url.back() == '/') o.url.pop_back();
  if (o.url.ends_with("/fhir")) o.url.resize(o.url.size() - 5);  // the admin API is beside /fhir
  if (o.message.empty() == o.statuses.empty()) return "give either --status or --message";
  if (!o.message.empty()) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(o.message.data(), o.message.data() + o.message.size(), id);
    if (ec != std::errc() || end != o.message.data() + o.message.size() || id <= 0)
      return "--message '" + o.message + "' is not a message id";
    if (!o.medical_home.empty() || !o.received_from.empty() || !o.received_to.empty())
      return "--message takes no --medical-home or --received-from/--received-to";
  }
  bool any_credential =
      !o.auth.client_id.empty() || !o.auth.private_key_file.empty() || !o.auth.key_id.empty();
  if (any_credential) {
    if (o.auth.client_id.empty() || o.auth.private_key_file.empty() || o.auth.key_id.empty())
      return "credentials need --client-id, --key and --kid together";
    if (!o.auth.algorithm.empty() && o.auth.algorithm != "RS384" && o.auth.algorithm != "ES384")
      return "--alg must be RS384 or ES384";
    o.auth.how = config::destination_auth::method::smart;
    if (o.auth.token_url.empty()) o.auth.token_url = o.url + "/auth/token";
  } else if (!o.auth.token_url.empty() || !o.auth.algorithm.empty()) {
    return "--token-url and --alg go with --client-id, --key and --kid";
  }
  if (!timeout.empty()) {
    int seconds = 0;
    auto [end, ec] = std::from_chars(timeout.data(), timeout.data() + timeout.size(), seconds);
    if (ec != std::errc() || end != timeout.data() + timeout.size() || seconds <= 0 || seconds > 3600)
      return "--timeout must be a number of seconds (1..3600)";
    o.delivery.request_timeout = std::chrono::seconds(seconds);
  } else {
    o.delivery.request_timeout = std::chrono::seconds(30);
  }
  return std::nullopt;
}

}  // namespace

std::string_view replay_help() {
  return "usage: homebase replay --url URL [CREDENTIALS] --status S[,S...] [--medical-home ID]\n"
         "                       [--received-from DATE] [--received-to DATE]\n"
         "       homebase replay --url URL [CREDENTIALS] --message ID\n"
         "\n"
         "Queues deliveries again through the running gateway's admin API (POST /admin/messages/$replay,\n"
         "or POST /admin/messages/ID/retry for one message): the gateway writes the change and its\n"
         "AuditEvent and wakes the medical homes' delivery workers. The gateway must be running; the store\n"
         "is never opened by this command.\n"
         "  --url URL             the gateway's base URL, e.g. https://homebase.example.org:8443\n"
         "  --status S            dead (dead letters), retrying (send now) or sent (send again); repeat or\n"
         "                        separate with commas\n"
         "  --medical-home ID     only deliveries to this medical home (medical_homes[].id)\n"
         "  --received-from DATE  only messages received at or after the start of this FHIR date/dateTime\n"
         "  --received-to DATE    ... and before the end of this one (2026-03-01 includes that day)\n"
         "  --message ID          one message: requeue its dead letter, or route an unroutable or held\n"
         "                        one again\n"
         "CREDENTIALS (an operator client, clients[].kind operator, with its JWK Set registered): a SMART\n"
         "Backend Services token is obtained at URL/auth/token with a client assertion signed by the key.\n"
         "  --client-id ID        the operator client's id\n"
         "  --key FILE            its private key (PEM; RSA for RS384, EC P-384 for ES384)\n"
         "  --kid KID             the key's id in the client's JWK Set\n"
         "  --alg ALG             RS384 or ES384 (default: the one that fits the key)\n"
         "  --scope SCOPE         the scope asked for (default system/*.rs; any the client has will do)\n"
         "  --token-url URL       default URL/auth/token (the gateway's public_base_url without /fhir)\n"
         "Without credentials the request is sent without any: only a gateway in development mode\n"
         "(auth.development_mode, loopback) serves it.\n"
         "  --ca-file FILE        trust anchors for an https URL (default: the system's)\n"
         "  --timeout SECONDS     for each request (default 30)\n"
         "\n"
         "Prints 'requeued N deliveries of M messages (criteria)', or the answer for one message.\n"
         "Exit status: 0 done; 1 the gateway could not be reached, refused or failed; 2 usage error, an\n"
         "unusable key, or parameters the gateway rejected.\n";
}

int run_replay_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << replay_help();
    return 0;
  }
  replay_options o;
  if (auto problem = parse(args, o)) {
    err << "homebase replay: " << *problem << "\n\n" << replay_help();
    return 2;
  }
  std::unique_ptr<delivery::destination_credentials> credentials;
  try {
    credentials = std::make_unique<delivery::destination_credentials>(o.auth, o.delivery, "--key");
  } catch (const std::exception& e) {
    err << "homebase replay: " << e.what() << "\n";
    return 2;
  }
  std::string target, body;
  if (o.message.empty()) {
    target = o.url + "/admin/messages/$replay";
    body = parameters_body(o);
  } else {
    target = o.url + "/admin/messages/" + o.message + "/retry";
  }
  const std::string content_type = "application/fhir+json";
  asio::io_context ioc;
  delivery::http_result result;
  std::exception_ptr failure;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> { result = co_await credentials->post(target, body, content_type); },
      [&failure](std::exception_ptr e) { failure = e; });
  ioc.run();
  if (failure) {
    err << "homebase replay: the request failed\n";
    return 1;
  }
  if (result.status == 0) {
    err << "homebase replay: " << target << ": " << result.error << "\n";
    return 1;
  }
  if (result.status >= 200 && result.status < 300) {
    out << (o.message.empty() ? replay_summary(result.body)
                              : "message " + o.message + ": " + diagnostics_of(result.body))
        << "\n";
    return 0;
  }
  err << "homebase replay: HTTP " << result.status << " from " << target << ": "
      << diagnostics_of(result.body) << "\n";
  if (result.status == 401 || result.status == 403)
    err << "homebase replay: the admin API needs an operator client's token (--client-id, --key, --kid),\n"
           "or a gateway in development mode on loopback\n";
  return result.status == 400 ? 2 : 1;
}

}  // namespace homebase::gateway::cli
