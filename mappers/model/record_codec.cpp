#include "mappers/model/record_codec.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <type_traits>
#include <vector>

namespace homebase::mappers::model {
namespace {

// The stored format, version 2 (grammar: every struct is an object, every member optional):
//   record   = {"v":2, "p":child, "e":encounter, "f":[family], "ct":care_team, "t":[member], "cp":plan,
//               "a":[activity], "ap":[appointment], "r":[referral], "m":[measurement], "pb":[problem],
//               "md":[medication], "dv":[device], "go":[goal], "ac":[action], "ag":[agenda item],
//               "sn":[social need], "ei":ei_episode, "ev":[event]}
//   empty strings, false booleans, zero numbers, empty arrays, empty structs and absent optionals are left
//   out, except members whose default is not empty (written always); decode gives them their default value,
//   so encode(decode(x)) == x for every record.
// Version 1 (issue 2) is the same grammar without the v2 members; decode migrates it (migrate_v1).
constexpr int format_version = 2;

// schema<T>::each(x, visitor) names every member of T once; X is T or const T.
template <class T>
struct schema;

template <>
struct schema<identifier> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("s", x.system);
    v("v", x.value);
  }
};
template <>
struct schema<quantity> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("v", x.value);
    v("u", x.unit);
    v("c", x.code);
  }
};
template <>
struct schema<coding> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("s", x.system);
    v("c", x.code);
    v("d", x.display);
  }
};
template <>
struct schema<human_name> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("f", x.family);
    v("g", x.given);
    v("t", x.text);
    v("u", x.use);
  }
};
template <>
struct schema<contact_point> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("s", x.system);
    v("v", x.value);
    v("u", x.use);
  }
};
template <>
struct schema<child> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("id", x.identifiers);
    v("n", x.names);
    v("g", x.gender);
    v("b", x.birth_date);
    v("ga", x.gestational_age_at_birth);
    v("bw", x.birth_weight);
    v("gp", x.general_practitioner_orgs);
    v("l", x.languages);
    v("i", x.interpreter_needed);
    v("pl", x.preferred_language);
    v("gak", x.gestational_age_key);
    v("bwk", x.birth_weight_key);
    v("cu", x.cultural_preferences);
    v.always("st", x.status);
    v("mbo", x.multiple_birth_order);
    v("mb", x.multiple_birth);
  }
};
template <>
struct schema<family_member> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("n", x.name);
    v("r", x.relationship);
    v("l", x.language);
    v("i", x.interpreter_needed);
    v("pl", x.preferred_language);
    v("t", x.telecom);
    v("la", x.legal_authority);
    v("pc", x.primary_contact);
  }
};
template <>
struct schema<team_member> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("n", x.name);
    v("r", x.role);
    v("rc", x.role_code);
    v("sp", x.specialty);
    v("o", x.organization);
    v("on", x.organization_name);
    v.always("mt", x.member_type);  // its default is not empty
    v("ps", x.period_start);
    v("pe", x.period_end);
    v("so", x.source);
  }
};
template <>
struct schema<plan_activity> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("c", x.code);
    v("d", x.description);
    v("st", x.status);
    v("sc", x.scheduled);
    v("tbs", x.to_be_scheduled);
  }
};
template <>
struct schema<appointment> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("sp", x.specialty);
    v("spc", x.specialty_code);
    v("s", x.start);
    v("e", x.end);
    v("l", x.location);
    v("st", x.status);
    v("d", x.description);
    v("pr", x.practitioner);
    v("bo", x.based_on_referral);
    v("cr", x.cancel_reason);
    v("rp", x.replaces);
    v("rb", x.replaced_by);
    v("ir", x.interpreter_required);
    v("ib", x.interpreter_booked);
    v("il", x.interpreter_language);
    v("tn", x.transport_needed);
    v("ta", x.transport_arranged);
    v("so", x.source);
    v("ps", x.practice_status);
  }
};
template <>
struct schema<referral> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("sp", x.specialty);
    v("spc", x.specialty_code);
    v("rs", x.reason);
    v("rsc", x.reason_code);
    v("st", x.status);
    v("in", x.intent);
    v("due", x.due_by);
    v("au", x.authored_on);
    v.always("fl", x.flow);
    v("or", x.origin);
    v("pf", x.performer);
    v("pfo", x.performer_org);
    v("tk", x.task_key);
    v("sr", x.status_reason);
    v("se", x.seen_on);
    v("rr", x.report_ref);
    v("lc", x.loop_close_due);
  }
};
template <>
struct schema<measurement> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("c", x.code);
    v("q", x.value);
    v("ef", x.effective);
  }
};
template <>
struct schema<care_team_info> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("n", x.name);
    v("st", x.status);
    v("mo", x.managing_organizations);
  }
};
template <>
struct schema<care_plan_info> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("ti", x.title);
    v("st", x.status);
    v("in", x.intent);
    v("d", x.description);
    v("ps", x.period_start);
    v.always("ver", x.version);
    v("lr", x.last_reviewed);
    v("nr", x.next_review_due);
  }
};
template <>
struct schema<encounter_info> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("c", x.class_code);
    v("ps", x.period_start);
    v("pe", x.period_end);
    v("dd", x.discharge_disposition);
    v("l", x.location);
    v("st", x.status);
  }
};
template <>
struct schema<coordination_record> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("p", x.patient);
    v("e", x.encounter);
    v("f", x.family);
    v("ct", x.care_team);
    v("t", x.team);
    v("cp", x.care_plan);
    v("a", x.activities);
    v("ap", x.appointments);
    v("r", x.referrals);
    v("m", x.measurements);
    v("pb", x.problems);
    v("md", x.medications);
    v("dv", x.devices);
    v("go", x.goals);
    v("ac", x.actions);
    v("ag", x.agenda);
    v("sn", x.social_needs);
    v("ei", x.early_intervention);
    v("ev", x.events);
  }
};
template <>
struct schema<problem> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("c", x.code);
    v("t", x.text);
    v("cs", x.clinical_status);
  }
};
template <>
struct schema<medication> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("c", x.code);
    v("t", x.text);
    v("ds", x.dosage);
    v("st", x.status);
    v("so", x.source);
  }
};
template <>
struct schema<device> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("c", x.code);
    v("t", x.text);
    v("st", x.status);
    v("se", x.setting);
  }
};
template <>
struct schema<family_goal> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("t", x.text);
    v("pr", x.priority);
    v("st", x.status);
  }
};
template <>
struct schema<action_item> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("ty", x.type);
    v("ow", x.owner_role);
    v("du", x.due);
    v("pr", x.priority);
    v.always("st", x.status);
    v("d", x.description);
    v("fo", x.focus);
    v("ru", x.rule);
    v("cr", x.created);
    v("po", x.owner);
    v("sr", x.status_reason);
    v("no", x.notes);
    v("out", x.outputs);
  }
};
template <>
struct schema<conference_item> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("dt", x.conference_date);
    v("rs", x.reason);
    v("by", x.added_by);
    v.always("st", x.status);
    v("no", x.notes);
  }
};
template <>
struct schema<social_need> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("k", x.key);
    v("dm", x.domain);
    v("c", x.code);
    v.always("st", x.status);
  }
};
template <>
struct schema<ei_episode> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("id", x.identified_on);
    v("rf", x.referred_on);
    v("rd", x.referral_due_by);
    v("ak", x.acknowledged_on);
    v("fd", x.ifsp_due_by);
    v("fh", x.ifsp_held_on);
    v("dc", x.family_declined);
    v("rk", x.referral_key);
  }
};
template <>
struct schema<record_event> {
  template <class X, class V>
  static void each(X& x, V& v) {
    v("at", x.at);
    v("k", x.kind);
    v("so", x.source);
    v("mi", x.message_id);
    v("d", x.detail);
  }
};

