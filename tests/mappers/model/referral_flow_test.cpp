#include "mappers/model/referral_flow.hpp"

#include <gtest/gtest.h>

namespace homebase::mappers::model {
namespace {

TEST(ReferralFlow, FollowsTheBserMachine) {
  EXPECT_TRUE(referral_transition_allowed("sent", "accepted"));
  EXPECT_TRUE(referral_transition_allowed("sent", "declined"));
  EXPECT_TRUE(referral_transition_allowed("accepted", "scheduled"));
  EXPECT_TRUE(referral_transition_allowed("scheduled", "scheduled"));  // rescheduled
  EXPECT_TRUE(referral_transition_allowed("scheduled", "seen"));
  EXPECT_TRUE(referral_transition_allowed("seen", "report_received"));
  EXPECT_TRUE(referral_transition_allowed("report_received", "closed"));
  EXPECT_TRUE(referral_transition_allowed("draft", "scheduled"));  // steps the gateway did not see
}

TEST(ReferralFlow, RefusesWhatTheMachineDoesNot) {
  EXPECT_FALSE(referral_transition_allowed("declined", "accepted"));  // terminal
  EXPECT_FALSE(referral_transition_allowed("cancelled", "scheduled"));
  EXPECT_FALSE(referral_transition_allowed("closed", "seen"));
  EXPECT_FALSE(referral_transition_allowed("report_received", "scheduled"));
  EXPECT_FALSE(referral_transition_allowed("seen", "sent"));
  EXPECT_FALSE(referral_transition_allowed("sent", "closed"));
  EXPECT_FALSE(referral_transition_allowed("draft", "closed"));
  EXPECT_FALSE(referral_transition_allowed("sent", "somewhere"));
}

TEST(ReferralFlow, RequestStatusFollowsTheFlow) {
  EXPECT_EQ(request_status_for_flow("scheduled"), "active");
  EXPECT_EQ(request_status_for_flow("report_received"), "completed");
  EXPECT_EQ(request_status_for_flow("declined"), "revoked");
  EXPECT_EQ(request_status_for_flow("draft"), "draft");
}

}  // namespace
}  // namespace homebase::mappers::model
