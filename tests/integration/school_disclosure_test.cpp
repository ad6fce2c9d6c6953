// Scenarios 10-12 of domain.md §6 through the real binary: IEP/504 support letters reach a school only
// under the family's authorization, and only once the signing clinician approved them (issue 12). The
// child's record (tests/mappers/disclosure/sofia_record.hpp) is stored before the gateway starts, as
// earlier messages would have left it; the family's Consents and the letter requests are the fixtures of
// tests/fixtures/scenarios/1{0,1,2}-*. The school has three channels: secure e-mail to its nurse (a real
// SMTP server, tests/tools/school-mail-server.mjs: npm smtp-server with STARTTLS and authentication, every
// message and attachment saved to a directory and read with npm mailparser), its FHIR server (the test
// FHIR server, tests/tools/medical-home-server.mjs, strict R4 validation) and hand-carry by the family.
// The letter PDF's text is read with pdftotext (poppler-utils); each test keeps its letter PDF and a PNG
// of page 1 (pdftoppm) under build/test-artifacts/letters/. "Nothing was sent" is never checked after a
// sleep: a later letter through the same sender (a marker) is waited for, and then the mailbox or the
// school's log holds exactly that one.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "gateway/store/sqlite_store.hpp"
#include "mappers/model/record_codec.hpp"
#include "tests/integration/gateway_harness.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"

