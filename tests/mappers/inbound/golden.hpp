// Golden files of the inbound translators: the record a fixture translates to, as record_codec JSON
// (pretty-printed) in tests/mappers/golden/inbound/. HOMEBASE_UPDATE_GOLDEN=1 rewrites them.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "mappers/inbound/translation.hpp"
#include "mappers/model/record_codec.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::testing {

inline std::string golden_text(const inbound::translation& t) {
  rapidjson::Document doc;
  auto json = model::encode(t.record);
  doc.Parse(json.data(), json.size());
  // The notes belong to the answer the sender gets: kept next to the record.
  rapidjson::Value notes(rapidjson::kArrayType);
  for (const auto& n : t.notes) {
    rapidjson::Value note(rapidjson::kObjectType);
    note.AddMember("severity", rapidjson::Value(n.severity.c_str(), doc.GetAllocator()), doc.GetAllocator());
    note.AddMember("expression", rapidjson::Value(n.expression.c_str(), doc.GetAllocator()),
                   doc.GetAllocator());
    note.AddMember("text", rapidjson::Value(n.text.c_str(), doc.GetAllocator()), doc.GetAllocator());
    notes.PushBack(note, doc.GetAllocator());
  }
  doc.AddMember("notes", notes, doc.GetAllocator());
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

inline void expect_golden(const inbound::translation& t, const std::string& name) {
  auto path = data_path("mappers/golden/inbound/" + name + ".json");
  auto text = golden_text(t);
  if (std::getenv("HOMEBASE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
    GTEST_SKIP() << "rewrote " << path;
  }
  EXPECT_EQ(text, read_text(path)) << "golden " << path << " differs; HOMEBASE_UPDATE_GOLDEN=1 rewrites it";
}

}  // namespace homebase::mappers::testing
