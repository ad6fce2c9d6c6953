#include "corpus_support.hpp"

#include <fnmatch.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdio.h>  // popen

#include <fstream>
#include <sstream>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::fhir::testing {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, std::string> read_list(const std::string& path) {
  std::map<std::string, std::string> entries;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto hash = line.find(" # ");
    EXPECT_NE(hash, std::string::npos) << path << ": entry without a reason: " << line;
    if (hash == std::string::npos) continue;
    entries.emplace(line.substr(0, hash), line.substr(hash + 3));
  }
  return entries;
}

std::vector<const issue*> errors_of(const operation_outcome& o) {
  std::vector<const issue*> out;
  for (const auto& i : o.issues()) {
    if (i.severity == issue_severity::error || i.severity == issue_severity::fatal) out.push_back(&i);
  }
  return out;
}

operation_outcome validate_text(const std::string& text) {
  rapidjson::Document d;
  operation_outcome o;
  if (auto e = parse_json(text, d, {128})) {
    o.add(issue_severity::error, "invalid", e->message);
    return o;
  }
  validator().validate(d, o);
  return o;
}

independent_verdicts run_independent(const fs::path& dir) {
  independent_verdicts v;
  const std::string command = "node '" + std::string(HOMEBASE_TEST_DATA_DIR) +
                              "/tools/validate-corpus.mjs' --errors-only '" + dir.string() + "' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (!pipe) return v;
  std::string output;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  ::pclose(pipe);
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("medplum")) continue;
    const std::string key = fs::relative(fs::path(d["file"].GetString()), dir).generic_string();
    v.medplum[key] = d["medplum"]["valid"].GetBool();
    v.schema[key] = d["schema"]["valid"].GetBool();
  }
  return v;
}

const std::string* matching_entry(const std::map<std::string, std::string>& listed,
                                  const std::string& entry) {
  for (const auto& [pattern, reason] : listed) {
    if (::fnmatch(pattern.c_str(), entry.c_str(), 0) == 0) return &pattern;
  }
  return nullptr;
}

std::size_t check_agreement(const std::map<std::string, bool>& ours, const independent_verdicts& theirs,
                            const std::string& list_path) {
  const auto listed = read_list(list_path);
  std::map<std::string, int> used;
  std::size_t agreements = 0;
  for (const auto& [key, valid] : ours) {
    for (const auto& [engine, table] :
         {std::pair<std::string, const std::map<std::string, bool>*>{"medplum", &theirs.medplum},
          {"schema", &theirs.schema}}) {
      auto it = table->find(key);
      if (it == table->end()) {
        ADD_FAILURE() << key << ": no " << engine << " verdict from validate-corpus.mjs";
        continue;
      }
      const std::string entry = key + " " + engine;
      if (it->second == valid) {
        ++agreements;
      } else if (const std::string* pattern = matching_entry(listed, entry)) {
        used[*pattern]++;
      } else {
        ADD_FAILURE() << entry << ": homebase says " << (valid ? "valid" : "invalid") << ", " << engine
                      << " says " << (it->second ? "valid" : "invalid");
      }
    }
  }
  for (const auto& [pattern, reason] : listed) {
    EXPECT_GT(used[pattern], 0) << list_path << ": '" << pattern << "' matches no disagreement any more";
  }
  return agreements;
}

}  // namespace homebase::fhir::testing