namespace homebase::testing {
namespace {

namespace fs = std::filesystem;

const std::string scenarios = "fixtures/scenarios/";
// The letters' AuditEvents (sent: Export, blocked: Security Alert); the Consents' own are RESTful ones.
const std::string audit_query = "/fhir/AuditEvent?patient:identifier=" + std::string(sofia_mrn_system) + "|" +
                                sofia_mrn + "&type=110106,110113";

// The fixtures' authorizations run to 2027-08-31; a run after that date moves the expiry a year past now.
std::string with_future_expiry(std::string text) {
  std::time_t t = std::time(nullptr) + 365 * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  if (std::string(date) < "2027-08-31") return text;
  for (auto at = text.find("2027-08-31"); at != std::string::npos; at = text.find("2027-08-31", at))
    text.replace(at, 10, date);
  return text;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

std::string fhir_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return b.GetString();
}

// Every request the school server logged.
std::vector<rapidjson::Document> school_requests(const medical_home_server& school) {
  std::vector<rapidjson::Document> out;
  auto log = read_file(school.log);
  std::size_t start = 0;
  while (start < log.size()) {
    auto end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    if (end > start) out.push_back(parse(log.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// The letters (document Bundles) the school server received.
std::vector<std::string> letters_received(const medical_home_server& school) {
  std::vector<std::string> out;
  for (const auto& r : school_requests(school)) {
    if (!r.IsObject() || std::string(r["method"].GetString()) != "POST") continue;
    out.push_back(fhir_text(r["body"]));
  }
  return out;
}

std::set<std::string> section_codes(const std::string& bundle) {
  std::set<std::string> codes;
  auto doc = parse(bundle);
  for (const auto& s : doc["entry"][0]["resource"]["section"].GetArray())
    codes.insert(s["code"]["coding"][0]["code"].GetString());
  return codes;
}

constexpr const char* clinician_client = "meadowbrook-clinician";
constexpr const char* mail_user = "homebase-letters";
constexpr const char* mail_password = "relay-secret-for-tests";
constexpr const char* nurse_address = "nurse@lincoln-usd.example.org";

// The build tree (where CMakeCache.txt is), for the kept artifacts.
fs::path build_tree() {
  for (auto p = fs::path(homebase_binary()).parent_path(); !p.empty() && p != p.root_path();
       p = p.parent_path())
    if (fs::exists(p / "CMakeCache.txt")) return p;
  return fs::temp_directory_path();
}

// The test's name, for artifact files.
std::string test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (auto& c : name)
    if (c == '/') c = '_';
  return name;
}

// The school's mailbox: what tests/tools/school-mail-server.mjs saved (one <n>.json per message).
struct mailbox {
  child_process server;
  fs::path dir;
  unsigned short port = 0;

  bool start(const temp_dir& tmp, unsigned short at, std::string& error) {
    dir = tmp.path() / "mailbox";
    fs::create_directories(dir);
    return server.start({node_binary(), test_data("tools/school-mail-server.mjs").string(),
                         "--port=" + std::to_string(at),
                         "--tls-cert=" + test_data("fixtures/mail/smtp-server.pem").string(),
                         "--tls-key=" + test_data("fixtures/mail/smtp-server.key").string(),
                         std::string("--user=") + mail_user, std::string("--password=") + mail_password,
                         "--out=" + dir.string()},
                        tmp.path() / "mail-server.stderr", std::chrono::seconds(20), error) &&
           (port = server.port()) != 0;
  }
  // The messages received, in order.
  [[nodiscard]] std::vector<rapidjson::Document> messages() const {
    std::vector<rapidjson::Document> out;
    if (dir.empty() || !fs::exists(dir)) return out;
    for (int n = 1;; ++n) {
      auto file = dir / (std::to_string(n) + ".json");
      if (!fs::exists(file)) break;
      out.push_back(parse(read_file(file)));
    }
    return out;
  }
};

// The text of a PDF (pdftotext, poppler-utils).
std::string pdf_text(const fs::path& pdf) {
  std::string out;
  EXPECT_EQ(run({"pdftotext", "-layout", pdf.string(), "-"}, out), 0) << out;
  return out;
}

// Collapses runs of white space (pdftotext breaks lines where the layout does).
std::string squeezed(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

// Keeps `pdf` as build/test-artifacts/letters/<test>.pdf, with page 1 as <test>-1.png (pdftoppm).
void keep_artifact(const fs::path& pdf, const std::string& suffix = {}) {
  auto dir = build_tree() / "test-artifacts" / "letters";
  fs::create_directories(dir);
  auto base = dir / (test_name() + suffix);
  fs::copy_file(pdf, base.string() + ".pdf", fs::copy_options::overwrite_existing);
  std::string out;
  EXPECT_EQ(
      run({"pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf.string(), base.string()},
          out),
      0)
      << out;
}

// Inserts parameters (JSON objects, comma-separated) into a Parameters text.
std::string with_parameters(std::string text, const std::string& params) {
  if (params.empty()) return text;
  auto at = text.find("\"parameter\"");
  at = text.find('[', at);
  text.insert(at + 1, params + ",");
  return text;
}

std::string letter_parameter(const std::string& id) {
  return R"({"name": "letter", "valueIdentifier": {"system": "http://homebase.example.org/fhir/sid/school-letter", "value": ")" +
         id + R"("}})";
}

class school_disclosure : public ::testing::Test {
 protected:
  temp_dir dir;
  temp_dir school_dir;
  temp_dir mail_dir;
  medical_home_server school;
  mailbox mail;
  gateway_process gw;

  // Stores Sofia's record, as the gateway would have after earlier messages.
  void seed_child() {
    gateway::store::sqlite_store store({(dir.path() / "homebase.db").string(), 16});
    std::promise<bool> done;
    auto record = mappers::model::encode(sofia_record());
    store.submit(
        [&record](gateway::store::write_tx& tx) {
          auto id = tx.save_child(std::nullopt, record, {{sofia_mrn_system, sofia_mrn}});
          tx.set_child_home(id, "meadowbrook");  // Sofia's practice: its app may post her Consents
          return tx.ok();
        },
        [&done](bool committed) { done.set_value(committed); });
    ASSERT_TRUE(done.get_future().get());
    store.stop();
  }

  void start_school(unsigned short port = 0) {
    std::string error;
    ASSERT_TRUE(school.start(school_dir, {0, 0, port}, error)) << error;
  }

  void start_mail(unsigned short port = 0) {
    std::string error;
    ASSERT_TRUE(mail.start(mail_dir, port, error)) << error;
  }

  // `school_base`: the school's FHIR server; `mail_port`: its SMTP server. `letters_extra`: keys of letters:.
  void start_gateway(const std::string& school_base, unsigned short mail_port,
                     const std::string& reminder_after = "2d") {
    seed_child();
    write_file(dir.path() / "smtp-password", std::string(mail_password) + "\n");
    gateway_options options;
    options.medical_home_base = "http://127.0.0.1:9/fhir";  // no message is ingested here
    options.max_attempts = 60;                              // a school that is down keeps the letter queued
    options.medical_home_auth =
        "    letterhead:\n      name: Meadowbrook Pediatrics\n      address_lines: [\"1200 Meadowbrook Road, "
        "Suite 4\", "
        "\"Springfield, IL 62704\"]\n      phone: \"(217) 555-0142\"\n      fax: \"(217) 555-0143\"\n"
        "      email: records@meadowbrook.example.org\n      website: meadowbrook.example.org\n";
    // The signing clinician's app (Dr. Nair is Sofia's PCP, the signer the requests name).
    options.extra_clients = std::string("  - id: ") + clinician_client +
                            "\n    kind: medical_home\n    medical_home: meadowbrook\n    jwks_file: " +
                            auth_fixture(std::string(clinician_client) + ".jwks.json").string() +
                            "\n    scopes: [system/*.rs, system/Consent.cru, system/DocumentReference.c]\n   "
                            " rate_limit: {per_second: 0}\n"
                            "    clinician:\n      name: Priya Nair\n      credentials: MD, FAAP\n"
                            "      npi: \"" +
                            std::string(pcp_npi) +
                            "\"\n      phone: \"(217) 555-0142\"\n"
                            "      email: p.nair@meadowbrook.example.org\n";
    // Both schools' FHIR channels point at the one test server: a letter wrongly let through would show
    // up in its log. Lincoln's first channel is e-mail to its nurse.
    options.extra_config =
        "mail:\n  smtp_url: smtp://127.0.0.1:" + std::to_string(mail_port) + "\n  username: " + mail_user +
        "\n  password_file: smtp-password\n  from: Meadowbrook Pediatrics <letters@meadowbrook.example.org>\n"
        "  ca_file: " +
        test_data("fixtures/mail/ca.pem").string() +
        "\n  timeout_ms: 5000\n"
        "letters:\n  approval_reminder_after: " +
        reminder_after +
        "\n"
        "schools:\n"
        "  - id: lincoln-usd\n    name: Lincoln Unified School District\n    fhir_base_url: " +
        school_base + "\n    organization_identifiers:\n      - system: " + school_system +
        "\n        value: lincoln-usd\n    channels:\n      - kind: email\n        to: [" + nurse_address +
        "]\n      - kind: fhir\n      - kind: hand_carry\n"
        "  - id: riverside-charter\n    name: Riverside Charter Academy\n    fhir_base_url: " +
        school_base + "\n    organization_identifiers:\n      - system: " + school_system +
        "\n        value: riverside-charter\n";
    std::string error;
    ASSERT_TRUE(gw.start(dir, options, error)) << error;
  }

  http_reply post_fixture(const std::string& path, const std::string& fixture,
                          const std::string& method = "POST", const std::string& id = {},
                          const std::string& params = {}) {
    auto text = with_parameters(with_future_expiry(read_file(test_data(scenarios + fixture))), params);
    if (!id.empty()) text.insert(text.find('{') + 1, "\"id\": \"" + id + "\",");
    return call(method, path, text);
  }

  http_reply call(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& client = {}) {
    auto file = dir.path() / ("body-" + std::to_string(++bodies_) + ".json");
    write_file(file, body);
    if (client.empty()) return http_call(method, gw.url(path), file);
    return http_call(method, gw.url(path), file, "application/fhir+json", bearer(access_token(gw, client)));
  }

  // POSTs a letter request; returns the letter id when drafted (200), else "".
  std::string request_letter(const std::string& fixture, http_reply* reply_out = nullptr,
                             const std::string& channel = {}) {
    auto reply =
        post_fixture("/fhir/$school-letter", fixture, "POST", {},
                     channel.empty() ? "" : R"({"name": "channel", "valueCode": ")" + channel + "\"}");
    if (reply_out != nullptr) *reply_out = reply;
    if (reply.status != 200) return {};
    auto doc = parse(reply.body);
    return doc["parameter"][0]["valueIdentifier"]["value"].GetString();
  }

  // The signing clinician approves (with edits: more Parameters entries).
  http_reply approve(const std::string& id, const std::string& edits = {},
                     const std::string& client = clinician_client) {
    return call("POST", "/fhir/$school-letter-approve",
                R"({"resourceType": "Parameters", "parameter": [)" + letter_parameter(id) +
                    (edits.empty() ? "" : "," + edits) + "]}",
                client);
  }

  // Requests and approves a letter; returns its id once approved ("" and a failure otherwise).
  std::string request_and_approve(const std::string& fixture, const std::string& channel = {}) {
    auto id = request_letter(fixture, nullptr, channel);
    EXPECT_FALSE(id.empty()) << fixture;
    if (id.empty()) return id;
    auto approved = approve(id);
    EXPECT_EQ(approved.status, 200) << approved.body;
    return id;
  }

  // A marker: an immunization proof (under the parental agreement, posted here) by `channel`, approved and
  // waited for until sent. What the sender did before it is done by then.
  void send_marker(const std::string& channel) {
    ASSERT_EQ(
        post_fixture("/fhir/Consent", "12-disclosure-blocked/consent-immunization-agreement.json").status,
        201);
    marker_ = request_and_approve("12-disclosure-blocked/letter-immunization-proof.json", channel);
    ASSERT_FALSE(marker_.empty());
    ASSERT_TRUE(eventually([&] { return letter_status_is(marker_, "sent"); })) << fhir_text(letter(marker_));
  }
  [[nodiscard]] const std::string& marker() const { return marker_; }

  rapidjson::Document letter(const std::string& id) {
    return parse(http_call("GET", gw.url("/admin/school-letters/" + id)).body);
  }

  bool letter_status_is(const std::string& id, const std::string& status) {
    auto doc = letter(id);
    return doc.IsObject() && doc.HasMember("status") && status == doc["status"].GetString();
  }

  rapidjson::Document audit_events(const std::string& types = "110106,110113") {
    return parse(
        http_call("GET", gw.url("/fhir/AuditEvent?patient:identifier=" + std::string(sofia_mrn_system) + "|" +
                                sofia_mrn + "&type=" + types + "&_count=100"))
            .body);
  }

  // The steps of a letter's life in the audit trail (AuditEvent.subtype of type 110110), oldest first.
  std::vector<std::string> audited_steps(const std::string& id) {
    std::vector<std::string> out;
    auto doc = audit_events("110110");
    if (!doc.IsObject() || !doc.HasMember("entry")) return out;
    for (const auto& e : doc["entry"].GetArray()) {
      const auto& r = e["resource"];
      if (!r.HasMember("subtype")) continue;
      auto text = fhir_text(r);
      if (text.find("school letter " + id + " ") == std::string::npos) continue;
      out.push_back(r["subtype"][0]["code"].GetString());
    }
    return out;
  }

  // The child's record as stored, after the gateway stopped.
  mappers::model::coordination_record stored_record() {
    gw.process.stop(SIGTERM);
    gateway::store::sqlite_store store({gw.db.string(), 16});
    std::string json;
    store.read([&json](sqlite3* db) {
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(db, "SELECT record FROM children LIMIT 1", -1, &s, nullptr);
      if (sqlite3_step(s) == SQLITE_ROW) json = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      sqlite3_finalize(s);
    });
    store.stop();
    return mappers::model::decode(json).value_or(mappers::model::coordination_record{});
  }

 private:
  int bodies_ = 0;
  std::string marker_;
};

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Scenario 10 (done when of issue 12): the school nurse's mailbox, on a real SMTP server (STARTTLS and
// authentication), receives the letter once the signing clinician approved it; its PDF has only what the
// family allowed, is signed by that clinician, and carries the notices; every step is audited.
TEST_F(school_disclosure, scenario10_nurse_receives_the_approved_letter_by_secure_email) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port);
  auto consent = post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json");
  ASSERT_EQ(consent.status, 201) << consent.body;

