#include "fhir/json_patch.hpp"

#include <rapidjson/pointer.h>

#include <vector>

namespace homebase::fhir {
namespace {

using pointer = rapidjson::Pointer;
using kind = json_patch_error::kind;

struct op_context {
  std::size_t index = 0;
  std::string op;
  std::string path;
  std::optional<json_patch_error> fail(kind k, const std::string& why) const {
    return json_patch_error{k, "operation " + std::to_string(index) + " (" + op + " " + path + "): " + why};
  }
};

// The parent of the pointer's target (the document itself for a one-token pointer).
rapidjson::Value* parent_of(rapidjson::Document& doc, const pointer& p) {
  if (p.GetTokenCount() == 0) return nullptr;
  pointer parent(p.GetTokens(), p.GetTokenCount() - 1);
  return parent.Get(doc);
}

// RFC 6901 array index: "0" or digits without a leading zero; "-" (past the end) only where allowed.
std::optional<rapidjson::SizeType> array_index(const pointer::Token& t, rapidjson::SizeType size,
                                               bool allow_end) {
  std::string_view name(t.name, t.length);
  if (name == "-") return allow_end ? std::optional<rapidjson::SizeType>(size) : std::nullopt;
  if (t.index == rapidjson::kPointerInvalidIndex) return std::nullopt;
  if (name.size() > 1 && name.front() == '0') return std::nullopt;
  if (t.index > size || (!allow_end && t.index == size)) return std::nullopt;
  return t.index;
}

std::optional<json_patch_error> add(rapidjson::Document& doc, const pointer& p, rapidjson::Value& value,
                                    const op_context& c) {
  if (p.GetTokenCount() == 0) {
    doc.CopyFrom(value, doc.GetAllocator());
    return std::nullopt;
  }
  auto* parent = parent_of(doc, p);
  if (parent == nullptr) return c.fail(kind::failed, "the parent of the path does not exist");
  const auto& last = p.GetTokens()[p.GetTokenCount() - 1];
  auto& a = doc.GetAllocator();
  if (parent->IsArray()) {
    auto at = array_index(last, parent->Size(), true);
    if (!at) return c.fail(kind::failed, "not an index of the array");
    parent->PushBack(value, a);
    // Rotate the new element into its place.
    for (auto i = parent->Size() - 1; i > *at; --i) (*parent)[i].Swap((*parent)[i - 1]);
    return std::nullopt;
  }
  if (!parent->IsObject()) return c.fail(kind::failed, "the parent of the path is neither object nor array");
  rapidjson::Value name(last.name, last.length, a);
  if (auto it = parent->FindMember(name); it != parent->MemberEnd()) {
    it->value = value;
  } else {
    parent->AddMember(name, value, a);
  }
  return std::nullopt;
}

std::optional<json_patch_error> remove(rapidjson::Document& doc, const pointer& p, const op_context& c) {
  if (p.GetTokenCount() == 0) return c.fail(kind::failed, "the whole document cannot be removed");
  auto* parent = parent_of(doc, p);
  if (parent == nullptr || p.Get(doc) == nullptr) return c.fail(kind::failed, "the path does not exist");
  const auto& last = p.GetTokens()[p.GetTokenCount() - 1];
  if (parent->IsArray()) {
    auto at = array_index(last, parent->Size(), false);
    if (!at) return c.fail(kind::failed, "not an index of the array");
    parent->Erase(parent->Begin() + *at);
    return std::nullopt;
  }
  rapidjson::Value name(last.name, last.length);
  parent->EraseMember(name);
  return std::nullopt;
}

const rapidjson::Value* member(const rapidjson::Value& op, const char* name) {
  auto it = op.FindMember(name);
  return it == op.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

std::optional<json_patch_error> apply_json_patch(rapidjson::Document& doc, const rapidjson::Value& patch) {
  if (!patch.IsArray()) return json_patch_error{kind::malformed, "a JSON Patch is an array of operations"};
  std::size_t index = 0;
  for (const auto& op : patch.GetArray()) {
    op_context c;
    c.index = index++;
    if (!op.IsObject()) return c.fail(kind::malformed, "an operation is an object");
    const auto* op_name = member(op, "op");
    const auto* path_text = member(op, "path");
    if (op_name == nullptr || !op_name->IsString()) return c.fail(kind::malformed, "'op' is missing");
    if (path_text == nullptr || !path_text->IsString()) return c.fail(kind::malformed, "'path' is missing");
    c.op = op_name->GetString();
    c.path = path_text->GetString();
    pointer path(path_text->GetString(), path_text->GetStringLength());
    if (!path.IsValid()) return c.fail(kind::malformed, "'path' is not a JSON Pointer");
    const auto* value = member(op, "value");
    const auto* from_text = member(op, "from");
    auto need_value = [&]() -> std::optional<json_patch_error> {
      if (value == nullptr) return c.fail(kind::malformed, "'value' is missing");
      return std::nullopt;
    };
    std::optional<json_patch_error> error;
    if (c.op == "add" || c.op == "replace" || c.op == "test") {
      if ((error = need_value())) return error;
      if (c.op == "test") {
        const auto* target = path.Get(doc);
        if (target == nullptr) return c.fail(kind::failed, "the path does not exist");
        if (!(*target == *value)) return c.fail(kind::failed, "the value is not the one tested for");
        continue;
      }
      rapidjson::Value copy(*value, doc.GetAllocator());
      if (c.op == "replace") {
        if (path.Get(doc) == nullptr) return c.fail(kind::failed, "the path does not exist");
        if (path.GetTokenCount() == 0) {
          doc.CopyFrom(copy, doc.GetAllocator());
        } else {
          *path.Get(doc) = copy;
        }
        continue;
      }
      if ((error = add(doc, path, copy, c))) return error;
    } else if (c.op == "remove") {
      if ((error = remove(doc, path, c))) return error;
    } else if (c.op == "move" || c.op == "copy") {
      if (from_text == nullptr || !from_text->IsString()) return c.fail(kind::malformed, "'from' is missing");
      pointer from(from_text->GetString(), from_text->GetStringLength());
      if (!from.IsValid()) return c.fail(kind::malformed, "'from' is not a JSON Pointer");
      const auto* source = from.Get(doc);
      if (source == nullptr) return c.fail(kind::failed, "'from' does not exist");
      std::string_view from_view(from_text->GetString(), from_text->GetStringLength());
      if (c.op == "move" && c.path.size() > from_view.size() && c.path.starts_with(from_view) &&
          c.path[from_view.size()] == '/')
        return c.fail(kind::failed, "a value cannot be moved into one of its own children");
      rapidjson::Value copy(*source, doc.GetAllocator());
      if (c.op == "move" && c.path != from_view) {
        if ((error = remove(doc, from, c))) return error;
      } else if (c.op == "move") {
        continue;
      }
      if ((error = add(doc, path, copy, c))) return error;
    } else {
      return c.fail(kind::malformed, "unknown op (add, remove, replace, move, copy, test)");
    }
  }
  return std::nullopt;
}

}  // namespace homebase::fhir
