// bundle_index: finds the entries of a Bundle by fullUrl and by "Type/id", and resolves references
// between them as R4 bundle.html §2.36.4.1 describes (look inside the Bundle first).
//
// The index borrows the Bundle: it holds pointers into the rapidjson tree and must not outlive it.
// Not thread-safe; build one per request.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace homebase::fhir {

struct bundle_entry {
  std::size_t index = 0;                       // position in Bundle.entry
  std::string_view full_url;                   // empty when absent
  std::string_view resource_type;              // empty when the entry has no resource
  std::string_view id;                         // Resource.id, may be empty
  const rapidjson::Value* resource = nullptr;  // null when the entry has no resource
};

class bundle_index {
 public:
  // `bundle` must be a JSON object; entries that are not objects are skipped (the validator reports them).
  explicit bundle_index(const rapidjson::Value& bundle);

  [[nodiscard]] const std::vector<bundle_entry>& entries() const { return entries_; }

  // Resolves a Reference.reference string against the Bundle: a fullUrl match first; then a relative
  // "Type/id" made absolute against the referring entry's RESTful base, or matched on Type/id when the
  // entries use urn:uuid fullUrls; "#id" (contained) is not resolved here. Returns null when nothing matches.
  [[nodiscard]] const bundle_entry* resolve(std::string_view reference,
                                            const bundle_entry* from = nullptr) const;

  // All entries whose resource has the given resourceType, in Bundle order.
  [[nodiscard]] std::vector<const bundle_entry*> of_type(std::string_view resource_type) const;

 private:
  std::vector<bundle_entry> entries_;
  std::unordered_map<std::string_view, std::size_t> by_full_url_;
  std::unordered_map<std::string, std::size_t> by_type_id_;
};

// The base of a RESTful fullUrl ("http://x/fhir/Patient/1" -> "http://x/fhir/"), empty when not RESTful.
[[nodiscard]] std::string_view restful_base(std::string_view full_url);

}  // namespace homebase::fhir