  http_reply requested;
  auto id = request_letter("10-school-letter/letter-504-request.json", &requested);
  ASSERT_FALSE(id.empty()) << requested.body;
  EXPECT_NE(requested.body.find(R"("valueCode":"draft")"), std::string::npos) << requested.body;
  EXPECT_TRUE(letter_status_is(id, "draft"));
  // The draft is readable by the practice (preliminary), for the clinician to read.
  auto draft = http_call("GET", gw.url("/fhir/DocumentReference/school-letter-" + id));
  ASSERT_EQ(draft.status, 200) << draft.body;
  EXPECT_STREQ(parse(draft.body)["docStatus"].GetString(), "preliminary");

  // The coordinator's app is not the signer: it cannot approve.
  auto not_signer = approve(id, {}, "meadowbrook-app");
  EXPECT_EQ(not_signer.status, 403) << not_signer.body;
  // An edit of a section the family did not allow (behavioral health is excluded; immunizations were not
  // requested) is refused.
  auto bad_edit = approve(id, R"({"name": "immunizations", "valueString": "All up to date."})");
  EXPECT_EQ(bad_edit.status, 422) << bad_edit.body;
  EXPECT_TRUE(letter_status_is(id, "draft"));
  // Dr. Nair edits the accommodations and approves.
  auto approved = approve(
      id,
      R"({"name": "accommodations", "valueString": "Sofia needs a staff member trained in seizure first aid near her at all times, rest in the nurse's office after a seizure without academic penalty, and extended time for tests."})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_NE(approved.body.find(R"("valueCode":"queued")"), std::string::npos) << approved.body;
  EXPECT_EQ(approve(id).status, 409);  // approved once

  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); })) << fhir_text(letter(id));
  EXPECT_EQ(std::string(letter(id)["channel"].GetString()), "email");
  auto messages = mail.messages();
  ASSERT_EQ(messages.size(), 1U);
  const auto& m = messages[0];
  EXPECT_NE(fhir_text(m).find(nurse_address), std::string::npos) << fhir_text(m);
  ASSERT_TRUE(m["attachments"].IsArray());
  ASSERT_EQ(m["attachments"].Size(), 1U) << fhir_text(m);
  EXPECT_STREQ(m["attachments"][0]["contentType"].GetString(), "application/pdf");
  auto pdf = mail.dir / m["attachments"][0]["file"].GetString();
  keep_artifact(pdf);
  auto text = squeezed(pdf_text(pdf));
  // The child, the permitted sections, the clinician who approved it, the notices, the authorization.
  for (const char* want :
       {"Sofia", "Ramirez", "March 14, 2019", "Section 504 Coordinator", "Meadowbrook Pediatrics", "G40.209",
        "Focal epilepsy", "Midazolam", "extended time for tests", "Seizure action plan", "Priya Nair",
        "1467583920", "redisclos", "revoke", "Consent/1"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  // Nothing the family excluded or did not allow, and nothing not for school.
  for (const char* never :
       {"F90", "ADHD", "ttention", "ethylphenidate", "Levetiracetam", "R56", "SE-448812", "DRAFT"})
    EXPECT_EQ(text.find(never), std::string::npos) << never << "\n" << text;

  // Every step audited: requested, drafted, approved, queued, then the disclosure itself.
  auto steps = audited_steps(id);
  for (const char* step : {"requested", "drafted", "approved", "queued"})
    EXPECT_TRUE(has(steps, step)) << step;
  auto audit = audit_events("110106");
  ASSERT_EQ(audit["total"].GetInt(), 1) << fhir_text(audit);
  const auto& event = audit["entry"][0]["resource"];
  EXPECT_STREQ(event["outcome"].GetString(), "0");
  EXPECT_STREQ(event["agent"][1]["who"]["identifier"]["value"].GetString(), "lincoln-usd");
  EXPECT_NE(fhir_text(event).find("mailto:nurse@lincoln-usd.example.org"), std::string::npos);

  // The signed letter is the practice's DocumentReference: final, the PDF attached with its SHA-1.
  auto document = http_call("GET", gw.url("/fhir/DocumentReference/school-letter-" + id));
  ASSERT_EQ(document.status, 200) << document.body;
  auto docref = parse(document.body);
  EXPECT_STREQ(docref["docStatus"].GetString(), "final");
  EXPECT_STREQ(docref["content"][0]["attachment"]["contentType"].GetString(), "application/pdf");
  EXPECT_STREQ(docref["authenticator"]["identifier"]["value"].GetString(), pcp_npi);
  EXPECT_STREQ(docref["context"]["related"][0]["reference"].GetString(), "Consent/1");
  EXPECT_EQ(docref["content"][0]["attachment"]["size"].GetInt64(),
            static_cast<std::int64_t>(fs::file_size(pdf)));
  auto saved = dir.path() / "document.json";
  write_file(saved, document.body);
  std::string validated;
  EXPECT_EQ(run({homebase_binary(), "validate", saved.string()}, validated), 0) << validated;
  auto search = http_call(
      "GET", gw.url("/fhir/DocumentReference?patient=" +
                    std::string(docref["subject"]["reference"].GetString()).substr(8) + "&status=current"));
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_EQ(parse(search.body)["total"].GetInt(), 1);

  auto record = stored_record();
  std::set<std::string> kinds;
  for (const auto& e : record.events) kinds.insert(e.kind);
  for (const char* k : {"SchoolLetterRequested", "SchoolLetterDrafted", "SchoolLetterApproved",
                        "SchoolLetterQueued", "SchoolLetterSent"})
    EXPECT_TRUE(kinds.contains(k)) << k;
}

// No approval, no send: a draft stays unsent while a later, approved letter goes through the same sender.
TEST_F(school_disclosure, scenario10_a_draft_is_never_sent) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port);
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto waiting = request_letter("10-school-letter/letter-504-request.json");
  ASSERT_FALSE(waiting.empty());
  send_marker("email");
  auto messages = mail.messages();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_NE(fhir_text(messages[0]).find("(letter " + marker() + ")"), std::string::npos)
      << fhir_text(messages[0]);
  EXPECT_TRUE(letter_status_is(waiting, "draft"));
  EXPECT_FALSE(has(audited_steps(waiting), "approved"));
  auto pdf = mail.dir / messages[0]["attachments"][0]["file"].GetString();
  keep_artifact(pdf);
  auto text = squeezed(pdf_text(pdf));
  EXPECT_NE(text.find("Immunizations"), std::string::npos) << text;
  EXPECT_EQ(text.find("G40.209"), std::string::npos) << text;       // the agreement covers immunizations only
  EXPECT_NE(text.find("School Nurse"), std::string::npos) << text;  // immunization proof: to the nurse
}