template <class T>
concept described = requires {
  sizeof(schema<T>);
};

// ---- encoding ----

class encoder {
 public:
  explicit encoder(rapidjson::Writer<rapidjson::StringBuffer>& writer) : writer_(writer) {}

  void operator()(const char* key, const std::string& value) {
    if (value.empty()) return;
    writer_.Key(key);
    write(value);
  }
  void operator()(const char* key, bool value) {
    if (!value) return;
    writer_.Key(key);
    writer_.Bool(true);
  }
  void operator()(const char* key, int value) {
    if (value == 0) return;
    writer_.Key(key);
    writer_.Int(value);
  }
  void operator()(const char* key, team_role value) {
    if (value == team_role::other) return;
    writer_.Key(key);
    writer_.String(to_string(value));
  }
  template <class T>
  void operator()(const char* key, const std::optional<T>& value) {
    if (!value) return;
    writer_.Key(key);
    write(*value);
  }
  template <class T>
  void operator()(const char* key, const std::vector<T>& values) {
    if (values.empty()) return;
    writer_.Key(key);
    writer_.StartArray();
    for (const auto& value : values) write(value);
    writer_.EndArray();
  }
  template <described T>
  void operator()(const char* key, const T& value) {
    if (value == T{}) return;
    writer_.Key(key);
    write(value);
  }

