#include "mappers/outbound/versioned_writes.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

#include "fhir/json_document.hpp"
#include "mappers/outbound/field_ownership.hpp"

namespace homebase::mappers::outbound {
namespace {

using rapidjson::Value;

std::string text(std::string_view s) {
  return std::string(s);
}

// "Type/id" out of a location ("Type/id", "Type/id/_history/v", or absolute), with the version.
struct location_parts {
  std::string type;
  std::string id;
  std::string version;
};
location_parts parse_location(std::string_view loc) {
  location_parts out;
  if (auto h = loc.find("/_history/"); h != std::string_view::npos) {
    out.version = text(loc.substr(h + 10));
    loc = loc.substr(0, h);
  }
  auto slash = loc.rfind('/');
  if (slash == std::string_view::npos) return {};
  out.id = text(loc.substr(slash + 1));
  auto before = loc.substr(0, slash);
  auto type_slash = before.rfind('/');
  out.type = text(type_slash == std::string_view::npos ? before : before.substr(type_slash + 1));
  return out;
}

// Replaces, anywhere in `v`, a "reference" string found in `resolved` by its value.
void resolve_references(Value& v, const std::map<std::string, std::string, std::less<>>& resolved,
                        rapidjson::Document::AllocatorType& a) {
  if (v.IsArray()) {
    for (auto& x : v.GetArray()) resolve_references(x, resolved, a);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
        auto it = resolved.find(std::string_view(m.value.GetString(), m.value.GetStringLength()));
        if (it != resolved.end()) m.value.SetString(it->second.c_str(), a);
      } else {
        resolve_references(m.value, resolved, a);
      }
    }
  }
}

}  // namespace

std::string version_of_etag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  if (etag.find('"') != std::string_view::npos) return {};
  return text(etag);
}

versioned_bundle with_versions(std::string_view bundle_json, const std::vector<known_version>& known) {
  versioned_bundle out;
  fhir::lossless_json doc;
  // Nothing known (a child's first delivery): nothing is rewritten, so the numbers' text is not needed and
  // the plain parse does (about half the cost, bench/README.md "Versioned writes").
  bool parse_failed = known.empty() ? fhir::parse_json(bundle_json, doc.document).has_value()
                                    : fhir::parse_json_lossless(bundle_json, doc).has_value();
  if (parse_failed || !doc.document.IsObject() ||
      fhir::get_string(doc.document, "resourceType") != "Bundle") {
    out.json = text(bundle_json);
    return out;
  }
  auto& a = doc.document.GetAllocator();
  auto entries = doc.document.FindMember("entry");
  if (entries == doc.document.MemberEnd() || !entries->value.IsArray()) {
    out.json = text(bundle_json);
    return out;
  }
  std::map<std::pair<std::string_view, std::string_view>, const known_version*> by_key;
  for (const auto& k : known) by_key[{k.resource_type, k.business_key}] = &k;
  auto& list = entries->value;
  out.full_urls.reserve(list.Size());
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    auto& entry = list[i];
    out.full_urls.emplace_back(entry.IsObject() ? fhir::get_string(entry, "fullUrl") : std::string_view{});
    if (!entry.IsObject() || !entry.HasMember("resource") || !entry.HasMember("request")) continue;
    auto& resource = entry["resource"];
    auto& request = entry["request"];
    if (!resource.IsObject() || !request.IsObject()) continue;
    auto type = fhir::get_string(resource, "resourceType");
    if (!has_practice_owned_fields(type) || fhir::get_string(request, "method") != "PUT") continue;
    auto url = fhir::get_string(request, "url");
    auto q = url.find('?');
    if (q == std::string_view::npos || url.substr(0, q) != type) continue;
    tracked_entry t;
    t.index = i;
    t.resource_type = text(type);
    t.business_key = text(url.substr(q + 1));
    t.full_url = text(fhir::get_string(entry, "fullUrl"));
    auto found = by_key.find({t.resource_type, t.business_key});
    if (found != by_key.end() && !found->second->server_id.empty() && !found->second->version.empty()) {
      const auto& k = *found->second;
      t.server_id = k.server_id;
      t.if_match = k.version;
      t.last_written = k.written;
      t.practice = k.practice;
      rapidjson::Document changes;
      if (!k.practice.empty() && !fhir::parse_json(k.practice, changes) && changes.IsObject())
        overlay_practice_fields(resource, changes, a);
      if (auto id = resource.FindMember("id"); id != resource.MemberEnd())
        id->value.SetString(k.server_id.c_str(), a);
      else
        resource.AddMember("id", Value(k.server_id.c_str(), a), a);
      std::string instance = t.resource_type + "/" + k.server_id;
      request["url"].SetString(instance.c_str(), a);
      std::string etag = "W/\"" + k.version + "\"";
      if (auto m = request.FindMember("ifMatch"); m != request.MemberEnd())
        m->value.SetString(etag.c_str(), a);
      else
        request.AddMember("ifMatch", Value(etag.c_str(), a), a);
      ++out.versioned;
    }
    t.written = owned_fields(resource);
    out.tracked.push_back(std::move(t));
  }
  out.json = out.versioned > 0 ? fhir::to_canonical_json(doc.document, &doc) : text(bundle_json);
  return out;
}