// The same letter to a school that runs a FHIR server: the document Bundle, accepted by a strict server.
TEST_F(school_disclosure,
       scenario10_letter_reaches_the_school_fhir_server_with_only_the_authorized_sections) {
  start_school();
  start_gateway(school.base(), free_port());
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_and_approve("10-school-letter/letter-504-request.json", "fhir");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); })) << fhir_text(letter(id));
  auto letters = letters_received(school);
  ASSERT_EQ(letters.size(), 1U);
  EXPECT_EQ(section_codes(letters[0]),
            (std::set<std::string>{"diagnoses", "functional_impact", "accommodations",
                                   "school_hours_medications", "emergency_plan"}));
  EXPECT_NE(letters[0].find("G40.209"), std::string::npos);
  EXPECT_EQ(letters[0].find("F90.2"), std::string::npos);  // behavioral health: excluded by the family
  EXPECT_EQ(letters[0].find(sofia_mrn), std::string::npos);
  auto requests = school_requests(school);
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0]["status"].GetInt(), 201);
}

// Hand-carry: nothing leaves; the letter is a disclosure to the parent with legal authority.
TEST_F(school_disclosure, scenario10_hand_carried_letter_is_a_disclosure_to_the_parent) {
  start_school();
  start_mail();
  start_gateway(school.base(), mail.port);
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_and_approve("10-school-letter/letter-504-request.json", "hand_carry");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); })) << fhir_text(letter(id));
  auto audit = audit_events("110106");
  ASSERT_EQ(audit["total"].GetInt(), 1);
  const auto& recipient = audit["entry"][0]["resource"]["agent"][1]["who"];
  EXPECT_STREQ(recipient["type"].GetString(), "RelatedPerson") << fhir_text(recipient);
  auto document = parse(http_call("GET", gw.url("/fhir/DocumentReference/school-letter-" + id)).body);
  ASSERT_TRUE(document.IsObject() && document.HasMember("content"));
  EXPECT_STREQ(document["content"][0]["attachment"]["contentType"].GetString(), "application/pdf");
  EXPECT_TRUE(mail.messages().empty());
  EXPECT_TRUE(letters_received(school).empty());
}