  void always(const char* key, const std::string& value) {
    writer_.Key(key);
    write(value);
  }
  void always(const char* key, int value) {
    writer_.Key(key);
    writer_.Int(value);
  }

  void write(const std::string& value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  template <described T>
  void write(const T& value) {
    writer_.StartObject();
    schema<T>::each(value, *this);
    writer_.EndObject();
  }

 private:
  rapidjson::Writer<rapidjson::StringBuffer>& writer_;
};

// ---- decoding ----

class decoder {
 public:
  explicit decoder(const rapidjson::Value& object) : object_(object) {}

  [[nodiscard]] bool ok() const { return ok_; }

  template <class T>
  void operator()(const char* key, T& out) {
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd()) return;
    if (!read(it->value, out)) ok_ = false;
  }

  void always(const char* key, std::string& out) { (*this)(key, out); }
  void always(const char* key, int& out) { (*this)(key, out); }

  static bool read(const rapidjson::Value& value, std::string& out) {
    if (!value.IsString()) return false;
    out.assign(value.GetString(), value.GetStringLength());
    return true;
  }
  static bool read(const rapidjson::Value& value, int& out) {
    if (!value.IsInt()) return false;
    out = value.GetInt();
    return true;
  }
  static bool read(const rapidjson::Value& value, bool& out) {
    if (!value.IsBool()) return false;
    out = value.GetBool();
    return true;
  }
  static bool read(const rapidjson::Value& value, team_role& out) {
    if (!value.IsString()) return false;
    auto role = team_role_from_string({value.GetString(), value.GetStringLength()});
    if (!role) return false;
    out = *role;
    return true;
  }
  template <class T>
  static bool read(const rapidjson::Value& value, std::optional<T>& out) {
    out.emplace();
    return read(value, *out);
  }
  template <class T>
  static bool read(const rapidjson::Value& value, std::vector<T>& out) {
    if (!value.IsArray()) return false;
    out.clear();
    out.reserve(value.Size());
    for (const auto& item : value.GetArray()) {
      out.emplace_back();
      if (!read(item, out.back())) return false;
    }
    return true;
  }
  template <described T>
  static bool read(const rapidjson::Value& value, T& out) {
    if (!value.IsObject()) return false;
    decoder nested(value);
    schema<T>::each(out, nested);
    return nested.ok();
  }

 private:
  const rapidjson::Value& object_;
  bool ok_ = true;
};

// A version 1 record has no coordination flow on its referrals: it is derived from the FHIR request
// status the hospital sent (an active ServiceRequest of a discharge is a referral that was sent).
void migrate_v1(coordination_record& record) {
  for (auto& r : record.referrals) {
    if (r.status == "active" || r.status == "on-hold") {
      r.flow = "sent";
    } else if (r.status == "completed") {
      r.flow = "seen";
    } else if (r.status == "revoked" || r.status == "entered-in-error") {
      r.flow = "cancelled";
    } else {
      r.flow = "draft";
    }
  }
}

}  // namespace

std::string encode(const coordination_record& record) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  encoder enc(writer);
  writer.StartObject();
  writer.Key("v");
  writer.Int(format_version);
  schema<coordination_record>::each(record, enc);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<coordination_record> decode(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto version = doc.FindMember("v");
  if (version == doc.MemberEnd() || !version->value.IsInt()) return std::nullopt;
  int v = version->value.GetInt();
  if (v != 1 && v != format_version) return std::nullopt;
  coordination_record record;
  if (!decoder::read(doc, record)) return std::nullopt;
  if (v == 1) migrate_v1(record);
  return record;
}

}  // namespace homebase::mappers::model
