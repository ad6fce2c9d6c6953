#include "fhir/json_document.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

namespace homebase::fhir {
namespace {

constexpr unsigned parse_flags = rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag |
                                 rapidjson::kParseValidateEncodingFlag;

// Walks the tree without recursion; reports the first excess of depth or a repeated key.
std::optional<std::string> check_shape(const rapidjson::Value& root, std::size_t max_depth) {
  struct frame {
    const rapidjson::Value* value;
    std::size_t depth;
  };
  std::vector<frame> stack{{&root, 1}};
  std::vector<std::string_view> keys;
  while (!stack.empty()) {
    auto [value, depth] = stack.back();
    stack.pop_back();
    if (depth > max_depth)
      return "JSON nesting exceeds the limit of " + std::to_string(max_depth) + " levels";
    if (value->IsObject()) {
      auto count = value->MemberCount();
      if (count > 1 && count <= 12) {
        // FHIR objects are small: comparing each pair beats sorting, and allocates nothing.
        auto begin = value->MemberBegin();
        for (auto i = begin; i != value->MemberEnd(); ++i)
          for (auto j = begin; j != i; ++j)
            if (i->name.GetStringLength() == j->name.GetStringLength() &&
                std::memcmp(i->name.GetString(), j->name.GetString(), i->name.GetStringLength()) == 0)
              return "duplicate JSON key \"" + std::string(i->name.GetString(), i->name.GetStringLength()) +
                     "\"";
      } else if (count > 12) {
        keys.clear();
        for (const auto& m : value->GetObject())
          keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
        std::sort(keys.begin(), keys.end());
        auto dup = std::adjacent_find(keys.begin(), keys.end());
        if (dup != keys.end()) return "duplicate JSON key \"" + std::string(*dup) + "\"";
      }
      for (const auto& m : value->GetObject())
        if (m.value.IsObject() || m.value.IsArray()) stack.push_back({&m.value, depth + 1});
    } else if (value->IsArray()) {
      for (const auto& v : value->GetArray())
        if (v.IsObject() || v.IsArray()) stack.push_back({&v, depth + 1});
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<json_error> parse_json(std::string_view text, rapidjson::Document& document,
                                     const json_limits& limits) {
  document.Parse<parse_flags>(text.data(), text.size());
  if (document.HasParseError()) {
    return json_error{rapidjson::GetParseError_En(document.GetParseError()), document.GetErrorOffset()};
  }
  if (auto problem = check_shape(document, limits.max_depth)) return json_error{*problem, 0};
  return std::nullopt;
}

std::optional<json_error> parse_json_in_place(std::string& buffer, rapidjson::Document& document,
                                              const json_limits& limits) {
  // RapidJSON's in-situ parser stops at the first NUL; a NUL inside the text is not JSON anyway, but
  // reading past it would hide the rest, so refuse it explicitly.
  if (auto nul = buffer.find('\0'); nul != std::string::npos)
    return json_error{"NUL byte in the JSON text", nul};
  document.ParseInsitu<parse_flags>(buffer.data());
  if (document.HasParseError()) {
    return json_error{rapidjson::GetParseError_En(document.GetParseError()), document.GetErrorOffset()};
  }
  if (auto problem = check_shape(document, limits.max_depth)) return json_error{*problem, 0};
  return std::nullopt;
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string_view get_string(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const rapidjson::Value* get_object(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

const rapidjson::Value* get_array(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

}  // namespace homebase::fhir