// A person cancels a draft: it can no longer be approved.
TEST_F(school_disclosure, scenario10_cancelled_draft_cannot_be_approved) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port);
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_letter("10-school-letter/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  auto cancelled = call("POST", "/fhir/$school-letter-cancel",
                        R"({"resourceType": "Parameters", "parameter": [)" + letter_parameter(id) +
                            R"(, {"name": "reason", "valueString": "the family asked to wait"}]})");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_TRUE(letter_status_is(id, "cancelled"));
  EXPECT_EQ(approve(id).status, 409);
  EXPECT_TRUE(has(audited_steps(id), "cancelled"));
}

// A draft that waits too long becomes a Task for the signing clinician, once.
TEST_F(school_disclosure, scenario10_draft_waiting_too_long_becomes_a_task_for_the_clinician) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port, "1s");
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_letter("10-school-letter/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return has(audited_steps(id), "reminded"); }, std::chrono::seconds(30)));
  auto record = stored_record();
  auto n = std::count_if(record.actions.begin(), record.actions.end(),
                         [](const auto& a) { return a.type == "approve_school_letter"; });
  EXPECT_EQ(n, 1);
  auto task = std::find_if(record.actions.begin(), record.actions.end(),
                           [](const auto& a) { return a.type == "approve_school_letter"; });
  ASSERT_NE(task, record.actions.end());
  EXPECT_EQ(task->owner_role, "pcp");
}

