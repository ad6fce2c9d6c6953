#include "gateway/api/search_request.hpp"

#include <gtest/gtest.h>

#include "fhir/date_prefix.hpp"

namespace homebase::gateway::api {
namespace {

using store::index_filter;

search_request ok(std::string_view type, std::string_view query, bool strict = false) {
  auto parsed = parse_search(type, query, strict);
  if (auto* e = std::get_if<search_error>(&parsed)) {
    ADD_FAILURE() << query << ": " << e->param << ": " << e->message;
    return {};
  }
  return std::get<search_request>(parsed);
}

search_error bad(std::string_view type, std::string_view query, bool strict = false) {
  auto parsed = parse_search(type, query, strict);
  if (auto* e = std::get_if<search_error>(&parsed)) return *e;
  ADD_FAILURE() << query << " was accepted";
  return {};
}

TEST(search_request, patient_takes_a_typed_or_bare_id_and_ors_commas) {
  auto q = ok("CarePlan", "patient=Patient/abc,def");
  ASSERT_EQ(q.query.filters.size(), 1u);
  const auto& f = q.query.filters[0];
  EXPECT_EQ(f.what, index_filter::on::reference);
  EXPECT_EQ(f.param, "patient");
  ASSERT_EQ(f.any_of.size(), 2u);
  EXPECT_FALSE(f.any_of[0].any_system);
  EXPECT_EQ(f.any_of[0].system, "Patient");
  EXPECT_EQ(f.any_of[0].value, "abc");
  EXPECT_TRUE(f.any_of[1].any_system);
  EXPECT_EQ(f.any_of[1].value, "def");
  auto absolute = ok("Task", "subject=http%3A%2F%2Fx.org%2Ffhir%2FPatient%2Fp1");
  EXPECT_EQ(absolute.query.filters[0].any_of[0].system, "Patient");
  EXPECT_EQ(absolute.query.filters[0].any_of[0].value, "p1");
}

TEST(search_request, repeated_parameters_are_anded) {
  auto q = ok("Appointment", "date=ge2024-03-01&date=lt2024-04&status=booked,arrived");
  ASSERT_EQ(q.query.filters.size(), 3u);
  EXPECT_EQ(q.query.filters[0].any_of[0].prefix, static_cast<int>(fhir::date_prefix::ge));
  EXPECT_EQ(q.query.filters[1].any_of[0].prefix, static_cast<int>(fhir::date_prefix::lt));
  EXPECT_EQ(q.query.filters[1].any_of[0].low,
            fhir::parse_date_range("2024-04", fhir::date_syntax::search)->low);
  EXPECT_EQ(q.query.filters[2].what, index_filter::on::status);
  EXPECT_EQ(q.query.filters[2].any_of.size(), 2u);
}

TEST(search_request, identifier_tokens_with_and_without_system) {
  auto q = ok("ServiceRequest", "identifier=http%3A%2F%2Fs%7CREF-1,%7Cnosys,bare,http%3A%2F%2Fs%7C");
  const auto& alts = q.query.filters[0].any_of;
  ASSERT_EQ(alts.size(), 4u);
  EXPECT_FALSE(alts[0].any_system);
  EXPECT_EQ(alts[0].system, "http://s");
  EXPECT_EQ(alts[0].value, "REF-1");
  EXPECT_FALSE(alts[1].any_system);
  EXPECT_EQ(alts[1].system, "");
  EXPECT_TRUE(alts[2].any_system);
  EXPECT_EQ(alts[2].value, "bare");
  EXPECT_FALSE(alts[3].match_value);                 // system| : any value in that system
  auto escaped = ok("Task", "identifier=a%5C%7Cb");  // a\|b : one value with a bar in it
  EXPECT_EQ(escaped.query.filters[0].any_of[0].value, "a|b");
}

TEST(search_request, each_type_uses_the_r4_date_parameter_names) {
  EXPECT_EQ(ok("Task", "authored-on=2024&period=2024").query.filters.size(), 2u);
  EXPECT_EQ(ok("ServiceRequest", "authored=2024&occurrence=2024").query.filters.size(), 2u);
  EXPECT_EQ(ok("CareTeam", "date=2024").query.filters.size(), 1u);
  EXPECT_EQ(ok("Patient", "birthdate=2024-01-17").query.filters.size(), 1u);
  // Task has no `date` in R4: unknown, ignored; with strict handling refused.
  EXPECT_TRUE(ok("Task", "date=2024").query.filters.empty());
  EXPECT_EQ(bad("Task", "date=2024", true).param, "date");
  EXPECT_TRUE(ok("Patient", "status=active").query.filters.empty());
}

TEST(search_request, count_defaults_caps_and_refuses_garbage) {
  EXPECT_EQ(ok("Task", "").query.count, default_page_size);
  EXPECT_EQ(ok("Task", "_count=5").query.count, 5);
  EXPECT_EQ(ok("Task", "_count=0").query.count, 0);
  EXPECT_EQ(ok("Task", "_count=100000").query.count, max_page_size);
  EXPECT_EQ(bad("Task", "_count=-1").param, "_count");
  EXPECT_EQ(bad("Task", "_count=ten").param, "_count");
  EXPECT_EQ(ok("Task", "_cursor=42").query.after_seq, 42);
  EXPECT_EQ(bad("Task", "_cursor=x").param, "_cursor");
}

TEST(search_request, invalid_values_of_known_parameters_name_the_parameter) {
  EXPECT_EQ(bad("Appointment", "date=yesterday").param, "date");
  EXPECT_EQ(bad("Appointment", "date=gt2024-13").param, "date");
  EXPECT_EQ(bad("Appointment", "_lastUpdated=2024-01-17T10").param, "_lastUpdated");
  EXPECT_EQ(bad("Appointment", "_id=has%20space").param, "_id");
  EXPECT_EQ(bad("Appointment", "patient=Patient/a%20b").param, "patient");
  EXPECT_EQ(bad("Appointment", "identifier=a%7Cb%7Cc").param, "identifier");
  EXPECT_EQ(bad("Appointment", "status:not=booked").param, "status:not");
  EXPECT_EQ(bad("Appointment", "_include=Appointment").param, "_include");
  EXPECT_EQ(bad("Appointment", "date=%ZZ").param, "");  // a broken escape
}

TEST(search_request, unknown_parameters_are_ignored_unless_strict_and_empty_values_always) {
  auto q = ok("Appointment", "_sort=date&foo=bar&status=&_format=json");
  EXPECT_TRUE(q.query.filters.empty());
  EXPECT_TRUE(q.echoed.empty());
  EXPECT_EQ(bad("Appointment", "_sort=date", true).param, "_sort");
  EXPECT_TRUE(ok("Appointment", "_format=json", true).query.filters.empty());
}

TEST(search_request, include_of_the_patient_or_subject) {
  EXPECT_EQ(ok("Appointment", "_include=Appointment:patient").include_params,
            std::vector<std::string>{"patient"});
  EXPECT_EQ(ok("Task", "_include=Task:subject:Patient").include_params, std::vector<std::string>{"subject"});
  // Another source type, or a parameter without Patient target: ignored, or 400 when strict.
  EXPECT_TRUE(ok("Appointment", "_include=CarePlan:patient").include_params.empty());
  EXPECT_TRUE(ok("Appointment", "_include=Appointment:actor").include_params.empty());
  EXPECT_EQ(bad("Appointment", "_include=Appointment:actor", true).param, "_include");
}

TEST(search_request, echoes_what_it_understood_for_links) {
  auto q = ok("Appointment", "status=booked&foo=1&_count=3&_cursor=9&date=ge2024");
  ASSERT_EQ(q.echoed.size(), 2u);
  EXPECT_EQ(q.echoed[0], (std::pair<std::string, std::string>{"status", "booked"}));
  EXPECT_EQ(q.echoed[1], (std::pair<std::string, std::string>{"date", "ge2024"}));
  EXPECT_EQ(query_encode("http://s|v w"), "http://s%7Cv%20w");
}

}  // namespace
}  // namespace homebase::gateway::api
