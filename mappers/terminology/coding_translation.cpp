#include "mappers/terminology/coding_translation.hpp"

#include <string_view>

namespace homebase::mappers::terminology {
namespace {

using rapidjson::Value;

std::string_view string_member(const Value& object, const char* name) {
  auto m = object.FindMember(name);
  if (m == object.MemberEnd() || !m->value.IsString()) return {};
  return {m->value.GetString(), m->value.GetStringLength()};
}

bool is_coding(const Value& v) {
  return v.IsObject() && !string_member(v, "system").empty() && !string_member(v, "code").empty();
}

// Walks the tree depth first. `path_` is the element path of the node being visited: each step appends
// its part and cuts it off again, so no path is built unless a note needs it.
class walker {
 public:
  walker(rapidjson::Document::AllocatorType& allocator, const std::vector<concept_map>& maps,
         std::string root_name)
      : allocator_(allocator), maps_(maps), path_(std::move(root_name)) {}

  void visit(Value& v) {
    if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        auto mark = enter_index(i);
        visit(v[i]);
        path_.resize(mark);
      }
      return;
    }
    if (!v.IsObject()) return;
    if (is_coding(v)) note_unplaceable(v);
    for (auto& m : v.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      auto mark = path_.size();
      path_.append(".").append(name);
      if (m.value.IsArray() && name == "coding")
        translate_array(m.value);
      else
        visit(m.value);
      path_.resize(mark);
    }
  }

  std::vector<inbound::mapping_note> notes;

 private:
  std::size_t enter_index(rapidjson::SizeType i) {
    auto mark = path_.size();
    path_.append("[").append(std::to_string(i)).append("]");
    return mark;
  }

  // A CodeableConcept.coding array: targets are appended after the codings the sender wrote, and only
  // those are looked up (an added coding is never translated again).
  void translate_array(Value& codings) {
    const rapidjson::SizeType original = codings.Size();
    for (rapidjson::SizeType i = 0; i < original; ++i) {
      auto mark = enter_index(i);
      if (is_coding(codings[i])) {
        // Copied: appending to the array may move its items.
        std::string system(string_member(codings[i], "system"));
        std::string code(string_member(codings[i], "code"));
        for (const auto& map : maps_) {
          const auto* targets = map.find(system, code);
          if (targets == nullptr) continue;
          for (const auto& t : *targets) {
            if (contains(codings, t)) continue;
            Value added(rapidjson::kObjectType);
            added.AddMember("system", Value(t.system.c_str(), allocator_), allocator_);
            added.AddMember("code", Value(t.code.c_str(), allocator_), allocator_);
            if (!t.display.empty())
              added.AddMember("display", Value(t.display.c_str(), allocator_), allocator_);
            codings.PushBack(added, allocator_);
            notes.push_back({"information", path_,
                             "translated " + system + "|" + code + " to " + t.system + "|" + t.code +
                                 " (ConceptMap " + map.url() + ", " + t.equivalence + ")"});
          }
        }
        // Its members (extensions may hold more codings); the coding itself was handled here.
        for (auto& m : codings[i].GetObject()) {
          auto member_mark = path_.size();
          path_.append(".").append(m.name.GetString(), m.name.GetStringLength());
          visit(m.value);
          path_.resize(member_mark);
        }
      } else {
        visit(codings[i]);
      }
      path_.resize(mark);
    }
  }

  static bool contains(const Value& codings, const target_coding& t) {
    for (const auto& c : codings.GetArray())
      if (c.IsObject() && string_member(c, "system") == t.system && string_member(c, "code") == t.code)
        return true;
    return false;
  }

  // A Coding outside a CodeableConcept that a map knows: reported, not changed.
  void note_unplaceable(const Value& coding) {
    auto system = string_member(coding, "system");
    auto code = string_member(coding, "code");
    for (const auto& map : maps_)
      if (map.find(system, code) != nullptr) {
        notes.push_back({"information", path_,
                         "not translated: " + std::string(system) + "|" + std::string(code) +
                             " is not in a CodeableConcept, so no equivalent can be added next to it "
                             "(ConceptMap " +
                             map.url() + ")"});
        return;
      }
  }

  rapidjson::Document::AllocatorType& allocator_;
  const std::vector<concept_map>& maps_;
  std::string path_;
};

}  // namespace

std::vector<inbound::mapping_note> translate_codings(rapidjson::Value& root,
                                                     rapidjson::Document::AllocatorType& allocator,
                                                     const std::vector<concept_map>& maps,
                                                     const std::string& root_name) {
  if (maps.empty()) return {};
  walker w(allocator, maps, root_name);
  w.visit(root);
  return std::move(w.notes);
}

}  // namespace homebase::mappers::terminology