// Scenario 11: a written revocation between approval and send (the nurse's mail server is down, so the
// approved letter waits) cancels it: the mailbox stays empty of it, the coordinator gets a Task, and later
// requests are blocked.
TEST_F(school_disclosure, scenario11_revoked_between_approval_and_send_leaves_the_mailbox_empty) {
  auto port = free_port();
  start_gateway("http://127.0.0.1:9/fhir", port);
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_and_approve("11-consent-revoked/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter(id)["attempts"].GetInt() >= 1; }));  // tried: the server is down

  auto revoked = post_fixture("/fhir/Consent/1", "11-consent-revoked/consent-revocation.json", "PUT", "1");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_NE(revoked.body.find("\"status\":\"inactive\""), std::string::npos);
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "cancelled"); })) << fhir_text(letter(id));

  start_mail(port);  // the mail server is back
  http_reply blocked;
  EXPECT_TRUE(request_letter("11-consent-revoked/letter-504-request.json", &blocked).empty());
  EXPECT_EQ(blocked.status, 422);
  EXPECT_NE(blocked.body.find("not_active"), std::string::npos) << blocked.body;
  send_marker("email");  // a later letter through the same sender arrives ...
  auto messages = mail.messages();
  ASSERT_EQ(messages.size(), 1U);  // ... alone: the revoked one never did
  EXPECT_NE(fhir_text(messages[0]).find("(letter " + marker() + ")"), std::string::npos);

  auto audit = audit_events("110113");
  ASSERT_EQ(audit["total"].GetInt(), 2);  // the cancellation, and the later request blocked
  auto steps = audited_steps(id);
  for (const char* step : {"requested", "drafted", "approved", "queued"})
    EXPECT_TRUE(has(steps, step)) << step;

  auto record = stored_record();
  auto task = std::find_if(record.actions.begin(), record.actions.end(),
                           [](const auto& a) { return a.type == "review_school_letter"; });
  ASSERT_NE(task, record.actions.end());
  EXPECT_EQ(task->owner_role, "care_coordinator");
  EXPECT_EQ(task->priority, "urgent");
}

