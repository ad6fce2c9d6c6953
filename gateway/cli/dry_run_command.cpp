#include "gateway/cli/dry_run_command.hpp"

#include <rapidjson/document.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <climits>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "fhir/fhir_time.hpp"
#include "fhir/validation/validator.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/delivery/delivery_payload.hpp"
#include "gateway/delivery/outbound_check.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/pipeline/partner_concept_maps.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/store_backup.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::cli {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

namespace {

// A directory of our own under the system's temporary directory, removed with everything in it.
class scratch_directory {
 public:
  scratch_directory() {
    auto pattern = (fs::temp_directory_path() / "homebase-dry-run-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~scratch_directory() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The file's bytes, at most `limit` of them; nullopt when unreadable or larger.
std::optional<std::string> read_limited(const std::string& file, std::size_t limit, std::string& why) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) {
    why = "cannot read '" + file + "': " + ec.message();
    return std::nullopt;
  }
  if (size > limit) {
    why = "'" + file + "' is larger than server.body_limit_bytes (" + std::to_string(limit) + ")";
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    why = "cannot read '" + file + "'";
    return std::nullopt;
  }
  return text.str();
}

// The diagnostics of every OperationOutcome in `body` (itself, or an entry of a response Bundle).
std::vector<std::string> notes_of(const std::string& body) {
  std::vector<std::string> out;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  auto collect = [&out](const rapidjson::Value& r) {
    if (!r.IsObject() || !r.HasMember("resourceType") || !r["resourceType"].IsString() ||
        std::string_view(r["resourceType"].GetString()) != "OperationOutcome" || !r.HasMember("issue") ||
        !r["issue"].IsArray())
      return;
    for (const auto& i : r["issue"].GetArray()) {
      if (!i.IsObject()) continue;
      std::string line = i.HasMember("severity") && i["severity"].IsString() ? i["severity"].GetString() : "";
      if (i.HasMember("diagnostics") && i["diagnostics"].IsString())
        line += std::string(": ") + i["diagnostics"].GetString();
      if (i.HasMember("expression") && i["expression"].IsArray() && !i["expression"].Empty() &&
          i["expression"][0].IsString())
        line += std::string(" [") + i["expression"][0].GetString() + "]";
      out.push_back(std::move(line));
    }
  };
  collect(doc);
  if (doc.HasMember("entry") && doc["entry"].IsArray())
    for (const auto& e : doc["entry"].GetArray())
      if (e.IsObject() && e.HasMember("resource")) collect(e["resource"]);
  return out;
}

bool is_document(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  return !doc.HasParseError() && doc.IsObject() && doc.HasMember("type") && doc["type"].IsString() &&
         std::string_view(doc["type"].GetString()) == "document";
}

// The newest message's id in `store` (0 when there is none).
std::int64_t newest_message(store::sqlite_store& store) {
  auto newest = store.list_messages(std::nullopt, 1, INT64_MAX);
  return newest.empty() ? 0 : newest.front().id;
}

struct dry_run_options {
  std::string config_file;
  std::string message_file;
};

}  // namespace

std::string_view dry_run_help() {
  return "usage: homebase dry-run --config FILE MESSAGE.json\n"
         "\n"
         "Shows what the gateway would do with a message ($process-message Bundle) or a discharge document\n"
         "(document Bundle), without doing it: the real intake (validation, the partner's ConceptMaps, the\n"
         "mappers, patient matching, the merge into the child's current record, the coordination rules,\n"
         "routing) runs on a copy of the store FILE names, taken with SQLite's backup API (safe while the\n"
         "gateway runs) into a temporary directory that is removed afterwards. The store itself is only\n"
         "read. The message counts as sent by the partner it names; it is not authenticated.\n"
         "  --config FILE   the gateway's configuration (its store, partners, medical homes, rules)\n"
         "\n"
         "Prints the response the sender would get, the message's routing, its notes, the record events\n"
         "the message and the rules would add, and for each delivery the transaction Bundle that would be\n"
         "posted to the medical home (JSON on one line after each heading).\n"
         "Exit status: 0 the message would be accepted; 1 it would be refused (its OperationOutcome is\n"
         "printed) or the config or store cannot be used; 2 usage error or an unreadable MESSAGE file.\n";
}

int run_dry_run_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << dry_run_help();
    return 0;
  }
  dry_run_options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size() && o.config_file.empty()) {
      o.config_file = args[++i];
    } else if (!args[i].starts_with("-") && o.message_file.empty()) {
      o.message_file = args[i];
    } else {
      err << "homebase dry-run: unexpected argument '" << args[i] << "'\n\n" << dry_run_help();
      return 2;
    }
  }
  if (o.config_file.empty() || o.message_file.empty()) {
    err << "homebase dry-run: expected --config FILE and one MESSAGE file\n\n" << dry_run_help();
    return 2;
  }
  log::set_level(log::level::warn);  // the intake's own lines would only repeat what is printed
  metrics::gateway_metrics::instance().set_enabled(false);

  config::config_ptr loaded;
  pipeline::concept_maps_ptr concept_maps;
  try {
    loaded = config::load_file(o.config_file);
    concept_maps = pipeline::partner_concept_maps::load(*loaded, fhir::validator());
  } catch (const std::exception& e) {
    err << "homebase dry-run: configuration error: " << e.what() << "\n";
    return 1;
  }
  std::string why;
  auto body = read_limited(o.message_file, loaded->server.body_limit_bytes, why);
  if (!body) {
    err << "homebase dry-run: " << why << "\n";
    return 2;
  }

  scratch_directory scratch;
  if (scratch.path().empty()) {
    err << "homebase dry-run: cannot create a temporary directory in " << fs::temp_directory_path() << "\n";
    return 1;
  }
  const auto copy = (scratch.path() / "store.db").string();
  std::error_code exists_ec;
  if (fs::exists(loaded->store.path, exists_ec)) {
    auto backup = store::backup_store(loaded->store.path, copy);
    if (!backup.ok) {
      err << "homebase dry-run: cannot copy the store " << loaded->store.path << ": " << backup.error << "\n";
      return 1;
    }
  }
  auto on_copy = std::make_shared<config::gateway_config>(*loaded);
  on_copy->store.path = copy;
  config::config_ptr config = on_copy;

  out << "dry run: " << o.message_file << " on a copy of " << loaded->store.path
      << " (nothing is written to it)\n";
  try {
    store::sqlite_store store({copy, 1});
    auto before = newest_message(store);
    pipeline::message_intake intake(
        config, store, [](const std::string&) {}, concept_maps);

    http::request req{bhttp::verb::post, is_document(*body) ? "/fhir/Bundle" : "/fhir/$process-message", 11};
    req.set(bhttp::field::content_type, "application/fhir+json");
    req.set("X-Request-Id", "dry-run");
    req.body() = *body;
    req.prepare_payload();
    auth::principal sender;
    sender.client_id = "dry-run";
    sender.kind = config::client_kind::partner;
    sender.method = auth::auth_method::development;
    sender.address = "dry-run";
    const bool document = req.target() == "/fhir/Bundle";
    const auto started = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

    asio::io_context ioc;
    std::optional<http::response> answer;
    std::exception_ptr failure;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          if (document)
            answer = co_await intake.process_document(req, sender);
          else
            answer = co_await intake.process(req, sender);
        },
        [&failure](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) std::rethrow_exception(failure);

    const int status = static_cast<int>(answer->result_int());
    out << "response: HTTP " << status << "\n" << answer->body() << "\n";
    auto notes = notes_of(answer->body());
    if (status < 200 || status >= 300) {
      store.stop();
      return 1;
    }
    auto after = newest_message(store);
    if (after == before) {
      out << "message: duplicate (received before: the sender gets the original answer, nothing is sent)\n";
      store.stop();
      return 0;
    }
    auto message = store.get_message(after);
    std::string line = "message: " + std::string(message ? store::to_text(message->status) : "?");
    if (message && !message->destination.empty()) line += " to " + message->destination;
    if (message && !message->route_note.empty()) line += " (" + message->route_note + ")";
    out << line << "\n";
    out << "notes:\n";
    for (const auto& n : notes) out << "  " << n << "\n";

    std::optional<mappers::model::coordination_record> record;
    if (message && message->child_id)
      if (auto stored = store.read_child_record(*message->child_id)) record = mappers::model::decode(*stored);
    out << "record events:\n";
    if (record)
      for (const auto& ev : record->events) {
        auto at = fhir::first_second(ev.at);
        if (at && *at >= started)
          out << "  " << ev.at << " " << ev.source << " " << ev.kind << (ev.detail.empty() ? "" : ": ")
              << ev.detail << "\n";
      }
    if (message)
      for (const auto& row : store.outbox_for_message(message->id)) {
        const auto* home = config->find_medical_home(row.destination);
        out << "delivery to " << row.destination << " (" << (home ? home->fhir_base_url : "?") << "):\n";
        if (!record) {
          out << "  not sendable: the child's stored record cannot be read by this version\n";
          continue;
        }
        // The old home's last delivery after a transfer is built from the record frozen in its row.
        std::optional<mappers::model::coordination_record> farewell;
        if (row.kind == store::outbox_kind::transfer_out) farewell = mappers::model::decode(row.farewell);
        auto payload =
            farewell ? delivery::farewell_payload(*config, *farewell, message->partner_id, message->header_id)
                     : delivery::delivery_payload(*config, *record, message->partner_id, message->header_id);
        out << payload << "\n";
        if (auto problems = delivery::outbound_problems(payload))
          out << "  not sendable: " << *problems << "\n";
      }
    store.stop();
  } catch (const std::exception& e) {
    err << "homebase dry-run: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace homebase::gateway::cli
