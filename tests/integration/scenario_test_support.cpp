#include "tests/integration/scenario_test_support.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace homebase::testing {

namespace fs = std::filesystem;

namespace {

fhir_result parse_result(http_reply reply) {
  fhir_result out;
  out.status = reply.status;
  out.body = std::move(reply.body);
  out.doc = std::make_shared<rapidjson::Document>();
  out.doc->Parse(out.body.c_str());
  if (out.doc->HasParseError() || !out.doc->IsObject()) return out;
  const auto* entries = at(*out.doc, "entry");
  if (entries == nullptr || !entries->IsArray()) return out;
  for (const auto& e : entries->GetArray()) {
    if (!e.IsObject() || !e.HasMember("resource")) continue;
    if (str(e, "search.mode") == "include") continue;
    out.resources.push_back(&e["resource"]);
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

bool is_document(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return !d.HasParseError() && d.IsObject() && str(d, "resourceType") == "Bundle" &&
         str(d, "type") == "document";
}

}  // namespace

int fhir_result::total() const {
  const auto* t = doc ? at(*doc, "total") : nullptr;
  return t != nullptr && t->IsInt() ? t->GetInt() : -1;
}

const rapidjson::Value* at(const rapidjson::Value& v, std::string_view path) {
  const rapidjson::Value* cur = &v;
  while (!path.empty() && cur != nullptr) {
    auto dot = path.find('.');
    auto part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    std::size_t index = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (ec == std::errc{} && p == part.data() + part.size()) {
      cur =
          cur->IsArray() && index < cur->Size() ? &(*cur)[static_cast<rapidjson::SizeType>(index)] : nullptr;
    } else if (cur->IsObject()) {
      auto m = cur->FindMember(rapidjson::Value(rapidjson::StringRef(part.data(), part.size())));
      cur = m == cur->MemberEnd() ? nullptr : &m->value;
    } else {
      cur = nullptr;
    }
  }
  return cur;
}

std::string str(const rapidjson::Value& v, std::string_view path) {
  const auto* x = at(v, path);
  return x != nullptr && x->IsString() ? std::string(x->GetString(), x->GetStringLength()) : std::string();
}

bool has_identifier(const rapidjson::Value& resource, std::string_view system, std::string_view value) {
  const auto* ids = at(resource, "identifier");
  if (ids == nullptr || !ids->IsArray()) return false;
  return std::any_of(ids->Begin(), ids->End(), [&](const rapidjson::Value& id) {
    return str(id, "value") == value && (system.empty() || str(id, "system") == system);
  });
}

std::vector<const rapidjson::Value*> with_identifier(const fhir_result& r, std::string_view value,
                                                     std::string_view system) {
  std::vector<const rapidjson::Value*> out;
  for (const auto* x : r.resources)
    if (has_identifier(*x, system, value)) out.push_back(x);
  return out;
}

std::vector<const rapidjson::Value*> with_code(const fhir_result& r, std::string_view code,
                                               std::string_view status) {
  std::vector<const rapidjson::Value*> out;
  for (const auto* x : r.resources) {
    const auto* codings = at(*x, "code.coding");
    if (codings == nullptr || !codings->IsArray()) continue;
    bool match = std::any_of(codings->Begin(), codings->End(), [&](const rapidjson::Value& c) {
      return str(c, "system") == action_type_system && str(c, "code") == code;
    });
    if (match && (status.empty() || str(*x, "status") == status)) out.push_back(x);
  }
  return out;
}

int count_code(const fhir_result& r, std::string_view code, std::string_view status) {
  return static_cast<int>(with_code(r, code, status).size());
}

std::string task_summary(const fhir_result& r) {
  std::vector<std::string> lines;
  for (const auto* x : r.resources) {
    std::string code;
    if (const auto* codings = at(*x, "code.coding"); codings != nullptr && codings->IsArray())
      for (const auto& c : codings->GetArray())
        if (str(c, "system") == action_type_system) code = str(c, "code");
    const auto* ids = at(*x, "identifier.0.value");
    lines.push_back(code + " [" + str(*x, "status") + "] " +
                    (ids != nullptr && ids->IsString() ? ids->GetString() : "") + " due " +
                    str(*x, "restriction.period.end"));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

scenario_gateway::scenario_gateway() : fixture_(utc_today()) {}
scenario_gateway::~scenario_gateway() = default;

bool scenario_gateway::start() {
  return start(options{});
}

bool scenario_gateway::start(const options& opts) {
  if (!home_.start(dir_, {}, error_)) return false;
  gateway_options g;
  g.medical_home_base = home_.base();
  g.extra_partner_endpoints = opts.extra_partner_endpoints;
  g.partner_organization_npis = opts.organization_npis;
  g.extra_config = opts.extra_config;
  g.medical_home_auth = opts.medical_home_extra;
  return gw_.start(dir_, g, error_);
}

fs::path scenario_gateway::scenario_dir(const std::string& name) {
  return test_data("fixtures/scenarios/" + name);
}

http_reply scenario_gateway::post(const fs::path& file) {
  auto text = fixture_.load(file);
  if (!text.ok) {
    error_ = text.error;
    return {};
  }
  auto expanded = dir_.path() / ("posted-" + std::to_string(++posted_) + "-" + file.filename().string());
  write_file(expanded, text.text);
  return http_call("POST", gw_.url(is_document(text.text) ? "/fhir/Bundle" : "/fhir/$process-message"),
                   expanded);
}

bool scenario_gateway::post_all(const std::string& scenario, const std::string& through) {
  for (const auto& file : scenario_message_files(scenario_dir(scenario))) {
    auto reply = post(file);
    if (reply.status != 200 && reply.status != 201) {
      error_ = file.filename().string() + ": HTTP " + std::to_string(reply.status) + " " +
               reply.body.substr(0, 2000) + " " + error_;
      return false;
    }
    if (!through.empty() && file.filename().string().starts_with(through)) break;
  }
  return wait_delivered();
}

bool scenario_gateway::post_one(const std::string& scenario, const std::string& file_name) {
  auto reply = post(scenario_dir(scenario) / file_name);
  if (reply.status != 200 && reply.status != 201) {
    error_ = file_name + ": HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 2000) + " " +
             error_;
    return false;
  }
  return wait_delivered();
}

bool scenario_gateway::wait_delivered() {
  std::string last;
  bool failed = false;
  bool done = eventually(
      [&] {
        auto reply = http_call("GET", gw_.url("/admin/messages?limit=1000"), {}, "");
        rapidjson::Document d;
        d.Parse(reply.body.c_str());
        const auto* list = d.HasParseError() ? nullptr : at(d, "messages");
        if (list == nullptr || !list->IsArray()) {
          last = "admin API: HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 300);
          return false;
        }
        last.clear();
        bool all_sent = true;
        for (const auto& m : list->GetArray()) {
          auto status = str(m, "status");
          if (status == "sent") continue;
          all_sent = false;
          last += "message " + std::to_string(at(m, "id")->GetInt64()) + " " + status + "; ";
          if (status == "dead" || status == "unroutable" || status == "held_for_match") failed = true;
        }
        return all_sent || failed;
      },
      std::chrono::seconds(60));
  if (!done || failed) {
    error_ = "delivery did not finish: " + last;
    return false;
  }
  return true;
}

fhir_result scenario_gateway::read(const std::string& path_and_query) const {
  return parse_result(http_call("GET", gw_.url("/fhir/" + path_and_query), {}, ""));
}

std::string scenario_gateway::patient_id(std::string_view system, std::string_view value) {
  auto r = read("Patient?identifier=" + url_encode(std::string(system) + "|" + std::string(value)));
  if (r.status != 200 || r.size() != 1) {
    error_ = "Patient " + std::string(value) + ": HTTP " + std::to_string(r.status) + ", " +
             std::to_string(r.size()) + " found";
    return {};
  }
  return str(*r.resources[0], "id");
}

fhir_result scenario_gateway::for_patient(const std::string& type, const std::string& patient) const {
  return read(type + "?patient=" + patient + "&_count=100");
}

fhir_result scenario_gateway::home(const std::string& path_and_query) const {
  return parse_result(http_call("GET", home_.base() + "/" + path_and_query, {}, ""));
}

int scenario_gateway::message_count() const {
  auto reply = http_call("GET", gw_.url("/admin/messages?limit=1000"), {}, "");
  rapidjson::Document d;
  d.Parse(reply.body.c_str());
  const auto* list = d.HasParseError() ? nullptr : at(d, "messages");
  return list != nullptr && list->IsArray() ? static_cast<int>(list->Size()) : -1;
}

std::string scenario_gateway::day(int offset) const {
  return fhir_date(fixture_.today() + std::chrono::days(offset));
}

}  // namespace homebase::testing
