#include "mappers/outbound/field_ownership.hpp"

#include <array>
#include <set>

#include "fhir/json_document.hpp"

namespace homebase::mappers::outbound {
namespace {

using rapidjson::Value;
using allocator_type = rapidjson::Document::AllocatorType;

constexpr std::array<const char*, 6> task_fields{"status", "businessStatus", "statusReason",
                                                 "owner",  "note",           "output"};
constexpr std::array<const char*, 2> appointment_fields{"status", "cancelationReason"};

std::string_view type_of(const Value& resource) {
  return resource.IsObject() ? fhir::get_string(resource, "resourceType") : std::string_view{};
}

bool parse(std::string_view text, rapidjson::Document& doc) {
  return !fhir::parse_json(text, doc) && doc.IsObject();
}

// How a CarePlan activity is recognised: its reference, else its detail's code and description.
std::string activity_identity(const Value& activity) {
  if (!activity.IsObject()) return {};
  if (const auto* ref = fhir::get_object(activity, "reference")) {
    auto r = fhir::get_string(*ref, "reference");
    if (!r.empty()) return "ref:" + std::string(r);
  }
  const auto* detail = fhir::get_object(activity, "detail");
  if (detail == nullptr) return "json:" + fhir::to_json(activity);
  std::string id = "detail:";
  if (const auto* code = fhir::get_object(*detail, "code")) {
    if (const auto* codings = fhir::get_array(*code, "coding"); codings != nullptr && !codings->Empty()) {
      const auto& c = (*codings)[0];
      if (c.IsObject())
        id += std::string(fhir::get_string(c, "system")) + "|" + std::string(fhir::get_string(c, "code"));
    }
    id += "|" + std::string(fhir::get_string(*code, "text"));
  }
  id += "|" + std::string(fhir::get_string(*detail, "description"));
  return id;
}

void copy_member(Value& to, const Value& from, const char* name, allocator_type& a) {
  auto it = from.FindMember(name);
  if (it == from.MemberEnd()) return;
  Value key(name, a);
  Value v(it->value, a);
  if (auto there = to.FindMember(name); there != to.MemberEnd())
    there->value = std::move(v);
  else
    to.AddMember(key, v, a);
}

}  // namespace

bool has_practice_owned_fields(std::string_view resource_type) {
  return resource_type == "Task" || resource_type == "Appointment" || resource_type == "CarePlan";
}

std::string owned_fields(const Value& resource) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  auto type = type_of(resource);
  if (type == "Task") {
    for (const char* f : task_fields) copy_member(out, resource, f, a);
  } else if (type == "Appointment") {
    for (const char* f : appointment_fields) copy_member(out, resource, f, a);
  } else if (type == "CarePlan") {
    copy_member(out, resource, "activity", a);
  }
  return fhir::to_canonical_json(out);
}

std::string owned_fields(std::string_view resource_json) {
  rapidjson::Document doc;
  if (!parse(resource_json, doc)) return "{}";
  return owned_fields(doc);
}

