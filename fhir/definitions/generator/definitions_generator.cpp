// homebase_defgen: reads the official FHIR R4 definition bundles and writes the compact model that
// fhir/definitions/type_registry loads at start-up (see fhir/definitions/README.md for the format).
//
//   homebase_defgen OUT.json OUT.cpp profiles-types.json profiles-resources.json valuesets.json
//   v3-codesystems.json
//
// Inputs may be xz-compressed (NAME.json.xz, read through `xz -dc`).
//
// OUT.cpp embeds OUT.json in the library as a string constant (embedded_r4_model()), so that the gateway
// and its tests need no data files at run time.
//
// It keeps, for every resource, data type and primitive: kind, base type, abstractness, the primitive's
// regex, and per snapshot element its path, cardinality, types (with Reference targets and type profiles),
// contentReference, required binding and constraints. Constraints are stored once and referenced by
// index. Every value set named by a required binding is expanded from the CodeSystems and ValueSets of
// the input bundles; one that cannot be expanded from them (UCUM, BCP-47, MIME types...) is written with
// the reason instead of codes. This is a build-time tool: it reports problems and exits non-zero.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdio.h>  // popen

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using code_set = std::set<std::pair<std::string, std::string>>;  // (system, code)

std::string_view str(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string last_segment(std::string_view url) {
  auto slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

std::string strip_version(std::string_view url) {
  auto bar = url.find('|');
  return std::string(bar == std::string_view::npos ? url : url.substr(0, bar));
}

// The text of `path`; a ".xz" file is read through `xz -dc` (the repository keeps the official files
// compressed, byte for byte unchanged inside).
std::string read_text(const std::string& path) {
  if (path.ends_with(".xz")) {
    if (path.find('\'') != std::string::npos) throw std::runtime_error("unsupported path: " + path);
    const std::string command = "xz -dc '" + path + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string text;
    char buffer[1 << 16];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
    if (::pclose(pipe) != 0) throw std::runtime_error(command + " failed");
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<rapidjson::Document> load(const std::string& path) {
  auto doc = std::make_unique<rapidjson::Document>();
  const std::string s = read_text(path);
  doc->Parse(s.data(), s.size());
  if (doc->HasParseError()) {
    throw std::runtime_error(path + ": " + rapidjson::GetParseError_En(doc->GetParseError()) + " at " +
                             std::to_string(doc->GetErrorOffset()));
  }
  return doc;
}

// ---- code systems and value sets -------------------------------------------------------------------

struct code_system {
  std::string url;
  std::string content;                                   // complete, fragment, not-present, ...
  std::vector<std::string> codes;                        // every code, in definition order
  std::map<std::string, std::vector<std::string>> kids;  // code -> direct children
};

void collect_concepts(const rapidjson::Value& concepts, const std::string& parent, code_system& cs) {
  for (const auto& c : concepts.GetArray()) {
    std::string code(str(c, "code"));
    if (code.empty()) continue;
    cs.codes.push_back(code);
    if (!parent.empty()) cs.kids[parent].push_back(code);
    if (const auto* props = member(c, "property"); props && props->IsArray()) {
      for (const auto& p : props->GetArray()) {
        if (str(p, "code") == "subsumedBy" || str(p, "code") == "parent") {
          std::string up(str(p, "valueCode"));
          if (!up.empty()) cs.kids[up].push_back(code);
        }
      }
    }
    if (const auto* nested = member(c, "concept"); nested && nested->IsArray()) {
      collect_concepts(*nested, code, cs);
    }
  }
}

class terminology {
 public:
  void add_bundle(const rapidjson::Value& bundle) {
    const auto* entries = member(bundle, "entry");
    if (!entries || !entries->IsArray()) return;
    for (const auto& e : entries->GetArray()) {
      const auto* r = member(e, "resource");
      if (!r) continue;
      const auto type = str(*r, "resourceType");
      const std::string url(str(*r, "url"));
      if (type == "CodeSystem" && !url.empty()) {
        code_system cs;
        cs.url = url;
        cs.content = std::string(str(*r, "content"));
        if (const auto* c = member(*r, "concept"); c && c->IsArray()) collect_concepts(*c, {}, cs);
        systems_.emplace(url, std::move(cs));
      } else if (type == "ValueSet" && !url.empty()) {
        value_sets_.emplace(url, r);
      }
    }
  }

  // The codes of the value set, or the reason it cannot be expanded here.
  std::pair<std::optional<code_set>, std::string> expand(const std::string& url) {
    if (auto it = cache_.find(url); it != cache_.end()) return it->second;
    if (in_progress_.count(url)) return {std::nullopt, "value set includes itself: " + url};
    in_progress_.insert(url);
    auto result = expand_uncached(url);
    in_progress_.erase(url);
    cache_[url] = result;
    return result;
  }

 private:
  std::pair<std::optional<code_set>, std::string> expand_uncached(const std::string& url) {
    auto vs = value_sets_.find(url);
    if (vs == value_sets_.end()) return {std::nullopt, "value set not in the R4 definitions: " + url};
    const rapidjson::Value& v = *vs->second;
    const auto* compose = member(v, "compose");
    if (!compose) return {std::nullopt, "value set has no compose: " + url};
    code_set out;
    if (const auto* inc = member(*compose, "include"); inc && inc->IsArray()) {
      for (const auto& part : inc->GetArray()) {
        auto [codes, why] = expand_part(part);
        if (!codes) return {std::nullopt, why};
        out.insert(codes->begin(), codes->end());
      }
    }
    if (const auto* exc = member(*compose, "exclude"); exc && exc->IsArray()) {
      for (const auto& part : exc->GetArray()) {
        auto [codes, why] = expand_part(part);
        if (!codes) return {std::nullopt, "exclude: " + why};
        for (const auto& c : *codes) out.erase(c);
      }
    }
    return {std::move(out), {}};
  }

  void add_descendants(const code_system& cs, const std::string& code, code_set& out,
                       std::set<std::string>& seen) {
    auto it = cs.kids.find(code);
    if (it == cs.kids.end()) return;
    for (const auto& k : it->second) {
      if (!seen.insert(k).second) continue;
      out.emplace(cs.url, k);
      add_descendants(cs, k, out, seen);
    }
  }

  std::pair<std::optional<code_set>, std::string> expand_part(const rapidjson::Value& part) {
    std::optional<code_set> acc;
    const std::string system(str(part, "system"));
    if (!system.empty()) {
      code_set here;
      const auto* concepts = member(part, "concept");
      const auto* filters = member(part, "filter");
      if (concepts && concepts->IsArray()) {
        for (const auto& c : concepts->GetArray()) here.emplace(system, std::string(str(c, "code")));
      } else {
        auto cs_it = systems_.find(system);
        if (cs_it == systems_.end())
          return {std::nullopt, "code system not in the R4 definitions: " + system};
        const code_system& cs = cs_it->second;
        if (cs.content != "complete")
          return {std::nullopt, "code system content is " + cs.content + ": " + system};
        if (filters && filters->IsArray() && !filters->Empty()) {
          bool first = true;
          for (const auto& f : filters->GetArray()) {
            const std::string op(str(f, "op"));
            const std::string prop(str(f, "property"));
            const std::string value(str(f, "value"));
            code_set matched;
            std::set<std::string> seen;
            if ((op == "is-a" || op == "descendent-of") && prop == "concept") {
              if (op == "is-a") matched.emplace(system, value);
              add_descendants(cs, value, matched, seen);
            } else {
              return {std::nullopt, "filter " + prop + " " + op + " not supported on " + system};
            }
            if (first) {
              here = std::move(matched);
              first = false;
            } else {
              code_set both;
              for (const auto& c : here)
                if (matched.count(c)) both.insert(c);
              here = std::move(both);
            }
          }
        } else {
          for (const auto& c : cs.codes) here.emplace(system, c);
        }
      }
      acc = std::move(here);
    }
    if (const auto* sets = member(part, "valueSet"); sets && sets->IsArray()) {
      for (const auto& s : sets->GetArray()) {
        if (!s.IsString()) continue;
        auto [codes, why] = expand(strip_version(s.GetString()));
        if (!codes) return {std::nullopt, why};
        if (!acc) {
          acc = std::move(codes);
        } else {
          code_set both;
          for (const auto& c : *acc)
            if (codes->count(c)) both.insert(c);
          acc = std::move(both);
        }
      }
    }
    if (!acc) return {std::nullopt, "include with neither system nor valueSet"};
    return {std::move(acc), {}};
  }

  std::map<std::string, code_system> systems_;
  std::map<std::string, const rapidjson::Value*> value_sets_;
  std::map<std::string, std::pair<std::optional<code_set>, std::string>> cache_;
  std::set<std::string> in_progress_;
};

// ---- structure definitions -------------------------------------------------------------------------

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

struct constraint_key {
  std::string key, severity, human, expression;
  auto operator<=>(const constraint_key&) const = default;
};

class generator {
 public:
  void add_structures(const rapidjson::Value& bundle) {
    for (const auto& e : member(bundle, "entry")->GetArray()) {
      const auto* r = member(e, "resource");
      if (!r || str(*r, "resourceType") != "StructureDefinition") continue;
      const auto kind = str(*r, "kind");
      if (kind != "resource" && kind != "complex-type" && kind != "primitive-type") continue;
      // The 4.0.1 files also carry SubscriptionStatus, an R4B (4.3.0) resource: not R4.
      if (str(*r, "fhirVersion") != "4.0.1") {
        skipped_.emplace_back(str(*r, "name"));
        continue;
      }
      structures_.push_back(r);
    }
  }

  std::string write(terminology& terms) {
    rapidjson::StringBuffer buffer;
    writer w(buffer);
    w.StartObject();
    put(w, "fhirVersion");
    put(w, "4.0.1");
    put(w, "types");
    w.StartArray();
    for (const auto* sd : structures_) write_type(w, *sd);
    w.EndArray();

    put(w, "constraints");
    w.StartArray();
    for (const auto& c : constraints_) {
      w.StartArray();
      put(w, c.key);
      put(w, c.severity);
      put(w, c.expression);
      put(w, c.human);
      w.EndArray();
    }
    w.EndArray();

    put(w, "valueSets");
    w.StartArray();
    for (const auto& url : bound_value_sets_) {
      auto [codes, why] = terms.expand(url);
      w.StartObject();
      put(w, "url");
      put(w, url);
      if (codes) {
        // Grouped by system: {"system": [codes...]}
        std::map<std::string, std::vector<std::string>> by_system;
        for (const auto& [system, code] : *codes) by_system[system].push_back(code);
        put(w, "include");
        w.StartObject();
        for (const auto& [system, list] : by_system) {
          put(w, system);
          w.StartArray();
          for (const auto& c : list) put(w, c);
          w.EndArray();
        }
        w.EndObject();
        ++expanded_;
      } else {
        put(w, "unexpandable");
        put(w, why);
        ++unexpandable_;
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
  }

  void report(std::ostream& out) const {
    out << "homebase_defgen: " << structures_.size() << " types, " << elements_ << " elements, "
        << constraints_.size() << " constraints, " << expanded_ << " value sets expanded, " << unexpandable_
        << " not expandable from the R4 files";
    for (const auto& name : skipped_) out << "; skipped " << name << " (not FHIR 4.0.1)";
    out << "\n";
  }

 private:
  void write_type(writer& w, const rapidjson::Value& sd) {
    w.StartObject();
    put(w, "name");
    put(w, str(sd, "name"));
    put(w, "kind");
    const auto kind = str(sd, "kind");
    put(w, kind == "resource" ? "resource" : (kind == "primitive-type" ? "primitive" : "complex"));
    put(w, "type");
    put(w, str(sd, "type"));
    put(w, "url");
    put(w, str(sd, "url"));
    if (const auto* a = member(sd, "abstract"); a && a->IsBool() && a->GetBool()) {
      put(w, "abstract");
      w.Bool(true);
    }
    if (str(sd, "derivation") == "constraint") {
      put(w, "profile");
      w.Bool(true);
    }
    const auto base = str(sd, "baseDefinition");
    if (!base.empty()) {
      put(w, "base");
      put(w, last_segment(base));
    }
    const auto* elements = member(*member(sd, "snapshot"), "element");
    if (kind == "primitive-type") {
      for (const auto& el : elements->GetArray()) {
        if (!str(el, "path").ends_with(".value")) continue;
        const auto* types = member(el, "type");
        if (!types || !types->IsArray() || types->Empty()) continue;
        const auto* exts = member((*types)[0], "extension");
        if (!exts || !exts->IsArray()) continue;
        for (const auto& x : exts->GetArray()) {
          if (str(x, "url") == "http://hl7.org/fhir/StructureDefinition/regex") {
            put(w, "regex");
            put(w, str(x, "valueString"));
          }
        }
      }
    }
    put(w, "elements");
    w.StartArray();
    for (const auto& el : elements->GetArray()) {
      if (kind == "primitive-type" && str(el, "path").ends_with(".value")) continue;
      write_element(w, el);
      ++elements_;
    }
    w.EndArray();
    w.EndObject();
  }

  void write_element(writer& w, const rapidjson::Value& el) {
    w.StartObject();
    put(w, "path");
    put(w, str(el, "path"));
    if (const auto* min = member(el, "min"); min && min->IsUint() && min->GetUint() > 0) {
      put(w, "min");
      w.Uint(min->GetUint());
    }
    put(w, "max");
    put(w, str(el, "max"));
    if (const auto* types = member(el, "type"); types && types->IsArray() && !types->Empty()) {
      put(w, "types");
      w.StartArray();
      for (const auto& t : types->GetArray()) {
        std::string code(str(t, "code"));
        if (const auto* exts = member(t, "extension"); exts && exts->IsArray()) {
          for (const auto& x : exts->GetArray()) {
            if (str(x, "url") == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type") {
              code = std::string(str(x, "valueUrl"));
            }
          }
        }
        w.StartObject();
        put(w, "code");
        put(w, code);
        if (const auto* targets = member(t, "targetProfile"); targets && targets->IsArray()) {
          put(w, "targets");
          w.StartArray();
          for (const auto& p : targets->GetArray()) put(w, last_segment(p.GetString()));
          w.EndArray();
        }
        if (const auto* profiles = member(t, "profile"); profiles && profiles->IsArray()) {
          put(w, "profiles");
          w.StartArray();
          for (const auto& p : profiles->GetArray()) put(w, last_segment(p.GetString()));
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndArray();
    }
    if (const auto ref = str(el, "contentReference"); !ref.empty()) {
      put(w, "contentReference");
      put(w, ref.substr(ref.find('#') + 1));
    }
    if (const auto* b = member(el, "binding"); b && str(*b, "strength") == "required") {
      const auto vs = str(*b, "valueSet");
      if (!vs.empty()) {
        put(w, "binding");
        const std::string url = strip_version(vs);
        put(w, url);
        bound_value_sets_.insert(url);
      }
    }
    if (const auto* cs = member(el, "constraint"); cs && cs->IsArray() && !cs->Empty()) {
      put(w, "constraints");
      w.StartArray();
      for (const auto& c : cs->GetArray()) {
        constraint_key k{std::string(str(c, "key")), std::string(str(c, "severity")),
                         std::string(str(c, "human")), std::string(str(c, "expression"))};
        if (k.expression.empty()) continue;
        auto [it, inserted] = constraint_index_.emplace(k, constraints_.size());
        if (inserted) constraints_.push_back(k);
        w.Uint(static_cast<unsigned>(it->second));
      }
      w.EndArray();
    }
    w.EndObject();
  }

  std::vector<const rapidjson::Value*> structures_;
  std::vector<std::string> skipped_;  // StructureDefinitions of another FHIR version
  std::vector<constraint_key> constraints_;
  std::map<constraint_key, std::size_t> constraint_index_;
  std::set<std::string> bound_value_sets_;
  std::size_t elements_ = 0, expanded_ = 0, unexpandable_ = 0;
};

}  // namespace

// C++ source holding `json` as one string constant, in chunks of string literals (octal escapes for
// anything but plain printable ASCII, so the text survives byte for byte).
static std::string embed_source(const std::string& json) {
  std::string out =
      "// Generated by homebase_defgen from the official FHIR R4 definitions: do not edit.\n"
      "#include \"fhir/definitions/embedded_model.hpp\"\n\n"
      "namespace homebase::fhir::definitions {\nnamespace {\nconstexpr char kModel[] =\n";
  std::size_t column = 0;
  out += "    \"";
  for (unsigned char c : json) {
    if (column >= 120) {
      out += "\"\n    \"";
      column = 0;
    }
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f || c == '?') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
      column += 4;
    } else {
      out += static_cast<char>(c);
      ++column;
    }
  }
  out += "\";\n}  // namespace\n\n";
  out += "std::string_view embedded_r4_model() { return {kModel, sizeof kModel - 1}; }\n\n";
  out += "}  // namespace homebase::fhir::definitions\n";
  return out;
}

static void write_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename to " + path);
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: homebase_defgen OUT.json OUT.cpp profiles-types.json profiles-resources.json "
                 "[valuesets.json v3-codesystems.json ...]\n";
    return 2;
  }
  try {
    std::vector<std::unique_ptr<rapidjson::Document>> docs;
    for (int i = 3; i < argc; ++i) docs.push_back(load(argv[i]));
    generator gen;
    gen.add_structures(*docs[0]);
    gen.add_structures(*docs[1]);
    terminology terms;
    for (const auto& d : docs) terms.add_bundle(*d);
    const std::string out = gen.write(terms);
    write_file(argv[1], out);
    write_file(argv[2], embed_source(out));
    gen.report(std::cout);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "homebase_defgen: " << e.what() << "\n";
    return 1;
  }
}
