// message_variants: the seed story with other envelope ids or another child, for tests that need
// distinct or repeated messages. Header-only test helper over RapidJSON.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::testing {

struct variant {
  std::string bundle_id{};
  std::string header_id{};
  std::string mrn{};              // replaces the Patient's first identifier value when not empty
  std::string gp_npi{};           // replaces the generalPractitioner organisation's NPI when not empty
  std::string source_endpoint{};  // replaces MessageHeader.source.endpoint when not empty
};

inline std::string make_variant(const std::string& fixture_text, const variant& v) {
  rapidjson::Document doc;
  doc.Parse(fixture_text.c_str());
  auto& alloc = doc.GetAllocator();
  auto set = [&alloc](rapidjson::Value& obj, const char* key, const std::string& value) {
    if (value.empty()) return;
    rapidjson::Value text(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), alloc);
    if (obj.HasMember(key))
      obj[key] = text;
    else
      obj.AddMember(rapidjson::StringRef(key), text, alloc);
  };
  set(doc, "id", v.bundle_id);
  auto& entries = doc["entry"];
  set(entries[0]["resource"], "id", v.header_id);
  if (!v.source_endpoint.empty()) set(entries[0]["resource"]["source"], "endpoint", v.source_endpoint);
  for (auto& e : entries.GetArray()) {
    auto& r = e["resource"];
    std::string type = r["resourceType"].GetString();
    if (type == "Patient" && !v.mrn.empty()) {
      set(r["identifier"][0], "value", v.mrn);
      // Another child is another family: patient matching would otherwise (rightly) take a child born the
      // same day to the same mother under the same name for the seed's child with a new MRN.
      if (r.HasMember("name"))
        for (auto& n : r["name"].GetArray())
          if (n.HasMember("family")) set(n, "family", std::string(n["family"].GetString()) + "-" + v.mrn);
    }
    if (type == "RelatedPerson" && !v.mrn.empty()) {
      for (const char* list : {"identifier", "telecom"})
        if (r.HasMember(list))
          for (auto& item : r[list].GetArray())
            if (item.HasMember("value"))
              set(item, "value", std::string(item["value"].GetString()) + "-" + v.mrn);
    }
    if (type == "Organization" && !v.gp_npi.empty() && r.HasMember("identifier")) {
      for (auto& id : r["identifier"].GetArray())
        if (std::string(id["system"].GetString()) == "http://hl7.org/fhir/sid/us-npi" &&
            std::string(id["value"].GetString()) == "1234567893")
          set(id, "value", v.gp_npi);
    }
  }
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  doc.Accept(w);
  return {b.GetString(), b.GetSize()};
}

inline std::string seed_text() {
  return read_file(test_data("fixtures/anjali-nicu-discharge.json"));
}

}  // namespace homebase::testing