std::string practice_changes(std::string_view written, std::string_view current, std::string_view earlier) {
  rapidjson::Document cur;
  rapidjson::Document out;
  if (!parse(current, cur) || !parse(earlier, out)) return std::string(earlier);
  rapidjson::Document was;
  if (!parse(written, was)) was.SetObject();
  auto& a = out.GetAllocator();
  auto type = type_of(cur);
  auto differs = [&](const char* name) {
    auto c = cur.FindMember(name);
    auto w = was.FindMember(name);
    bool in_c = c != cur.MemberEnd();
    bool in_w = w != was.MemberEnd();
    if (in_c != in_w) return true;
    return in_c && !(c->value == w->value);
  };
  auto take = [&](const char* name) {
    auto c = cur.FindMember(name);
    if (c != cur.MemberEnd()) {
      copy_member(out, cur, name, a);
    } else if (out.HasMember(name)) {
      out.RemoveMember(name);
    }
  };
  if (type == "Task") {
    // A removed member (the practice cleared a note) is a change too.
    for (const char* f : task_fields) {
      if (!differs(f)) continue;
      if (cur.HasMember(f)) {
        take(f);
      } else if (std::string_view(f) != "status") {
        // Recorded as JSON null: the overlay removes Homebase's value.
        if (auto it = out.FindMember(f); it != out.MemberEnd()) {
          it->value.SetNull();
        } else {
          Value key(f, a);
          out.AddMember(key, Value(rapidjson::kNullType), a);
        }
      }
    }
  } else if (type == "Appointment") {
    auto status = fhir::get_string(cur, "status");
    if (differs("status") && (status == "booked" || status == "cancelled")) {
      take("status");
      if (status == "cancelled") {
        take("cancelationReason");
      } else if (out.HasMember("cancelationReason")) {
        out.RemoveMember("cancelationReason");
      }
    }
  } else if (type == "CarePlan") {
    std::set<std::string> homebase;
    if (const auto* acts = fhir::get_array(was, "activity"))
      for (const auto& act : acts->GetArray()) homebase.insert(activity_identity(act));
    std::set<std::string> kept;
    Value merged(rapidjson::kArrayType);
    if (const auto* acts = fhir::get_array(out, "activity"))
      for (const auto& act : acts->GetArray())
        if (kept.insert(activity_identity(act)).second) merged.PushBack(Value(act, a), a);
    if (const auto* acts = fhir::get_array(cur, "activity"))
      for (const auto& act : acts->GetArray()) {
        auto id = activity_identity(act);
        if (homebase.contains(id) || !kept.insert(id).second) continue;
        merged.PushBack(Value(act, a), a);
      }
    if (!merged.Empty()) {
      if (auto it = out.FindMember("activity"); it != out.MemberEnd())
        it->value = std::move(merged);
      else
        out.AddMember("activity", merged, a);
    }
  }
  return fhir::to_canonical_json(out);
}

void overlay_practice_fields(Value& resource, const Value& changes, allocator_type& a) {
  if (!resource.IsObject() || !changes.IsObject()) return;
  auto type = type_of(resource);
  if (type == "CarePlan") {
    const auto* theirs = fhir::get_array(changes, "activity");
    if (theirs == nullptr) return;
    if (!resource.HasMember("activity")) resource.AddMember("activity", Value(rapidjson::kArrayType), a);
    auto& ours = resource["activity"];
    if (!ours.IsArray()) return;
    std::set<std::string> present;
    for (const auto& act : ours.GetArray()) present.insert(activity_identity(act));
    for (const auto& act : theirs->GetArray())
      if (present.insert(activity_identity(act)).second) ours.PushBack(Value(act, a), a);
    return;
  }
  if (type != "Task" && type != "Appointment") return;
  for (const auto& m : changes.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool allowed = false;
    if (type == "Task")
      for (const char* f : task_fields) allowed = allowed || name == f;
    else
      for (const char* f : appointment_fields) allowed = allowed || name == f;
    if (!allowed) continue;
    if (m.value.IsNull()) {
      resource.RemoveMember(m.name);
      continue;
    }
    if (auto it = resource.FindMember(m.name); it != resource.MemberEnd()) {
      it->value.CopyFrom(m.value, a);
    } else {
      Value key(m.name, a);
      Value v(m.value, a);
      resource.AddMember(key, v, a);
    }
  }
  if (type == "Appointment" && fhir::get_string(changes, "status") == "booked")
    resource.RemoveMember("cancelationReason");  // app-4: a reason only for a cancelled appointment
}

std::string overlay_practice_fields(std::string_view resource_json, std::string_view changes) {
  fhir::lossless_json doc;
  rapidjson::Document ch;
  if (fhir::parse_json_lossless(resource_json, doc) || !doc.document.IsObject() || !parse(changes, ch))
    return std::string(resource_json);
  overlay_practice_fields(doc.document, ch, doc.document.GetAllocator());
  return fhir::to_canonical_json(doc.document, &doc);
}

}  // namespace homebase::mappers::outbound
