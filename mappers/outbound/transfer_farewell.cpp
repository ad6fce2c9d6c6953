#include "mappers/outbound/transfer_farewell.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <set>

#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

bool same(const model::identifier& a, const model::identifier& b) {
  return !a.value.empty() && a.system == b.system && a.value == b.value;
}

bool of_old_home(const model::team_member& m, const std::vector<model::identifier>& orgs) {
  return std::any_of(orgs.begin(), orgs.end(), [&](const model::identifier& org) {
    return same(m.organization, org) || (m.member_type == "Organization" && same(m.key, org));
  });
}

std::string_view text(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto m = v.FindMember(name);
  return m != v.MemberEnd() && m->value.IsString()
             ? std::string_view(m->value.GetString(), m->value.GetStringLength())
             : std::string_view{};
}

// Every urn:uuid reference anywhere inside `v`.
void collect_references(const rapidjson::Value& v, std::set<std::string>& out) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      if (m->value.IsString() && std::string_view(m->name.GetString()) == "reference") {
        std::string_view ref(m->value.GetString(), m->value.GetStringLength());
        if (ref.starts_with("urn:uuid:")) out.emplace(ref);
      } else {
        collect_references(m->value, out);
      }
    }
  } else if (v.IsArray()) {
    for (const auto& x : v.GetArray()) collect_references(x, out);
  }
}

bool is_transfer_provenance(const rapidjson::Value& resource) {
  auto activity = resource.FindMember("activity");
  if (activity == resource.MemberEnd() || !activity->value.IsObject()) return false;
  auto codings = activity->value.FindMember("coding");
  if (codings == activity->value.MemberEnd() || !codings->value.IsArray()) return false;
  for (const auto& c : codings->value.GetArray())
    if (text(c, "system") == record_event_kind_system && text(c, "code") == transfer_event_kind) return true;
  return false;
}

bool finished(std::string_view task_status) {
  return task_status == "completed" || task_status == "cancelled" || task_status == "failed" ||
         task_status == "rejected" || task_status == "entered-in-error";
}

}  // namespace

model::coordination_record farewell_record(const model::coordination_record& before,
                                           const farewell_facts& facts) {
  model::coordination_record r = before;
  if (r.care_team || !r.team.empty()) {
    if (!r.care_team) r.care_team = model::care_team_info{};
    r.care_team->status = "inactive";
  }
  for (auto& m : r.team)
    if (m.period_end.empty() && of_old_home(m, facts.old_home_organizations)) m.period_end = facts.at;
  model::record_event e;
  e.at = facts.at;
  e.kind = std::string(transfer_event_kind);
  e.source = facts.source;
  e.message_id = facts.message_id;
  e.detail = std::string(transfer_farewell_detail);
  r.events.push_back(std::move(e));
  return r;
}

std::string farewell_bundle(std::string_view bundle) {
  rapidjson::Document doc;
  doc.Parse(bundle.data(), bundle.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(bundle);
  auto entries = doc.FindMember("entry");
  if (entries == doc.MemberEnd() || !entries->value.IsArray()) return std::string(bundle);
  auto& list = entries->value;
  auto& alloc = doc.GetAllocator();

  // The entries the farewell is about, then everything they refer to (transitively).
  std::set<std::string> keep;
  std::set<std::string> refs;
  for (auto& e : list.GetArray()) {
    auto resource = e.FindMember("resource");
    if (resource == e.MemberEnd() || !resource->value.IsObject()) continue;
    auto type = text(resource->value, "resourceType");
    bool wanted = type == "Patient" || type == "CareTeam" || type == "Task" ||
                  (type == "Provenance" && is_transfer_provenance(resource->value));
    if (!wanted) continue;
    keep.emplace(text(e, "fullUrl"));
    collect_references(resource->value, refs);
  }
  while (true) {
    std::set<std::string> more;
    for (auto& e : list.GetArray()) {
      std::string url(text(e, "fullUrl"));
      if (keep.contains(url) || !refs.contains(url)) continue;
      keep.insert(url);
      auto resource = e.FindMember("resource");
      if (resource != e.MemberEnd()) collect_references(resource->value, more);
    }
    std::size_t before = refs.size();
    refs.insert(more.begin(), more.end());
    if (refs.size() == before) break;
  }

  rapidjson::Value kept(rapidjson::kArrayType);
  for (auto& e : list.GetArray()) {
    if (!keep.contains(std::string(text(e, "fullUrl")))) continue;
    auto resource = e.FindMember("resource");
    if (resource != e.MemberEnd() && text(resource->value, "resourceType") == "Task" &&
        !finished(text(resource->value, "status"))) {
      auto& task = resource->value;
      task.RemoveMember("statusReason");
      if (auto status = task.FindMember("status"); status != task.MemberEnd())
        status->value.SetString("cancelled", alloc);
      else
        task.AddMember("status", "cancelled", alloc);
      rapidjson::Value reason(rapidjson::kObjectType);
      rapidjson::Value reason_text(transfer_status_reason.data(),
                                   static_cast<rapidjson::SizeType>(transfer_status_reason.size()), alloc);
      reason.AddMember("text", reason_text, alloc);
      task.AddMember("statusReason", reason, alloc);
    }
    kept.PushBack(e, alloc);
  }
  list = std::move(kept);
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  doc.Accept(w);
  return {out.GetString(), out.GetSize()};
}

}  // namespace homebase::mappers::outbound
