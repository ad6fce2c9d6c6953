#include "fhir/message_bundle.hpp"

#include <string_view>
#include <unordered_set>

#include "fhir/bundle_index.hpp"
#include "fhir/json_document.hpp"

namespace homebase::fhir {
namespace {

std::string entry_path(std::size_t i) {
  return "Bundle.entry[" + std::to_string(i) + "]";
}

struct reference_walker {
  const bundle_index& index;
  const bundle_entry& from;
  operation_outcome& outcome;
  int budget = 200;  // cap the number of unresolved-reference issues reported for one message

  // Contained resources' ids, so that "#id" references can be checked.
  std::unordered_set<std::string_view> contained_ids;

  void walk(const rapidjson::Value& value, std::string& path) {
    if (value.IsObject()) {
      for (const auto& m : value.GetObject()) {
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        auto keep = path.size();
        path.push_back('.');
        path.append(name);
        if (name == "reference" && m.value.IsString()) {
          check(std::string_view(m.value.GetString(), m.value.GetStringLength()), path);
        } else if (m.value.IsObject() || m.value.IsArray()) {
          walk(m.value, path);
        }
        path.resize(keep);
      }
    } else if (value.IsArray()) {
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        if (!value[i].IsObject() && !value[i].IsArray()) continue;
        auto keep = path.size();
        path.append("[").append(std::to_string(i)).append("]");
        walk(value[i], path);
        path.resize(keep);
      }
    }
  }

  void check(std::string_view reference, const std::string& path) {
    if (budget <= 0) return;
    if (reference.starts_with("#")) {
      if (reference.size() == 1 || contained_ids.contains(reference.substr(1))) return;
      --budget;
      outcome.add(issue_severity::error, "not-found",
                  "contained reference '" + std::string(reference) + "' matches no contained resource", path);
      return;
    }
    // Absolute http(s) references may point outside the message; urn: and relative ones must resolve inside.
    bool absolute_url = reference.starts_with("http://") || reference.starts_with("https://");
    if (absolute_url) return;
    if (index.resolve(reference, &from) != nullptr) return;
    --budget;
    outcome.add(issue_severity::error, "not-found",
                "reference '" + std::string(reference) + "' resolves to no entry of this message Bundle",
                path);
  }
};

}  // namespace

message_check check_message_bundle(const rapidjson::Value& bundle) {
  message_check result;
  auto& out = result.outcome;
  auto fail_structure = [&](std::string text, std::string path) {
    result.http_status = 400;
    out.add(issue_severity::error, "structure", std::move(text), std::move(path));
    return result;
  };
  if (!bundle.IsObject()) return fail_structure("the body is not a JSON object", "");
  auto resource_type = get_string(bundle, "resourceType");
  if (resource_type != "Bundle")
    return fail_structure(
        "expected a Bundle of type 'message', got resourceType '" + std::string(resource_type) + "'",
        "resourceType");
  auto type = get_string(bundle, "type");
  if (type != "message")
    return fail_structure("expected Bundle.type 'message', got '" + std::string(type) + "'", "Bundle.type");

  result.envelope.bundle_id = std::string(get_string(bundle, "id"));
  result.envelope.timestamp = std::string(get_string(bundle, "timestamp"));
  if (result.envelope.bundle_id.empty())
    out.add(issue_severity::error, "required",
            "Bundle.id is required for reliable messaging (duplicate detection)", "Bundle.id");

  const auto* entries = get_array(bundle, "entry");
  if (entries == nullptr || entries->Empty()) {
    out.add(issue_severity::error, "required",
            "a message Bundle needs a MessageHeader as its first entry (bdl-12)", "Bundle.entry");
    result.http_status = 422;
    return result;
  }

  std::unordered_set<std::string_view> full_urls;
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    const auto& entry = (*entries)[i];
    auto path = entry_path(i);
    if (!entry.IsObject()) {
      out.add(issue_severity::error, "structure", "a Bundle entry must be a JSON object", path);
      continue;
    }
    if (entry.HasMember("request"))
      out.add(issue_severity::error, "invariant", "entry.request is prohibited in a message Bundle (bdl-3)",
              path + ".request");
    if (entry.HasMember("response"))
      out.add(issue_severity::error, "invariant", "entry.response is prohibited in a message Bundle (bdl-4)",
              path + ".response");
    if (entry.HasMember("search"))
      out.add(issue_severity::error, "invariant", "entry.search is only allowed in a searchset (bdl-2)",
              path + ".search");
    const auto* resource = get_object(entry, "resource");
    if (resource == nullptr) {
      out.add(issue_severity::error, "required",
              "every entry of a message Bundle must carry a resource (bdl-5)", path + ".resource");
    } else if (get_string(*resource, "resourceType").empty()) {
      out.add(issue_severity::error, "structure", "the entry's resource has no resourceType",
              path + ".resource");
    }
    auto full_url = get_string(entry, "fullUrl");
    if (!full_url.empty()) {
      if (full_url.find("/_history/") != std::string_view::npos)
        out.add(issue_severity::error, "invariant", "fullUrl cannot be a version specific reference (bdl-8)",
                path + ".fullUrl");
      if (!full_urls.insert(full_url).second)
        out.add(issue_severity::error, "invariant",
                "fullUrl '" + std::string(full_url) + "' is not unique in the Bundle (bdl-7)",
                path + ".fullUrl");
    }
  }

  const auto& first = (*entries)[0];
  const auto* header = first.IsObject() ? get_object(first, "resource") : nullptr;
  if (header == nullptr || get_string(*header, "resourceType") != "MessageHeader") {
    out.add(issue_severity::error, "invariant",
            "a message must have a MessageHeader as the first resource (bdl-12)", "Bundle.entry[0].resource");
  } else {
    auto& env = result.envelope;
    env.header_id = std::string(get_string(*header, "id"));
    if (env.header_id.empty())
      out.add(issue_severity::error, "required", "MessageHeader.id is required for reliable messaging",
              "Bundle.entry[0].resource.id");
    if (const auto* coding = get_object(*header, "eventCoding")) {
      env.event_system = std::string(get_string(*coding, "system"));
      env.event_code = std::string(get_string(*coding, "code"));
    } else {
      env.event_code = std::string(get_string(*header, "eventUri"));
    }
    if (env.event_code.empty())
      out.add(issue_severity::error, "required", "MessageHeader.event[x] is required",
              "Bundle.entry[0].resource.event[x]");
    const auto* source = get_object(*header, "source");
    env.source_endpoint = source != nullptr ? std::string(get_string(*source, "endpoint")) : std::string();
    if (env.source_endpoint.empty())
      out.add(issue_severity::error, "required", "MessageHeader.source.endpoint is required",
              "Bundle.entry[0].resource.source.endpoint");
  }

  // References between entries.
  bundle_index index(bundle);
  std::string path;
  for (const auto& e : index.entries()) {
    if (e.resource == nullptr) continue;
    reference_walker walker{index, e, out, 200, {}};
    if (const auto* contained = get_array(*e.resource, "contained"))
      for (const auto& c : contained->GetArray()) {
        auto id = get_string(c, "id");
        if (!id.empty()) walker.contained_ids.insert(id);
      }
    path = entry_path(e.index) + ".resource";
    walker.walk(*e.resource, path);
  }

  if (out.has_errors()) result.http_status = 422;
  return result;
}

}  // namespace homebase::fhir