// A revocation before approval: the draft is cancelled, and approving it is refused.
TEST_F(school_disclosure, scenario11_revoked_before_approval_cancels_the_draft) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port);
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_letter("11-consent-revoked/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(post_fixture("/fhir/Consent/1", "11-consent-revoked/consent-revocation.json", "PUT", "1").status,
            200);
  EXPECT_TRUE(letter_status_is(id, "cancelled"));
  EXPECT_EQ(approve(id).status, 409);
  send_marker("email");
  ASSERT_EQ(mail.messages().size(), 1U);
}

// The gate runs again right before each send: the family narrows its authorization (still active, but no
// longer allowing the emergency plan) while the approved letter waits for the school; the next attempt
// cancels it.
TEST_F(school_disclosure, scenario11_narrowed_while_queued_is_checked_again_before_sending) {
  auto port = free_port();
  start_gateway("http://127.0.0.1:" + std::to_string(port) + "/fhir", free_port());
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_and_approve("10-school-letter/letter-504-request.json", "fhir");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter(id)["attempts"].GetInt() >= 1; }));

  auto text = with_future_expiry(read_file(test_data(scenarios + "10-school-letter/consent-hipaa-504.json")));
  auto plan = text.find("\"code\": \"emergency_plan\"");
  ASSERT_NE(plan, std::string::npos);
  text.replace(plan, 26, "\"code\": \"functional_impact\"");
  auto file = dir.path() / "narrowed.json";
  write_file(file, text);
  auto narrowed = http_call("PUT", gw.url("/fhir/Consent/1"), file);
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  // Not a revocation: the update itself cancelled nothing (a revocation's answer names what it cancelled).
  EXPECT_EQ(narrowed.headers.find("X-Homebase-Disclosure"), std::string::npos) << narrowed.headers;

  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "cancelled"); })) << fhir_text(letter(id));
  EXPECT_NE(std::string(letter(id)["reason"].GetString()).find("section_not_permitted"), std::string::npos);
  start_school(port);
  send_marker("fhir");
  auto letters = letters_received(school);
  ASSERT_EQ(letters.size(), 1U);
  EXPECT_EQ(section_codes(letters[0]), std::set<std::string>{"immunizations"});
}

// Scenario 11, variant: revoked after the letter was sent: no recall, reliance noted, future letters blocked.
TEST_F(school_disclosure, scenario11_revoked_after_sending_blocks_only_future_letters) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port);
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_and_approve("10-school-letter/letter-504-request.json");
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); }));

  auto revoked = post_fixture("/fhir/Consent/1", "11-consent-revoked/consent-revocation.json", "PUT", "1");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_NE(revoked.headers.find("not recalled"), std::string::npos) << revoked.headers;
  EXPECT_TRUE(letter_status_is(id, "sent"));

  http_reply blocked;
  EXPECT_TRUE(request_letter("10-school-letter/letter-504-request.json", &blocked).empty());
  EXPECT_EQ(blocked.status, 422);
  EXPECT_EQ(mail.messages().size(), 1U);

  auto record = stored_record();
  bool reliance = false;
  for (const auto& e : record.events) reliance = reliance || e.kind == "DisclosedInReliance";
  EXPECT_TRUE(reliance);
}

// Scenario 12: each mismatch ends in blocked(reason), a 422 naming it, an AuditEvent, and nothing sent.
struct blocked_case {
  const char* name;
  std::vector<const char*> consents;
  const char* request;
  const char* reason;
};

void PrintTo(const blocked_case& c, std::ostream* out) {
  *out << c.name;
}

class scenario12 : public school_disclosure, public ::testing::WithParamInterface<blocked_case> {};

