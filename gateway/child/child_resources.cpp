#include "gateway/child/child_resources.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <string_view>
#include <unordered_map>

#include "fhir/fhir_time.hpp"
#include "gateway/api/search_parameters.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"

namespace homebase::gateway::child {
namespace {

constexpr std::string_view urn_uuid = "urn:uuid:";

std::string_view string_of(const rapidjson::Value& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

// urn:uuid: references to other entries of the Bundle become relative references.
void rewrite_references(rapidjson::Value& node,
                        const std::unordered_map<std::string_view, std::string>& by_urn,
                        rapidjson::Document::AllocatorType& alloc) {
  if (node.IsArray()) {
    for (auto& item : node.GetArray()) rewrite_references(item, by_urn, alloc);
  } else if (node.IsObject()) {
    for (auto& m : node.GetObject()) {
      if (m.value.IsString() && string_of(m.name) == "reference") {
        auto it = by_urn.find(string_of(m.value));
        if (it != by_urn.end())
          m.value.SetString(it->second.data(), static_cast<rapidjson::SizeType>(it->second.size()), alloc);
      } else {
        rewrite_references(m.value, by_urn, alloc);
      }
    }
  }
}

std::int64_t fnv1a(std::string_view a, std::string_view b) {
  std::uint64_t h = 14695981039346656037ULL;
  for (auto part : {a, b})
    for (char c : part) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  std::int64_t out = 0;
  std::memcpy(&out, &h, sizeof out);
  return out;
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return buffer.GetString();
}

}  // namespace

child_resources project_child_resources(const mappers::model::coordination_record& record) {
  child_resources out;
  // No source in the options: meta.source would name the message, and the index keeps content only.
  std::string bundle = mappers::outbound::to_transaction_bundle(record, {});
  rapidjson::Document doc;
  doc.ParseInsitu(bundle.data());  // the strings stay in `bundle`: no copy of each
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("entry") || !doc["entry"].IsArray())
    return out;
  auto& alloc = doc.GetAllocator();
  auto entries = doc["entry"].GetArray();

  std::unordered_map<std::string_view, std::string> by_urn;
  for (auto& e : entries) {
    if (!e.IsObject() || !e.HasMember("fullUrl") || !e.HasMember("resource")) continue;
    auto full_url = string_of(e["fullUrl"]);
    const auto& r = e["resource"];
    if (!full_url.starts_with(urn_uuid) || !r.IsObject() || !r.HasMember("resourceType")) continue;
    by_urn.emplace(full_url, std::string(string_of(r["resourceType"])) + "/" +
                                 std::string(full_url.substr(urn_uuid.size())));
  }

  rapidjson::StringBuffer buffer;  // reused for every resource
  for (auto& e : entries) {
    if (!e.IsObject() || !e.HasMember("fullUrl") || !e.HasMember("resource")) continue;
    auto full_url = string_of(e["fullUrl"]);
    auto& r = e["resource"];
    if (!full_url.starts_with(urn_uuid) || !r.IsObject() || !r.HasMember("resourceType")) continue;
    projected_resource p;
    p.type = std::string(string_of(r["resourceType"]));
    p.id = std::string(full_url.substr(urn_uuid.size()));
    rewrite_references(r, by_urn, alloc);
    if (auto s = r.FindMember("status"); s != r.MemberEnd()) p.status = std::string(string_of(s->value));
    p.values = api::extract_search_values(p.type, r);
    if (p.type == "Patient" && out.patient_id.empty()) out.patient_id = p.id;

    if (auto m = r.FindMember("resourceType"); m != r.MemberEnd()) r.EraseMember(m);
    if (auto m = r.FindMember("id"); m != r.MemberEnd()) r.EraseMember(m);
    if (auto m = r.FindMember("meta"); m != r.MemberEnd()) r.EraseMember(m);
    buffer.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    r.Accept(w);
    std::string_view rest(buffer.GetString(), buffer.GetSize());  // {...}
    p.head = "{\"resourceType\":" + json_string(p.type) + ",\"id\":" + json_string(p.id);
    p.tail = rest.size() > 2 ? "," + std::string(rest.substr(1)) : std::string("}");
    p.content_hash = fnv1a(p.head, p.tail);
    out.resources.push_back(std::move(p));
  }
  return out;
}

int store_child_resources(store::write_tx& tx, std::int64_t child_id, const child_resources& resources,
                          std::int64_t now_ms) {
  // One lookup of every resource's row, then every change in a few multi-row statements.
  std::vector<store::resource_key> keys;
  keys.reserve(resources.resources.size());
  for (const auto& p : resources.resources) keys.push_back({p.type, p.id});
  auto prior = tx.indexed_versions(keys);
  if (!tx.ok()) return 0;
  std::vector<store::indexed_write> writes;
  auto last_updated = fhir::format_instant(now_ms);
  for (std::size_t i = 0; i < resources.resources.size(); ++i) {
    const auto& p = resources.resources[i];
    const auto& before = prior[i];
    if (before && before->content_hash == p.content_hash) continue;
    auto& w = writes.emplace_back();
    w.row.type = p.type;
    w.row.id = p.id;
    w.row.child_id = child_id;
    w.row.patient_id = resources.patient_id;
    w.row.status = p.status;
    w.row.version = before ? before->version + 1 : 1;
    w.row.last_updated_ms = now_ms;
    w.row.json = p.head + ",\"meta\":{\"versionId\":\"" + std::to_string(w.row.version) +
                 "\",\"lastUpdated\":\"" + last_updated + "\"}" + p.tail;
    w.content_hash = p.content_hash;
    w.values = p.values;
    if (before) w.prior_seq = before->seq;
  }
  tx.put_indexed(writes);
  return static_cast<int>(writes.size());
}

}  // namespace homebase::gateway::child
