#include "fhir/definitions/constraint_guard.hpp"

#include <gtest/gtest.h>

namespace homebase::fhir::definitions {
namespace {

using names = std::vector<std::string>;

TEST(ConstraintGuard, CollectsTheMembersAnExpressionStartsFrom) {
  auto g = analyse_constraint("start.hasValue().not() or end.hasValue().not() or (start <= end)");
  EXPECT_TRUE(g.guardable);
  EXPECT_EQ(g.root_names, (names{"start", "end"}));
  g = analyse_constraint("contained.contained.empty()");
  EXPECT_EQ(g.root_names, (names{"contained"}));
  g = analyse_constraint("code.empty() or system.exists()");
  EXPECT_EQ(g.root_names, (names{"code", "system"}));
  g = analyse_constraint("text.`div`.exists()");
  EXPECT_EQ(g.root_names, (names{"text"}));
  g = analyse_constraint("value.exists() implies (value is Quantity and value.unit = 'kg')");
  EXPECT_TRUE(g.guardable);
  EXPECT_EQ(g.root_names, (names{"value"})) << "keywords, type names and string literals are not members";
  g = analyse_constraint("period.start <= @2020-01-01T10:00:00Z");
  EXPECT_EQ(g.root_names, (names{"period"}));
  g = analyse_constraint("entry.where(fullUrl.exists()).count() > 1.5");
  EXPECT_EQ(g.root_names, (names{"entry", "fullUrl"})) << "a superset is safe";
}

TEST(ConstraintGuard, AnythingLookingAtTheFocusItselfIsNotGuardable) {
  EXPECT_FALSE(analyse_constraint("hasValue() or (children().count() > id.count())").guardable);
  EXPECT_FALSE(analyse_constraint("htmlChecks()").guardable);
  EXPECT_FALSE(analyse_constraint("entry.all(request.exists() = (%resource.type = 'batch'))").guardable);
  EXPECT_FALSE(analyse_constraint("$this.code.exists()").guardable);
  EXPECT_FALSE(analyse_constraint("Patient.name.exists()").guardable);
}

TEST(ConstraintGuard, MemberMatchesCoverCompanionsAndChoiceTypes) {
  EXPECT_TRUE(member_matches("value", "value"));
  EXPECT_TRUE(member_matches("valueQuantity", "value"));
  EXPECT_TRUE(member_matches("_value", "value"));
  EXPECT_FALSE(member_matches("valueset", "value"));
  EXPECT_FALSE(member_matches("val", "value"));
}

}  // namespace
}  // namespace homebase::fhir::definitions