std::vector<known_version> learned_versions(const versioned_bundle& sent, std::string_view response_json) {
  std::vector<known_version> out;
  rapidjson::Document resp;
  if (fhir::parse_json(response_json, resp) || !resp.IsObject()) return out;
  const auto* entries = fhir::get_array(resp, "entry");
  if (entries == nullptr) return out;
  // Every entry's fullUrl -> the server's Type/id, to resolve the references of what was written.
  std::map<std::string, std::string, std::less<>> resolved;
  for (std::size_t i = 0; i < sent.full_urls.size() && i < entries->Size(); ++i) {
    const auto& r = (*entries)[static_cast<rapidjson::SizeType>(i)];
    const auto& full_url = sent.full_urls[i];
    const auto* response = r.IsObject() ? fhir::get_object(r, "response") : nullptr;
    if (full_url.empty() || response == nullptr) continue;
    auto loc = parse_location(fhir::get_string(*response, "location"));
    if (!loc.type.empty() && !loc.id.empty()) resolved[full_url] = loc.type + "/" + loc.id;
  }
  for (const auto& t : sent.tracked) {
    if (t.index >= entries->Size() || !(*entries)[t.index].IsObject()) continue;
    const auto& r = (*entries)[t.index];
    const auto* response = fhir::get_object(r, "response");
    if (response == nullptr) continue;
    auto status = fhir::get_string(*response, "status");
    if (!status.starts_with("2")) continue;
    auto loc = parse_location(fhir::get_string(*response, "location"));
    known_version k;
    k.resource_type = t.resource_type;
    k.business_key = t.business_key;
    k.server_id = loc.type == t.resource_type ? loc.id : std::string();
    k.version = version_of_etag(fhir::get_string(*response, "etag"));
    if (k.version.empty()) k.version = loc.version;
    if (const auto* resource = fhir::get_object(r, "resource")) {
      if (k.server_id.empty()) k.server_id = text(fhir::get_string(*resource, "id"));
      if (k.version.empty())
        if (const auto* meta = fhir::get_object(*resource, "meta"))
          k.version = text(fhir::get_string(*meta, "versionId"));
    }
    if (k.server_id.empty() || k.version.empty()) continue;
    rapidjson::Document written;
    if (!fhir::parse_json(t.written, written) && written.IsObject()) {
      resolve_references(written, resolved, written.GetAllocator());
      k.written = fhir::to_canonical_json(written);
    } else {
      k.written = "{}";
    }
    k.practice = t.practice.empty() ? "{}" : t.practice;
    out.push_back(std::move(k));
  }
  return out;
}

std::string read_back_batch(const versioned_bundle& sent) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("batch");
  w.Key("entry");
  w.StartArray();
  for (const auto& t : sent.tracked) {
    if (t.if_match.empty()) continue;
    w.StartObject();
    w.Key("request");
    w.StartObject();
    w.Key("method");
    w.String("GET");
    w.Key("url");
    std::string url = t.resource_type + "/" + t.server_id;
    w.String(url.c_str(), static_cast<rapidjson::SizeType>(url.size()));
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::vector<current_version> read_back_results(const versioned_bundle& sent, std::string_view response_json) {
  std::vector<current_version> out;
  rapidjson::Document resp;
  if (fhir::parse_json(response_json, resp) || !resp.IsObject()) return out;
  const auto* entries = fhir::get_array(resp, "entry");
  if (entries == nullptr) return out;
  rapidjson::SizeType i = 0;
  for (std::size_t ti = 0; ti < sent.tracked.size(); ++ti) {
    const auto& t = sent.tracked[ti];
    if (t.if_match.empty()) continue;
    if (i >= entries->Size()) break;
    const auto& r = (*entries)[i++];
    if (!r.IsObject()) continue;
    const auto* response = fhir::get_object(r, "response");
    auto status = response != nullptr ? fhir::get_string(*response, "status") : std::string_view("200");
    current_version c;
    c.tracked = ti;
    if (status.starts_with("404") || status.starts_with("410")) {
      c.gone = true;
      out.push_back(std::move(c));
      continue;
    }
    const auto* resource = fhir::get_object(r, "resource");
    if (!status.starts_with("2") || resource == nullptr) continue;
    if (fhir::get_string(*resource, "resourceType") != t.resource_type ||
        fhir::get_string(*resource, "id") != t.server_id)
      continue;
    if (const auto* meta = fhir::get_object(*resource, "meta"))
      c.version = text(fhir::get_string(*meta, "versionId"));
    if (c.version.empty() && response != nullptr)
      c.version = version_of_etag(fhir::get_string(*response, "etag"));
    if (c.version.empty()) continue;
    c.resource_json = fhir::to_json(*resource);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace homebase::mappers::outbound