TEST_P(scenario12, disclosure_blocked) {
  start_mail();
  start_gateway("http://127.0.0.1:9/fhir", mail.port);
  for (const auto* c : GetParam().consents) ASSERT_EQ(post_fixture("/fhir/Consent", c).status, 201) << c;
  http_reply reply;
  EXPECT_TRUE(request_letter(GetParam().request, &reply).empty());
  EXPECT_EQ(reply.status, 422);
  EXPECT_NE(reply.body.find(GetParam().reason), std::string::npos) << reply.body;
  auto audit = audit_events();
  ASSERT_EQ(audit["total"].GetInt(), 1);
  EXPECT_STREQ(audit["entry"][0]["resource"]["outcome"].GetString(), "4");
  send_marker("email");
  auto messages = mail.messages();
  ASSERT_EQ(messages.size(), 1U);  // the marker alone
  EXPECT_NE(fhir_text(messages[0]).find("(letter " + marker() + ")"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    variants, scenario12,
    ::testing::Values(blocked_case{"expired",
                                   {"12-disclosure-blocked/consent-expired.json"},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "expired"},
                      blocked_case{"different_school",
                                   {"10-school-letter/consent-hipaa-504.json"},
                                   "12-disclosure-blocked/letter-other-school.json",
                                   "recipient_mismatch"},
                      blocked_case{"excluded_class",
                                   {"10-school-letter/consent-hipaa-504.json"},
                                   "12-disclosure-blocked/letter-with-behavioral-health.json",
                                   "section_excluded"},
                      blocked_case{"foster_parent_without_documentation",
                                   {"12-disclosure-blocked/consent-foster-parent.json"},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "grantor_lacks_authority"},
                      blocked_case{"agreement_is_not_an_authorization",
                                   {"12-disclosure-blocked/consent-immunization-agreement.json"},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "purpose_mismatch"},
                      blocked_case{"no_authorization",
                                   {},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "no_authorization"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST_F(school_disclosure, bad_consents_and_requests_are_answered_not_obeyed) {
  start_school();
  start_gateway(school.base(), free_port());
  // Unknown child.
  auto file = dir.path() / "other-child.json";
  auto text = read_file(test_data(scenarios + "10-school-letter/consent-hipaa-504.json"));
  text.replace(text.find("SE-448812"), 9, "SE-000001");
  write_file(file, text);
  // The practice's app cannot tell an unknown child from another practice's: both are not its own (403).
  auto unknown = http_call("POST", gw.url("/fhir/Consent"), file);
  EXPECT_EQ(unknown.status, 403) << unknown.body;
  // An operator sees every child, so it is told that there is none.
  auto for_operator = http_call("POST", gw.url("/fhir/Consent"), file, "application/fhir+json",
                                bearer(access_token(gw, "operator")));
  EXPECT_EQ(for_operator.status, 422);
  EXPECT_NE(for_operator.body.find("no child"), std::string::npos) << for_operator.body;
  // Not valid R4.
  write_file(file, R"({"resourceType":"Consent","status":"revoked"})");
  EXPECT_EQ(http_call("POST", gw.url("/fhir/Consent"), file).status, 422);
  // Not a Parameters the operation knows.
  write_file(file,
             R"({"resourceType":"Parameters","parameter":[{"name":"kind","valueCode":"report_card"}]})");
  EXPECT_EQ(http_call("POST", gw.url("/fhir/$school-letter"), file).status, 422);
  EXPECT_EQ(http_call("PUT", gw.url("/fhir/Consent/99"),
                      test_data(scenarios + "11-consent-revoked/consent-revocation.json"))
                .status,
            404);
  // A search without parameters is the whole trail (an operator's view; gateway/audit/audit_api).
  auto everything = http_call("GET", gw.url("/fhir/AuditEvent"));
  EXPECT_EQ(everything.status, 200);
  EXPECT_STREQ(parse(everything.body)["type"].GetString(), "searchset");
  EXPECT_EQ(http_call("GET", gw.url("/fhir/AuditEvent?date=yesterday")).status, 400);
  // Consent/$validate is still the validate operation, not a Consent id.
  auto validated = http_call("POST", gw.url("/fhir/Consent/$validate"),
                             test_data(scenarios + "10-school-letter/consent-hipaa-504.json"));
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_EQ(validated.body.find(R"("severity":"error")"), std::string::npos) << validated.body;
  auto metadata = http_call("GET", gw.url("/fhir/metadata"));
  EXPECT_NE(metadata.body.find(R"("name":"school-letter")"), std::string::npos);
  EXPECT_NE(metadata.body.find(R"("type":"Consent")"), std::string::npos);
  EXPECT_TRUE(letters_received(school).empty());
}

}  // namespace
}  // namespace homebase::testing
