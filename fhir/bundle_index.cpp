#include "fhir/bundle_index.hpp"

namespace homebase::fhir {
namespace {

std::string_view string_member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// "Patient/123" or "Patient/123/_history/2" -> true with type and id split out.
bool split_relative(std::string_view reference, std::string_view& type, std::string_view& id) {
  auto slash = reference.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  type = reference.substr(0, slash);
  auto rest = reference.substr(slash + 1);
  auto history = rest.find("/_history/");
  id = history == std::string_view::npos ? rest : rest.substr(0, history);
  if (id.empty() || id.find('/') != std::string_view::npos) return false;
  if (!(type.front() >= 'A' && type.front() <= 'Z')) return false;
  return true;
}

std::string type_id_key(std::string_view type, std::string_view id) {
  std::string key;
  key.reserve(type.size() + id.size() + 1);
  key.append(type).push_back('/');
  key.append(id);
  return key;
}

}  // namespace

std::string_view restful_base(std::string_view full_url) {
  if (!(full_url.starts_with("http://") || full_url.starts_with("https://"))) return {};
  auto history = full_url.find("/_history/");
  if (history != std::string_view::npos) full_url = full_url.substr(0, history);
  auto last = full_url.rfind('/');
  if (last == std::string_view::npos) return {};
  auto type_slash = full_url.rfind('/', last - 1);
  if (type_slash == std::string_view::npos) return {};
  return full_url.substr(0, type_slash + 1);
}

bundle_index::bundle_index(const rapidjson::Value& bundle) {
  if (!bundle.IsObject()) return;
  auto entry_it = bundle.FindMember("entry");
  if (entry_it == bundle.MemberEnd() || !entry_it->value.IsArray()) return;
  const auto& array = entry_it->value;
  entries_.reserve(array.Size());
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    const auto& entry = array[i];
    if (!entry.IsObject()) continue;
    bundle_entry e;
    e.index = i;
    e.full_url = string_member(entry, "fullUrl");
    auto res = entry.FindMember("resource");
    if (res != entry.MemberEnd() && res->value.IsObject()) {
      e.resource = &res->value;
      e.resource_type = string_member(res->value, "resourceType");
      e.id = string_member(res->value, "id");
    }
    entries_.push_back(e);
  }
  for (std::size_t k = 0; k < entries_.size(); ++k) {
    const auto& e = entries_[k];
    if (!e.full_url.empty()) by_full_url_.emplace(e.full_url, k);
    if (!e.resource_type.empty() && !e.id.empty()) by_type_id_.emplace(type_id_key(e.resource_type, e.id), k);
  }
}

const bundle_entry* bundle_index::resolve(std::string_view reference, const bundle_entry* from) const {
  if (reference.empty() || reference.front() == '#') return nullptr;
  if (auto it = by_full_url_.find(reference); it != by_full_url_.end()) return &entries_[it->second];
  std::string_view type, id;
  if (!split_relative(reference, type, id)) return nullptr;
  // Absolute URL references: compare on their trailing Type/id against a RESTful fullUrl.
  if (reference.find("://") != std::string_view::npos) return nullptr;
  if (from != nullptr) {
    auto base = restful_base(from->full_url);
    if (!base.empty()) {
      std::string absolute(base);
      absolute.append(type).push_back('/');
      absolute.append(id);
      if (auto it = by_full_url_.find(absolute); it != by_full_url_.end()) return &entries_[it->second];
    }
  }
  if (auto it = by_type_id_.find(type_id_key(type, id)); it != by_type_id_.end())
    return &entries_[it->second];
  return nullptr;
}

std::vector<const bundle_entry*> bundle_index::of_type(std::string_view resource_type) const {
  std::vector<const bundle_entry*> out;
  for (const auto& e : entries_)
    if (e.resource_type == resource_type) out.push_back(&e);
  return out;
}

}  // namespace homebase::fhir
